"""The checks of an optimizer (`autograder.checks.optimizers`), as a Keras
object or as recorded: its class and settings (a bool setting as a bool),
gradient clipping, and an optimizer named like Keras's or with its methods
replaced."""

import keras
import pytest

from autograder import checks, codec, record_format, records
from autograder.judge import cell_records

from check_helpers import assert_fails


@pytest.mark.parametrize("as_recorded", [False, True], ids=["optimizer", "recorded summary"])
def test_optimizer_settings_compare_class_and_settings(as_recorded):
    def given(optimizer):
        return codec.decode(codec.encode(codec.optimizer_summary(optimizer))) if as_recorded else optimizer

    assert checks.optimizer_settings(given(keras.optimizers.RMSprop(learning_rate=0.01)), "RMSprop", learning_rate=0.01).passed
    assert_fails(checks.optimizer_settings(given(keras.optimizers.Adam()), "RMSprop", learning_rate=0.01),
                 "trained with RMSprop; found Adam")
    assert_fails(checks.optimizer_settings(given(keras.optimizers.RMSprop()), "RMSprop", learning_rate=0.01),
                 "learning_rate=0.01", "learning_rate=0.001")


def test_gradient_clipping_accepts_each_kind_and_rejects_none():
    for setting in checks.CLIPPING_SETTINGS:
        result = checks.gradient_clipping(keras.optimizers.SGD(**{setting: 0.5}))
        assert result.passed and setting in result.message
    assert_fails(checks.gradient_clipping(keras.optimizers.SGD()), "has none", "clipnorm=1.0")
    assert_fails(checks.gradient_clipping("sgd"), "expected a keras optimizer", "str")


def test_a_schedule_survives_the_record_as_its_config():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.01, decay_steps=10, decay_rate=0.5)
    summary = codec.decode(codec.encode(codec.optimizer_summary(keras.optimizers.Adam(learning_rate=schedule))))
    assert summary["config"]["learning_rate"]["class_name"] == "ExponentialDecay"
    assert_fails(checks.optimizer_settings(summary, "Adam", learning_rate=0.01), "learning_rate=0.01")


def test_an_optimizer_record_round_trips_and_a_wrong_object_fails_closed(tmp_path, monkeypatch):
    monkeypatch.setenv(record_format.RECORDS_DIR_VARIABLE, str(tmp_path))
    records.optimizer("cell", "optimizer", keras.optimizers.SGD(learning_rate=1.0, clipnorm=0.3))
    recorded = cell_records.CellRecords(tmp_path, "cell").value("optimizer")
    assert checks.optimizer_settings(recorded, "SGD", learning_rate=1.0).passed
    assert checks.gradient_clipping(recorded).passed
    records.optimizer("cell", "not_an_optimizer", "sgd")
    with pytest.raises(cell_records.RecordProblem, match="expected a keras optimizer"):
        cell_records.CellRecords(tmp_path, "cell").value("not_an_optimizer")


@pytest.mark.parametrize("as_recorded", [False, True], ids=["optimizer", "recorded summary"])
def test_an_optimizer_named_like_keras_or_with_replaced_methods_fails(as_recorded, monkeypatch):
    def given(optimizer):
        return codec.decode(codec.encode(codec.optimizer_summary(optimizer))) if as_recorded else optimizer

    class RMSprop(keras.optimizers.SGD):
        pass

    assert_fails(checks.optimizer_settings(given(RMSprop(learning_rate=0.01)), "RMSprop", learning_rate=0.01),
                 "trained with RMSprop; found", ".RMSprop")
    never_steps = keras.optimizers.RMSprop(learning_rate=0.01)
    never_steps.apply = lambda *args, **kwargs: None
    assert_fails(checks.optimizer_settings(given(never_steps), "RMSprop", learning_rate=0.01),
                 "keras.optimizers.RMSprop as Keras defines it", "apply replaced")
    monkeypatch.setattr(keras.optimizers.Adam, "update_step", lambda self, gradient, variable, learning_rate: None)
    assert_fails(checks.optimizer_settings(given(keras.optimizers.Adam()), "Adam"), "update_step replaced")
    assert checks.optimizer_settings(given(keras.optimizers.RMSprop(learning_rate=0.01)), "RMSprop", learning_rate=0.01).passed


@pytest.mark.parametrize("as_recorded", [False, True], ids=["optimizer", "recorded summary"])
def test_optimizer_settings_compare_a_bool_setting_as_a_bool(as_recorded):
    def given(optimizer):
        return codec.decode(codec.encode(codec.optimizer_summary(optimizer))) if as_recorded else optimizer

    right = given(keras.optimizers.SGD(learning_rate=0.02, momentum=0.9, nesterov=True))
    assert checks.optimizer_settings(right, "SGD", learning_rate=0.02, momentum=0.9, nesterov=True).passed
    assert_fails(checks.optimizer_settings(given(keras.optimizers.SGD(momentum=0.9)), "SGD", nesterov=True),
                 "nesterov=True; found nesterov=False")
    assert_fails(checks.optimizer_settings(right, "SGD", nesterov=False), "nesterov=False; found nesterov=True")
    assert_fails(checks.optimizer_settings({"class_name": "SGD", "config": {"nesterov": 1}}, "SGD", nesterov=True),
                 "found nesterov=1")
