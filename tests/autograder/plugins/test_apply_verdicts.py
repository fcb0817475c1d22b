"""Each autograded test cell's outcome is its verdict, and its hidden tests never show."""

import logging

import nbformat
import pytest

from autograder import record_format
from autograder.judge.judging import GraderError, Verdict
from autograder.plugins.apply_verdicts import ApplyVerdicts
from autograder.plugins.notebook_cells import RESOURCE_KEY

HIDDEN_CHECK = "assert secret_expected_value == 42"
TEST_CELL_SOURCE = f"""# Checks the model's output shape.
records.value("model_output_shape", "shape", model.output_shape)
### BEGIN HIDDEN TESTS
{HIDDEN_CHECK}
### END HIDDEN TESTS
"""


def _notebook(outputs=()):
    cell = nbformat.v4.new_code_cell(TEST_CELL_SOURCE, outputs=list(outputs))
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": "model_output_shape",
                                 "points": 2, "schema_version": 3}
    printing = nbformat.v4.new_code_cell("print(every_cell_source)", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text=f"{HIDDEN_CHECK}\nvisible line\n")])
    return nbformat.v4.new_notebook(cells=[printing, cell])


def _apply(notebook, verdict):
    resources = {RESOURCE_KEY: {"sandboxed": True, "prepared_kernel": True, "stopped": None, "seconds": {"cells": 12.34567},
                                "verdicts": {verdict.grade_id: verdict}}}
    logger = logging.getLogger("test_apply_verdicts")
    return ApplyVerdicts(log=logger).preprocess(notebook, resources)


def test_a_passed_verdict_is_written_below_the_cell_and_the_hidden_tests_become_a_line():
    notebook, resources = _apply(_notebook(), Verdict("model_output_shape", True, "passed output shape: (None, 10)"))
    cell = notebook.cells[1]
    assert cell.outputs[-1].text == "Grader: passed\npassed output shape: (None, 10)\n"
    assert HIDDEN_CHECK not in cell.source
    assert "# Hidden tests of model_output_shape (2 points) ran outside your notebook" in cell.source
    assert notebook.metadata[record_format.NOTEBOOK_KEY] == {"sandboxed": True, "prepared_kernel": True, "stopped": None,
                                                             "seconds": {"cells": 12.346}}
    assert RESOURCE_KEY not in resources


def test_output_repeating_a_hidden_line_is_cut():
    notebook, _ = _apply(_notebook(), Verdict("model_output_shape", True, "passed"))
    printed = notebook.cells[0].outputs[0].text
    assert HIDDEN_CHECK not in printed and "visible line" in printed


def test_a_failed_verdict_is_the_cell_error_and_what_the_cell_raised_scores_nothing():
    raised = nbformat.v4.new_output("error", ename="NameError", evalue="name 'model' is not defined", traceback=["..."])
    notebook, _ = _apply(_notebook([raised]), Verdict("model_output_shape", False, "expected 10 outputs; found 3"))
    outputs = notebook.cells[1].outputs
    assert [output.output_type for output in outputs] == ["stream", "error"]
    assert "In your notebook this cell raised NameError" in outputs[0].text
    assert outputs[1].ename == "GradingFailed" and outputs[1].evalue == "expected 10 outputs; found 3"


def test_a_verdict_from_a_failed_judge_process_is_logged_as_the_grader_s_error(caplog):
    verdict = Verdict("model_output_shape", False, "the grader's judging process failed: it took longer than 900 s",
                      judge_process_failed=True)
    with caplog.at_level(logging.ERROR, logger="test_apply_verdicts"):
        notebook, _ = _apply(_notebook(), verdict)
    assert [record.getMessage() for record in caplog.records] == [f"The grader's judging process failed: {verdict.message}"]
    assert notebook.cells[1].outputs[-1].ename == "GradingFailed"


def test_a_message_that_only_says_the_judging_process_failed_is_the_student_s_failure(caplog):
    """A student's function can make a check's message say anything."""
    verdict = Verdict("model_output_shape", False, "square raised ValueError: the grader's judging process failed")
    with caplog.at_level(logging.ERROR, logger="test_apply_verdicts"):
        notebook, _ = _apply(_notebook(), verdict)
    assert caplog.records == []
    assert notebook.cells[1].outputs[-1].evalue == verdict.message


def test_a_verdict_that_says_the_grader_failed_stops_grading():
    verdict = Verdict("model_output_shape", False, "the grader has no Fashion-MNIST to measure on", grader_failed=True)
    with pytest.raises(GraderError, match="The grader failed on model_output_shape: the grader has no Fashion-MNIST"):
        _apply(_notebook(), verdict)


def test_it_says_what_must_run_before_it():
    with pytest.raises(RuntimeError, match="ApplyVerdicts needs SandboxedExecute before it"):
        ApplyVerdicts().preprocess(_notebook(), {})
