"""Checks of a table of scores: a dict of dicts of finite numbers with the
keys the exercise names.
"""

import math

import numpy as np

from autograder.checks.engine import _check, _shown


@_check
def score_table(table, rows, columns, hint=""):
    """Checks a dict of dicts of numbers, such as
    `{"adam": {"val_loss": 0.37, "val_accuracy": 0.87}, ...}`: exactly the
    keys `rows`, each holding a dict with exactly the keys `columns`, each
    a finite number (an int or float, Python or NumPy; not a bool).

    Args:
        table: The student's dict (or its recorded value).
        rows: The keys `table` must have, in any order.
        columns: The keys every row must have.
        hint: Added to a failure's message, for example where the numbers
            come from. Defaults to `""`.
    """
    hint = f" {hint}" if hint else ""
    rows, columns = list(rows), list(columns)
    if not isinstance(table, dict):
        return False, f"expected a dict with the keys {rows}; found {type(table).__name__}.{hint}"
    if set(table) != set(rows):
        missing = [row for row in rows if row not in table]
        unexpected = sorted((key for key in table if key not in rows), key=repr)
        return False, f"expected the keys {rows}; found {sorted(table, key=repr)} (missing {missing}, unexpected {unexpected}).{hint}"
    for row in rows:
        entry = table[row]
        if not isinstance(entry, dict) or set(entry) != set(columns):
            found = sorted(entry, key=repr) if isinstance(entry, dict) else type(entry).__name__
            return False, f"expected {row!r} to hold a dict with the keys {columns}; found {found}.{hint}"
        for column in columns:
            value = entry[column]
            if (isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating))
                    or not math.isfinite(value)):
                return False, f"expected [{row!r}][{column!r}] to be a finite number; found {_shown(value)}.{hint}"
    return True, f"{len(rows)} entries, each with finite {' and '.join(columns)}"
