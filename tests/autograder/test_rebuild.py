"""Rebuilding recorded models in the grader without loading student code."""

import json

import keras
import numpy as np
import pytest

from autograder import rebuild, records


def _record(tmp_path, monkeypatch, model):
    monkeypatch.setenv(records.RECORDS_DIR_VARIABLE, str(tmp_path))
    records.model("cell", "model", model)
    return tmp_path / "cell" / "model.json", tmp_path / "cell" / "model.weights.npz"


def test_a_model_comes_back_with_the_same_predictions(tmp_path, monkeypatch):
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    config_path, weights_path = _record(tmp_path, monkeypatch, model)
    rebuilt = rebuild.rebuild_model(config_path, weights_path)
    images = np.random.default_rng(0).random((4, 28, 28)).astype("float32")
    assert np.allclose(rebuilt.predict(images, verbose=0), model.predict(images, verbose=0), atol=1e-6)


def test_a_functional_model_comes_back(tmp_path, monkeypatch):
    inputs = keras.Input((28, 28))
    outputs = keras.layers.Dense(10)(keras.layers.Flatten()(inputs))
    config_path, weights_path = _record(tmp_path, monkeypatch, keras.Model(inputs, outputs))
    assert rebuild.rebuild_model(config_path, weights_path).output_shape == (None, 10)


def test_a_lambda_layer_is_refused(tmp_path, monkeypatch):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda x: x * 2)])
    config_path, weights_path = _record(tmp_path, monkeypatch, model)
    with pytest.raises(rebuild.UnsafeRecord, match="Lambda"):
        rebuild.rebuild_model(config_path, weights_path)


def test_a_custom_activation_is_refused(tmp_path, monkeypatch):
    def my_activation(x):
        return x

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation=my_activation)])
    config_path, weights_path = _record(tmp_path, monkeypatch, model)
    with pytest.raises(rebuild.UnsafeRecord):
        rebuild.rebuild_model(config_path, weights_path)


def test_a_forged_module_path_is_refused(tmp_path, monkeypatch):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    config_path, weights_path = _record(tmp_path, monkeypatch, model)
    record = json.loads(config_path.read_text())
    record["config"]["config"]["layers"][1]["module"] = "os"
    record["config"]["config"]["layers"][1]["class_name"] = "system"
    config_path.write_text(json.dumps(record))
    with pytest.raises(rebuild.UnsafeRecord, match="os.system"):
        rebuild.rebuild_model(config_path, weights_path)


def test_weights_that_do_not_fit_are_refused(tmp_path, monkeypatch):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    config_path, weights_path = _record(tmp_path, monkeypatch, model)
    np.savez(weights_path, np.zeros((3, 3)), np.zeros(2))
    with pytest.raises(ValueError, match="shapes"):
        rebuild.rebuild_model(config_path, weights_path)
