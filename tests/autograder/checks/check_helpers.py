"""What the check tests share: models like the chapters' and `assert_fails`."""

import keras

from autograder import CheckResult

CHAPTER_LAYERS = ["Flatten", "Dense(100, relu)", "Dense(10, softmax)"]


def chapter_model(output_units=10, hidden_units=100, input_shape=(28, 28), extra=None):
    layers = [keras.Input(shape=input_shape), keras.layers.Flatten(), keras.layers.Dense(hidden_units, activation="relu")]
    if extra is not None:
        layers.append(extra)
    layers.append(keras.layers.Dense(output_units, activation="softmax"))
    return keras.Sequential(layers)


def assert_fails(result, *fragments):
    assert isinstance(result, CheckResult)
    assert not result.passed, result.message
    for fragment in fragments:
        assert fragment in result.message, result.message


def model_with(*hidden_units):
    layers = [keras.Input(shape=(28, 28)), keras.layers.Flatten()]
    layers += [keras.layers.Dense(units, activation="relu") for units in hidden_units]
    return keras.Sequential(layers + [keras.layers.Dense(10, activation="softmax")])
