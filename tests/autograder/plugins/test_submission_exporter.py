"""A submission's nbgrader metadata of the wrong shape is removed before nbgrader reads it."""

import io

import nbformat
from nbgrader.preprocessors import DeduplicateIds

from autograder.plugins.submission_exporter import SubmissionExporter


def _read(submission):
    output, resources = SubmissionExporter().from_file(submission)
    return nbformat.reads(output, as_version=4), resources


def _submission(*metadata):
    notebook = nbformat.v4.new_notebook()
    for flags in metadata:
        cell = nbformat.v4.new_code_cell("x = 1")
        cell.metadata["nbgrader"] = flags
        notebook.cells.append(cell)
    return io.StringIO(nbformat.writes(notebook))


def test_malformed_nbgrader_metadata_is_dropped_and_nbgrader_does_not_crash():
    good = {"grade": True, "grade_id": "model_shapes", "locked": True, "points": 1, "solution": False,
            "schema_version": 3}
    notebook, resources = _read(_submission("grade_id: scale_cases, points: 100", ["model_shapes", 100], {"grade_id": 42}, good))

    assert [cell.metadata.get("nbgrader") for cell in notebook.cells] == [None, None, None, good]
    DeduplicateIds().preprocess(notebook, resources)  # raised AttributeError on the list before


def test_well_formed_metadata_is_kept_as_it_is():
    flags = {"grade": False, "grade_id": "answer", "locked": False, "solution": True, "schema_version": 3}
    notebook, _ = _read(_submission(flags))
    assert notebook.cells[0].metadata.nbgrader == flags
