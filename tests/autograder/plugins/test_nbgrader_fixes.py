"""Fixes to nbgrader's autograde: unsafe student ids are refused before the gradebook sees them."""

import pytest
from nbgrader.converters import Autograde
from nbgrader.converters.base import NbGraderException

from autograder.plugins import nbgrader_fixes


@pytest.mark.parametrize("student_id", ["ann", "bob.smith", "s1234567", "ann@uni.edu", "a-b_c+d"])
def test_ordinary_student_ids_are_accepted(student_id):
    nbgrader_fixes.check_student_id(student_id)


@pytest.mark.parametrize("student_id", ['<img src=x onerror="alert(1)">', "a b", "'quoted'", "-starts-with-dash", "x" * 101, ""])
def test_student_ids_that_formgrader_would_show_raw_are_refused(student_id):
    with pytest.raises(NbGraderException, match="Rename the folder submitted/"):
        nbgrader_fixes.check_student_id(student_id)


def test_autograde_checks_the_id_before_it_touches_the_gradebook(monkeypatch):
    reached = []
    monkeypatch.setattr(Autograde, "init_assignment", lambda self, assignment, student: reached.append(student))
    nbgrader_fixes.refuse_unsafe_student_ids()
    with pytest.raises(NbGraderException):
        Autograde.init_assignment(None, "01_loss_curves", "<script>")
    Autograde.init_assignment(None, "01_loss_curves", "ann")
    assert reached == ["ann"]
