"""The class grader's parts that need no nbgrader run: options, submissions, resume state, CPU shares, report."""

import fcntl
import os
import re

import nbformat
import pytest
from rich.console import Console

from autograder.classroom import display, grading_state, pool
from autograder.classroom.option_errors import OptionConnectionError, OptionError
from autograder.classroom.pool import StudentResult
from autograder.sandbox import bubblewrap, cpu_share
from autograder.tools import cli

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


@pytest.mark.parametrize("grader_threads", [None, "2", "64"])
def test_the_sandboxed_kernel_and_judge_get_one_thread_whatever_the_grader_has(tmp_path, monkeypatch, grader_threads):
    """The count never follows the grading process's environment or cores, so a
    submission's numbers are the same with any worker count on any machine."""
    for name in cpu_share.THREAD_VARIABLES:
        if grader_threads is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, grader_threads)
    layout = bubblewrap.prepare_layout(tmp_path / "scratch", submission_dir=None, read_only=())
    for command in (bubblewrap.wrap(["python"], layout, bubblewrap.Limits(), cgroup_procs=()),
                    bubblewrap.wrap_judge(["python"], tmp_path / "scratch", tmp_path, bubblewrap.JUDGE_LIMITS, ())):
        settings = {command[index + 1]: command[index + 2] for index, word in enumerate(command) if word == "--setenv"}
        assert {name: settings.get(name) for name in cpu_share.THREAD_VARIABLES} == cpu_share.grading_thread_environment()
    assert cpu_share.grading_thread_environment()["TF_NUM_INTRAOP_THREADS"] == "1"


@pytest.mark.parametrize("cores, memory, workers", [(2, 24 * GIB, 2), (16, 24 * GIB, 2), (16, 64 * GIB, 6), (1, 1 * GIB, 1)])
def test_the_local_pool_fits_the_cores_and_the_memory(cores, memory, workers):
    assert pool.default_workers(cores=cores, memory_bytes=memory) == workers


def test_a_course_that_raises_the_kernel_memory_cap_gets_fewer_workers(course):
    """A task needs the course's configured kernel cap plus the judge's, so raising the cap lowers the count."""
    machine = dict(cores=16, memory_bytes=64 * GIB)
    assert pool.kernel_memory_bytes(course) == bubblewrap.Limits.memory_bytes
    assert pool.default_workers(course, **machine) == pool.default_workers(**machine) == 6  # 64 // (6 + 4)
    (course / "nbgrader_config.py").write_text("c = get_config()\nc.SandboxedExecute.memory_bytes = 12 * 1024**3\n")
    assert pool.kernel_memory_bytes(course) == 12 * GIB
    assert pool.default_workers(course, **machine) == 4  # 64 // (12 + 4)


def test_the_course_config_sets_no_copy_of_the_kernel_cap(course_root):
    assert pool.kernel_memory_bytes(course_root) == bubblewrap.Limits.memory_bytes


def test_submissions_are_found_and_a_missing_student_is_named(course):
    assert list(pool.find_submissions(course, ["quiz"])["quiz"]) == ["ann", "bob"]
    assert list(pool.find_submissions(course, ["quiz"], ["bob", "bob"])["quiz"]) == ["bob"]
    with pytest.raises(FileNotFoundError, match=r"none for carl, dave\. Students with a submission: ann, bob"):
        pool.find_submissions(course, ["quiz"], ["carl", "ann", "dave"])


def test_with_several_assignments_a_named_student_needs_a_submission_of_one(course):
    (course / "source" / "essay").mkdir()
    nbformat.write(nbformat.v4.new_notebook(), course / "source" / "essay" / "essay.ipynb")
    (course / "submitted" / "carl" / "essay").mkdir(parents=True)
    found = pool.find_submissions(course, ["quiz", "essay"], ["carl", "bob"])
    assert {assignment: list(folders) for assignment, folders in found.items()} == {"quiz": ["bob"], "essay": ["carl"]}
    with pytest.raises(FileNotFoundError, match=r"submitted/<student>/quiz or essay/.*none for dave"):
        pool.find_submissions(course, ["quiz", "essay"], ["carl", "dave"])


def test_an_assignment_without_submissions_or_source_is_refused(course):
    (course / "source" / "essay").mkdir()
    nbformat.write(nbformat.v4.new_notebook(), course / "source" / "essay" / "essay.ipynb")
    with pytest.raises(FileNotFoundError, match=r"submitted/<student>/essay/.*Received: none"):
        pool.find_submissions(course, ["quiz", "essay"])
    with pytest.raises(ValueError, match="Expected exactly one notebook in source/nothing/"):
        pool.find_submissions(course, ["nothing"])


SCHEDULER, POSTGRESQL, SQLITE = "tcp://10.0.0.5:8786", "postgresql://g@h/db", "sqlite:///gradebook.db"


@pytest.mark.parametrize("options, message, flags, cli_message", [
    (dict(workers=0), r"at least 1 worker\. Received: workers=0", ["--workers", "0"],
     r"at least 1 worker\. Received: --workers 0"),
    (dict(workers=2, scheduler=SCHEDULER, db_url=POSTGRESQL), "Drop `workers`",
     ["--workers", "2", "--scheduler", SCHEDULER, "--db", POSTGRESQL], "Drop --workers"),
    (dict(scheduler=SCHEDULER), "Expected `db_url` with a PostgreSQL URL", ["--scheduler", SCHEDULER],
     r"Expected --db with a PostgreSQL URL.*Received: no --db \(the SQLite gradebook\.db\)"),
    (dict(scheduler=SCHEDULER, db_url=SQLITE), "SQLite takes no writers", ["--scheduler", SCHEDULER, "--db", SQLITE],
     "Received: --db sqlite:///gradebook.db. SQLite takes no writers"),
])
def test_options_that_do_not_fit_together_are_refused_before_any_work(course, monkeypatch, capsys, options, message,
                                                                      flags, cli_message):
    """The library names its options in Python terms; the command line names its flags."""
    with pytest.raises(OptionError, match=message) as refused:
        pool.grade_class(course, "quiz", **options)
    assert isinstance(refused.value, ValueError) and "--" not in str(refused.value)
    assert not (course / "gradebook.db").exists()
    monkeypatch.chdir(course)
    assert cli.main(["grade", "quiz", *flags]) == cli.EXIT_BAD_INPUT
    assert re.search(cli_message, capsys.readouterr().err)
    assert not (course / "gradebook.db").exists()


def test_an_unreachable_scheduler_is_named_with_the_fix(monkeypatch):
    monkeypatch.setattr(pool, "SCHEDULER_TIMEOUT_SECONDS", 1)
    with pytest.raises(ConnectionError, match=r"Expected a Dask scheduler at tcp://127\.0\.0\.1:9\..*dask scheduler") as refused:
        with pool._dask_client("tcp://127.0.0.1:9", None):
            pass
    assert isinstance(refused.value, OptionConnectionError) and "drop `scheduler` to grade" in str(refused.value)
    assert "drop --scheduler to grade" in refused.value.spelled(cli.FLAG_SPELLING)


def test_an_unreachable_gradebook_database_is_named(course):
    with pytest.raises(ConnectionError, match="Expected a gradebook database at postgresql://") as refused:
        pool.record_assignment(course, "quiz", "postgresql://nobody@127.0.0.1:9/gradebook")
    assert isinstance(refused.value, OptionConnectionError) and "Check `db_url`:" in str(refused.value)
    assert "Check --db:" in refused.value.spelled(cli.FLAG_SPELLING)


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
    console.print(display.results_table(results, "01_loss_curves"))
    text = console.export_text()
    assert "2 graded, 1 unchanged and skipped, 1 could not be graded, mean 4.33 / 11" in text
    lines = {line.split()[1]: line for line in text.splitlines() if line.startswith("│ ") and len(line.split()) > 2}
    assert "9" in lines["ann"].split() and "52" in lines["ann"].split()
    assert "skipped" in lines["bob"]
    assert "NbGraderException: no notebooks" in text and "ran past its limit" in lines["dave"]


def test_the_progress_names_the_assignment_when_grading_several():
    console = Console(record=True, width=200)
    with display.GradingProgress(console, ["quiz", "essay"]) as progress:
        progress.on_start(2)
        progress.on_result(StudentResult("ann", 9.0, 11.0, 52.3, assignment="quiz"))
        progress.on_result(StudentResult("ann", seconds=3.0, failure="NbGraderException: no notebooks", assignment="essay"))
    text = console.export_text()
    assert "grading quiz, essay" in text
    assert "ann / quiz: 9 / 11 in 52 s" in text and "ann / essay: could not be graded" in text


def test_the_progress_says_which_flag_grades_skipped_submissions_again():
    for spelling, hint in ((cli.FLAG_SPELLING, "(--force grades them again)"), (None, "(`force` grades them again)")):
        console = Console(record=True, width=200)
        options = {} if spelling is None else {"spelling": spelling}
        with display.GradingProgress(console, ["quiz"], **options) as progress:
            progress.on_result(StudentResult("bob", 4.0, 11.0, skipped=True, assignment="quiz"))
            progress.on_start(0)
        assert f"1 submission(s) already graded and unchanged: skipped {hint}" in console.export_text()
