"""Verdicts for grade cells, computed from records outside the student's kernel.

Each assignment's judges live with its source, in
`source/<assignment>/grading.py`, which nbgrader never releases:

    from autograder import checks
    from autograder.judging import GradeCells

    grade_cells = GradeCells()

    @grade_cells.judge("trained_model_accuracy")
    def trained_model_accuracy(records):
        model = records.model("model")
        return [checks.finite_loss(model), checks.minimum_accuracy(model, 0.85)]

    # Inputs for `records.calls`, and the judge comparing its results with the cases:
    grade_cells.function_cases("best_epoch_cases", BEST_EPOCH_CASES, "best_epoch")

A judge takes a cell's `CellRecords` and returns `CheckResult`s; the cell
passes when all pass. A missing or malformed record, a judge that raises,
and a grade cell with no judge all fail closed, with a message. The
grader runs `judge_cells` in a fresh process (`python -m autograder.judging`),
which reads only records and the instructor's files.
"""

import argparse
import dataclasses
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

from autograder import codec, records
from autograder.results import CheckResult, Outcome

GRADING_FILE = "grading.py"


class RecordProblem(Exception):
    """A record is missing or malformed; the cell fails with this message."""


@dataclasses.dataclass(frozen=True)
class Verdict:
    """The grader's decision on one grade cell.

    Attributes:
        grade_id: The cell's nbgrader grade id.
        passed: Whether it earns its points.
        message: One line per check, what passed and what failed.
    """

    grade_id: str
    passed: bool
    message: str


class CellRecords:
    """The records one grade cell's hidden tests wrote."""

    def __init__(self, folder, grade_id):
        self.folder = Path(folder) / grade_id
        self.grade_id = grade_id

    def _load(self, key, kind):
        path = self.folder / f"{key}.json"
        if not path.is_file():
            raise RecordProblem(
                f"the hidden test recorded nothing for the grader (no {kind} record {key!r}): the cell "
                "did not run to its end (an error earlier in it, or the kernel stopped before it)"
            )
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise RecordProblem(f"the {kind} record {key!r} is unreadable: {error}") from None
        if not isinstance(record, dict) or record.get("kind") != kind:
            raise RecordProblem(f"the record {key!r} is not a {kind} record")
        if "error" in record:
            raise RecordProblem(str(record["error"]))
        return record

    def model(self, key="model"):
        """Rebuilds the recorded model (see `autograder.rebuild`)."""
        from autograder import rebuild

        self._load(key, "model")
        try:
            return rebuild.rebuild_model(self.folder / f"{key}.json", self.folder / f"{key}.weights.npz")
        except rebuild.UnsafeRecord as error:
            raise RecordProblem(f"the model cannot be graded: {error}") from None
        except Exception as error:
            raise RecordProblem(f"the recorded model could not be rebuilt: {type(error).__name__}: {error}") from None

    def model_config(self, key="model"):
        """Returns the recorded `serialize_keras_object` config, unbuilt."""
        return self._load(key, "model")["config"]

    def value(self, key):
        """Returns the recorded value, decoded."""
        return _decoded(self._load(key, "value"), key)

    def calls(self, count, key="calls"):
        """Returns one `Outcome` per input the grader gave, in order.

        Args:
            count: How many inputs the grader gave.
        """
        record = self._load(key, "calls")
        if not record.get("callable"):
            raise RecordProblem("expected a function; the name holds something that cannot be called")
        if len(record.get("outcomes", [])) != count:
            raise RecordProblem(f"expected {count} recorded calls; found {len(record.get('outcomes', []))}")
        outcomes = []
        for item in record["outcomes"]:
            warnings = item.get("warnings", [])
            if not isinstance(warnings, list) or not all(isinstance(text, str) for text in warnings):
                raise RecordProblem(f"the record {key!r} is malformed: its warnings are not a list of strings")
            if "raised" in item:
                outcomes.append(Outcome(raised=item["raised"], message=item.get("message", ""), warnings=tuple(warnings)))
            else:
                outcomes.append(Outcome(returned=_decoded(item, key), warnings=tuple(warnings)))
        return outcomes


def _decoded(record, key):
    if "error" in record:
        raise RecordProblem(f"{key}: {record['error']}")
    try:
        return codec.decode(record["value"])
    except (KeyError, TypeError, ValueError) as error:
        raise RecordProblem(f"the record {key!r} is malformed: {error}") from None


class GradeCells:
    """The judges, and the inputs hidden tests receive, of one assignment."""

    def __init__(self):
        self.judges = {}
        self.cell_inputs = {}

    def judge(self, grade_id):
        """Registers the decorated function as the judge of `grade_id`."""

        def register(function):
            if grade_id in self.judges:
                raise ValueError(f"grade cell {grade_id!r} already has a judge")
            self.judges[grade_id] = function
            return function

        return register

    def inputs(self, grade_id, argument_tuples):
        """Sets the arguments `records.calls(grade_id, ...)` calls with."""
        self.cell_inputs[grade_id] = [codec.encode(tuple(arguments)) for arguments in argument_tuples]

    def function_cases(self, grade_id, cases, function_name, allow_warnings=True):
        """Gives `grade_id`'s `records.calls` the arguments of `cases` and
        registers the judge that compares what the calls returned with them
        (`checks.recorded_cases`).

        Args:
            grade_id: The grade cell.
            cases: `checks.Case`s, inputs and expected values.
            function_name: How messages name the student's function.
            allow_warnings: Whether a call may raise warnings. Defaults to `True`.
        """
        self.inputs(grade_id, [case.args for case in cases])

        def judge_calls(records):
            from autograder import checks  # Loads Keras: only in the judge process.

            return [checks.recorded_cases(records.calls(len(cases)), cases, function_name, allow_warnings)]

        self.judge(grade_id)(judge_calls)

    def write_inputs(self, folder):
        """Writes every cell's inputs where `records.calls` looks for them,
        then the marker that says they are complete."""
        inputs_dir = Path(folder) / records.INPUTS_SUBDIR
        inputs_dir.mkdir(parents=True, exist_ok=True)
        for grade_id, cases in self.cell_inputs.items():
            (inputs_dir / f"{grade_id}.json").write_text(json.dumps(cases))
        (inputs_dir / records.INPUTS_COMPLETE).write_text("")


def load_grading_module(source_dir):
    """Imports `source_dir/grading.py` and returns the module.

    Raises:
        FileNotFoundError: if the assignment has no grading file.
    """
    path = Path(source_dir) / GRADING_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} does not exist: every assignment needs the grader's judges in "
            f"source/<assignment>/{GRADING_FILE} (see autograder/judging.py)"
        )
    spec = importlib.util.spec_from_file_location(f"grading_{path.parent.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_grading(source_dir):
    """Imports `source_dir/grading.py` and returns its `grade_cells`.

    Raises:
        FileNotFoundError: if the assignment has no grading file.
        TypeError: if it defines no `grade_cells = GradeCells()`.
    """
    grade_cells = getattr(load_grading_module(source_dir), "grade_cells", None)
    if not isinstance(grade_cells, GradeCells):
        raise TypeError(f"{Path(source_dir) / GRADING_FILE} must define `grade_cells = GradeCells()`")
    return grade_cells


def judge_cells(source_dir, records_folder, grade_ids, grade_cells=None):
    """Judges each grade cell from its records.

    Args:
        source_dir: The assignment's source folder, holding `grading.py`.
        records_folder: Where the hidden tests wrote their records.
        grade_ids: The autograded test cells to judge.
        grade_cells: The loaded `GradeCells`, if already loaded.

    Returns:
        A `Verdict` per id in `grade_ids`, in order.
    """
    grade_cells = grade_cells or load_grading(source_dir)
    verdicts = []
    for grade_id in grade_ids:
        judge = grade_cells.judges.get(grade_id)
        if judge is None:
            verdicts.append(Verdict(grade_id, False, f"the grader has no judge for {grade_id!r} (instructor: add one to {GRADING_FILE})"))
            continue
        verdicts.append(_judge_one(grade_id, judge, CellRecords(records_folder, grade_id)))
    return verdicts


class JudgeProcess:
    """A fresh process that judges one notebook, started before it runs.

    It loads the assignment's `grading.py` and writes the hidden tests'
    inputs while the student's kernel starts, so that its start-up costs
    no extra time; then it waits. `verdicts()` sends it the grade ids once
    the notebook has run and reads its verdicts back.
    """

    def __init__(self, source_dir, records_dir, output):
        environment = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "3"}
        environment.pop(records.RECORDS_DIR_VARIABLE, None)
        self.output = Path(output)
        self.log_path = self.output.with_suffix(".log")
        with open(self.log_path, "w") as log:  # a file, not a pipe, which a chatty import could fill
            self.process = subprocess.Popen(
                [sys.executable, "-m", "autograder.judging", str(source_dir), str(records_dir), str(self.output)],
                stdin=subprocess.PIPE, stdout=log, stderr=log, text=True, env=environment,
            )

    def verdicts(self, grade_ids, timeout):
        """Returns a `Verdict` per grade id; every cell fails, with the
        reason, if the process fails or takes longer than `timeout` seconds."""
        try:
            self.process.communicate(json.dumps(list(grade_ids)), timeout=timeout)
            if self.process.returncode == 0:
                return [Verdict(**item) for item in json.loads(self.output.read_text())]
            errors = self.log_path.read_text(errors="replace").strip().splitlines()
            problem = (errors or [f"exit status {self.process.returncode}"])[-1]
        except subprocess.TimeoutExpired:
            self.stop()
            problem = f"it took longer than {timeout} s"
        except (OSError, ValueError, TypeError) as error:
            problem = f"{type(error).__name__}: {error}"
        return [Verdict(grade_id, False, f"the grader's judging process failed: {problem}") for grade_id in grade_ids]

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _judge_one(grade_id, judge, cell_records):
    try:
        results = list(judge(cell_records))
    except RecordProblem as problem:
        return Verdict(grade_id, False, str(problem))
    except Exception as error:  # A judge must not take the whole notebook down.
        return Verdict(grade_id, False, f"the grader could not judge this cell: {type(error).__name__}: {error}")
    if not results or not all(isinstance(result, CheckResult) for result in results):
        return Verdict(grade_id, False, "the grader's judge returned no check results (instructor: fix grading.py)")
    passed = all(result.passed for result in results)
    return Verdict(grade_id, passed, "\n".join(str(result) for result in results))


def main(argv=None):
    """`python -m autograder.judging SOURCE_DIR RECORDS_DIR OUTPUT`

    Writes the hidden tests' inputs into RECORDS_DIR, then reads a JSON
    list of grade ids from standard input (sent once the notebook has run)
    and writes their verdicts as JSON to OUTPUT.
    """
    parser = argparse.ArgumentParser(prog="python -m autograder.judging", description=main.__doc__)
    parser.add_argument("source_dir", type=Path)
    parser.add_argument("records_dir", type=Path)
    parser.add_argument("output", type=Path)
    arguments = parser.parse_args(argv)
    grade_cells = load_grading(arguments.source_dir)
    grade_cells.write_inputs(arguments.records_dir)
    grade_ids = json.loads(sys.stdin.read())
    verdicts = judge_cells(arguments.source_dir, arguments.records_dir, grade_ids, grade_cells)
    arguments.output.write_text(json.dumps([dataclasses.asdict(verdict) for verdict in verdicts]))


if __name__ == "__main__":
    # Run the imported module's main, so that grading files and this run
    # share one `GradeCells` class.
    from autograder.judging import main as judging_main

    judging_main()
