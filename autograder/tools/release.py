"""Generating `release/` from `source/` with nbgrader, and checking it is in sync.

Both work in a temporary copy of the course, so the instructor's gradebook
and submissions are never touched.
"""

import contextlib
import filecmp
import shutil
import tempfile
from pathlib import Path

from autograder.classroom import nbgrader_course

FIX_COMMAND = "make release"


@contextlib.contextmanager
def _generated(course_root, assignments):
    """Yields the assignments and the release folder nbgrader generates for them in a scratch copy."""
    assignments = assignments or nbgrader_course.assignments(course_root)
    with tempfile.TemporaryDirectory() as scratch:
        copy = nbgrader_course.copy_course(course_root, Path(scratch) / "course")
        for assignment in assignments:
            nbgrader_course.generate_assignment(copy, assignment)
        yield assignments, copy / "release"


def generate_release(course_root, assignments=None):
    """Regenerates `release/<assignment>/` for each assignment from `source/`.

    Each assignment's release folder is replaced as a whole: it holds only
    generated files.

    Args:
        course_root: The course folder.
        assignments: Assignment names. Defaults to `None`, meaning all.

    Returns:
        The release folders written.
    """
    course_root = Path(course_root)
    written = []
    with _generated(course_root, assignments) as (assignments, generated):
        for assignment in assignments:
            target = course_root / "release" / assignment
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(generated / assignment, target)
            written.append(target)
    return written


def release_differences(course_root, assignments=None):
    """Lists how the committed `release/` differs from a fresh generation.

    Args:
        course_root: The course folder.
        assignments: Assignment names. Defaults to `None`, meaning all.

    Returns:
        One line per difference (a missing, extra or changed file); empty
        when `release/` is in sync.
    """
    course_root = Path(course_root)
    differences = []
    with _generated(course_root, assignments) as (assignments, generated):
        for assignment in assignments:
            differences += _compare(generated / assignment, course_root / "release" / assignment, f"release/{assignment}")
    return differences


def _compare(expected_dir, committed_dir, label):
    if not committed_dir.is_dir():
        return [f"{label}/ is missing"]
    comparison = filecmp.dircmp(expected_dir, committed_dir, ignore=[".ipynb_checkpoints", "__pycache__"])
    differences = [f"{label}/{name} is missing" for name in comparison.left_only]
    differences += [f"{label}/{name} is not generated from source/" for name in comparison.right_only]
    _, mismatch, errors = filecmp.cmpfiles(expected_dir, committed_dir, comparison.common_files, shallow=False)
    differences += [f"{label}/{name} differs from what source/ generates" for name in mismatch + errors]
    for name in comparison.common_dirs:
        differences += _compare(expected_dir / name, committed_dir / name, f"{label}/{name}")
    return differences
