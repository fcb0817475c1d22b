"""The grader's judges for chapter 06 (never released to students).

The notebook's hidden tests only record the student's work
(`autograder.records`); each judge below decides one grade cell from those
records, outside the student's kernel. Expected settings, hidden inputs and
thresholds live here alone.
"""

from autograder import checks
from autograder.judge.grade_cells import GradeCells

NUM_EPOCHS = 20  # the epoch limit of the notebook's locked training cell
# Accuracy is measured on the grader's held-out test images (the official test
# set, which a graded kernel never holds): the reference reaches 88.2% (88.9% on the validation split).
MINIMUM_ACCURACY = 0.86
# An accuracy cell measures only models of the exercise's size: build_model()'s Flatten, Dense(300), Dense(100), Dense(10)
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
