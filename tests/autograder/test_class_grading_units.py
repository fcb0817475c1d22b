"""The class grader's parts that need no nbgrader run: options, submissions, resume state, CPU shares, report."""

import fcntl
import os

import nbformat
import pytest
from rich.console import Console

from autograder import class_grading, class_report, cpu_share, grading_state, sandbox
from autograder.class_grading import StudentResult

GIB = 1024**3


@pytest.fixture
def course(tmp_path):
    """A course folder with assignment `quiz` and submissions from ann and bob."""
    (tmp_path / "nbgrader_config.py").write_text("")
    (tmp_path / "source" / "quiz").mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "source" / "quiz" / "quiz.ipynb")
    for student in ("bob", "ann"):
        folder = tmp_path / "submitted" / student / "quiz"
        folder.mkdir(parents=True)
        nbformat.write(nbformat.v4.new_notebook(), folder / "quiz.ipynb")
    return tmp_path


@pytest.mark.parametrize("cores, tasks, threads", [(2, 2, 1), (2, 1, 2), (8, 3, 2), (1, 4, 1), (16, 4, 4)])
def test_each_task_gets_its_share_of_the_cores(cores, tasks, threads):
    assert cpu_share.threads_per_task(tasks, cores=cores) == threads


def test_the_thread_settings_reach_tensorflow_and_blas():
    environment = cpu_share.thread_environment(3)
    assert environment["TF_NUM_INTRAOP_THREADS"] == environment["TF_NUM_INTEROP_THREADS"] == "3"
    assert environment["OMP_NUM_THREADS"] == environment["OPENBLAS_NUM_THREADS"] == "3"
    with pytest.raises(ValueError, match="at least 1 thread"):
        cpu_share.thread_environment(0)


def test_the_sandboxed_kernel_gets_the_thread_settings(tmp_path, monkeypatch):
    for name, value in cpu_share.thread_environment(1).items():
        monkeypatch.setenv(name, value)
    layout = sandbox.prepare_layout(tmp_path / "scratch", submission_dir=None, read_only=())
    command = sandbox.wrap(["python"], layout, sandbox.Limits(), cgroup_procs=())
    settings = {command[index + 1]: command[index + 2] for index, word in enumerate(command) if word == "--setenv"}
    assert settings["TF_NUM_INTRAOP_THREADS"] == "1" and settings["OMP_NUM_THREADS"] == "1"


@pytest.mark.parametrize("cores, memory, workers", [(2, 24 * GIB, 2), (16, 24 * GIB, 2), (16, 64 * GIB, 6), (1, 1 * GIB, 1)])
def test_the_local_pool_fits_the_cores_and_the_memory(cores, memory, workers):
    assert class_grading.default_workers(cores=cores, memory_bytes=memory) == workers


def test_submissions_are_found_and_a_missing_student_is_named(course):
    assert list(class_grading.find_submissions(course, ["quiz"])["quiz"]) == ["ann", "bob"]
    assert list(class_grading.find_submissions(course, ["quiz"], ["bob", "bob"])["quiz"]) == ["bob"]
    with pytest.raises(FileNotFoundError, match=r"none for carl, dave\. Students with a submission: ann, bob"):
        class_grading.find_submissions(course, ["quiz"], ["carl", "ann", "dave"])


def test_with_several_assignments_a_named_student_needs_a_submission_of_one(course):
    (course / "source" / "essay").mkdir()
    nbformat.write(nbformat.v4.new_notebook(), course / "source" / "essay" / "essay.ipynb")
    (course / "submitted" / "carl" / "essay").mkdir(parents=True)
    found = class_grading.find_submissions(course, ["quiz", "essay"], ["carl", "bob"])
    assert {assignment: list(folders) for assignment, folders in found.items()} == {"quiz": ["bob"], "essay": ["carl"]}
    with pytest.raises(FileNotFoundError, match=r"submitted/<student>/quiz or essay/.*none for dave"):
        class_grading.find_submissions(course, ["quiz", "essay"], ["carl", "dave"])


def test_an_assignment_without_submissions_or_source_is_refused(course):
    (course / "source" / "essay").mkdir()
    nbformat.write(nbformat.v4.new_notebook(), course / "source" / "essay" / "essay.ipynb")
    with pytest.raises(FileNotFoundError, match=r"submitted/<student>/essay/.*Received: none"):
        class_grading.find_submissions(course, ["quiz", "essay"])
    with pytest.raises(ValueError, match="Expected exactly one notebook in source/nothing/"):
        class_grading.find_submissions(course, ["nothing"])


@pytest.mark.parametrize("options, message", [
    (dict(workers=0), "at least 1 worker"),
    (dict(workers=2, scheduler="tcp://10.0.0.5:8786", db_url="postgresql://g@h/db"), "Drop --workers"),
    (dict(scheduler="tcp://10.0.0.5:8786"), "Expected --db with a PostgreSQL URL"),
    (dict(scheduler="tcp://10.0.0.5:8786", db_url="sqlite:///gradebook.db"), "SQLite takes no writers"),
])
def test_options_that_do_not_fit_together_are_refused_before_any_work(course, options, message):
    with pytest.raises(ValueError, match=message):
        class_grading.grade_class(course, "quiz", **options)
    assert not (course / "gradebook.db").exists()


def test_an_unreachable_scheduler_is_named_with_the_fix(monkeypatch):
    monkeypatch.setattr(class_grading, "SCHEDULER_TIMEOUT_SECONDS", 1)
    with pytest.raises(ConnectionError, match=r"Expected a Dask scheduler at tcp://127\.0\.0\.1:9\..*dask scheduler"):
        with class_grading._dask_client("tcp://127.0.0.1:9", None):
            pass


def test_an_unreachable_gradebook_database_is_named(course):
    with pytest.raises(ConnectionError, match="Expected a gradebook database at postgresql://"):
        class_grading.record_assignment(course, "quiz", "postgresql://nobody@127.0.0.1:9/gradebook")


def test_the_fingerprint_changes_with_any_file_of_the_submission(course):
    folder = course / "submitted" / "ann" / "quiz"
    before = grading_state.submission_fingerprint(folder)
    assert grading_state.submission_fingerprint(course / "submitted" / "bob" / "quiz") == before  # same files
    (folder / "timestamp.txt").write_text("2026-11-23 10:00:00")
    with_timestamp = grading_state.submission_fingerprint(folder)
    assert with_timestamp != before
    (folder / "timestamp.txt").write_text("2026-11-23 10:00:01")
    assert grading_state.submission_fingerprint(folder) not in (before, with_timestamp)


def test_a_student_is_remembered_as_graded_until_forgotten(course):
    assert grading_state.graded_fingerprint(course, "quiz", "ann") is None
    grading_state.mark_graded(course, "quiz", "ann", "abc")
    assert grading_state.graded_fingerprint(course, "quiz", "ann") == "abc"
    assert grading_state.graded_fingerprint(course, "quiz", "bob") is None
    grading_state.forget_graded(course, "quiz", "ann")
    assert grading_state.graded_fingerprint(course, "quiz", "ann") is None
    path = course / grading_state.STATE_DIR / "graded" / "quiz" / "ann.json"
    path.write_text("{not json")
    assert grading_state.graded_fingerprint(course, "quiz", "ann") is None


def test_a_students_lock_is_held_by_one_holder_at_a_time(course):
    path = course / grading_state.STATE_DIR / "locks" / "quiz" / "ann.lock"
    with grading_state.student_lock(course, "quiz", "ann"):
        other = os.open(path, os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(other)
    other = os.open(path, os.O_RDWR)
    fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free again
    os.close(other)


def test_the_table_shows_scores_skips_failures_and_notes():
    results = [
        StudentResult("ann", 9.0, 11.0, 52.3),
        StudentResult("bob", 4.0, 11.0, 0.0, skipped=True),
        StudentResult("carl", seconds=3.0, failure="nbgrader failed\nNbGraderException: no notebooks"),
        StudentResult("dave", 0.0, 11.0, 601.0, note="loss_curves.ipynb: not run: cell 4 ran past its limit"),
    ]
    console = Console(record=True, width=200)
    console.print(class_report.results_table(results, "01_loss_curves"))
    text = console.export_text()
    assert "2 graded, 1 unchanged and skipped, 1 could not be graded, mean 4.33 / 11" in text
    lines = {line.split()[1]: line for line in text.splitlines() if line.startswith("│ ") and len(line.split()) > 2}
    assert "9" in lines["ann"].split() and "52" in lines["ann"].split()
    assert "skipped" in lines["bob"]
    assert "NbGraderException: no notebooks" in text and "ran past its limit" in lines["dave"]


def test_the_progress_names_the_assignment_when_grading_several():
    console = Console(record=True, width=200)
    with class_report.GradingProgress(console, ["quiz", "essay"]) as progress:
        progress.on_start(2)
        progress.on_result(StudentResult("ann", 9.0, 11.0, 52.3, assignment="quiz"))
        progress.on_result(StudentResult("ann", seconds=3.0, failure="NbGraderException: no notebooks", assignment="essay"))
    text = console.export_text()
    assert "grading quiz, essay" in text
    assert "ann / quiz: 9 / 11 in 52 s" in text and "ann / essay: could not be graded" in text
