"""`GradeCells`: the judges of one assignment, and the inputs its hidden tests receive.

`source/<assignment>/grading.py` defines `grade_cells = GradeCells()` and
registers a judge per autograded test cell (see `autograder.judge.judging`).
"""

import json
import os
from pathlib import Path

from autograder import codec, record_format


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
        """Writes every cell's inputs into `folder`, where `records.calls`
        looks for them (`record_format.inputs_dir()`), then the marker that says
        they are complete."""
        inputs_dir = Path(folder)
        inputs_dir.mkdir(parents=True, exist_ok=True)
        for grade_id, cases in self.cell_inputs.items():
            write_new_file(inputs_dir / record_format.inputs_file(grade_id), json.dumps(cases))
        write_new_file(inputs_dir / record_format.INPUTS_COMPLETE, "")


def write_new_file(path, text):
    """Writes a new file, never through a link or into an existing file."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(descriptor, "w") as stream:
        stream.write(text)

