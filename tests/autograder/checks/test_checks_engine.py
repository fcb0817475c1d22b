"""What every check shares (`autograder.checks.engine`): a crash becomes a
failure, `require` reports the results, and the checks of a student's
functions (`function_cases`, `recorded_cases`) compare values, arrays,
tuples and warnings with `Case`s."""

import keras
import numpy as np
import pytest

from autograder import CheckFailed, CheckResult, checks, require
from autograder.checks import Case
from autograder.results import Outcome
from autograder.synthetic import make_history

from check_helpers import CHAPTER_LAYERS, assert_fails


def best_epoch(history):
    return int(np.argmin(history.history["val_loss"])) + 1


BEST_EPOCH_CASES = [Case((make_history(val_loss=[0.9, 0.5, 0.7]),), 2, "val_loss=[0.9, 0.5, 0.7]", "Epochs count from 1.")]


def test_function_cases_accepts_a_right_function():
    result = checks.function_cases(best_epoch, BEST_EPOCH_CASES)
    assert result.passed and "1 case" in result.message


def test_function_cases_shows_the_failing_case_and_hint():
    assert_fails(checks.function_cases(lambda history: 1, BEST_EPOCH_CASES, "best_epoch"),
                 "best_epoch(val_loss=[0.9, 0.5, 0.7]) returned 1; expected 2", "Epochs count from 1.")


def test_function_cases_reports_an_unwritten_or_crashing_function():
    def unwritten(history):
        raise NotImplementedError()

    assert_fails(checks.function_cases(unwritten, BEST_EPOCH_CASES), "not written yet")
    assert_fails(checks.function_cases(lambda history: history.history["nope"], BEST_EPOCH_CASES, "best_epoch"),
                 "raised KeyError")
    assert_fails(checks.function_cases(None, BEST_EPOCH_CASES, "best_epoch"), "to be a function")


class EqualsEverything:
    def __eq__(self, other):
        return True


@pytest.mark.parametrize("returned", [2.0, True, "2", EqualsEverything(), None])
def test_function_cases_wants_the_right_type_not_just_equality(returned):
    assert_fails(checks.function_cases(lambda history: returned, BEST_EPOCH_CASES, "best_epoch"), "expected 2")


def test_function_cases_accepts_numpy_integers_and_bools():
    assert checks.function_cases(lambda history: np.int64(2), BEST_EPOCH_CASES).passed
    assert checks.function_cases(lambda: np.bool_(True), [Case((), True, "nothing")]).passed
    assert not checks.function_cases(lambda: 1, [Case((), True, "nothing")]).passed


def test_a_crashing_check_becomes_a_failure_not_an_error():
    class Exploding(keras.Model):
        @property
        def layers(self):
            raise RuntimeError("boom")

    assert_fails(checks.layer_sequence(Exploding(), CHAPTER_LAYERS), "could not run", "boom")


def test_require_prints_passes_and_raises_on_failures(capsys):
    passed = CheckResult("a", True, "fine")
    failed = CheckResult("b", False, "expected 1; found 2")
    require(passed)
    assert "passed a: fine" in capsys.readouterr().out
    with pytest.raises(CheckFailed) as error:
        require(passed, failed)
    assert str(error.value) == "FAILED b: expected 1; found 2"
    assert isinstance(error.value, AssertionError)


def test_require_rejects_anything_but_results():
    with pytest.raises(TypeError, match="Received: bool"):
        require(True)


def stable_sigmoid(x):
    z = np.exp(-np.abs(x))
    return np.where(np.asarray(x) >= 0, 1 / (1 + z), z / (1 + z))


SIGMOID_CASES = [
    Case((np.array([-1000.0, 0.0, 1000.0]),), np.array([0.0, 0.5, 1.0]), "x=[-1000, 0, 1000]", "Use np.exp(-np.abs(x))."),
]


def test_an_expected_array_accepts_any_array_like_of_its_shape_and_values():
    assert checks.function_cases(stable_sigmoid, SIGMOID_CASES).passed
    assert checks.function_cases(lambda x: [0.0, 0.5, 1.0 + 1e-12], SIGMOID_CASES).passed
    assert checks.function_cases(lambda x: np.array([0, 0, 1]) + np.array([0, 0.5, 0]), SIGMOID_CASES).passed
    single = [Case((2.0,), np.array(0.25), "x=2")]
    for returned in (0.25, np.float64(0.25), np.array(0.25)):
        assert checks.function_cases(lambda x, returned=returned: returned, single).passed
    assert checks.function_cases(lambda: np.array([np.nan, 1.0]), [Case((), np.array([np.nan, 1.0]), "nothing")]).passed


@pytest.mark.parametrize(
    "returned, fragments",
    [
        (np.array([0.0, 0.4, 1.0]), ["returned array([0. , 0.4, 1. ])", "0.4 instead of 0.5 at index (1,)"]),
        (np.array([[0.0, 0.5, 1.0]]), ["its shape is (1, 3) instead of (3,)", "Use np.exp(-np.abs(x))."]),
        (0.5, ["its shape is () instead of (3,)"]),
        ("0.5", ["expected an array of numbers; found str"]),
        (np.array([True, False, True]), ["array of dtype bool"]),
        ([[0.0], [0.5, 1.0]], ["NumPy cannot read"]),
        (None, ["found NoneType"]),
        (EqualsEverything(), ["found EqualsEverything"]),
    ],
)
def test_an_expected_array_rejects_other_shapes_values_and_types(returned, fragments):
    assert_fails(checks.function_cases(lambda x: returned, SIGMOID_CASES, "sigmoid"), "sigmoid(x=[-1000, 0, 1000])", *fragments)


def test_arrays_in_messages_are_rounded_and_kept_to_one_line():
    result = checks.function_cases(lambda: np.full((4, 5), 1 / 3), [Case((), np.zeros((4, 5)), "nothing")], "f")
    assert_fails(result, "0.3333", "shape=(4, 5)", "...", "instead of 0 at index (0, 0)")
    assert "\n" not in result.message and "0.33333333" not in result.message


def test_an_expected_tuple_is_compared_item_by_item():
    cases = [Case((), (np.eye(2), np.array([1.0, 2.0])), "nothing")]
    assert checks.function_cases(lambda: (np.eye(2), np.array([1.0, 2.0])), cases).passed
    assert checks.function_cases(lambda: [np.eye(2), [1, 2]], cases).passed
    assert_fails(checks.function_cases(lambda: (np.eye(2), np.array([1.0, 3.0])), cases, "f"),
                 "item 2 is wrong (3 instead of 2 at index (1,))")
    assert_fails(checks.function_cases(lambda: np.eye(2), cases, "f"), "expected a tuple of 2 items")
    assert_fails(checks.function_cases(lambda: (np.eye(2),), cases, "f"), "expected a tuple of 2 items")


def test_warnings_fail_only_where_they_are_not_allowed():
    overflowing = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    assert checks.function_cases(overflowing, SIGMOID_CASES).passed
    assert_fails(checks.function_cases(overflowing, SIGMOID_CASES, "sigmoid", allow_warnings=False),
                 "sigmoid(x=[-1000, 0, 1000]) returned the right values but warned RuntimeWarning: overflow encountered in exp",
                 "expected no warnings", "Use np.exp(-np.abs(x)).")
    result = checks.function_cases(stable_sigmoid, SIGMOID_CASES, "sigmoid", allow_warnings=False)
    assert result.passed and "without warnings" in result.message, "underflow to 0 is not a warning"


def test_silencing_numpy_in_the_notebook_does_not_hide_an_overflow():
    previous = np.seterr(all="ignore")
    try:
        result = checks.function_cases(lambda x: 1 / (1 + np.exp(-x)), SIGMOID_CASES, "sigmoid", allow_warnings=False)
    finally:
        np.seterr(**previous)
    assert_fails(result, "overflow encountered in exp")


def test_recorded_cases_judge_recorded_warnings():
    right = Outcome(returned=np.array([0.0, 0.5, 1.0]))
    warned = Outcome(returned=np.array([0.0, 0.5, 1.0]), warnings=("RuntimeWarning: overflow encountered in exp",))
    assert checks.recorded_cases([warned], SIGMOID_CASES, "sigmoid").passed
    assert checks.recorded_cases([right], SIGMOID_CASES, "sigmoid", allow_warnings=False).passed
    assert_fails(checks.recorded_cases([warned], SIGMOID_CASES, "sigmoid", allow_warnings=False), "overflow encountered in exp")
