"""Reading per-epoch metrics from a History or its dict."""

import keras
import pytest

from course import histories


def test_a_history_and_its_dict_read_the_same():
    history = keras.callbacks.History()
    history.history = {"loss": [1, 0.5], "val_loss": [1.2, 0.9]}
    assert histories.as_history_dict(history) == histories.as_history_dict(history.history)
    assert histories.as_history_dict(history)["loss"] == [1.0, 0.5]


def test_something_else_is_rejected_with_what_was_received():
    with pytest.raises(TypeError, match="Received: list"):
        histories.as_history_dict([0.1, 0.2])
    with pytest.raises(TypeError, match="history\\['loss'\\]"):
        histories.as_history_dict({"loss": "low"})


def test_a_missing_validation_metric_names_the_fix():
    with pytest.raises(KeyError) as error:
        histories.require_metrics({"loss": [1.0]}, ["loss", "val_loss"])
    assert "validation_data=(x_val, y_val)" in str(error.value)
    assert "Received keys: ['loss']" in str(error.value)


def test_a_missing_metric_names_the_compile_argument():
    assert "metrics=['accuracy']" in histories.how_to_record("accuracy")

