"""The checks chapter 02 adds: batches per epoch, optimizer settings,
gradient clipping, hidden layers and a maximum loss."""

import keras
import numpy as np
import pytest

from autograder import checks, codec, judging, records
from autograder.synthetic import make_history


def assert_fails(result, *fragments):
    assert not result.passed, result.message
    for fragment in fragments:
        assert fragment in result.message, result.message


def model_with(*hidden_units):
    layers = [keras.Input(shape=(28, 28)), keras.layers.Flatten()]
    layers += [keras.layers.Dense(units, activation="relu") for units in hidden_units]
    return keras.Sequential(layers + [keras.layers.Dense(10, activation="softmax")])


def test_steps_per_epoch_reads_what_fit_recorded():
    model = model_with()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", steps_per_execution=32)
    history = model.fit(np.zeros((3000, 28, 28)), np.zeros(3000), batch_size=200, epochs=1, verbose=0)
    assert checks.steps_per_epoch(history, 15, 3000, 200).passed
    assert_fails(checks.steps_per_epoch(history, 24, 3000, 128), "expected 24 batches", "found 15", "batch_size=batch_size")
    assert_fails(checks.steps_per_epoch(make_history(loss=[1.0]), 15, 3000, 200), "found None")


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


def test_minimum_hidden_layers():
    assert checks.minimum_hidden_layers(model_with(256, 256), 2).passed
    assert_fails(checks.minimum_hidden_layers(model_with(), 1), "found 0", "Dense(10, softmax)")
    assert_fails(checks.minimum_hidden_layers("model", 1), "keras.Model")


def test_maximum_loss_is_measured_by_the_grader():
    keras.utils.set_random_seed(0)
    untrained = model_with(100)
    result = checks.maximum_loss(untrained, 3.0, compared_with="chance")
    assert result.passed and "(chance)" in result.message
    assert_fails(checks.maximum_loss(untrained, 0.417, compared_with="the model without a hidden layer"),
                 "below 0.4170", "the model without a hidden layer", "12,000 validation images")


def test_an_optimizer_record_round_trips_and_a_wrong_object_fails_closed(tmp_path, monkeypatch):
    monkeypatch.setenv(records.RECORDS_DIR_VARIABLE, str(tmp_path))
    records.optimizer("cell", "optimizer", keras.optimizers.SGD(learning_rate=1.0, clipnorm=0.3))
    recorded = judging.CellRecords(tmp_path, "cell").value("optimizer")
    assert checks.optimizer_settings(recorded, "SGD", learning_rate=1.0).passed
    assert checks.gradient_clipping(recorded).passed
    records.optimizer("cell", "not_an_optimizer", "sgd")
    with pytest.raises(judging.RecordProblem, match="expected a keras optimizer"):
        judging.CellRecords(tmp_path, "cell").value("not_an_optimizer")


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
