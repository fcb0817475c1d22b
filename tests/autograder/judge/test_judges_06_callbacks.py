"""Chapter 06's judges reject wrong records, without a notebook run: callbacks
left at their defaults, a checkpoint of the wrong epoch, training that never
stopped, an untrained model, a callback that stops late, a legacy checkpoint."""

import keras
import numpy as np
import pytest

from autograder import performance, record_format, records
from autograder.judge import judging
from autograder.synthetic import make_history

ASSIGNMENT = "06_callbacks"


def judge(course_root, folder, grade_id):
    (verdict,) = judging.judge_cells(course_root / "source" / ASSIGNMENT, folder, [grade_id])
    return verdict


def untrained_model():
    keras.utils.set_random_seed(0)
    return keras.Sequential([
        keras.Input(shape=(28, 28)), keras.layers.Flatten(),
        keras.layers.Dense(100, activation="relu"), keras.layers.Dense(10, activation="softmax"),
    ])


def test_callback_settings_rejects_defaults_and_accepts_the_right_pair(course_root, records_folder):
    path = str(records_folder / "hidden_test.keras")
    records.value("callback_settings", "checkpoint_path", path)
    records.callbacks("callback_settings", "callbacks", [keras.callbacks.ModelCheckpoint(path), keras.callbacks.EarlyStopping(patience=2)])
    verdict = judge(course_root, records_folder, "callback_settings")
    assert not verdict.passed
    assert "save_best_only=True; found save_best_only=False" in verdict.message
    assert "restore_best_weights=True; found restore_best_weights=False" in verdict.message

    records.callbacks("callback_settings", "callbacks", [
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True),
        keras.callbacks.ModelCheckpoint(path, monitor="val_loss", save_best_only=True),
    ])
    assert judge(course_root, records_folder, "callback_settings").passed


def test_early_stopping_checkpoint_wants_an_early_stop_and_the_best_epoch(course_root, records_folder):
    model = untrained_model()
    loss = performance.keras_loss(model)
    records.model("early_stopping_checkpoint", "checkpoint", model)
    records.model("early_stopping_checkpoint", "model", model)
    records.value("early_stopping_checkpoint", "checkpoint_exists", True)

    records.value("early_stopping_checkpoint", "history", make_history(val_loss=[loss + 0.2, loss, loss + 0.01, loss + 0.02]))
    verdict = judge(course_root, records_folder, "early_stopping_checkpoint")
    assert verdict.passed, verdict.message

    # The checkpoint is the last epoch's model, not the best one's.
    records.value("early_stopping_checkpoint", "history", make_history(val_loss=[loss + 0.2, loss - 0.004, loss - 0.002, loss]))
    verdict = judge(course_root, records_folder, "early_stopping_checkpoint")
    assert not verdict.passed and "save_best_only=True" in verdict.message

    records.value("early_stopping_checkpoint", "history", make_history(val_loss=[loss + 0.1] * 19 + [loss]))
    records.value("early_stopping_checkpoint", "checkpoint_exists", False)
    verdict = judge(course_root, records_folder, "early_stopping_checkpoint")
    assert not verdict.passed
    assert "before the limit of 20 epochs" in verdict.message and "there is none" in verdict.message


def test_restored_model_accuracy_rejects_an_untrained_model(course_root, records_folder):
    records.model("restored_model_accuracy", "model", untrained_model())
    verdict = judge(course_root, records_folder, "restored_model_accuracy")
    minimum = judging.load_grading_module(course_root / "source" / ASSIGNMENT).MINIMUM_ACCURACY
    assert not verdict.passed and f"expected at least {minimum:.1%} accuracy" in verdict.message


def fake_run(stop_after_first_reaching, late_by=0):
    """A stand-in for the hidden test's tiny training run, with the tiny problem's val_accuracy."""
    val_accuracy = [20 / 64, 30 / 64, 37 / 64, 48 / 64, 53 / 64, 57 / 64]

    def run(target, num_epochs):
        reached = next((epoch for epoch, value in enumerate(val_accuracy, 1) if value >= target), num_epochs)
        epochs_run = min(reached + late_by, num_epochs) if stop_after_first_reaching else num_epochs
        return {"epochs_run": epochs_run, "val_accuracy": val_accuracy[:epochs_run]}

    return run


@pytest.mark.parametrize("run, passes", [(fake_run(True), True), (fake_run(True, late_by=1), False), (fake_run(False), False)],
                         ids=["right", "one epoch late", "never stops"])
def test_stop_at_accuracy_judges_each_target(course_root, records_folder, run, passes):
    judging.load_grading(course_root / "source" / ASSIGNMENT).write_inputs(records_folder / record_format.INPUTS_SUBDIR)
    records.calls("stop_at_accuracy", run)
    verdict = judge(course_root, records_folder, "stop_at_accuracy")
    assert verdict.passed is passes, verdict.message
    if not passes:
        assert "expected training to stop at the end of epoch 4" in verdict.message


def test_fixed_training_accepts_a_real_run_and_rejects_a_made_up_history(course_root, records_folder):
    from course import data

    model = untrained_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    splits = data.load_splits()
    history = model.fit(splits.x_train[:2000], splits.y_train[:2000], batch_size=128, epochs=1,
                        validation_data=(splits.x_val, splits.y_val), verbose=0)
    records.value("fixed_training", "checkpoint_path", str(records_folder / "quick.keras"))
    records.value("fixed_training", "in_checkpoint_dir", True)
    records.value("fixed_training", "checkpoint_exists", True)
    records.model("fixed_training", "model", model)
    records.value("fixed_training", "history", history)
    verdict = judge(course_root, records_folder, "fixed_training")
    assert verdict.passed, verdict.message

    records.value("fixed_training", "history", make_history(loss=[0.3], accuracy=[0.9], val_loss=[0.3], val_accuracy=[0.9]))
    verdict = judge(course_root, records_folder, "fixed_training")
    assert not verdict.passed and "unedited" in verdict.message


def test_fixed_training_rejects_a_legacy_checkpoint_name(course_root, records_folder):
    records.model("fixed_training", "model", untrained_model())
    records.value("fixed_training", "history", make_history(loss=[1.0], accuracy=[0.7], val_loss=[0.9], val_accuracy=[0.7]))
    records.value("fixed_training", "checkpoint_path", "/tmp/scratch/best_model.h5")
    records.value("fixed_training", "in_checkpoint_dir", True)
    records.value("fixed_training", "checkpoint_exists", True)
    verdict = judge(course_root, records_folder, "fixed_training")
    assert not verdict.passed and "end in .keras" in verdict.message

    records.value("fixed_training", "checkpoint_path", "best_model.keras")
    records.value("fixed_training", "in_checkpoint_dir", False)
    verdict = judge(course_root, records_folder, "fixed_training")
    assert not verdict.passed and "never in the notebook's folder" in verdict.message


def keras_early_stopping(val_losses, patience):
    """Returns (epochs trained, epoch whose weights the model ends with) as Keras's own EarlyStopping
    (monitor="val_loss", restore_best_weights=True) decides them for `val_losses`: the model's one
    weight is set to each epoch's number before its end, so the weight left names the restored epoch."""
    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1, use_bias=False)])
    model.stop_training = False
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    stopper.set_model(model)
    stopper.on_train_begin()
    for epoch, loss in enumerate(val_losses):
        model.set_weights([np.full((1, 1), epoch + 1.0)])
        stopper.on_epoch_end(epoch, {"val_loss": loss})
        if model.stop_training:
            break
    stopper.on_train_end()
    return epoch + 1, int(model.get_weights()[0][0, 0])


def test_every_stopping_case_expects_what_keras_early_stopping_does(course_root):
    grading = judging.load_grading_module(course_root / "source" / ASSIGNMENT)
    assert len(grading.STOPPING_CASES) >= 10
    for case in grading.STOPPING_CASES:
        assert keras_early_stopping(*case.args) == case.expected, case.description
