"""Fixes to `nbgrader autograde` that no configuration option reaches.

`refuse_unsafe_student_ids()`: nbgrader takes a student's id from the name
of their folder under `submitted/` and adds it to the gradebook as it is,
and formgrader's pages write ids into HTML and script unescaped; a folder
named `<img src=x onerror=...>` would run script in the instructor's
formgrader. Autograde now refuses such an id before the gradebook sees it,
naming the rule and the fix.

nbgrader 0.9.6 gives a submission whose notebook was renamed (the only
notebook it holds has a name the assignment does not know) no scores at
all: it stops with "No notebooks found" after creating the submission, and
every cell is left waiting for manual grading forever. `nbgrader_config.py`
calls `zero_renamed_submissions()`, after which such a submission scores
zero in every cell, like a missing notebook, and nbgrader still reports the
error, naming the file, so the instructor can rename it and regrade.
"""

import functools
import re

from nbgrader.api import Gradebook
from nbgrader.converters import Autograde
from nbgrader.converters.base import NbGraderException

SAFE_STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}$")


def check_student_id(student_id):
    """Raises `NbGraderException` unless `student_id` is safe in HTML, a path and a URL."""
    if not SAFE_STUDENT_ID.match(student_id):
        raise NbGraderException(
            f"Student ids must be letters, digits and '_', '.', '@', '+', '-' (at most 100, starting with a "
            f"letter or digit), since formgrader shows them unescaped. Received: {student_id!r}. Rename the "
            f"folder submitted/{student_id} and autograde again."
        )


def refuse_unsafe_student_ids():
    """Patches `Autograde.init_assignment` to check the id first; calling it twice patches once."""

    def checked(original):
        def init_assignment(self, assignment_id, student_id):
            check_student_id(student_id)
            original(self, assignment_id, student_id)

        return init_assignment

    _patch_init_assignment("refuses_unsafe_student_ids", checked)


def zero_renamed_submissions():
    """Patches `Autograde.init_assignment`; calling it twice patches once."""

    def zeroing(original):
        def init_assignment(self, assignment_id, student_id):
            try:
                original(self, assignment_id, student_id)
            except NbGraderException:
                if not self.notebooks:
                    _zero_every_cell(self, assignment_id, student_id)
                raise

        return init_assignment

    _patch_init_assignment("zeroes_renamed_submissions", zeroing)


def _patch_init_assignment(marker, wrap):
    """Replaces `Autograde.init_assignment` by `wrap(original)`, once per `marker`."""
    original = Autograde.init_assignment
    if getattr(original, marker, False):
        return
    patched = functools.wraps(original)(wrap(original))
    setattr(patched, marker, True)
    Autograde.init_assignment = patched


def _zero_every_cell(converter, assignment_id, student_id):
    with Gradebook(converter.coursedir.db_url, converter.coursedir.course_id) as gradebook:
        submission = gradebook.find_submission(assignment_id, student_id)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
        gradebook.db.commit()
    converter.log.error(
        "Student %s submitted no notebook with the assignment's notebook names (a renamed notebook?): "
        "every cell scores zero. Rename the file in submitted/%s/%s and autograde again.",
        student_id, student_id, assignment_id,
    )
