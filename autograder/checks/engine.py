"""What every check shares, and the checks of a student's functions.

`_check` makes a function that returns `(passed, message)` into a check: it
returns a `CheckResult` named after the function and turns a crash into a
failure, so no check raises on a student's mistake. `_not_a_model` and
`_replaced_methods_problem` are the failures several topics share.

The checks of functions are here because every chapter uses them:
`function_cases` calls a student's function on `Case`s, `recorded_cases`
compares the calls a hidden test recorded with them, and `raised` and
`recorded_fact` report what a hidden test recorded. `_difference` says how
a returned value differs from the expected one and `_shown` prints it on one
line, for them and for `tables.score_table`.
"""

import dataclasses
import functools
import math

import keras
import numpy as np

from autograder import records
from autograder.results import CheckResult, Outcome


def _check(function):
    """Names the result after the check and turns a crash into a failure."""
    name = function.__name__

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            passed, message = function(*args, **kwargs)
        except Exception as error:  # The student's object may do anything.
            passed, message = False, f"the check could not run: {type(error).__name__}: {error}"
        return CheckResult(name=name, passed=bool(passed), message=message)

    return wrapper


def _not_a_model(model):
    if isinstance(model, keras.Model):
        return None
    return False, (
        f"expected a keras.Model; found {type(model).__name__}. "
        "Make sure the function ends with `return model`."
    )


def _replaced_methods_problem(summary, module, class_name):
    """The failure message for a summary whose Keras object had methods replaced, or None."""
    replaced = summary.get("replaced_methods") or []
    if not replaced:
        return None
    names = ", ".join(str(name) for name in replaced[:5])
    return (
        f"expected keras.{module}.{class_name} as Keras defines it; found its {names} replaced after it was built, "
        f"so its settings do not say what it does. Configure it only through `keras.{module}.{class_name}(...)`'s "
        "arguments."
    )


@dataclasses.dataclass(frozen=True)
class Case:
    """One input for `function_cases`.

    Attributes:
        args: Positional arguments to call the function with.
        expected: The value it must return. A `bool` must come back as a
            bool, an `int` as an integer; a `float` is compared with a
            relative tolerance of 1e-6. A NumPy array matches any array of
            numbers (or list, or for a 0-d array a single number) of its
            shape whose values are close (`np.allclose` with rtol 1e-6,
            atol 1e-9; NaN matches NaN). A tuple matches a tuple or list
            whose items match its items.
        description: How the input reads in a message, for example
            `"val_loss=[0.9, 0.5, 0.7]"`.
        hint: What a student who gets this case wrong has likely missed.
    """

    args: tuple
    expected: object
    description: str
    hint: str = ""


@_check
def function_cases(function, cases, function_name=None, allow_warnings=True):
    """Calls `function` on each case and compares what it returns.

    Args:
        function: The student's function.
        cases: `Case`s.
        function_name: How messages name it. Defaults to `None`, meaning
            `function.__name__`.
        allow_warnings: Whether a call may raise warnings (NumPy's overflow,
            division and invalid-value errors count; see
            `records.watching_warnings`). Defaults to `True`.
    """
    name = function_name or getattr(function, "__name__", "the function")
    if not callable(function):
        return False, f"expected {name} to be a function; found {type(function).__name__}."
    outcomes = []
    for case in cases:
        caught = []
        try:
            with records.watching_warnings() as caught:
                returned = function(*case.args)
        except Exception as error:
            outcomes.append(Outcome(raised=type(error).__name__, message=str(error), warnings=tuple(caught)))
            continue
        outcomes.append(Outcome(returned=returned, warnings=tuple(caught)))
    return _compare_outcomes(outcomes, cases, name, allow_warnings)


@_check
def recorded_cases(outcomes, cases, function_name, allow_warnings=True):
    """Compares recorded `Outcome`s of a function, one per case, with the cases.

    Args:
        outcomes: What `CellRecords.calls` returned.
        cases: The `Case`s the grader gave as inputs, in the same order.
        function_name: How messages name the function.
        allow_warnings: Whether a call may have raised warnings. Defaults
            to `True`.
    """
    if len(outcomes) != len(cases):
        return False, f"expected {len(cases)} recorded calls of {function_name}; found {len(outcomes)}."
    return _compare_outcomes(outcomes, cases, function_name, allow_warnings)


def _compare_outcomes(outcomes, cases, name, allow_warnings=True):
    for case, outcome in zip(cases, outcomes):
        hint = f" {case.hint}" if case.hint else ""
        if outcome.raised == "NotImplementedError":
            return False, f"{name} is not written yet (it raises NotImplementedError)."
        if outcome.raised is not None:
            return False, f"{name}({case.description}) raised {outcome.raised}: {outcome.message}"
        difference = _difference(outcome.returned, case.expected)
        if difference is not None:
            why = f": {difference}" if difference else ""
            return False, (
                f"{name}({case.description}) returned {_shown(outcome.returned)}; "
                f"expected {_shown(case.expected)}{why}.{hint}"
            )
        if not allow_warnings and outcome.warnings:
            return False, (
                f"{name}({case.description}) returned the right values but warned "
                f"{'; '.join(outcome.warnings)}; expected no warnings.{hint}"
            )
    return True, f"{name} is right on {len(cases)} case(s){'' if allow_warnings else ', without warnings'}"


@_check
def raised(outcome, function_name):
    """Fails with what a recorded call of `function_name` raised."""
    if outcome.raised == "NotImplementedError":
        return False, f"{function_name} is not written yet (it raises NotImplementedError)."
    return False, f"{function_name} raised {outcome.raised}: {outcome.message}"


@_check
def recorded_fact(fact, passed_message, failed_message):
    """Passes when a fact the hidden test recorded is exactly `True`."""
    return (True, passed_message) if fact is True else (False, failed_message)


def _same(found, expected):
    return _difference(found, expected) is None


def _difference(found, expected):
    """Returns None when `found` matches `expected` (see `Case`), otherwise
    why not: a short reason, or "" when the values speak for themselves."""
    if isinstance(expected, np.ndarray):
        return _array_difference(found, expected)
    if isinstance(expected, tuple):
        if not isinstance(found, (tuple, list)) or len(found) != len(expected):
            return f"expected a tuple of {len(expected)} items"
        for position, (found_item, expected_item) in enumerate(zip(found, expected), start=1):
            difference = _difference(found_item, expected_item)
            if difference is not None:
                return f"item {position} is wrong{f' ({difference})' if difference else ''}"
        return None
    if isinstance(expected, bool):
        same = isinstance(found, (bool, np.bool_)) and bool(found) == expected
    elif isinstance(expected, int):
        same = isinstance(found, (int, np.integer)) and not isinstance(found, (bool, np.bool_)) and int(found) == expected
    elif isinstance(expected, float):
        same = isinstance(found, (int, float, np.number)) and math.isclose(float(found), expected, rel_tol=1e-6, abs_tol=1e-12)
    else:
        same = type(found) is type(expected) and found == expected
    return None if same else ""


def _array_difference(found, expected):
    if not isinstance(found, (np.ndarray, np.number, int, float, list, tuple)) or isinstance(found, (bool, np.bool_)):
        return f"expected an array of numbers; found {type(found).__name__}"
    try:
        found = np.asarray(found)
    except ValueError as error:  # a ragged list
        return f"expected an array of numbers; found something NumPy cannot read as one ({error})"
    if found.dtype.kind not in "iuf":
        return f"expected an array of numbers; found an array of dtype {found.dtype}"
    if found.shape != expected.shape:
        return f"its shape is {found.shape} instead of {expected.shape}"
    close = np.isclose(found.astype(float), expected, rtol=1e-6, atol=1e-9, equal_nan=True)
    if close.all():
        return None
    index = tuple(int(i) for i in np.argwhere(~close)[0])
    where = f" at index {index}" if index else ""
    return f"{_number(found[index])} instead of {_number(expected[index])}{where}"


def _number(value):
    return np.format_float_positional(float(value), precision=6, trim="-") if math.isfinite(value) else str(float(value))


def _shown(value):
    """`repr(value)`, except that arrays of numbers are rounded, summarised and kept to one line."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        text = np.array2string(value, precision=4, suppress_small=True, threshold=12, edgeitems=2, separator=", ")
        shape = f", shape={value.shape}" if value.ndim > 1 else ""
        return f"array({' '.join(text.split())}{shape})"
    if isinstance(value, (tuple, list)) and any(isinstance(item, np.ndarray) for item in value):
        items = ", ".join(_shown(item) for item in value)
        return f"({items})" if isinstance(value, tuple) else f"[{items}]"
    return repr(value)
