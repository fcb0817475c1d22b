"""The checks of a model's architecture (`autograder.checks.models`): input
and output shapes, layers in order, a given layer's place, parameter counts
and hidden layers."""

import keras

from autograder import checks

from check_helpers import CHAPTER_LAYERS, assert_fails, chapter_model, model_with


def test_input_shape():
    assert checks.input_shape(chapter_model(), (None, 28, 28)).passed
    assert_fails(checks.input_shape(chapter_model(input_shape=(32, 32)), (None, 28, 28)),
                 "(None, 28, 28)", "(None, 32, 32)", "keras.Input(shape=(28, 28))")


def test_a_model_without_input_fails_the_shape_checks_with_the_fix():
    unbuilt = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10)])
    assert_fails(checks.input_shape(unbuilt, (None, 28, 28)), "keras.Input")
    assert_fails(checks.output_shape(unbuilt, (None, 10)), "keras.Input")


def test_output_shape():
    assert checks.output_shape(chapter_model(), (None, 10)).passed
    assert_fails(checks.output_shape(chapter_model(output_units=1), (None, 10)), "(None, 1)", "10 units")


def test_something_that_is_not_a_model_fails_every_model_check():
    for check, expected in [
        (checks.input_shape, (None, 28, 28)),
        (checks.output_shape, (None, 10)),
        (checks.layer_sequence, CHAPTER_LAYERS),
        (checks.parameter_count, 79_510),
    ]:
        assert_fails(check(None, expected), "keras.Model", "NoneType", "return model")


def test_layer_sequence():
    assert checks.layer_sequence(chapter_model(), CHAPTER_LAYERS).passed
    assert_fails(checks.layer_sequence(chapter_model(hidden_units=64), CHAPTER_LAYERS),
                 "layer 2 should be Dense(100, relu), found Dense(64, relu)")
    assert_fails(checks.layer_sequence(chapter_model(extra=keras.layers.Dropout(0.5)), CHAPTER_LAYERS),
                 "layer 3 should be Dense(10, softmax), found Dropout(0.5)")


def test_layer_sequence_reads_functional_models_without_their_input_layer():
    inputs = keras.Input(shape=(28, 28))
    hidden = keras.layers.Dense(100, activation="relu")(keras.layers.Flatten()(inputs))
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(hidden))
    assert checks.layer_sequence(model, CHAPTER_LAYERS).passed


def test_layer_at_finds_the_very_layer_passed_in():
    extra = keras.layers.Dense(50, activation="tanh")
    assert checks.layer_at(chapter_model(extra=extra), 3, extra).passed
    assert_fails(checks.layer_at(chapter_model(extra=keras.layers.Dense(50, activation="tanh")), 3, extra),
                 "nowhere in the model")
    misplaced = keras.layers.Dense(50, activation="tanh")
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), misplaced,
                              keras.layers.Dense(100, activation="relu"), keras.layers.Dense(10, activation="softmax")])
    assert_fails(checks.layer_at(model, 3, misplaced), "found it at position 2")


def test_parameter_count():
    assert checks.parameter_count(chapter_model(), 79_510).passed
    assert_fails(checks.parameter_count(chapter_model(hidden_units=64), 79_510), "79,510", "50,890")


def test_maximum_parameter_count_rejects_a_model_too_big_for_the_exercise():
    assert checks.maximum_parameter_count(chapter_model(), 79_510).passed
    assert_fails(checks.maximum_parameter_count(chapter_model(), 79_509), "at most 79,509 parameters", "found 79,510")


def test_minimum_hidden_layers():
    assert checks.minimum_hidden_layers(model_with(256, 256), 2).passed
    assert_fails(checks.minimum_hidden_layers(model_with(), 1), "found 0", "Dense(10, softmax)")
    assert_fails(checks.minimum_hidden_layers("model", 1), "keras.Model")
