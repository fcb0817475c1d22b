"""Each check accepts a right answer and rejects a wrong one with a useful message."""

import keras
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from autograder import CheckFailed, CheckResult, checks, require
from autograder.checks import Case
from autograder.synthetic import make_history

matplotlib.use("Agg")

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


def test_history_keys_names_the_missing_argument():
    full = make_history(loss=[1.0], accuracy=[0.5], val_loss=[1.1], val_accuracy=[0.4])
    expected = ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert checks.history_keys(full, expected).passed
    assert_fails(checks.history_keys(make_history(loss=[1.0], accuracy=[0.5]), expected), "validation_data=(x_val, y_val)")
    assert_fails(checks.history_keys(make_history(loss=[1.0], val_loss=[1.0]), expected), "metrics=['accuracy']")


def test_history_epochs():
    assert checks.history_epochs(make_history(loss=[1.0, 0.9], val_loss=[1.0, 0.8]), 2).passed
    assert_fails(checks.history_epochs(make_history(loss=[1.0, 0.9], val_loss=[1.0, 0.8]), 15), "epochs=15")
    assert_fails(checks.history_epochs({}, 15), "empty")


def test_history_belongs_to_the_model_it_trained():
    model = chapter_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(np.zeros((8, 28, 28)), np.zeros(8), epochs=1, verbose=0)
    assert checks.history_belongs_to(history, model).passed
    assert_fails(checks.history_belongs_to(history, chapter_model()), "not recorded while training this model")
    assert_fails(checks.history_belongs_to(make_history(loss=[0.1]), model), "not recorded")
    assert_fails(checks.history_belongs_to({"loss": [0.1]}, model), "keras.callbacks.History", "dict")


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
    assert_fails(checks.minimum_accuracy(briefly_trained_model, 0.99), "99.0%", "12,000 validation images")
    keras.utils.set_random_seed(0)
    assert_fails(checks.minimum_accuracy(chapter_model(), 0.7), "chance level")


def test_minimum_accuracy_on_the_held_out_split(briefly_trained_model):
    result = checks.minimum_accuracy(briefly_trained_model, 0.7, split="held_out")
    assert result.passed and "10,000 held_out images" in result.message


def test_finite_loss_rejects_a_model_whose_weights_blew_up(briefly_trained_model):
    assert checks.finite_loss(briefly_trained_model).passed
    broken = chapter_model()
    broken.set_weights([np.full(weight.shape, np.nan) for weight in broken.get_weights()])
    assert_fails(checks.finite_loss(broken), "nan", "lower the learning rate")


def test_performance_checks_reject_a_model_with_the_wrong_output():
    assert_fails(checks.minimum_accuracy(chapter_model(output_units=1), 0.5), "(12000, 10)", "(12000, 1)", "Dense(10")


def best_epoch(history):
    return int(np.argmin(history.history["val_loss"])) + 1


BEST_EPOCH_CASES = [Case((make_history(val_loss=[0.9, 0.5, 0.7]),), 2, "val_loss=[0.9, 0.5, 0.7]", "Epochs count from 1.")]


def test_function_cases_accepts_a_right_function():
    result = checks.function_cases(best_epoch, BEST_EPOCH_CASES)
    assert result.passed and "1 case" in result.message


def test_function_cases_shows_the_failing_case_and_hint():
    assert_fails(checks.function_cases(lambda history: 1, BEST_EPOCH_CASES, "best_epoch"),
                 "best_epoch(val_loss=[0.9, 0.5, 0.7]) returned 1; expected 2", "Epochs count from 1.")


def test_function_cases_reports_an_unwritten_or_crashing_function():
    def unwritten(history):
        raise NotImplementedError()

    assert_fails(checks.function_cases(unwritten, BEST_EPOCH_CASES), "not written yet")
    assert_fails(checks.function_cases(lambda history: history.history["nope"], BEST_EPOCH_CASES, "best_epoch"),
                 "raised KeyError")
    assert_fails(checks.function_cases(None, BEST_EPOCH_CASES, "best_epoch"), "to be a function")


class EqualsEverything:
    def __eq__(self, other):
        return True


@pytest.mark.parametrize("returned", [2.0, True, "2", EqualsEverything(), None])
def test_function_cases_wants_the_right_type_not_just_equality(returned):
    assert_fails(checks.function_cases(lambda history: returned, BEST_EPOCH_CASES, "best_epoch"), "expected 2")


def test_function_cases_accepts_numpy_integers_and_bools():
    assert checks.function_cases(lambda history: np.int64(2), BEST_EPOCH_CASES).passed
    assert checks.function_cases(lambda: np.bool_(True), [Case((), True, "nothing")]).passed
    assert not checks.function_cases(lambda: 1, [Case((), True, "nothing")]).passed


PLOTTED = make_history(loss=[0.9, 0.6, 0.5], val_loss=[0.8, 0.65, 0.7])


def draw(history, legend=True, labels=True, validation=True):
    figure, ax = plt.subplots()
    ax.plot(history.history["loss"], label="train")
    if validation:
        ax.plot(history.history["val_loss"], label="validation")
    if labels:
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
    if legend:
        ax.legend()
    return ax


def test_loss_plot_accepts_a_complete_plot_as_axes_or_figure():
    assert checks.loss_plot(draw(PLOTTED), PLOTTED).passed
    assert checks.loss_plot(draw(PLOTTED).figure, PLOTTED).passed


@pytest.mark.parametrize(
    "drawn, fragment",
    [
        (lambda: draw(PLOTTED, validation=False), "line of the validation loss"),
        (lambda: draw(PLOTTED, labels=False), "axes labelled"),
        (lambda: draw(PLOTTED, legend=False), "legend"),
        (lambda: draw(make_history(loss=[1, 2, 3], val_loss=[3, 2, 1])), "line of the training loss"),
        (lambda: None, "return ax"),
    ],
)
def test_loss_plot_rejects_an_incomplete_plot(drawn, fragment):
    assert_fails(checks.loss_plot(drawn(), PLOTTED), fragment)
    plt.close("all")


def test_a_crashing_check_becomes_a_failure_not_an_error():
    class Exploding(keras.Model):
        @property
        def layers(self):
            raise RuntimeError("boom")

    assert_fails(checks.layer_sequence(Exploding(), CHAPTER_LAYERS), "could not run", "boom")


def test_require_prints_passes_and_raises_on_failures(capsys):
    passed = CheckResult("a", True, "fine")
    failed = CheckResult("b", False, "expected 1; found 2")
    require(passed)
    assert "passed a: fine" in capsys.readouterr().out
    with pytest.raises(CheckFailed) as error:
        require(passed, failed)
    assert str(error.value) == "FAILED b: expected 1; found 2"
    assert isinstance(error.value, AssertionError)


def test_require_rejects_anything_but_results():
    with pytest.raises(TypeError, match="Received: bool"):
        require(True)
