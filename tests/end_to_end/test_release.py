"""`release/` is generated from `source/`, in sync, and gives nothing away."""

import json
import re

import nbformat
import pytest

from autograder.classroom import nbgrader_course
from autograder.tools import examples, release

HIDDEN_BLOCK = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.DOTALL)
SOLUTION_BLOCK = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.DOTALL)


def test_release_is_what_source_generates(course_root):
    differences = release.release_differences(course_root)
    assert not differences, f"release/ is out of sync: {differences}. Run `{release.FIX_COMMAND}`."


def _pairs(course_root):
    for assignment in nbgrader_course.assignments(course_root):
        for source_path in nbgrader_course.notebooks(course_root, assignment):
            yield source_path, course_root / "release" / assignment / source_path.name


def _lines(text):
    return {line.strip() for line in text.splitlines() if line.strip()}


def _secret_lines(source):
    """Lines only instructors may see: in solutions, hidden tests and model answers,
    long enough to mean something, and found nowhere else in the source notebook."""
    secret, public = set(), set()
    for cell in source.cells:
        blocks = HIDDEN_BLOCK.findall(cell.source) + SOLUTION_BLOCK.findall(cell.source)
        if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution"):
            blocks.append(cell.source)
        else:
            public |= _lines(SOLUTION_BLOCK.sub("", HIDDEN_BLOCK.sub("", cell.source)))
        for block in blocks:
            secret |= {line for line in _lines(block) if len(line) > 25}
    return secret - public


def test_release_holds_no_solution_or_hidden_test(course_root):
    pairs = list(_pairs(course_root))
    assert pairs
    for source_path, release_path in pairs:
        released_cells = nbformat.read(release_path, as_version=4).cells
        released_text = "\n".join(cell.source for cell in released_cells)
        assert "BEGIN SOLUTION" not in released_text and "HIDDEN TESTS" not in released_text
        secret = _secret_lines(nbformat.read(source_path, as_version=4))
        assert secret, f"{source_path} has no solutions or hidden tests"
        leaked = secret & _lines(released_text)
        assert not leaked, f"{release_path} shows instructor-only lines: {sorted(leaked)}"


def test_each_test_cell_says_where_its_hidden_tests_were(course_root):
    """Validate runs only the visible part of a test cell; in its place the
    release says that the cell is checked in full when graded, with its points."""
    from autograder.plugins import hidden_tests

    for source_path, release_path in _pairs(course_root):
        released = {cell.metadata.nbgrader["grade_id"]: cell for cell in nbformat.read(release_path, as_version=4).cells
                    if cell.metadata.get("nbgrader", {}).get("grade")}
        for cell in nbformat.read(source_path, as_version=4).cells:
            if "BEGIN HIDDEN TESTS" not in cell.source:
                continue
            grade_id = cell.metadata.nbgrader["grade_id"]
            note = hidden_tests.checked_when_graded_lines(cell.metadata.nbgrader)
            assert "\n".join(note) in released[grade_id].source, f"{release_path}: {grade_id} does not say it is checked when graded"
            lines = cell.source.split("\n")
            begin, end = (next(i for i, line in enumerate(lines) if marker in line) for marker in ("BEGIN HIDDEN", "END HIDDEN"))
            assert released[grade_id].source.split("\n") == lines[:begin] + note + lines[end + 1:], grade_id


@pytest.mark.parametrize("folder", ["source", "release"])
def test_notebooks_are_committed_clean(course_root, folder):
    notebooks = sorted((course_root / folder).rglob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        assert ".ipynb_checkpoints" not in path.parts, f"checkpoint copy committed: {path}"
        assert " " not in path.name, f"file name with a space: {path}"
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, (
                    f"{path} has outputs in cell {cell.get('id')}: clear them (Kernel > Restart and clear outputs)"
                )


def test_every_assignment_has_example_submissions(course_root):
    assert set(nbgrader_course.assignments(course_root)) == set(examples.examples_by_chapter(course_root))
