"""Grading a whole class: every submission of an assignment, one student per task, on Dask.

    results = grade_class(".", "01_loss_curves", workers=2)
    results = grade_assignments(".", ["01_loss_curves", "02_learning_rate"])  # One pool for both.

Each task runs nbgrader's autograde and then its generate_feedback for
one student, through nbgrader's own API, in a grading process the worker
keeps for all its students (`grading_server`, running `grade_one`): nbgrader
starts once per worker, and the gradebook, the autograded notebook and the
feedback are exactly what nbgrader writes. Tasks go to a
Dask cluster (`dask.distributed`): by default a local one, a worker per
task slot on this machine, with the SQLite gradebook nbgrader makes; or,
at scale, the cluster whose scheduler is at `scheduler`, with a gradebook
on PostgreSQL (`db_url`), since SQLite takes no writers from several
machines.

Nothing is lost when grading runs concurrently or a worker dies:

- one task per student, and the grading process holds that student's lock
  (`grading_state.student_lock`) while it grades them, so no two
  tasks write the same student's files or gradebook rows;
- the grading process, and the kernel it starts, die with the worker that
  started them (`grading_server`), and the lock with them;
- when a worker dies, Dask gives its task to another worker, up to
  `distributed.scheduler.allowed-failures` times (3 by default);
- a student counts as graded only once autograde and feedback have both
  finished; an interrupted student is graded again on the next run.

Each kernel and judge trains and measures with one thread
(`cpu_share.GRADING_THREADS`, set by the sandbox itself), so a grade is the
same whatever the worker count; a machine's cores are used by running a
worker on each.
"""

import contextlib
import dataclasses
import logging
import tempfile
import time
import uuid
from pathlib import Path

import nbformat
import psutil
import sqlalchemy.exc
from distributed import Client, LocalCluster, as_completed
from nbgrader.api import Gradebook, MissingEntry

from autograder import record_format
from autograder.classroom import grade_one, grading_server, grading_state, nbgrader_course
from autograder.classroom.gradebook import read_results
from autograder.classroom.option_errors import OptionConnectionError, OptionError, literal
from autograder.classroom.result import StudentResult  # Re-exported: results are pool.StudentResult.
from autograder.sandbox import bubblewrap, cpu_share

EXPORT_DIR = "exports"
SCHEDULER_TIMEOUT_SECONDS = 30


@dataclasses.dataclass(frozen=True)
class StudentTask:
    """What a worker needs to grade one student (sent to the worker, so plain data)."""

    course_root: str
    assignment: str
    student: str
    db_url: str
    fingerprint: str


def grade_class(course_root, assignment, students=None, workers=None, force=False, scheduler=None,
                db_url=None, on_result=None, on_start=None):
    """Grades every submission of one assignment: `grade_assignments` with `[assignment]`."""
    return grade_assignments(course_root, [assignment], students=students, workers=workers, force=force,
                             scheduler=scheduler, db_url=db_url, on_result=on_result, on_start=on_start)


def grade_assignments(course_root, assignments, students=None, workers=None, force=False, scheduler=None,
                      db_url=None, on_result=None, on_start=None):
    """Grades every submission of each assignment with real nbgrader, in parallel, in one pool.

    All the assignments' tasks share the workers, so a long chapter does
    not leave workers idle at the end of a short one. Tasks start student
    by student, in the order of `students`, each student's assignments in
    the order given.

    Args:
        course_root: The course folder (with `nbgrader_config.py`, `source/`
            and `submitted/`). On a cluster, every worker must see it at the
            same path.
        assignments: The assignments, for example `["01_loss_curves"]`.
        students: Student ids to grade; each must have submitted at least
            one of the assignments. Defaults to `None`, meaning every
            folder under `submitted/` that holds an assignment.
        workers: Local worker processes. Defaults to `None`, meaning as
            many as the machine has cores and memory for
            (`default_workers(course_root)`). Must be `None` with `scheduler`.
        force: Whether to grade again students already graded whose
            submission has not changed. Defaults to `False`: they are
            skipped and their gradebook score is reported.
        scheduler: The address of a Dask scheduler, such as
            `"tcp://10.0.0.5:8786"`. Defaults to `None`, meaning a local
            cluster that lives as long as this call.
        db_url: The gradebook's URL, such as
            `"postgresql://grader@10.0.0.5/gradebook"`. Defaults to `None`,
            meaning `gradebook.db` in the course folder. Required with
            `scheduler`.
        on_result: Called with each `StudentResult` as it arrives.
        on_start: Called with the number of submissions to grade (not
            skipped) before grading starts.

    Returns:
        A list of `StudentResult`, one per submission, sorted by
        assignment (in the order given) and student.

    Raises:
        FileNotFoundError: if the course, an assignment or a named
            student's submission does not exist.
        ValueError: if an assignment's source has not exactly one notebook.
        OptionError: (a `ValueError`) if the options do not fit together.
        OptionConnectionError: (a `ConnectionError`) if no scheduler
            answers at `scheduler`, or no database at `db_url`.
    """
    course_root = nbgrader_course.course_root_of(course_root)
    assignments = list(dict.fromkeys(assignments))
    if not assignments:
        raise ValueError("Expected at least one assignment to grade. Received: none.")
    _check_options(workers, scheduler, db_url)
    db_url = db_url or nbgrader_course.sqlite_gradebook_url(course_root)
    submissions = find_submissions(course_root, assignments, students)
    results, pending = [], []  # pending: (assignment, student, fingerprint) to grade
    for assignment in assignments:
        record_assignment(course_root, assignment, db_url)
        fingerprints = {student: grading_state.submission_fingerprint(folder)
                        for student, folder in submissions[assignment].items()}
        done = set() if force else already_graded(course_root, assignment, fingerprints, db_url)
        results += [_skipped_result(result) for result in read_results(assignment, sorted(done), db_url)]
        pending += [(assignment, student, fingerprints[student]) for student in submissions[assignment] if student not in done]
    for result in results:
        _call(on_result, result)
    student_order = students if students is not None else sorted({student for _, student, _ in pending})
    position = {student: index for index, student in enumerate(dict.fromkeys(student_order))}
    pending.sort(key=lambda item: position[item[1]])  # Stable: each student's assignments stay in order.
    _call(on_start, len(pending))
    if pending:
        record_students(dict.fromkeys(student for _, student, _ in pending), db_url)
        with _dask_client(scheduler, workers, course_root) as client:
            tasks = [StudentTask(str(course_root), assignment, student, db_url, fingerprint)
                     for assignment, student, fingerprint in pending]
            results += _run_tasks(client, tasks, on_result)
    for assignment in assignments:
        export_csv(course_root, assignment, db_url)
    return sorted(results, key=lambda result: (assignments.index(result.assignment), result.student))


def default_workers(course_root=None, cores=None, memory_bytes=None):
    """Returns how many local workers fit this machine: one per core, as memory allows.

    Each task may need the memory of a sandboxed kernel at its cap and of
    its judge (`bubblewrap.JUDGE_LIMITS`); more workers than memory for
    that many would trade speed for failures.

    Args:
        course_root: The course folder, whose `nbgrader_config.py` may set
            the kernel's cap (`c.SandboxedExecute.memory_bytes`). Defaults
            to `None`, meaning the sandbox's default cap
            (`bubblewrap.Limits.memory_bytes`).
        cores: Cores to use. Defaults to `None`, meaning those this
            process may run on.
        memory_bytes: The machine's memory. Defaults to `None`, meaning
            all of its physical memory.

    Returns:
        At least 1.
    """
    cores = cpu_share.usable_cores() if cores is None else cores
    memory_bytes = psutil.virtual_memory().total if memory_bytes is None else memory_bytes
    task_memory_bytes = kernel_memory_bytes(course_root) + bubblewrap.JUDGE_LIMITS.memory_bytes
    return max(1, min(cores, memory_bytes // task_memory_bytes))


def kernel_memory_bytes(course_root=None):
    """Returns the memory cap of a sandboxed kernel in the course: its
    `nbgrader_config.py`'s `c.SandboxedExecute.memory_bytes` if set, else
    `bubblewrap.Limits.memory_bytes` (also when `course_root` is `None`)."""
    if course_root is None:
        return bubblewrap.Limits.memory_bytes
    settings = grade_one.load_config(course_root).SandboxedExecute
    return int(settings.memory_bytes) if "memory_bytes" in settings else bubblewrap.Limits.memory_bytes


def find_submissions(course_root, assignments, students=None):
    """Returns `{assignment: {student: submitted folder}}`: with `students`,
    only theirs and in their order (the order they are graded in); else
    every student's, sorted.

    Raises:
        FileNotFoundError: if an assignment has no submissions, or a
            student named in `students` has submitted none of the assignments.
        ValueError: if an assignment has no source notebook.
    """
    submitted = Path(course_root) / "submitted"
    found = {}
    for assignment in assignments:
        nbgrader_course.single_notebook(course_root, assignment)  # Fails clearly for an unknown assignment.
        found[assignment] = {folder.parent.name: folder for folder in sorted(submitted.glob(f"*/{assignment}"))
                             if folder.is_dir()}
        if not found[assignment]:
            raise FileNotFoundError(
                f"Expected submissions at submitted/<student>/{assignment}/ in {course_root}. Received: none. "
                "Collect them first (nbgrader collect, or nbgrader zip_collect)."
            )
    if students is None:
        return found
    students = list(dict.fromkeys(students))
    anyone = sorted({student for folders in found.values() for student in folders})
    missing = sorted(set(students) - set(anyone))
    if missing:
        raise FileNotFoundError(
            f"Expected a submission at submitted/<student>/{' or '.join(found)}/ for every student named. "
            f"Received: none for {', '.join(missing)}. Students with a submission: "
            f"{', '.join(anyone)}. Check the spelling, or collect their work first (nbgrader collect)."
        )
    return {assignment: {student: folders[student] for student in students if student in folders}
            for assignment, folders in found.items()}


def record_assignment(course_root, assignment, db_url):
    """Makes sure the gradebook knows `assignment` and its cells, as autograde needs.

    A new gradebook (a fresh PostgreSQL database, say) learns them from
    `nbgrader generate_assignment`, run with its release written to a
    scratch folder, so `release/` is never touched.
    """
    try:
        with Gradebook(db_url) as gradebook:
            try:
                gradebook.find_assignment(assignment)
                return
            except MissingEntry:
                pass
    except sqlalchemy.exc.SQLAlchemyError as error:
        raise OptionConnectionError(
            f"Expected a gradebook database at {literal(db_url)}. Received: {literal(getattr(error, 'orig', None) or error)}. "
            "Check {db_url}: for PostgreSQL the server must be running and the database created (createdb).",
            db_url=db_url,
        ) from None
    with tempfile.TemporaryDirectory(prefix="autograder-release-") as scratch:
        nbgrader_course.run_nbgrader(course_root, "generate_assignment", assignment,
                                     f"--CourseDirectory.release_directory={scratch}", db_url=db_url)


def record_students(students, db_url):
    """Adds each student to the gradebook unless it is there already.

    Autograde adds a missing student itself; done before any task runs,
    two tasks of one student (two assignments) cannot both try at once.
    """
    with Gradebook(db_url) as gradebook:
        for student in students:
            gradebook.update_or_create_student(student)


def already_graded(course_root, assignment, fingerprints, db_url):
    """Returns the students graded to the end whose submission is unchanged since.

    A student counts only when all of these hold: the fingerprint recorded
    after their last complete grading equals the submission's now, the
    gradebook holds their submission, and their autograded folder exists.
    The assignment must be in the gradebook (`record_assignment`).
    """
    with Gradebook(db_url) as gradebook:
        in_gradebook = {submission.student_id for submission in gradebook.assignment_submissions(assignment)}
    autograded = Path(course_root) / "autograded"
    return {
        student for student, fingerprint in fingerprints.items()
        if student in in_gradebook
        and (autograded / student / assignment).is_dir()
        and grading_state.graded_fingerprint(course_root, assignment, student) == fingerprint
    }


def grade_student(task):
    """Grades one student's submission: autograde, then feedback. Runs on a Dask worker.

    Returns:
        A `StudentResult`. A failing nbgrader gives a result with `failure`
        set, not an exception, so one bad submission never stops the class.
    """
    start = time.perf_counter()
    course_root, assignment, student = task.course_root, task.assignment, task.student
    settings = [f"--CourseDirectory.db_url={task.db_url}"] if task.db_url else []
    failure = grading_server.for_course(course_root).grade(assignment, student, settings, task.fingerprint)
    if failure is not None:
        return StudentResult(student, seconds=time.perf_counter() - start, failure=_last_error_lines(failure),
                             assignment=assignment)
    (result,) = read_results(assignment, [student], task.db_url)
    return dataclasses.replace(result, seconds=time.perf_counter() - start,
                               note=kernel_stopped_note(course_root, assignment, student))


def kernel_stopped_note(course_root, assignment, student):
    """Returns why grading stopped `student`'s kernel early (a time or memory cap), or None."""
    for path in sorted((Path(course_root) / "autograded" / student / assignment).glob("*.ipynb")):
        stopped = nbformat.read(path, as_version=4).metadata.get(record_format.NOTEBOOK_KEY, {}).get("stopped")
        if stopped:
            return f"{path.name}: {stopped}"
    return None


def export_csv(course_root, assignment, db_url):
    """Writes every student's grade for `assignment` with `nbgrader export`.

    Returns:
        The path written: `exports/<assignment>.csv` in the course folder,
        rewritten on each run.
    """
    path = Path(course_root) / EXPORT_DIR / f"{assignment}.csv"
    path.parent.mkdir(exist_ok=True)
    nbgrader_course.run_nbgrader(course_root, "export", "--to", str(path), "--assignment", assignment, db_url=db_url)
    return path


def _run_tasks(client, tasks, on_result):
    run = uuid.uuid4().hex[:8]  # Keys unique per run, should two runs share a cluster.
    futures = {client.submit(grade_student, task, key=f"grade-{task.assignment}-{task.student}-{run}", pure=False):
               task for task in tasks}
    results = []
    for future in as_completed(futures):
        try:
            result = future.result()
        except Exception as error:  # A worker died too often (KilledWorker), or the task itself crashed.
            task = futures[future]
            result = StudentResult(task.student, failure=f"{type(error).__name__}: {error}", assignment=task.assignment)
        results.append(result)
        _call(on_result, result)
    return results


@contextlib.contextmanager
def _dask_client(scheduler, workers, course_root=None):
    if scheduler:
        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT_SECONDS)
        except OSError as error:
            raise OptionConnectionError(
                f"Expected a Dask scheduler at {literal(scheduler)}. Received: no answer in {SCHEDULER_TIMEOUT_SECONDS} s "
                f"({literal(error)}). Start one with `dask scheduler` and workers with `dask worker {literal(scheduler)}` "
                "(README, 'Grading a class'), or drop {scheduler} to grade on this machine.",
                scheduler=scheduler,
            ) from None
        with client:
            yield client
        return
    cluster = LocalCluster(n_workers=workers or default_workers(course_root), threads_per_worker=1, processes=True,
                           memory_limit=0, dashboard_address=None, silence_logs=logging.ERROR)
    with cluster, Client(cluster) as client:
        yield client


def _check_options(workers, scheduler, db_url):
    if workers is not None and workers < 1:
        raise OptionError("Expected at least 1 worker. Received: {workers=}.", workers=workers)
    if scheduler and workers is not None:
        raise OptionError(
            "Expected either {workers} (a local pool) or {scheduler} (a Dask cluster, whose workers "
            "decide). Received both: {workers=} {scheduler=}. Drop {workers}.",
            workers=workers, scheduler=scheduler,
        )
    if scheduler and not (db_url and not db_url.startswith("sqlite")):
        received = "{db_url=}" if db_url else "no {db_url} (the SQLite gradebook.db)"
        raise OptionError(
            "Expected {db_url} with a PostgreSQL URL (postgresql://USER@HOST/DATABASE) when grading on a "
            f"cluster. Received: {received}. SQLite takes no writers from several machines; see the "
            "README's 'Grading a class' section.",
            db_url=db_url,
        )


def _skipped_result(result):
    return dataclasses.replace(result, skipped=True)


def _last_error_lines(message, count=6):
    lines = [line for line in message.splitlines() if line.strip()]
    return "\n".join(lines[-count:])


def _call(callback, value):
    if callback is not None:
        callback(value)
