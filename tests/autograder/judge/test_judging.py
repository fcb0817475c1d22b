"""Judging grade cells from records: every problem fails closed."""

import json
import os
import textwrap
import warnings

import numpy as np
import pytest

from autograder import record_format, records, synthetic
from autograder.checks import Case
from autograder.judge import cell_records, judging
from autograder.judge.grade_cells import GradeCells
from autograder.sandbox import bubblewrap

import needs


@pytest.fixture
def assignment(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "grading.py").write_text(textwrap.dedent('''
        from autograder import checks
        from autograder.checks import Case
        from autograder.judge.grade_cells import GradeCells

        CASES = [Case((2,), 4, "2"), Case((3,), 9, "3")]
        grade_cells = GradeCells()
        grade_cells.inputs("square_cases", [case.args for case in CASES])

        @grade_cells.judge("square_cases")
        def square_cases(records):
            return [checks.recorded_cases(records.calls(len(CASES)), CASES, "square")]

        @grade_cells.judge("crashes")
        def crashes(records):
            raise RuntimeError("bug in the judge")
    '''))
    folder = tmp_path / "records"
    judging.load_grading(source).write_inputs(folder / record_format.INPUTS_SUBDIR)
    return source, folder


def _record_calls(folder, monkeypatch, function):
    monkeypatch.setenv(record_format.RECORDS_DIR_VARIABLE, str(folder))
    records.calls("square_cases", function)


def test_a_right_function_passes_and_a_wrong_one_fails(assignment, monkeypatch):
    source, folder = assignment
    _record_calls(folder, monkeypatch, lambda x: x * x)
    (verdict,) = judging.judge_cells(source, folder, ["square_cases"])
    assert verdict.passed, verdict.message
    _record_calls(folder, monkeypatch, lambda x: x + x)
    (verdict,) = judging.judge_cells(source, folder, ["square_cases"])
    assert not verdict.passed and "square(3) returned 6; expected 9" in verdict.message


def test_the_kernel_sees_inputs_but_never_expected_values(assignment):
    _, folder = assignment
    text = (folder / record_format.INPUTS_SUBDIR / "square_cases.json").read_text()
    assert "2" in text and "9" not in text


@pytest.mark.parametrize("problem", ["missing", "malformed", "wrong_count", "no_judge", "judge_crashes"])
def test_every_problem_fails_closed_with_a_message(assignment, monkeypatch, problem):
    source, folder = assignment
    grade_id = "square_cases"
    if problem == "malformed":
        (folder / grade_id).mkdir()
        (folder / grade_id / "calls.json").write_text("{not json")
    elif problem == "wrong_count":
        (folder / grade_id).mkdir()
        (folder / grade_id / "calls.json").write_text(json.dumps({"kind": "calls", "callable": True, "outcomes": []}))
    elif problem == "no_judge":
        grade_id = "unknown_cell"
    elif problem == "judge_crashes":
        grade_id = "crashes"
    (verdict,) = judging.judge_cells(source, folder, [grade_id])
    assert not verdict.passed
    assert verdict.message


def test_a_recorded_history_is_judged_as_a_history(tmp_path, monkeypatch):
    monkeypatch.setenv(record_format.RECORDS_DIR_VARIABLE, str(tmp_path))
    records.value("cell", "history", synthetic.make_history(loss=[1.0], val_loss=[0.9]))
    assert cell_records.CellRecords(tmp_path, "cell").value("history").history == {"loss": [1.0], "val_loss": [0.9]}


@pytest.mark.parametrize("sandboxed", [True, False], ids=["sandboxed", "unsandboxed"])
def test_the_judge_process_writes_inputs_then_judges(assignment, monkeypatch, tmp_path, sandboxed):
    if sandboxed:
        needs.sandbox()
    source, _ = assignment
    layout = bubblewrap.prepare_layout(tmp_path / "scratch", None, ())
    judge = judging.JudgeProcess(source, tmp_path / "scratch", sandboxed)
    try:
        monkeypatch.setenv(record_format.INPUTS_DIR_VARIABLE, str(layout.inputs_dir))
        _record_calls(layout.records_dir, monkeypatch, lambda x: x * x)  # waits for the process's inputs
        (verdict,) = judge.verdicts(["square_cases"], timeout=120)
    finally:
        judge.stop()
    assert verdict.passed, verdict.message


def test_a_judge_that_cannot_start_is_a_grader_error_and_the_kernel_stops_waiting(tmp_path, monkeypatch):
    source = tmp_path / "source"
    source.mkdir()
    (source / "grading.py").write_text("raise RuntimeError('broken grading file')\n")
    layout = bubblewrap.prepare_layout(tmp_path / "scratch", None, ())
    judge = judging.JudgeProcess(source, tmp_path / "scratch", sandboxed=False)
    with pytest.raises(judging.GraderError, match="broken grading file"):
        judge.verdicts(["first", "second"], timeout=120)
    monkeypatch.setenv(record_format.INPUTS_DIR_VARIABLE, str(layout.inputs_dir))
    _record_calls(layout.records_dir, monkeypatch, lambda x: x)  # returns at once: the inputs are marked failed
    assert "never arrived" in (layout.records_dir / "square_cases" / "calls.json").read_text()


def test_a_judge_process_that_dies_while_judging_fails_every_cell(assignment, tmp_path):
    source, _ = assignment
    bubblewrap.prepare_layout(tmp_path / "scratch", None, ())
    judge = judging.JudgeProcess(source, tmp_path / "scratch", sandboxed=False)
    judge.process.stdin.write("not json")
    verdicts = judge.verdicts(["square_cases", "crashes"], timeout=120)
    assert [verdict.passed for verdict in verdicts] == [False, False]
    assert all("judging process failed" in verdict.message and not verdict.grader_failed for verdict in verdicts)
    assert all(verdict.judge_process_failed for verdict in verdicts)


def test_a_judge_process_that_runs_out_of_time_fails_every_cell(assignment, tmp_path):
    source, _ = assignment
    bubblewrap.prepare_layout(tmp_path / "scratch", None, ())
    judge = judging.JudgeProcess(source, tmp_path / "scratch", sandboxed=False)
    try:
        (verdict,) = judge.verdicts(["square_cases"], timeout=0.01)  # it waits for records that never come
    finally:
        judge.stop()
    assert not verdict.passed and verdict.judge_process_failed and not verdict.grader_failed
    assert "took longer than 0.01 s" in verdict.message


def test_verdicts_judged_in_the_process_are_not_marked_as_a_failed_process(assignment, monkeypatch, tmp_path):
    """A verdict read back from the judge's verdicts.json keeps the field it was written with."""
    source, _ = assignment
    layout = bubblewrap.prepare_layout(tmp_path / "scratch", None, ())
    judge = judging.JudgeProcess(source, tmp_path / "scratch", sandboxed=False)
    try:
        monkeypatch.setenv(record_format.INPUTS_DIR_VARIABLE, str(layout.inputs_dir))
        _record_calls(layout.records_dir, monkeypatch, lambda x: x * x)
        (verdict,) = judge.verdicts(["crashes"], timeout=120)
    finally:
        judge.stop()
    assert not verdict.passed and "bug in the judge" in verdict.message
    assert not verdict.judge_process_failed
    written = json.loads((judge.folder / judging.VERDICTS_FILE).read_text())
    assert written == [{"grade_id": "crashes", "passed": False, "message": verdict.message,
                        "grader_failed": False, "judge_process_failed": False}]


def _square_with_warnings(x):
    warnings.warn("squaring", UserWarning)
    np.exp(np.float64(1000.0))  # overflows
    return x * x


def test_recorded_calls_keep_the_warnings_each_call_raised(assignment, monkeypatch):
    source, folder = assignment
    _record_calls(folder, monkeypatch, _square_with_warnings)
    outcomes = cell_records.CellRecords(folder, "square_cases").calls(2)
    assert [outcome.returned for outcome in outcomes] == [4, 9]
    assert outcomes[0].warnings == ("UserWarning: squaring", "RuntimeWarning: overflow encountered in exp")
    (verdict,) = judging.judge_cells(source, folder, ["square_cases"])
    assert verdict.passed, "warnings fail a call only where the judge forbids them"
    _record_calls(folder, monkeypatch, lambda x: x * x)
    assert all(outcome.warnings == () for outcome in cell_records.CellRecords(folder, "square_cases").calls(2))


def test_a_call_that_raises_keeps_the_warnings_before_it(assignment, monkeypatch):
    _, folder = assignment

    def warns_then_raises(x):
        warnings.warn("about to fail", RuntimeWarning)
        raise ValueError("no")

    _record_calls(folder, monkeypatch, warns_then_raises)
    outcome = cell_records.CellRecords(folder, "square_cases").calls(2)[0]
    assert outcome.raised == "ValueError" and outcome.warnings == ("RuntimeWarning: about to fail",)


def test_recorded_warnings_that_are_not_strings_fail_closed(tmp_path):
    (tmp_path / "cell").mkdir()
    record = {"kind": "calls", "callable": True, "outcomes": [{"value": {"type": "int", "value": 4}, "warnings": [{"x": 1}]}]}
    (tmp_path / "cell" / "calls.json").write_text(json.dumps(record))
    with pytest.raises(cell_records.RecordProblem, match="warnings"):
        cell_records.CellRecords(tmp_path, "cell").calls(1)


def test_records_from_before_warnings_were_recorded_still_load(tmp_path):
    (tmp_path / "cell").mkdir()
    record = {"kind": "calls", "callable": True, "outcomes": [{"value": {"type": "int", "value": 4}}]}
    (tmp_path / "cell" / "calls.json").write_text(json.dumps(record))
    (outcome,) = cell_records.CellRecords(tmp_path, "cell").calls(1)
    assert outcome.returned == 4 and outcome.warnings == ()


def test_function_cases_registers_the_inputs_and_the_judge(tmp_path, monkeypatch):
    grade_cells = GradeCells()
    grade_cells.function_cases("halve_cases", [Case((4,), 2, "4"), Case((9,), 4, "9", "Round down.")], "halve")
    grade_cells.write_inputs(tmp_path / record_format.INPUTS_SUBDIR)
    monkeypatch.setenv(record_format.RECORDS_DIR_VARIABLE, str(tmp_path))
    records.calls("halve_cases", lambda x: x // 2)
    (verdict,) = judging.judge_cells(None, tmp_path, ["halve_cases"], grade_cells)
    assert verdict.passed, verdict.message
    records.calls("halve_cases", lambda x: (x + 1) // 2)
    (verdict,) = judging.judge_cells(None, tmp_path, ["halve_cases"], grade_cells)
    assert not verdict.passed and "halve(9) returned 5; expected 4. Round down." in verdict.message


def _value_record(folder, grade_id="cell", key="answer", value=4):
    (folder / grade_id).mkdir(parents=True, exist_ok=True)
    path = folder / grade_id / f"{key}.json"
    path.write_text(json.dumps({"kind": "value", "value": {"type": "int", "value": value}}))
    return path


def test_a_symlinked_record_file_is_refused(tmp_path):
    grader_file = _value_record(tmp_path / "grader_only", key="secret", value=42)
    (tmp_path / "records" / "cell").mkdir(parents=True)
    (tmp_path / "records" / "cell" / "answer.json").symlink_to(grader_file)
    with pytest.raises(cell_records.RecordProblem, match="never a symbolic link"):
        cell_records.CellRecords(tmp_path / "records", "cell").value("answer")


def test_a_symlinked_grade_folder_is_refused(tmp_path):
    _value_record(tmp_path / "grader_only", grade_id="other_cell")
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "cell").symlink_to(tmp_path / "grader_only" / "other_cell")
    with pytest.raises(cell_records.RecordProblem, match="which is a symbolic link"):
        cell_records.CellRecords(tmp_path / "records", "cell").value("answer")


def test_a_fifo_instead_of_a_record_is_refused_without_blocking(tmp_path):
    (tmp_path / "cell").mkdir()
    os.mkfifo(tmp_path / "cell" / "answer.json")
    with pytest.raises(cell_records.RecordProblem, match="regular file. Received: 'answer.json', which is a FIFO"):
        cell_records.CellRecords(tmp_path, "cell").value("answer")


def test_an_oversized_record_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = _value_record(tmp_path)
    with open(path, "r+b") as stream:  # valid JSON followed by megabytes of spaces
        stream.seek(5_000_000)
        stream.write(b" ")

    def refuse(*args, **kwargs):
        raise AssertionError("the oversized record was parsed")

    monkeypatch.setattr(json, "loads", refuse)
    with pytest.raises(cell_records.RecordProblem, match="at most 5,000,000 bytes. Received: 'answer.json' of 5,000,001 bytes"):
        cell_records.CellRecords(tmp_path, "cell").value("answer")


def test_a_record_with_another_hard_link_is_refused(tmp_path):
    grader_file = _value_record(tmp_path / "grader_only", key="secret")
    (tmp_path / "records" / "cell").mkdir(parents=True)
    os.link(grader_file, tmp_path / "records" / "cell" / "answer.json")
    with pytest.raises(cell_records.RecordProblem, match="no other hard links"):
        cell_records.CellRecords(tmp_path / "records", "cell").value("answer")


def test_a_recorded_model_is_read_once_from_the_opened_files(tmp_path, monkeypatch):
    import keras

    monkeypatch.setenv(record_format.RECORDS_DIR_VARIABLE, str(tmp_path))
    records.model("cell", "model", keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]))
    assert cell_records.CellRecords(tmp_path, "cell").model().output_shape == (None, 2)
    (tmp_path / "cell" / "model.weights.npz").unlink()
    with pytest.raises(cell_records.RecordProblem, match="has no weights"):
        cell_records.CellRecords(tmp_path, "cell").model()
