"""What the class grader keeps between runs, and the lock a student's grading holds.

Both live in `.autograder/` in the course folder, which nbgrader never
releases, collects or grades:

- `graded/<assignment>/<student>.json` holds the fingerprint of the
  submission last graded to the end (autograde and feedback). A later run
  skips that student while the submission is unchanged.
- `locks/<assignment>/<student>.lock` is locked (`flock`) by the grading
  process while it grades that student (`grade_one.grade_student`). A
  second task for the same student waits until the first is done; a
  killed process's lock goes with it.
"""

import contextlib
import fcntl
import hashlib
import json
import os
from pathlib import Path

STATE_DIR = ".autograder"


def submission_fingerprint(folder):
    """Returns a hex digest of every file under `folder`: names and contents.

    Any change to the submission (a notebook, an extra file, nbgrader's
    `timestamp.txt`) changes the fingerprint.
    """
    folder = Path(folder)
    digest = hashlib.sha256()
    for path in sorted(path for path in folder.rglob("*") if path.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _graded_path(course_root, assignment, student):
    return Path(course_root) / STATE_DIR / "graded" / assignment / f"{student}.json"


def graded_fingerprint(course_root, assignment, student):
    """Returns the fingerprint of `student`'s submission when last graded to the end, or None."""
    try:
        return json.loads(_graded_path(course_root, assignment, student).read_text())["fingerprint"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def mark_graded(course_root, assignment, student, fingerprint):
    """Records that the submission with `fingerprint` was graded to the end."""
    path = _graded_path(course_root, assignment, student)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.partial")
    partial.write_text(json.dumps({"fingerprint": fingerprint}))
    os.replace(partial, path)  # Whole or not at all, even if the process dies here.


def forget_graded(course_root, assignment, student):
    """Removes the record that `student` was graded, before grading them again."""
    _graded_path(course_root, assignment, student).unlink(missing_ok=True)


@contextlib.contextmanager
def student_lock(course_root, assignment, student):
    """Holds `student`'s grading lock for `assignment`; waits while another process holds it.

    Yields:
        The lock's file descriptor.
    """
    path = Path(course_root) / STATE_DIR / "locks" / assignment / f"{student}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield descriptor
    finally:
        os.close(descriptor)
