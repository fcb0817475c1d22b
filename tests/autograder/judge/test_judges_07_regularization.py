"""Chapter 07's judges: the expected penalties are what Keras's own L2
regularizer adds to `model.losses`, without a notebook run."""

import keras
import numpy as np
import pytest

from autograder.judge import judging

ASSIGNMENT = "07_regularization"


@pytest.fixture(scope="module")
def grading(course_root):
    return judging.load_grading_module(course_root / "source" / ASSIGNMENT)


def keras_l2_penalty(layer_sizes, factor, seed):
    """Builds the network the hidden test builds, with `L2(factor)` on every kernel, and returns `sum(model.losses)`."""
    network = keras.Sequential(
        [keras.Input(shape=(layer_sizes[0],))]
        + [keras.layers.Dense(units, activation="relu", kernel_regularizer=keras.regularizers.L2(factor))
           for units in layer_sizes[1:]]
    )
    rng = np.random.default_rng(seed)
    network.set_weights([rng.integers(-8, 9, size=weight.shape) / 8 for weight in network.get_weights()])
    return float(sum(keras.ops.convert_to_numpy(penalty) for penalty in network.losses))


def test_every_l2_case_expects_what_keras_adds_to_model_losses(grading):
    assert len(grading.L2_PENALTY_CASES) >= 4
    for case in grading.L2_PENALTY_CASES:
        assert case.expected == pytest.approx(keras_l2_penalty(*case.args), rel=1e-6, abs=1e-9), case.description

