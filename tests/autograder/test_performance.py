"""The grader's own measurements of loss and accuracy."""

import math

import keras
import numpy as np
import pytest

from autograder import performance
from course import data


def constant_model(values):
    """A model that ignores its input and outputs `values` for every image."""
    inputs = keras.Input(shape=(28, 28))
    zeros = keras.layers.Lambda(lambda x: keras.ops.zeros_like(x[:, :1, 0]))(inputs)
    outputs = keras.layers.Lambda(lambda z: z + keras.ops.convert_to_tensor(np.asarray([values], dtype="float32")))(zeros)
    return keras.Model(inputs, outputs)


def test_uniform_probabilities_give_log_10_loss_and_the_share_of_class_0():
    measurement = performance.measure(constant_model([0.1] * 10))
    _, labels = performance.grading_data("validation")
    assert measurement.num_samples == 12_000
    assert math.isclose(measurement.loss, math.log(10), rel_tol=1e-5)
    assert math.isclose(measurement.accuracy, float(np.mean(labels == 0)))


def test_logits_are_measured_through_a_softmax():
    logits = performance.measure(constant_model([0.0] * 10))
    assert math.isclose(logits.loss, math.log(10), rel_tol=1e-5)


def test_held_out_split_is_the_official_test_set():
    images, labels = performance.grading_data("held_out")
    np.testing.assert_array_equal(labels, data.load_splits().y_test)
    assert images.shape == (10_000, 28, 28)


def test_an_unknown_split_names_the_choices():
    with pytest.raises(ValueError, match="Received: split='train'"):
        performance.grading_data("train")


def test_a_wrong_output_shape_is_explained():
    with pytest.raises(ValueError, match="End the model with `Dense\\(10"):
        performance.measure(constant_model([1.0, 0.0]))


def _wide_model(monkeypatch):
    """A built-in Sequential whose prediction would be 12,000 rows of
    12,544 floats; predicting with it fails the test."""
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(12_544)])

    def refuse(*args, **kwargs):
        raise AssertionError("the grader predicted with a model whose output is not 10 wide")

    for name in ("predict", "evaluate", "__call__"):
        monkeypatch.setattr(model, name, refuse)
    monkeypatch.setattr(keras.Model, "evaluate", refuse)
    return model


def test_a_model_with_a_wrong_output_shape_is_refused_before_it_predicts(monkeypatch):
    model = _wide_model(monkeypatch)
    with pytest.raises(ValueError, match=r"Received: output_shape=\(None, 12544\). End the model with `Dense\(10"):
        performance.measure(model)
    with pytest.raises(ValueError, match=r"Received: output_shape=\(None, 12544\)"):
        performance.keras_loss(model)


def test_a_model_that_does_not_take_the_graders_images_is_refused():
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10)])
    with pytest.raises(ValueError, match=r"Received: input_shape=\(None, 784\). Start the model with `keras.Input\(shape=\(28, 28\)\)`"):
        performance.measure(model)


def test_training_split_is_the_notebooks_training_images_and_can_be_cut_short():
    images, labels = performance.grading_data("training")
    splits = data.load_splits()
    np.testing.assert_array_equal(labels, splits.y_train)
    assert images.shape == (48_000, 28, 28)
    measurement = performance.measure(constant_model([0.1] * 10), "training", num_images=500)
    assert measurement.num_samples == 500 and measurement.split == "training"
    with pytest.raises(ValueError, match="Received: num_images=0"):
        performance.measure(constant_model([0.1] * 10), "training", num_images=0)
