"""The checks the grader measures on its own data
(`autograder.checks.measurements`): a finite loss, a minimum accuracy, a
maximum loss, and a loss close to the val_loss Keras logs."""

import keras
import numpy as np
import pytest

from autograder import checks, performance

from check_helpers import assert_fails, chapter_model, model_with


def test_keras_loss_matches_the_val_loss_fit_logs():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    images, labels = performance.grading_data("validation")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", steps_per_execution=32)
    history = model.fit(images[:2000], labels[:2000], batch_size=128, epochs=1, validation_data=(images, labels), verbose=0)
    val_loss = history.history["val_loss"][-1]
    assert abs(performance.keras_loss(model) - val_loss) < 1e-5
    assert checks.loss_close_to(model, val_loss, 1e-5, "the val_loss").passed
    assert_fails(checks.loss_close_to(model, val_loss + 1e-3, 1e-5, "the lowest val_loss", hint="Save the best."),
                 "(the lowest val_loss)", "give or take 1e-05", "Save the best.")
    assert_fails(checks.loss_close_to("model", 0.3, 1e-5, "x"), "keras.Model")


@pytest.fixture(scope="module")
def briefly_trained_model():
    """The chapter model after one epoch on 12,000 images: about 80% accurate."""
    from course import data

    splits = data.load_splits()
    keras.utils.set_random_seed(0)
    model = chapter_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", steps_per_execution=32)
    model.fit(splits.x_train[:12_000], splits.y_train[:12_000], batch_size=64, epochs=1, verbose=0)
    return model


def test_minimum_accuracy_is_measured_by_the_grader(briefly_trained_model):
    assert checks.minimum_accuracy(briefly_trained_model, 0.7).passed
    assert_fails(checks.minimum_accuracy(briefly_trained_model, 0.99), "99.0%", "10,000 held-out test images")
    keras.utils.set_random_seed(0)
    assert_fails(checks.minimum_accuracy(chapter_model(), 0.7), "chance level")


def test_minimum_accuracy_on_the_validation_split(briefly_trained_model):
    result = checks.minimum_accuracy(briefly_trained_model, 0.7, split="validation")
    assert result.passed and "12,000 validation images" in result.message


def test_finite_loss_rejects_a_model_whose_weights_blew_up(briefly_trained_model):
    assert checks.finite_loss(briefly_trained_model).passed
    broken = chapter_model()
    broken.set_weights([np.full(weight.shape, np.nan) for weight in broken.get_weights()])
    assert_fails(checks.finite_loss(broken), "nan", "lower the learning rate")


def test_performance_checks_reject_a_model_with_the_wrong_output():
    assert_fails(checks.minimum_accuracy(chapter_model(output_units=1), 0.5), "(None, 10)", "(None, 1)", "Dense(10")


def test_maximum_loss_is_measured_by_the_grader():
    keras.utils.set_random_seed(0)
    untrained = model_with(100)
    result = checks.maximum_loss(untrained, 3.0, compared_with="chance")
    assert result.passed and "(chance)" in result.message
    assert_fails(checks.maximum_loss(untrained, 0.417, compared_with="the model without a hidden layer"),
                 "below 0.4170", "the model without a hidden layer", "12,000 validation images")


def test_maximum_gap_compares_unseen_images_with_those_trained_on(briefly_trained_model):
    """One epoch on 12,000 images leaves a small gap; 40 epochs on 200 images, a large one."""
    from course import data

    result = checks.maximum_gap(briefly_trained_model, 0.2, 12_000)
    assert result.passed and "10,000 held-out test images" in result.message and "12,000 training images" in result.message
    assert_fails(checks.maximum_gap(briefly_trained_model, -1.0, 12_000), "at most -1.0000", "regularise it more")
    splits = data.load_splits()
    keras.utils.set_random_seed(0)
    memorised = chapter_model()
    memorised.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    memorised.fit(splits.x_train[:200], splits.y_train[:200], batch_size=50, epochs=40, verbose=0)
    assert_fails(checks.maximum_gap(memorised, 0.3, 200), "200 training images")
    assert checks.maximum_gap(memorised, 0.3, 200, split="validation").passed is False
    assert_fails(checks.maximum_gap("model", 0.3, 200), "keras.Model")
