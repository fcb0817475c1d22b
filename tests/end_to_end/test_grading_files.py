"""Each assignment's judges (`source/<assignment>/grading.py`) match its notebook and stay unreleased."""

import nbformat
import pytest

from autograder.classroom import nbgrader_course
from autograder.judge import judging
from autograder.plugins import notebook_cells

ASSIGNMENTS = sorted(path.parent.name for path in nbgrader_course.course_root_of(__file__).glob("source/*/*.ipynb"))


def _autograded_test_cells(course_root, assignment):
    notebook = nbformat.read(nbgrader_course.single_notebook(course_root, assignment), as_version=4)
    return notebook_cells.autograded_test_cells(notebook)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_autograded_cell_has_exactly_one_judge(course_root, assignment):
    grade_cells = judging.load_grading(course_root / "source" / assignment)
    cell_ids = {cell.metadata.nbgrader["grade_id"] for cell in _autograded_test_cells(course_root, assignment)}
    assert set(grade_cells.judges) == cell_ids
    assert set(grade_cells.cell_inputs) <= cell_ids


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_autograded_cell_records_in_its_hidden_tests(course_root, assignment):
    for cell in _autograded_test_cells(course_root, assignment):
        hidden = cell.source.partition("### BEGIN HIDDEN TESTS")[2].partition("### END HIDDEN TESTS")[0]
        assert "records." in hidden, f"{cell.metadata.nbgrader['grade_id']} records nothing for its judge"


def _first_statement(source):
    """The first line of `source` that is not blank, a comment or an import."""
    for line in source.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "import ", "from ")):
            return line
    return None


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_autograded_cell_records_before_its_visible_checks(course_root, assignment):
    # A visible check that fails raises; hidden code after it would then record nothing, and
    # the student would be told only that, instead of what the grader's judge found.
    for cell in _autograded_test_cells(course_root, assignment):
        before_hidden = cell.source.partition("### BEGIN HIDDEN TESTS")[0]
        assert _first_statement(before_hidden) is None, (
            f"{cell.metadata.nbgrader['grade_id']}: move the hidden tests above {_first_statement(before_hidden)!r}"
        )


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_judges_are_never_released(course_root, assignment):
    assert (course_root / "source" / assignment / judging.GRADING_FILE).is_file()
    assert not (course_root / "release" / assignment / judging.GRADING_FILE).exists()
