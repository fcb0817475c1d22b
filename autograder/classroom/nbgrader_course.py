"""Running real nbgrader on a course folder (`gradebook` reads what it writes).

The demo, the release check and the tests grade in a *copy* of the course
(`copy_course`), never in the instructor's own folder: nbgrader refuses to
regenerate an assignment once its gradebook holds submissions, and an
instructor's gradebook and submissions must never be touched by a demo.
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

COURSE_FILES = ("nbgrader_config.py", "source")
# nbgrader, and the kernel it starts, die with whoever started them (a grading
# worker that is killed must not leave a grader behind writing that student's files).
DIE_WITH_PARENT = ("setpriv", "--pdeathsig", "KILL", "--") if shutil.which("setpriv") else ()
IGNORED = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")


class NbgraderError(RuntimeError):
    """Raised when an nbgrader command fails; the message holds its output."""


def course_root_of(path="."):
    """Returns the course root containing `path`: the folder with `nbgrader_config.py`.

    Raises:
        FileNotFoundError: if neither `path` nor a parent holds one.
    """
    start = Path(path).resolve()
    for folder in (start, *start.parents):
        if (folder / "nbgrader_config.py").is_file() and (folder / "source").is_dir():
            return folder
    raise FileNotFoundError(
        "Expected a course folder holding nbgrader_config.py and source/. "
        f"Received: {start} and its parents hold none. Run this from the course repository."
    )


def assignments(course_root):
    """Returns the names of the assignments in `course_root/source`, sorted."""
    source = Path(course_root) / "source"
    return sorted(folder.name for folder in source.iterdir() if folder.is_dir() and any(folder.glob("*.ipynb")))


def notebooks(course_root, assignment, folder="source"):
    """Returns the notebook paths of `assignment` under `folder`, sorted."""
    return sorted((Path(course_root) / folder / assignment).glob("*.ipynb"))


def single_notebook(course_root, assignment, folder="source"):
    """Returns the path of the one notebook of `assignment` under `folder`.

    Raises:
        ValueError: if the assignment has no notebook or several there; the
            course gives each assignment exactly one.
    """
    paths = notebooks(course_root, assignment, folder)
    if len(paths) != 1:
        raise ValueError(
            f"Expected exactly one notebook in {folder}/{assignment}/. "
            f"Received: {[path.name for path in paths]}"
        )
    return paths[0]


def copy_course(course_root, destination):
    """Copies what nbgrader needs to grade (config and `source/`) to `destination`.

    Args:
        course_root: The course folder to copy from.
        destination: A folder that does not exist yet or is empty.

    Returns:
        `destination` as a `Path`.

    Raises:
        FileExistsError: if `destination` holds anything, which is never
            overwritten.
    """
    destination = Path(destination)
    if destination.exists() and any(destination.iterdir()):
        raise FileExistsError(
            f"Expected an empty or new folder to copy the course into. Received: {destination}, "
            "which holds files. Choose another folder or remove it yourself."
        )
    destination.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        origin = Path(course_root) / name
        if origin.is_dir():
            shutil.copytree(origin, destination / name, ignore=IGNORED)
        else:
            shutil.copy2(origin, destination / name)
    return destination


def nbgrader_environment():
    """Returns the environment nbgrader runs in: this Python's `bin` first on PATH,
    since nbgrader shells out to `alembic` when it creates a gradebook."""
    environment = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    environment["PATH"] = os.pathsep.join([bin_dir, environment.get("PATH", "")])
    return environment


def sqlite_gradebook_url(course_root, busy_timeout=300):
    """Returns the URL of nbgrader's default gradebook, `gradebook.db` in `course_root`.

    The URL asks SQLite to wait up to `busy_timeout` seconds for another
    process's write to end, instead of failing after SQLite's 5 seconds:
    several local graders write the same gradebook, briefly, at the start
    and the end of each submission.
    """
    return f"sqlite:///{Path(course_root).resolve() / 'gradebook.db'}?timeout={busy_timeout}"


def run_nbgrader(course_root, *args, db_url=None, environment=None):
    """Runs `nbgrader *args` in `course_root` with this Python.

    Args:
        course_root: The course folder.
        *args: nbgrader's command and arguments.
        db_url: The gradebook's URL. Defaults to `None`, meaning nbgrader's
            own setting (`gradebook.db` in the course folder).
        environment: Variables to set on top of `nbgrader_environment()`.

    Returns:
        The `subprocess.CompletedProcess`, output captured as text.

    Raises:
        NbgraderError: if nbgrader exits with an error; the message ends with
            the last lines of its output.
    """
    command = [*DIE_WITH_PARENT, sys.executable, "-m", "nbgrader", *args]
    if db_url:
        command.append(f"--CourseDirectory.db_url={db_url}")
    completed = subprocess.run(
        command,
        cwd=course_root,
        env={**nbgrader_environment(), **(environment or {})},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    if completed.returncode != 0:
        tail = "\n".join((completed.stdout + completed.stderr).splitlines()[-30:])
        raise NbgraderError(f"`nbgrader {' '.join(args)}` failed in {course_root} (exit {completed.returncode}):\n{tail}")
    return completed


def generate_assignment(course_root, assignment):
    """Writes `release/<assignment>/` and records the assignment in the gradebook."""
    return run_nbgrader(course_root, "generate_assignment", assignment, "--force")


def submit(course_root, assignment, student, notebook):
    """Places `notebook` (a NotebookNode) as `student`'s submission of `assignment`.

    The file name is the name of the assignment's source notebook.

    Returns:
        The path written.

    Raises:
        FileExistsError: if that student already has a submission there.
    """
    folder = Path(course_root) / "submitted" / student / assignment
    path = folder / single_notebook(course_root, assignment).name
    if path.exists():
        raise FileExistsError(f"Expected no submission yet. Received: {path} exists and is kept.")
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def autograde(course_root, assignment, student, db_url=None):
    """Autogrades one student's submission with real `nbgrader autograde`.

    Returns:
        The seconds it took.
    """
    start = time.perf_counter()
    run_nbgrader(course_root, "autograde", assignment, "--student", student, "--force", db_url=db_url)
    return time.perf_counter() - start

