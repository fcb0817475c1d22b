"""Grading a whole class on a Dask cluster with a PostgreSQL gradebook, against sequential nbgrader.

A class of `CLASS_SIZE` submissions of a generated assignment (`class_quiz`)
is graded twice, in two copies of the course:

- sequentially, by plain `nbgrader autograde` with its SQLite gradebook;
- by `pool.grade_class` on a local Dask cluster of two workers,
  with the gradebook on a real PostgreSQL server, one worker killed with
  SIGKILL while it grades.

Every score must be the same, and every student graded exactly once.
"""

import csv
import os
import signal
import time

import nbformat
import psutil
import pytest
from distributed import Client, LocalCluster
from nbgrader.api import Gradebook

from autograder.classroom import gradebook, nbgrader_course, pool
from autograder.tools import cli

import class_quiz
from postgres_server import PostgresServer, binaries_dir

CLASS_SIZE = 20
WORKERS = 2
# What each task starts (`pool.grade_student`), and the student's
# kernel, which lives only in the middle of that task's autograde.
GRADER_COMMAND = "autograder.classroom.grade_one"
KERNEL_COMMAND = "ipykernel_launcher"


@pytest.fixture(scope="module")
def postgres():
    if binaries_dir() is None:
        message = "PostgreSQL is not installed (Debian package postgresql; `make test` installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sequential(course_root, tmp_path_factory, record_timing):
    """The class graded by one plain `nbgrader autograde`, with SQLite: `{student: NotebookScore}`."""
    course = class_quiz.make_course(course_root, tmp_path_factory.mktemp("class-sequential"))
    students = class_quiz.submit_class(course, CLASS_SIZE)
    start = time.perf_counter()
    nbgrader_course.run_nbgrader(course, "autograde", class_quiz.ASSIGNMENT)
    record_timing(f"sequential nbgrader autograde, {CLASS_SIZE} submissions, SQLite", time.perf_counter() - start)
    return {student: gradebook.read_scores(course, class_quiz.ASSIGNMENT, student)[0] for student in students}


class WorkerKiller:
    """Kills, once, a worker in the middle of a student's autograde, when the first result arrives.

    Attributes:
        killed: `(pid, task key)` of the worker killed and the task it was running.
        graders: The processes the worker had started (the grader, the kernel) when killed.
        grader_commands: Their command lines.
        survivors: Those still running (not zombies) 10 s after the kill.
    """

    def __init__(self, client):
        self.client = client
        self.killed = None
        self.graders = []
        self.grader_commands = []
        self.survivors = []

    def __call__(self, result):
        if self.killed:
            return
        workers = self.client.run(os.getpid)
        for _ in range(300):
            for address, pid in workers.items():
                graders = psutil.Process(pid).children(recursive=True)
                commands = [" ".join(_command_line(process)) for process in graders]
                task_keys = self.client.run(_executing_task_keys, workers=[address])[address]
                if len(task_keys) == 1 and any(KERNEL_COMMAND in command for command in commands):
                    (task_key,) = task_keys
                    os.kill(pid, signal.SIGKILL)
                    self.killed, self.graders, self.grader_commands = (pid, task_key), graders, commands
                    _, alive = psutil.wait_procs(graders, timeout=10)
                    self.survivors = [process for process in alive if _still_running(process)]
                    return
            time.sleep(0.1)


def _executing_task_keys(dask_worker):
    """The keys of the tasks `dask_worker` is running now (`processing()` also lists those queued there)."""
    return [task.key for task in dask_worker.state.executing]


def _still_running(process):
    """Whether `process` still runs code. A zombie runs nothing and writes nothing: it waits
    only for a parent to reap it, which in a container whose first process reaps no
    orphans may never come."""
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _command_line(process):
    try:
        return process.cmdline()
    except psutil.Error:
        return []


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True, memory_limit=0,
                      dashboard_address=None) as local_cluster, Client(local_cluster) as client:
        yield local_cluster, client


@pytest.fixture(scope="module")
def on_dask(course_root, tmp_path_factory, postgres, cluster, record_timing):
    """The class graded on the Dask cluster with the gradebook on PostgreSQL, a worker killed mid-run."""
    local_cluster, client = cluster
    course = class_quiz.make_course(course_root, tmp_path_factory.mktemp("class-dask"))
    students = class_quiz.submit_class(course, CLASS_SIZE)
    db_url = postgres.create_database("class_quiz")
    killer = WorkerKiller(client)
    start = time.perf_counter()
    results = pool.grade_class(course, class_quiz.ASSIGNMENT, scheduler=local_cluster.scheduler_address,
                                        db_url=db_url, on_result=killer)
    seconds = time.perf_counter() - start
    record_timing(f"grade_class on Dask ({WORKERS} workers, one killed), {CLASS_SIZE} submissions, PostgreSQL", seconds)
    return {"course": course, "students": students, "db_url": db_url, "results": results, "killer": killer}


def test_every_score_equals_sequential_nbgrader_with_sqlite(sequential, on_dask):
    assert len(sequential) == CLASS_SIZE >= 20
    for student, number in on_dask["students"].items():
        (score,) = gradebook.read_scores(on_dask["course"], class_quiz.ASSIGNMENT, student, on_dask["db_url"])
        assert score.cells == sequential[student].cells, student
        assert score.auto_score == class_quiz.expected_score(number), student
    assert len({score.auto_score for score in sequential.values()}) == 4, "the class has every possible score"


def test_a_killed_worker_leaves_every_student_graded_once(on_dask):
    killer = on_dask["killer"]
    assert killer.killed, "a worker was killed"
    _, task_key = killer.killed
    killed_student = next(student for student in on_dask["students"] if f"-{student}-" in task_key)
    results = on_dask["results"]
    assert [result.student for result in results] == sorted(on_dask["students"])
    assert not [result for result in results if result.failure or result.skipped]
    assert next(result for result in results if result.student == killed_student).score is not None
    with Gradebook(on_dask["db_url"]) as gradebook:
        submitted = [submission.student_id for submission in gradebook.assignment_submissions(class_quiz.ASSIGNMENT)]
    assert sorted(submitted) == sorted(on_dask["students"])


def test_the_killed_workers_grader_dies_with_it(on_dask):
    """nbgrader, and the kernel it started, die with their worker: nothing is left to write
    over the student's regrade."""
    killer = on_dask["killer"]
    assert any(GRADER_COMMAND in command for command in killer.grader_commands), "the worker was grading"
    assert any(KERNEL_COMMAND in command for command in killer.grader_commands), \
        "the worker was killed in the middle of autograde, with the student's kernel running"
    assert killer.survivors == []


def test_every_student_has_feedback_and_a_row_in_the_export(on_dask):
    course = on_dask["course"]
    for student in on_dask["students"]:
        assert list((course / "feedback" / student / class_quiz.ASSIGNMENT).glob("*.html")), student
    with open(course / pool.EXPORT_DIR / f"{class_quiz.ASSIGNMENT}.csv", newline="") as exported:
        rows = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(exported)}
    assert rows == {student: float(class_quiz.expected_score(number)) for student, number in on_dask["students"].items()}


def test_a_second_run_grades_only_what_changed_or_what_is_forced(on_dask, cluster):
    local_cluster, _ = cluster
    course, db_url = on_dask["course"], on_dask["db_url"]

    def grade(**options):
        results = pool.grade_class(course, class_quiz.ASSIGNMENT, scheduler=local_cluster.scheduler_address,
                                            db_url=db_url, **options)
        return {result.student: result for result in results}

    unchanged = grade()
    assert all(result.skipped for result in unchanged.values())
    assert {student: result.score for student, result in unchanged.items()} == \
        {student: float(class_quiz.expected_score(number)) for student, number in on_dask["students"].items()}

    wrong_student = "student-01"  # double is wrong: 2 of 3 points
    path = course / "submitted" / wrong_student / class_quiz.ASSIGNMENT / f"{class_quiz.ASSIGNMENT}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "double":
            cell.source = class_quiz.SOLUTIONS["double"]
    nbformat.write(notebook, path)
    graded_again = {student: result for student, result in grade().items() if not result.skipped}
    assert list(graded_again) == [wrong_student]
    assert graded_again[wrong_student].score == 3.0

    forced = grade(students=["student-02"], force=True)
    assert list(forced) == ["student-02"] and not forced["student-02"].skipped


def test_cluster_grading_refuses_the_sqlite_gradebook(on_dask, cluster):
    local_cluster, _ = cluster
    with pytest.raises(ValueError, match="Expected `db_url` with a PostgreSQL URL") as raised:
        pool.grade_class(on_dask["course"], class_quiz.ASSIGNMENT, scheduler=local_cluster.scheduler_address)
    assert raised.value.spelled(cli.FLAG_SPELLING).startswith("Expected --db with a PostgreSQL URL")
