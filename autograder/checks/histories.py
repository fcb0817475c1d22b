"""Checks of what training recorded: the metrics and epochs in a History,
that it is the History `fit()` returned for the model, the batches per
epoch, and that the History and the optimizer's step count agree with the
model the grader measures (`history_matches_model`, `optimizer_took_steps`).
"""

import dataclasses
import math

import keras
import numpy as np

from autograder import performance
from autograder.checks.engine import _check, _not_a_model
from course import histories


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
