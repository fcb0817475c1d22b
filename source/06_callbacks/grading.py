"""The grader's judges for chapter 06 (never released to students).

The notebook's hidden tests only record the student's work
(`autograder.records`); each judge below decides one grade cell from those
records, outside the student's kernel. Expected settings, hidden inputs and
thresholds live here alone.
"""

from autograder import checks
from autograder.checks import Case
from autograder.judge.grade_cells import GradeCells

NUM_EPOCHS = 20  # the epoch limit of the notebook's locked training cell
# Accuracy is measured on the grader's held-out test images (the official test
# set, which a graded kernel never holds): the reference reaches 86.9% to 88.2%
# over five seeds (88.2% as shipped); the model without a hidden layer 84.2%,
# one epoch of the reference 83.5%.
# The bar: README, "How the bars were chosen" (measured with `make bench`'s seeds part, one thread).
MINIMUM_ACCURACY = 0.855
# An accuracy cell measures only models of the exercise's size: the given build_model()'s Flatten, Dense(300), Dense(100), Dense(10)
# has 266,610 parameters; three times that leaves room for answers written
# differently, and no room to store images in the weights instead of learning.
MAXIMUM_PARAMETERS = 3 * 266_610
# The checkpoint's loss, computed by the grader as Keras computes val_loss, is
# within about 1e-7 of the History's minimum (3e-8 in the reference run); the
# next lowest val_loss of the reference run is 3.6e-4 above it, the last
# epoch's 4.4e-3.
LOSS_TOLERANCE = 2e-5
PATIENCE = 2

grade_cells = GradeCells()


@grade_cells.judge("callback_settings")
def callback_settings(records):
    callbacks = records.value("callbacks")
    return [
        checks.callback_settings(callbacks, "ModelCheckpoint", filepath=records.value("checkpoint_path"),
                                 monitor="val_loss", save_best_only=True),
        checks.callback_settings(callbacks, "EarlyStopping", monitor="val_loss", patience=PATIENCE,
                                 restore_best_weights=True),
    ]


@grade_cells.judge("early_stopping_checkpoint")
def early_stopping_checkpoint(records):
    history = records.value("history")
    results = [checks.history_keys(history, ["val_loss"])]
    if not results[0].passed:
        return results
    num_epochs = len(history.history["val_loss"])
    results.append(checks.stopped_early(num_epochs, NUM_EPOCHS, PATIENCE))
    exists = records.value("checkpoint_exists")
    results.append(checks.checkpoint_saved(exists))
    if exists is not True:
        return results
    # The kernel can edit a History, and a callback after it was built; the model it trained is what the
    # grader measures. Training stopped early, so EarlyStopping(restore_best_weights=True) left the best epoch's.
    results.append(checks.history_matches_model(history, records.model("model"), records.training_steps("model"),
                                                epoch="best"))
    val_loss = history.history["val_loss"]
    best_epoch = min(range(len(val_loss)), key=val_loss.__getitem__) + 1
    results.append(checks.loss_close_to(
        records.model("checkpoint"), min(val_loss), LOSS_TOLERANCE,
        f"the lowest val_loss in your History, at epoch {best_epoch}",
        hint="The checkpoint should hold the best epoch's model: pass monitor='val_loss' and "
             "save_best_only=True to ModelCheckpoint.",
    ))
    return results


@grade_cells.judge("restored_model_accuracy")
def restored_model_accuracy(records):
    model = records.model("model")
    return [checks.maximum_parameter_count(model, MAXIMUM_PARAMETERS), checks.finite_loss(model),
            checks.minimum_accuracy(model, MINIMUM_ACCURACY)]


def _stopping_case(val_losses, patience, expected, hint):
    return Case((val_losses, patience), expected, f"val_losses={val_losses}, patience={patience}", hint)


_NUMBERED = "Epochs are numbered from 1: return (epochs trained, epoch whose weights the model holds)."
_NO_NEW_MINIMUM = ("An epoch improves only when its val_loss is below the lowest so far; a loss that falls, but not "
                   "below the lowest, or that equals it, counts as an epoch without improvement. EarlyStopping does "
                   "not wait for a rise.")
_RESET = "An epoch that improves sets the count of epochs without improvement back to 0."
_RESTORED = ("Keras 3 restores the best epoch's weights however training ends, also when it runs to the epoch limit; "
             "the best epoch is the first with the lowest val_loss.")
STOPPING_CASES = [
    _stopping_case([0.9, 0.7, 0.6, 0.62, 0.65, 0.7, 0.5], 2, (5, 3), _NUMBERED),
    _stopping_case([0.9, 0.6, 0.6, 0.6, 0.5], 2, (4, 2), "A tie with the lowest val_loss is not an improvement."),
    _stopping_case([0.8, 0.5, 0.7, 0.6, 0.45, 0.4], 2, (4, 2), _NO_NEW_MINIMUM),
    _stopping_case([0.8, 0.5, 0.7, 0.55, 0.52, 0.4], 3, (5, 2), _NO_NEW_MINIMUM),
    _stopping_case([1.0, 1.1, 0.9, 1.0, 0.95, 0.8, 0.85, 0.9], 2, (5, 3), f"{_RESET} {_NO_NEW_MINIMUM}"),
    _stopping_case([1.0, 0.8, 0.85, 0.7, 0.72, 0.6], 2, (6, 6),
                   f"{_RESET} Without `patience` epochs in a row without improvement, training runs to the limit."),
    _stopping_case([1.0, 0.9, 0.95, 0.96], 2, (4, 2), "Training stops at the end of the epoch where the count "
                                                      "reaches patience, even when that is the last epoch."),
    _stopping_case([1.0, 0.9, 0.95], 2, (3, 2), _RESTORED),
    _stopping_case([0.5, 0.6, 0.4], 1, (2, 1), "With patience=1, the first epoch without improvement is the last."),
    _stopping_case([0.3, 0.4, 0.5, 0.6, 0.7], 3, (4, 1), "The first epoch can be the best one."),
    _stopping_case([0.5, 0.4999, 0.4998, 0.6, 0.6], 2, (5, 3), "Any amount below the lowest so far is an improvement "
                                                              "(min_delta is 0)."),
    _stopping_case([0.5, 0.6, 0.7], 5, (3, 1), _RESTORED),
    _stopping_case([0.7, 0.4, 0.4, 0.3, 0.3, 0.3], 2, (6, 4), "A tie with the lowest val_loss is not an improvement; "
                                                              "the best epoch is the first with the lowest val_loss."),
]
grade_cells.function_cases("stopping_epoch_cases", STOPPING_CASES, "stopping_epoch")


# The tiny problem's val_accuracy is a multiple of 1/64, and 0.75 is one
# that it reaches exactly (at epoch 4): `>` instead of `>=` stops an epoch late.
# Its val_accuracy tops out at 57/64 within 6 epochs, so 0.99 is never reached.
STOP_TARGETS = [(0.75, 6), (0.99, 6)]
grade_cells.inputs("stop_at_accuracy", STOP_TARGETS)


@grade_cells.judge("stop_at_accuracy")
def stop_at_accuracy(records):
    results = []
    for (target, num_epochs), outcome in zip(STOP_TARGETS, records.calls(len(STOP_TARGETS))):
        if outcome.raised is not None:
            results.append(checks.raised(outcome, f"training the tiny model with StopAtAccuracy({target})"))
            continue
        run = outcome.returned
        results.append(checks.stopped_at_target(run["epochs_run"], run["val_accuracy"], target, num_epochs))
    return results


@grade_cells.judge("fixed_training")
def fixed_training(records):
    path = records.value("checkpoint_path")
    history = records.value("history")
    results = [
        checks.history_keys(history, ["accuracy", "val_accuracy"]),
        checks.recorded_fact(
            isinstance(path, str) and path.endswith(".keras"), f"the checkpoint is a .keras file: {path}",
            f"expected the checkpoint's name to end in .keras, the format Keras 3 saves whole models in; "
            f"found {path!r}. `.h5` is the legacy format.",
        ),
        checks.recorded_fact(
            records.value("in_checkpoint_dir"), "the checkpoint is in checkpoint_dir",
            f"expected the checkpoint directly in checkpoint_dir, never in the notebook's folder; found {path!r}. "
            "Build its path as checkpoint_dir / 'name.keras'.",
        ),
        checks.recorded_fact(
            records.value("checkpoint_exists"), "the checkpoint file exists",
            f"expected a checkpoint file at {path!r} after training; there is none. Pass the ModelCheckpoint "
            "to fit() in `callbacks=[...]`.",
        ),
    ]
    if not results[0].passed:
        return results
    # The kernel can edit a History; the model it trained is what the grader measures.
    return results + [checks.history_matches_model(history, records.model("model"), records.training_steps("model"),
                                                   epoch="last or best")]
