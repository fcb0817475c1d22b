"""Checks that hidden and visible tests call on a student's work.

Every check returns a `CheckResult` and never raises on a student's
mistake: whatever the student hands in (a model of the wrong shape, `None`,
a function that raises), the result says what was expected, what was found
and the likely fix. None of them trains anything; the performance checks
only predict on the grader's own data (`autograder.performance`).
"""

import dataclasses
import functools
import math

import keras
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from autograder import performance
from autograder.results import CheckResult, Outcome
from course import histories


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


def _shape_text(shape):
    return str(tuple(shape))


def _compare_shape(model, which, expected, fix):
    problem = _not_a_model(model)
    if problem:
        return problem
    try:
        found = tuple(getattr(model, f"{which}_shape"))
    except (AttributeError, ValueError):
        input_hint = tuple(expected[1:]) if which == "input" else "..."
        return False, (
            f"expected {which} shape {_shape_text(expected)}; the model has no input yet. "
            f"Start it with `keras.Input(shape={input_hint})`."
        )
    if found != tuple(expected):
        return False, f"expected {which} shape {_shape_text(expected)}; found {_shape_text(found)}. {fix}"
    return True, f"{which} shape is {_shape_text(found)}"


@_check
def input_shape(model, expected):
    """Checks `model.input_shape`, for example `(None, 28, 28)`."""
    return _compare_shape(model, "input", expected, f"Start the model with `keras.Input(shape={tuple(expected[1:])})`.")


@_check
def output_shape(model, expected):
    """Checks `model.output_shape`, for example `(None, 10)`."""
    return _compare_shape(model, "output", expected, f"The last layer needs {expected[-1]} units, one per class.")


def describe_layer(layer):
    """Returns a short description of `layer` such as `"Dense(100, relu)"`.

    Dense layers show units and activation, Dropout its rate, Activation
    its function; other layers show their class name.
    """
    kind = type(layer).__name__
    config = layer.get_config()
    if kind == "Dense":
        return f"Dense({config['units']}, {_activation_name(config['activation'])})"
    if kind == "Dropout":
        return f"Dropout({config['rate']:g})"
    if kind == "Activation":
        return f"Activation({_activation_name(config['activation'])})"
    return kind


def _activation_name(activation):
    if isinstance(activation, dict):
        return activation.get("config", {}).get("name", str(activation))
    return str(activation)


def layer_descriptions(model):
    """Returns `describe_layer` of each of `model`'s layers, input layer left out."""
    return [describe_layer(layer) for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


@_check
def layer_sequence(model, expected):
    """Checks the model's layers in order, for example
    `["Flatten", "Dense(100, relu)", "Dense(10, softmax)"]`."""
    problem = _not_a_model(model)
    if problem:
        return problem
    found = layer_descriptions(model)
    expected = list(expected)
    if found == expected:
        return True, f"layers are {found}"
    mismatch = next(
        (i for i, (want, got) in enumerate(zip(expected, found)) if want != got),
        min(len(found), len(expected)),
    )
    detail = (
        f"layer {mismatch + 1} should be {expected[mismatch]}, found "
        f"{found[mismatch] if mismatch < len(found) else 'nothing'}"
        if mismatch < len(expected)
        else f"there is an extra layer {found[mismatch]} at position {mismatch + 1}"
    )
    return False, f"expected layers {expected}; found {found}: {detail}."


@_check
def layer_at(model, position, layer):
    """Checks that the very `layer` object passed in sits at `position`
    (1-based, input layer not counted)."""
    problem = _not_a_model(model)
    if problem:
        return problem
    layers = [item for item in model.layers if not isinstance(item, keras.layers.InputLayer)]
    if position <= len(layers) and layers[position - 1] is layer:
        return True, f"the layer passed in is layer {position}"
    where = [i + 1 for i, item in enumerate(layers) if item is layer]
    found = f"at position {where[0]}" if where else "nowhere in the model"
    return False, (
        f"expected the layer passed in ({describe_layer(layer)}) at position {position}; "
        f"found it {found}. Add the argument layer itself to the model, "
        "after the hidden Dense layer and before the output layer, and only when it is not None."
    )


@_check
def parameter_count(model, expected):
    """Checks the total number of weights, trainable or not."""
    problem = _not_a_model(model)
    if problem:
        return problem
    found = model.count_params()
    if found != expected:
        return False, (
            f"expected {expected:,} parameters; found {found:,}. "
            "Check the units of each Dense layer against the exercise."
        )
    return True, f"{found:,} parameters"


@_check
def history_keys(history, expected):
    """Checks that `history` recorded at least the metrics in `expected`."""
    found = histories.as_history_dict(history)
    missing = [name for name in expected if name not in found]
    if missing:
        fixes = " ".join(sorted({histories.how_to_record(name) for name in missing}))
        return False, f"expected keys {sorted(expected)}; found {sorted(found)}. {fixes}"
    return True, f"history records {sorted(found)}"


@_check
def history_epochs(history, num_epochs):
    """Checks that every metric in `history` has one value per epoch."""
    found = histories.as_history_dict(history)
    if not found:
        return False, f"expected {num_epochs} epochs of metrics; the history is empty."
    lengths = {name: len(values) for name, values in found.items()}
    wrong = {name: length for name, length in lengths.items() if length != num_epochs}
    if wrong:
        return False, (
            f"expected {num_epochs} values per metric (one per epoch); found {wrong}. "
            f"Pass `epochs={num_epochs}` to `fit()` (the `num_epochs` argument)."
        )
    return True, f"{num_epochs} epochs recorded"


@_check
def history_belongs_to(history, model):
    """Checks that `history` is the History `fit()` returned for `model`."""
    if not isinstance(history, keras.callbacks.History):
        return False, (
            "expected the keras.callbacks.History that `model.fit()` returns; "
            f"found {type(history).__name__}. Return the result of `model.fit(...)`."
        )
    if getattr(history, "model", None) is not model:
        return False, "this History was not recorded while training this model. Return `model.fit(...)` for the model you were given."
    return True, "the History comes from training this model"


@_check
def finite_loss(model, split="validation"):
    """Checks that the loss the grader measures on its own data is finite."""
    problem = _not_a_model(model)
    if problem:
        return problem
    measurement = performance.measure(model, split)
    if not math.isfinite(measurement.loss):
        return False, (
            f"expected a finite loss; the grader measured {measurement.loss} on its "
            f"{measurement.num_samples:,} {split} images. The weights blew up during training: "
            "lower the learning rate and train again."
        )
    return True, f"loss {measurement.loss:.4f} on the grader's {measurement.num_samples:,} {split} images"


@_check
def minimum_accuracy(model, minimum, split="validation"):
    """Checks the accuracy the grader measures on its own data against `minimum`."""
    problem = _not_a_model(model)
    if problem:
        return problem
    measurement = performance.measure(model, split)
    if not measurement.accuracy >= minimum:
        return False, (
            f"expected at least {minimum:.1%} accuracy on the grader's "
            f"{measurement.num_samples:,} {split} images; measured {measurement.accuracy:.1%}. "
            "About 10% is chance level: was the model trained? Otherwise train for more "
            "epochs or check the learning rate."
        )
    return True, (
        f"accuracy {measurement.accuracy:.1%} on the grader's {measurement.num_samples:,} "
        f"{split} images (at least {minimum:.1%} needed)"
    )


@dataclasses.dataclass(frozen=True)
class Case:
    """One input for `function_cases`.

    Attributes:
        args: Positional arguments to call the function with.
        expected: The value it must return. A `bool` must come back as a
            bool, an `int` as an integer; a `float` is compared with a
            relative tolerance of 1e-6.
        description: How the input reads in a message, for example
            `"val_loss=[0.9, 0.5, 0.7]"`.
        hint: What a student who gets this case wrong has likely missed.
    """

    args: tuple
    expected: object
    description: str
    hint: str = ""


@_check
def function_cases(function, cases, function_name=None):
    """Calls `function` on each case and compares what it returns."""
    name = function_name or getattr(function, "__name__", "the function")
    if not callable(function):
        return False, f"expected {name} to be a function; found {type(function).__name__}."
    outcomes = []
    for case in cases:
        try:
            outcomes.append(Outcome(returned=function(*case.args)))
        except Exception as error:
            outcomes.append(Outcome(raised=type(error).__name__, message=str(error)))
    return _compare_outcomes(outcomes, cases, name)


@_check
def recorded_cases(outcomes, cases, function_name):
    """Compares recorded `Outcome`s of a function, one per case, with the cases."""
    if len(outcomes) != len(cases):
        return False, f"expected {len(cases)} recorded calls of {function_name}; found {len(outcomes)}."
    return _compare_outcomes(outcomes, cases, function_name)


def _compare_outcomes(outcomes, cases, name):
    for case, outcome in zip(cases, outcomes):
        if outcome.raised == "NotImplementedError":
            return False, f"{name} is not written yet (it raises NotImplementedError)."
        if outcome.raised is not None:
            return False, f"{name}({case.description}) raised {outcome.raised}: {outcome.message}"
        if not _same(outcome.returned, case.expected):
            hint = f" {case.hint}" if case.hint else ""
            return False, f"{name}({case.description}) returned {outcome.returned!r}; expected {case.expected!r}.{hint}"
    return True, f"{name} is right on {len(cases)} case(s)"


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
    if isinstance(expected, bool):
        return isinstance(found, (bool, np.bool_)) and bool(found) == expected
    if isinstance(expected, int):
        return isinstance(found, (int, np.integer)) and not isinstance(found, (bool, np.bool_)) and int(found) == expected
    if isinstance(expected, float):
        return isinstance(found, (int, float, np.number)) and math.isclose(float(found), expected, rel_tol=1e-6, abs_tol=1e-12)
    return type(found) is type(expected) and found == expected


@_check
def loss_plot(axes, history):
    """Checks a plot of training and validation loss drawn from `history`:
    one line for each, axis labels and a legend."""
    if isinstance(axes, Figure) and len(axes.axes) == 1:
        axes = axes.axes[0]
    if not isinstance(axes, Axes):
        return False, (
            "expected the matplotlib Axes the plot was drawn on; "
            f"found {type(axes).__name__}. End the function with `return ax`."
        )
    loss, val_loss = histories.require_metrics(history, ("loss", "val_loss"))
    lines = axes.get_lines()
    for values, what in ((loss, "training loss"), (val_loss, "validation loss")):
        if not any(_line_shows(line, values) for line in lines):
            return False, (
                f"expected a line of the {what} (y values {np.round(values, 3).tolist()}); "
                f"found {len(lines)} line(s) with labels {[line.get_label() for line in lines]}. "
                "Plot `history.history['loss']` and `history.history['val_loss']`."
            )
    if not axes.get_xlabel() or not axes.get_ylabel():
        return False, (
            f"expected both axes labelled; found x label {axes.get_xlabel()!r} and y label "
            f"{axes.get_ylabel()!r}. Use `ax.set_xlabel('epoch')` and `ax.set_ylabel('loss')`."
        )
    legend = axes.get_legend()
    if legend is None or len(legend.get_texts()) < 2:
        return False, (
            "expected a legend naming both curves; found none. Pass `label=...` to each "
            "`ax.plot` and call `ax.legend()`."
        )
    return True, "training and validation loss plotted with labels and a legend"


def _line_shows(line, values):
    y = np.asarray(line.get_ydata(), dtype=float)
    return y.shape == (len(values),) and np.allclose(y, values)
