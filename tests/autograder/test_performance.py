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
