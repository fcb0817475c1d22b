"""The checks of callbacks (`autograder.checks.callbacks`): callback
summaries and their record, the callback settings check, a run that should
stop at a target, early stopping and a saved checkpoint."""

import keras
import numpy as np
import pytest

from autograder import checks, codec, record_format, records
from autograder.judge import cell_records

from check_helpers import assert_fails


def two_callbacks(path, save_best_only=True, patience=2):
    return [
        keras.callbacks.ModelCheckpoint(path, monitor="val_loss", save_best_only=save_best_only),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True),
    ]


def test_a_callback_summary_keeps_its_class_and_plain_settings(tmp_path):
    summary = codec.callback_summary(keras.callbacks.ModelCheckpoint(tmp_path / "best.keras", save_best_only=True))
    assert summary["class_name"] == "ModelCheckpoint"
    assert summary["config"]["filepath"] == str(tmp_path / "best.keras")
    assert summary["config"]["save_best_only"] is True
    assert "_model" not in summary["config"]

    class StopAtAccuracy(keras.callbacks.Callback):
        def __init__(self, target):
            super().__init__()
            self.target = target
            self.weights_seen = [np.zeros(3)]

    custom = codec.callback_summary(StopAtAccuracy(0.9))
    assert custom["class_name"].endswith(".StopAtAccuracy") and custom["config"] == {"params": None, "target": 0.9}
    with pytest.raises(codec.NotEncodable, match="expected a keras callback"):
        codec.callback_summary("EarlyStopping")


@pytest.fixture(params=[False, True], ids=["callbacks", "recorded summaries"])
def given(request, tmp_path, monkeypatch):
    """Returns a function giving a list of callbacks as the checks see it: as it is, or recorded and read back."""

    def as_checked(callbacks):
        if not request.param:
            return callbacks
        monkeypatch.setenv(record_format.RECORDS_DIR_VARIABLE, str(tmp_path))
        records.callbacks("cell", "callbacks", callbacks)
        return cell_records.CellRecords(tmp_path, "cell").value("callbacks")

    return as_checked


def test_callback_settings_finds_each_class_in_any_order(tmp_path, given):
    path = str(tmp_path / "best.keras")
    right = given(list(reversed(two_callbacks(path))))
    assert checks.callback_settings(right, "ModelCheckpoint", filepath=path, monitor="val_loss", save_best_only=True).passed
    assert checks.callback_settings(right, "EarlyStopping", patience=2, restore_best_weights=True).passed
    assert_fails(checks.callback_settings(given(two_callbacks(path, save_best_only=False)), "ModelCheckpoint",
                                          save_best_only=True),
                 "save_best_only=True; found save_best_only=False", "Pass `save_best_only=True`")
    assert_fails(checks.callback_settings(given(two_callbacks(path, patience=5)), "EarlyStopping", patience=2),
                 "patience=2; found patience=5")
    assert_fails(checks.callback_settings(given(two_callbacks(path)[:1]), "EarlyStopping", patience=2),
                 "expected one EarlyStopping among the callbacks; found ['ModelCheckpoint']")
    assert_fails(checks.callback_settings(given(two_callbacks(path)), "ModelCheckpoint", filepath=str(tmp_path / "other.keras")),
                 "filepath=")


def test_a_callback_whose_methods_were_replaced_fails_whatever_its_settings(tmp_path, monkeypatch, given):
    path = str(tmp_path / "best.keras")
    assert codec.callback_summary(two_callbacks(path)[1])["replaced_methods"] == []
    never_restores = two_callbacks(path)
    never_restores[1].on_train_end = lambda logs=None: None
    assert_fails(checks.callback_settings(given(never_restores), "EarlyStopping", patience=2, restore_best_weights=True),
                 "found its on_train_end replaced after it was built")
    assert checks.callback_settings(given(never_restores), "ModelCheckpoint", save_best_only=True).passed

    trained = two_callbacks(path)
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.zeros((8, 3)), np.zeros((8, 2)), validation_data=(np.zeros((4, 3)), np.zeros((4, 2))), epochs=2,
              callbacks=trained, verbose=0)
    assert checks.callback_settings(given(trained), "EarlyStopping", patience=2, restore_best_weights=True).passed, (
        "the functions Keras keeps on a callback while it trains (monitor_op) are its own")
    own_comparison = two_callbacks(path)
    own_comparison[1].monitor_op = lambda current, best: True
    assert_fails(checks.callback_settings(given(own_comparison), "EarlyStopping", patience=2), "monitor_op replaced")

    monkeypatch.setattr(keras.callbacks.ModelCheckpoint, "on_epoch_end", lambda self, epoch, logs=None: None)
    assert_fails(checks.callback_settings(given(two_callbacks(path)), "ModelCheckpoint", save_best_only=True),
                 "found its on_epoch_end replaced")


def test_a_single_callback_is_recorded_as_a_list_and_anything_else_fails_closed(tmp_path, monkeypatch):
    monkeypatch.setenv(record_format.RECORDS_DIR_VARIABLE, str(tmp_path))
    records.callbacks("cell", "one", keras.callbacks.EarlyStopping(patience=2))
    assert [summary["class_name"] for summary in cell_records.CellRecords(tmp_path, "cell").value("one")] == ["EarlyStopping"]
    records.callbacks("cell", "mixed", [keras.callbacks.EarlyStopping(), "ModelCheckpoint"])
    with pytest.raises(cell_records.RecordProblem, match="item 2 of the list"):
        cell_records.CellRecords(tmp_path, "cell").value("mixed")
    records.callbacks("cell", "nothing", None)
    with pytest.raises(cell_records.RecordProblem, match="expected a keras callback; found builtins.NoneType"):
        cell_records.CellRecords(tmp_path, "cell").value("nothing")


def test_stopped_at_target_expects_the_first_epoch_that_reaches_it():
    values = [0.5, 0.75, 0.8, 0.9]
    assert checks.stopped_at_target(2, values[:2], 0.75, 4).passed
    assert checks.stopped_at_target(4, values, 0.95, 4).passed
    assert_fails(checks.stopped_at_target(3, values[:3], 0.75, 4), "stop at the end of epoch 2", ">= target")
    assert_fails(checks.stopped_at_target(4, values, 0.75, 4), "stop at the end of epoch 2", "ran 4 epoch(s)")
    assert_fails(checks.stopped_at_target(1, values[:1], 0.95, 4), "expected all 4 epochs", "after epoch 1")
    assert_fails(checks.stopped_at_target(3, values, 0.75, 4), "one val_accuracy per epoch run")


def test_stopped_early_accepts_a_run_shorter_than_its_limit_and_names_the_fix_otherwise():
    assert checks.stopped_early(8, 20, 2).passed
    assert_fails(checks.stopped_early(20, 20, 2), "before the limit of 20 epochs; it ran all 20",
                 "EarlyStopping(monitor='val_loss', patience=2)")


def test_checkpoint_saved_needs_the_fact_to_be_exactly_true():
    assert checks.checkpoint_saved(True).passed
    for recorded in (False, None, 1, "yes"):
        assert_fails(checks.checkpoint_saved(recorded), "expected a checkpoint file at checkpoint_path")
