"""Releases say where hidden tests were, so no test cell claims to pass in full.

nbgrader's `ClearHiddenTests` removes a test cell's hidden part without a
trace, so a cell whose checks are all hidden runs silently in the student's
notebook and "passes" Validate. `MarkHiddenTests` removes the same region
and leaves a line in its place that says, when the cell runs, that the
cell is checked when the notebook is graded and how many points that
decides. Grading never runs this line: autograde puts back the cell the
gradebook holds, hidden tests included.
"""

from nbgrader.preprocessors import ClearHiddenTests


def points_phrase(nbgrader_metadata):
    """Returns a grade cell's points as words, for example `"2 points"` or `"1 point"`."""
    points = float(nbgrader_metadata.get("points", 0))
    return f"{points:g} point{'' if points == 1 else 's'}"


def checked_when_graded_lines(nbgrader_metadata):
    """Returns the source lines that stand in a release for a cell's hidden tests."""
    note = f"Checked in full when your notebook is graded ({points_phrase(nbgrader_metadata)}): hidden tests run then."
    return ["# Hidden tests: they run when your notebook is graded, outside it.", f"print({note!r})"]


class MarkHiddenTests(ClearHiddenTests):
    """`ClearHiddenTests` that leaves `checked_when_graded_lines` where the hidden tests were."""

    def _remove_hidden_test_region(self, cell):
        lines = cell.source.split("\n")
        begin = next((index for index, line in enumerate(lines) if self.begin_test_delimeter in line), None)
        removed = super()._remove_hidden_test_region(cell)
        if removed:
            kept = cell.source.split("\n")
            cell.source = "\n".join(kept[:begin] + checked_when_graded_lines(cell.metadata.nbgrader) + kept[begin:])
        return removed
