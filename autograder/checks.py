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

from autograder import codec, performance, records
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
def steps_per_epoch(history, expected, num_samples, batch_size):
    """Checks the batches per epoch that `fit()` recorded in `history.params["steps"]`,
    which tells whether training used `batch_size`."""
    params = getattr(history, "params", None) or {}
    found = params.get("steps")
    if found != expected:
        return False, (
            f"expected {expected:,} batches per epoch ({num_samples:,} images in batches of {batch_size}); "
            f"found {found!r}. Pass `batch_size=batch_size` to `fit()`."
        )
    return True, f"{found:,} batches per epoch"


CLIPPING_SETTINGS = ("clipnorm", "clipvalue", "global_clipnorm")


def _optimizer_summary(optimizer):
    if isinstance(optimizer, dict):
        return optimizer
    return codec.optimizer_summary(optimizer)  # Raises NotEncodable, which `_check` reports.


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


@_check
def optimizer_settings(optimizer, class_name, **expected):
    """Checks an optimizer (a Keras optimizer, or its summary as
    `records.optimizer` recorded it): its class and the settings in
    `expected`, for example `learning_rate=0.01` (numbers are compared
    with a relative tolerance of 1e-6) or `nesterov=True` (a bool setting
    must be that very bool). A subclass named like a Keras class, or a
    Keras optimizer whose methods were replaced, fails
    (`codec.optimizer_summary`)."""
    summary = _optimizer_summary(optimizer)
    found_class = summary.get("class_name")
    if found_class != class_name:
        own = ", a class defined outside Keras" if "." in str(found_class) else ""
        return False, (
            f"expected the model to be trained with {class_name}; found {found_class}{own}. "
            f"Compile the model with the optimizer you were given (keras.optimizers.{class_name})."
        )
    replaced = _replaced_methods_problem(summary, "optimizers", class_name)
    if replaced:
        return False, replaced
    config = summary.get("config", {})
    for name, value in expected.items():
        found = config.get(name)
        if isinstance(value, bool):
            if found is not value:
                return False, f"expected {class_name} with {name}={value!r}; found {name}={found!r}."
            continue
        if isinstance(found, bool) or not isinstance(found, (int, float, np.number)) or not math.isclose(found, value, rel_tol=1e-6):
            return False, f"expected {class_name} with {name}={value!r}; found {name}={found!r}."
    settings = ", ".join(f"{name}={value!r}" for name, value in expected.items())
    return True, f"{class_name}({settings})"


@_check
def gradient_clipping(optimizer):
    """Checks that an optimizer (or its recorded summary) clips gradients."""
    config = _optimizer_summary(optimizer).get("config", {})
    found = {name: config.get(name) for name in CLIPPING_SETTINGS if config.get(name) is not None}
    if not found:
        return False, (
            f"expected gradient clipping (one of {', '.join(CLIPPING_SETTINGS)}); the optimizer has none. "
            "Pass, for example, `clipnorm=1.0` to the optimizer."
        )
    return True, "clips gradients: " + ", ".join(f"{name}={value!r}" for name, value in found.items())


@_check
def minimum_hidden_layers(model, minimum):
    """Checks that `model` has at least `minimum` Dense layers before its output layer."""
    problem = _not_a_model(model)
    if problem:
        return problem
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    found = max(len(dense) - 1, 0)
    if found < minimum:
        return False, (
            f"expected at least {minimum} hidden Dense layer(s) before the output layer; found {found} "
            f"(layers {layer_descriptions(model)}). Add `keras.layers.Dense(units, activation='relu')` "
            "before the output layer."
        )
    return True, f"{found} hidden Dense layer(s)"


@_check
def finite_loss(model, split="held_out"):
    """Checks that the loss the grader measures on its own data is finite.

    Args:
        split: The grader's images to measure on. Defaults to `"held_out"`,
            the official test set, which a graded kernel never holds.
    """
    problem = _not_a_model(model)
    if problem:
        return problem
    measurement = performance.measure(model, split)
    images = performance.SPLIT_NAMES[split]
    if not math.isfinite(measurement.loss):
        return False, (
            f"expected a finite loss; the grader measured {measurement.loss} on its "
            f"{measurement.num_samples:,} {images} images. The weights blew up during training: "
            "lower the learning rate and train again."
        )
    return True, f"loss {measurement.loss:.4f} on the grader's {measurement.num_samples:,} {images} images"


@_check
def minimum_accuracy(model, minimum, split="held_out"):
    """Checks the accuracy the grader measures on its own data against `minimum`.

    Args:
        split: The grader's images to measure on. Defaults to `"held_out"`,
            the official test set, which a graded kernel never holds, so a
            model that memorised the images it had earns nothing.
    """
    problem = _not_a_model(model)
    if problem:
        return problem
    measurement = performance.measure(model, split)
    images = performance.SPLIT_NAMES[split]
    if not measurement.accuracy >= minimum:
        return False, (
            f"expected at least {minimum:.1%} accuracy on the grader's "
            f"{measurement.num_samples:,} {images} images; measured {measurement.accuracy:.1%}. "
            "About 10% is chance level: was the model trained? Otherwise train for more "
            "epochs or check the learning rate."
        )
    return True, (
        f"accuracy {measurement.accuracy:.1%} on the grader's {measurement.num_samples:,} "
        f"{images} images (at least {minimum:.1%} needed)"
    )


@_check
def maximum_parameter_count(model, maximum):
    """Checks that `model` has at most `maximum` parameters.

    Accuracy cells use it so that a model too big for the exercise (one
    that stores images in its weights instead of learning from them) is
    not measured at all.
    """
    problem = _not_a_model(model)
    if problem:
        return problem
    found = model.count_params()
    if found > maximum:
        return False, (
            f"expected at most {maximum:,} parameters, more than this exercise's model needs; found {found:,}. "
            "Build the model the exercise asks for."
        )
    return True, f"{found:,} parameters (at most {maximum:,})"


@_check
def history_matches_model(history, model, training_steps=None, epoch="last", tolerance=None):
    """Checks that a History is what training `model` logged.

    The grader recomputes the validation loss and accuracy of the recorded
    `model` (`performance.keras_loss`, `performance.measure`) and compares
    them with the History's values at `epoch`; when `training_steps` (the
    optimizer's step counter, recorded with the model) is given, it must
    also equal the steps the History says were run (`params["steps"]` per
    epoch). A History edited after `fit()` (padded with epochs, or made-up
    values) fails.

    Args:
        history: A `keras.callbacks.History` (as recorded).
        model: The model that History's training left.
        training_steps: The optimizer's `iterations` after training, or None.
        epoch: `"last"` (the model as the last epoch left it), `"best"`
            (lowest `val_loss`: weights restored by a callback) or
            `"last or best"`. Defaults to `"last"`.
        tolerance: `HistoryTolerance`. Defaults to `HISTORY_TOLERANCE`.
    """
    tolerance = tolerance or HISTORY_TOLERANCE
    problem = _not_a_model(model)
    if problem:
        return problem
    logs = getattr(history, "history", None)
    if not isinstance(logs, dict) or not logs.get("val_loss"):
        return False, "expected a History with `val_loss`: pass `validation_data=(x_val, y_val)` to `fit()`."
    val_loss = [float(value) for value in logs["val_loss"]]
    val_accuracy = logs.get("val_accuracy")
    measured_loss = performance.keras_loss(model, "validation")
    measured_accuracy = performance.measure(model, "validation").accuracy if val_accuracy else None
    candidates = {"last": [len(val_loss) - 1], "best": [int(np.nanargmin(val_loss)) if not all(map(math.isnan, val_loss)) else len(val_loss) - 1]}
    candidates["last or best"] = sorted(set(candidates["last"] + candidates["best"]))
    if epoch not in candidates:
        raise ValueError(f"`epoch` must be one of {sorted(candidates)}. Received: epoch={epoch!r}")

    def agrees(index):
        loss_ok = _close_loss(val_loss[index], measured_loss, tolerance.loss)
        accuracy_ok = measured_accuracy is None or abs(float(val_accuracy[index]) - measured_accuracy) <= tolerance.accuracy
        return loss_ok and accuracy_ok

    matching = [index for index in candidates[epoch] if index < len(val_loss) and agrees(index)]
    if not matching:
        index = candidates[epoch][-1]
        found = f"val_loss {val_loss[index]:.4f}" + (f", val_accuracy {float(val_accuracy[index]):.4f}" if val_accuracy else "")
        return False, (
            f"expected the History's epoch {index + 1} ({epoch} epoch) to hold what the grader measures on the "
            f"model: val_loss {measured_loss:.4f}" + (f", val_accuracy {measured_accuracy:.4f}" if measured_accuracy is not None else "")
            + f"; the History says {found}. Return the History that `model.fit()` returned, unedited, for this model"
            + ("; the model should hold that epoch's weights, which `EarlyStopping(restore_best_weights=True)` puts back "
               "when training ends." if epoch == "best" else ".")
        )
    steps = (getattr(history, "params", None) or {}).get("steps")
    if training_steps is not None and isinstance(steps, int) and steps > 0:
        expected_steps = steps * len(val_loss)
        if int(training_steps) != expected_steps:
            return False, (
                f"expected the model's optimizer to have taken {expected_steps:,} steps ({len(val_loss)} epochs of {steps:,}), "
                f"as the History says; it took {int(training_steps):,}. Return the History of the one `fit()` that trained "
                "this model, unedited."
            )
    return True, f"the History agrees with the model: val_loss {measured_loss:.4f} at epoch {matching[0] + 1}"


@_check
def optimizer_took_steps(training_steps, minimum=1):
    """Checks that the recorded model's optimizer is the one that trained
    it: its step counter (`optimizer.iterations`, recorded with the model)
    is at least `minimum`. An optimizer put on the model after `fit()`, to
    claim the settings the exercise asks for, has taken no step.

    Args:
        training_steps: `CellRecords.training_steps(...)`: the step count,
            or None if the model had no optimizer.
        minimum: The fewest steps a right training takes. Defaults to 1.
    """
    if training_steps is None:
        return False, "expected a trained model; it has no optimizer. Compile and fit it with the optimizer the exercise asks for."
    if training_steps < minimum:
        return False, (
            f"expected the model's optimizer to have taken at least {minimum:,} training steps; it took {training_steps:,}. "
            "Keep the optimizer that `fit()` trained with on the model: set it in `compile()`, not afterwards."
        )
    return True, f"the optimizer trained this model ({training_steps:,} steps)"


@dataclasses.dataclass(frozen=True)
class HistoryTolerance:
    """How far a History's logged values may be from the grader's own.

    Attributes:
        loss: Relative difference of `val_loss` (and at least 1e-6 absolute).
        accuracy: Absolute difference of `val_accuracy`.
    """

    loss: float
    accuracy: float


# Keras logs val_loss as the float32 mean over batches of its own size; the
# grader evaluates the same weights in batches of 1024, which changes the
# float32 summation order: measured differences are about 1e-7 relative. An
# argmax can flip for an image whose two best scores tie within float32
# rounding: a handful of the 12,000 at most. Epoch-to-epoch changes in a real
# run are orders of magnitude larger (1e-3 in loss, 1e-3 in accuracy late in
# training, tens of images).
HISTORY_TOLERANCE = HistoryTolerance(loss=1e-4, accuracy=5 / 12_000)


def _close_loss(logged, measured, relative):
    if math.isnan(logged) or math.isnan(measured):
        return math.isnan(logged) and math.isnan(measured)
    return abs(logged - measured) <= max(1e-6, relative * abs(measured))


@_check
def maximum_loss(model, maximum, split="validation", compared_with="the threshold"):
    """Checks that the loss the grader measures on its own data is below `maximum`.

    Args:
        compared_with: What `maximum` is, for the message, for example
            `"the model without a hidden layer"`.
    """
    problem = _not_a_model(model)
    if problem:
        return problem
    measurement = performance.measure(model, split)
    if not measurement.loss < maximum:
        return False, (
            f"expected a loss below {maximum:.4f} ({compared_with}) on the grader's "
            f"{measurement.num_samples:,} {split} images; measured {measurement.loss:.4f}. "
            "Give the model more capacity (more units or layers) or check that it was trained."
        )
    return True, (
        f"loss {measurement.loss:.4f} on the grader's {measurement.num_samples:,} {split} images, "
        f"below {maximum:.4f} ({compared_with})"
    )


@_check
def loss_close_to(model, expected, tolerance, compared_with, hint="", split="validation"):
    """Checks that the loss Keras computes for `model` on the grader's own
    data (`performance.keras_loss`, the computation behind a History's
    `val_loss`) is within `tolerance` of `expected`.

    Args:
        expected: The loss the model should have, for example the lowest
            `val_loss` in the History of its training.
        tolerance: The largest difference that passes.
        compared_with: What `expected` is, for the message, for example
            `"the lowest val_loss in your History, at epoch 6"`.
        hint: Added to a failure's message. Defaults to `""`.
    """
    problem = _not_a_model(model)
    if problem:
        return problem
    measured = performance.keras_loss(model, split)
    if not abs(measured - expected) <= tolerance:
        return False, (
            f"expected a loss of {expected:.4f} ({compared_with}) on the grader's {split} images, "
            f"give or take {tolerance:g}; measured {measured:.4f}.{f' {hint}' if hint else ''}"
        )
    return True, f"loss {measured:.6f} on the grader's {split} images; {compared_with}: {expected:.6f}"


def _callback_summaries(callbacks):
    if isinstance(callbacks, dict) or not isinstance(callbacks, (list, tuple)):
        callbacks = [callbacks]
    return [item if isinstance(item, dict) else codec.callback_summary(item) for item in callbacks]


@_check
def callback_settings(callbacks, class_name, **expected):
    """Checks that a list of callbacks (Keras callbacks, or their summaries
    as `records.callbacks` recorded them) holds one of class `class_name`
    with the settings in `expected`, for example `patience=2`. Where the
    list holds several of that class, the first is checked, and it fails
    when any of its methods was replaced (`codec.callback_summary`).
    Numbers are compared with a relative tolerance of 1e-6, a bool setting
    must be that very bool, anything else must be equal.
    """
    summaries = _callback_summaries(callbacks)
    found_classes = [summary.get("class_name") for summary in summaries]
    matching = [summary for summary in summaries if summary.get("class_name") == class_name]
    if not matching:
        return False, (
            f"expected one {class_name} among the callbacks; found {found_classes or 'none'}. "
            f"Add `keras.callbacks.{class_name}(...)` to the list you return."
        )
    config = matching[0].get("config", {})
    replaced = _replaced_methods_problem(matching[0], "callbacks", class_name)
    if replaced:
        return False, replaced
    for name, value in expected.items():
        found = config.get(name)
        if isinstance(value, bool):
            same = found is value
        elif isinstance(value, (int, float)):
            same = (not isinstance(found, bool) and isinstance(found, (int, float))
                    and math.isclose(found, value, rel_tol=1e-6))
        else:
            same = type(found) is type(value) and found == value
        if not same:
            return False, (
                f"expected {class_name} with {name}={value!r}; found {name}={found!r}. "
                f"Pass `{name}={value!r}` to `keras.callbacks.{class_name}`."
            )
    settings = ", ".join(f"{name}={value!r}" for name, value in expected.items())
    return True, f"{class_name}({settings})"


@_check
def stopped_at_target(epochs_run, values, target, num_epochs, metric="val_accuracy"):
    """Checks a run that should stop at the end of the first epoch whose
    `metric` reached `target` (value >= target), or run all `num_epochs`
    when none did.

    Args:
        epochs_run: How many epochs the run trained for.
        values: The `metric` it logged, one value per epoch run.
        target: The value that should stop training.
        num_epochs: The `epochs` passed to `fit()`.
        metric: The metric's name, for messages. Defaults to `"val_accuracy"`.
    """
    values = [float(value) for value in values]
    if isinstance(epochs_run, bool) or not isinstance(epochs_run, int) or len(values) != epochs_run:
        return False, f"expected one {metric} per epoch run; found {len(values)} values for {epochs_run!r} epochs."
    first = next((epoch for epoch, value in enumerate(values, start=1) if value >= target), None)
    expected = first if first is not None else num_epochs
    shown = [round(value, 4) for value in values]
    if epochs_run == expected:
        how = (f"stopped at epoch {first}, the first with {metric} >= {target:g}" if first
               else f"ran all {num_epochs} epochs, {metric} never reaching {target:g}")
        return True, f"target {target:g}: {how}"
    if first is None:
        return False, (
            f"target {target:g}: expected all {num_epochs} epochs, since {metric} never reached it; training stopped "
            f"after epoch {epochs_run} ({metric} {shown}). Stop only when logs[{metric!r}] >= target."
        )
    return False, (
        f"target {target:g}: expected training to stop at the end of epoch {first}, the first whose {metric} "
        f"reached it; it ran {epochs_run} epoch(s) ({metric} {shown}). In `on_epoch_end`, set "
        f"`self.model.stop_training = True` when logs[{metric!r}] >= target."
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


@_check
def stopped_early(epochs_run, epoch_limit, patience):
    """Checks that training ended before `epoch_limit`, as an EarlyStopping with `patience` makes it.

    The test cell and the grader's judge both call it, so Validate and the
    grader say the same.
    """
    if epochs_run < epoch_limit:
        return True, f"early stopping ended training after {epochs_run} of {epoch_limit} epochs"
    return False, (f"expected early stopping to end training before the limit of {epoch_limit} epochs; it ran all "
                   f"{epochs_run}. Return an EarlyStopping(monitor='val_loss', patience={patience}) from make_callbacks().")


@_check
def checkpoint_saved(exists):
    """Checks that training left the file its ModelCheckpoint was given (`exists` exactly `True`)."""
    if exists is True:
        return True, "the checkpoint file exists"
    return False, ("expected a checkpoint file at checkpoint_path after training; there is none. Return a "
                   "ModelCheckpoint(checkpoint_path, ...) from make_callbacks(), built with the path it is given.")


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
