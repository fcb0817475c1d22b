"""The record format: where hidden tests leave their records and how they are named.

The student's kernel writes records (`autograder.records`), the judge reads
them (`autograder.judge.cell_records.CellRecords`) and writes the inputs a
recorded function is called on, and the sandbox gives the kernel the two
folders (`autograder.sandbox.bubblewrap`). All of them take the format from
here:

    $AUTOGRADER_RECORDS_DIR/<grade_id>/<key>.json           a record
    $AUTOGRADER_RECORDS_DIR/<grade_id>/<key>.weights.npz    a model's weights
    $AUTOGRADER_INPUTS_DIR/<grade_id>.json                  the grader's inputs for a cell
    $AUTOGRADER_INPUTS_DIR/.complete (or .failed)           written once the judge is done

A graded notebook's metadata holds what the grader noted about the run
(whether it was sandboxed, why the kernel stopped, and the seconds of each
stage: `prepare`, `kernel_start`, `cells`, `judge`) under `NOTEBOOK_KEY`.
"""

import os
import re
from pathlib import Path

RECORDS_DIR_VARIABLE = "AUTOGRADER_RECORDS_DIR"
INPUTS_DIR_VARIABLE = "AUTOGRADER_INPUTS_DIR"
# Where the inputs go when only the records folder is named (a judge and a
# kernel sharing one folder, as in the library's tests).
INPUTS_SUBDIR = "inputs"
INPUTS_COMPLETE = ".complete"
INPUTS_FAILED = ".failed"
# How long a recorded call waits for the judge's inputs to appear.
INPUTS_WAIT_SECONDS = 300
NOTEBOOK_KEY = "autograder"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


def is_valid_name(name):
    """Whether `name` may be a grade id or a record key: 1 to 100 letters,
    digits, `_`, `.` or `-`, and not `.` or `..`."""
    return isinstance(name, str) and bool(NAME_PATTERN.match(name)) and name not in (".", "..")


def invalid_name_message(name):
    """The error text for a grade id or key `is_valid_name` refuses."""
    return f"record names are letters, digits, '_', '.' and '-'. Received: {name!r}"


def record_file(key):
    """The file name of record `key` in its cell's folder."""
    return f"{key}.json"


def weights_file(key):
    """The file name of model record `key`'s weights in its cell's folder."""
    return f"{key}.weights.npz"


def inputs_file(grade_id):
    """The file name of the grader's inputs for `grade_id` in the inputs folder."""
    return f"{grade_id}.json"


def records_dir():
    """Returns the folder records go to, or None outside autograding."""
    folder = os.environ.get(RECORDS_DIR_VARIABLE)
    return Path(folder) if folder else None


def inputs_dir():
    """Returns the folder the grader's inputs come from, or None outside
    autograding: `AUTOGRADER_INPUTS_DIR` (read-only to a sandboxed kernel,
    written by the judge), else `inputs` in the records folder."""
    folder = os.environ.get(INPUTS_DIR_VARIABLE)
    if folder:
        return Path(folder)
    records = records_dir()
    return records / INPUTS_SUBDIR if records is not None else None
