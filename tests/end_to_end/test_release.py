"""`release/` is generated from `source/`, in sync, and gives nothing away."""

import json
import re

import nbformat
import pytest

from autograder import examples, nbgrader_course, release

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
    assert set(nbgrader_course.assignments(course_root)) == set(examples.EXAMPLES)
