"""Checks of training callbacks and what they did: a callback's class and
settings (a Keras callback, or its summary as `records.callbacks` recorded
it), a run that stops at a target, early stopping, a saved checkpoint.
"""

import math

from autograder import codec
from autograder.checks.engine import _check, _replaced_methods_problem


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
