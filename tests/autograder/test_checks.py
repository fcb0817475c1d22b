"""Each check accepts a right answer and rejects a wrong one with a useful message."""

import keras
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from autograder import CheckFailed, CheckResult, checks, require
from autograder.checks import Case
from autograder.results import Outcome
from autograder.synthetic import make_history
from course import data

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
    assert_fails(checks.minimum_accuracy(briefly_trained_model, 0.99), "99.0%", "10,000 held-out test images")
    keras.utils.set_random_seed(0)
    assert_fails(checks.minimum_accuracy(chapter_model(), 0.7), "chance level")


def test_minimum_accuracy_on_the_validation_split(briefly_trained_model):
    result = checks.minimum_accuracy(briefly_trained_model, 0.7, split="validation")
    assert result.passed and "12,000 validation images" in result.message


def test_maximum_parameter_count_rejects_a_model_too_big_for_the_exercise():
    assert checks.maximum_parameter_count(chapter_model(), 79_510).passed
    assert_fails(checks.maximum_parameter_count(chapter_model(), 79_509), "at most 79,509 parameters", "found 79,510")


def _trained_with_history(num_epochs=2):
    keras.utils.set_random_seed(0)
    model = chapter_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    splits = data.load_splits()
    history = model.fit(splits.x_train[:2000], splits.y_train[:2000], batch_size=100, epochs=num_epochs,
                        validation_data=(splits.x_val, splits.y_val), verbose=0)
    return model, history, int(model.optimizer.iterations.numpy())


def test_history_matches_model_accepts_the_history_fit_returned():
    model, history, steps = _trained_with_history()
    result = checks.history_matches_model(history, model, steps)
    assert result.passed, result.message


def test_history_matches_model_rejects_edited_and_padded_histories():
    model, history, steps = _trained_with_history()
    made_up = make_history(**{key: [0.9 - 0.05 * epoch for epoch in range(5)] for key in ("loss", "val_loss")},
                           accuracy=[0.6] * 5, val_accuracy=[0.6] * 5)
    assert_fails(checks.history_matches_model(made_up, model, steps), "the History says val_loss 0.7000", "unedited")
    # Padded with more epochs whose last values are the real last ones: the optimizer's steps give it away.
    padded = make_history(**{key: values[:1] * 3 + values for key, values in history.history.items()})
    padded.params = dict(history.params)
    assert_fails(checks.history_matches_model(padded, model, steps), f"taken {5 * 20:,} steps", f"it took {steps:,}")
    # A model other than the one the History trained.
    other, _, other_steps = _trained_with_history(num_epochs=1)
    assert_fails(checks.history_matches_model(history, other, other_steps), "unedited")


def test_finite_loss_rejects_a_model_whose_weights_blew_up(briefly_trained_model):
    assert checks.finite_loss(briefly_trained_model).passed
    broken = chapter_model()
    broken.set_weights([np.full(weight.shape, np.nan) for weight in broken.get_weights()])
    assert_fails(checks.finite_loss(broken), "nan", "lower the learning rate")


def test_performance_checks_reject_a_model_with_the_wrong_output():
    assert_fails(checks.minimum_accuracy(chapter_model(output_units=1), 0.5), "(None, 10)", "(None, 1)", "Dense(10")


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


def stable_sigmoid(x):
    z = np.exp(-np.abs(x))
    return np.where(np.asarray(x) >= 0, 1 / (1 + z), z / (1 + z))


SIGMOID_CASES = [
    Case((np.array([-1000.0, 0.0, 1000.0]),), np.array([0.0, 0.5, 1.0]), "x=[-1000, 0, 1000]", "Use np.exp(-np.abs(x))."),
]


def test_an_expected_array_accepts_any_array_like_of_its_shape_and_values():
    assert checks.function_cases(stable_sigmoid, SIGMOID_CASES).passed
    assert checks.function_cases(lambda x: [0.0, 0.5, 1.0 + 1e-12], SIGMOID_CASES).passed
    assert checks.function_cases(lambda x: np.array([0, 0, 1]) + np.array([0, 0.5, 0]), SIGMOID_CASES).passed
    single = [Case((2.0,), np.array(0.25), "x=2")]
    for returned in (0.25, np.float64(0.25), np.array(0.25)):
        assert checks.function_cases(lambda x, returned=returned: returned, single).passed
    assert checks.function_cases(lambda: np.array([np.nan, 1.0]), [Case((), np.array([np.nan, 1.0]), "nothing")]).passed


@pytest.mark.parametrize(
    "returned, fragments",
    [
        (np.array([0.0, 0.4, 1.0]), ["returned array([0. , 0.4, 1. ])", "0.4 instead of 0.5 at index (1,)"]),
        (np.array([[0.0, 0.5, 1.0]]), ["its shape is (1, 3) instead of (3,)", "Use np.exp(-np.abs(x))."]),
        (0.5, ["its shape is () instead of (3,)"]),
        ("0.5", ["expected an array of numbers; found str"]),
        (np.array([True, False, True]), ["array of dtype bool"]),
        ([[0.0], [0.5, 1.0]], ["NumPy cannot read"]),
        (None, ["found NoneType"]),
        (EqualsEverything(), ["found EqualsEverything"]),
    ],
)
def test_an_expected_array_rejects_other_shapes_values_and_types(returned, fragments):
    assert_fails(checks.function_cases(lambda x: returned, SIGMOID_CASES, "sigmoid"), "sigmoid(x=[-1000, 0, 1000])", *fragments)


def test_arrays_in_messages_are_rounded_and_kept_to_one_line():
    result = checks.function_cases(lambda: np.full((4, 5), 1 / 3), [Case((), np.zeros((4, 5)), "nothing")], "f")
    assert_fails(result, "0.3333", "shape=(4, 5)", "...", "instead of 0 at index (0, 0)")
    assert "\n" not in result.message and "0.33333333" not in result.message


def test_an_expected_tuple_is_compared_item_by_item():
    cases = [Case((), (np.eye(2), np.array([1.0, 2.0])), "nothing")]
    assert checks.function_cases(lambda: (np.eye(2), np.array([1.0, 2.0])), cases).passed
    assert checks.function_cases(lambda: [np.eye(2), [1, 2]], cases).passed
    assert_fails(checks.function_cases(lambda: (np.eye(2), np.array([1.0, 3.0])), cases, "f"),
                 "item 2 is wrong (3 instead of 2 at index (1,))")
    assert_fails(checks.function_cases(lambda: np.eye(2), cases, "f"), "expected a tuple of 2 items")
    assert_fails(checks.function_cases(lambda: (np.eye(2),), cases, "f"), "expected a tuple of 2 items")


def test_warnings_fail_only_where_they_are_not_allowed():
    overflowing = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    assert checks.function_cases(overflowing, SIGMOID_CASES).passed
    assert_fails(checks.function_cases(overflowing, SIGMOID_CASES, "sigmoid", allow_warnings=False),
                 "sigmoid(x=[-1000, 0, 1000]) returned the right values but warned RuntimeWarning: overflow encountered in exp",
                 "expected no warnings", "Use np.exp(-np.abs(x)).")
    result = checks.function_cases(stable_sigmoid, SIGMOID_CASES, "sigmoid", allow_warnings=False)
    assert result.passed and "without warnings" in result.message, "underflow to 0 is not a warning"


def test_silencing_numpy_in_the_notebook_does_not_hide_an_overflow():
    previous = np.seterr(all="ignore")
    try:
        result = checks.function_cases(lambda x: 1 / (1 + np.exp(-x)), SIGMOID_CASES, "sigmoid", allow_warnings=False)
    finally:
        np.seterr(**previous)
    assert_fails(result, "overflow encountered in exp")


def test_recorded_cases_judge_recorded_warnings():
    right = Outcome(returned=np.array([0.0, 0.5, 1.0]))
    warned = Outcome(returned=np.array([0.0, 0.5, 1.0]), warnings=("RuntimeWarning: overflow encountered in exp",))
    assert checks.recorded_cases([warned], SIGMOID_CASES, "sigmoid").passed
    assert checks.recorded_cases([right], SIGMOID_CASES, "sigmoid", allow_warnings=False).passed
    assert_fails(checks.recorded_cases([warned], SIGMOID_CASES, "sigmoid", allow_warnings=False), "overflow encountered in exp")


def test_optimizer_took_steps_rejects_an_optimizer_put_on_after_training():
    model, _, steps = _trained_with_history(num_epochs=1)
    assert checks.optimizer_took_steps(steps, 20).passed
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")  # a new optimizer, no step taken
    from autograder import records as kernel_records

    assert_fails(checks.optimizer_took_steps(kernel_records._training_steps(model)), "at least 1 training steps", "in `compile()`")
    assert_fails(checks.optimizer_took_steps(steps, 21), "at least 21 training steps", "it took 20")
    assert_fails(checks.optimizer_took_steps(None), "no optimizer")
