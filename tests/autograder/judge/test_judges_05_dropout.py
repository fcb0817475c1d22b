"""Chapter 05's judges: right dropout models pass, models wrong in one way
each fail, and the expected answers about determinism are what Keras does,
all without a notebook run."""

import keras
import numpy as np
import pytest

from autograder import record_format, records
from autograder.judge import judging

ASSIGNMENT = "05_dropout"


def judge(course_root, folder, grade_id):
    (verdict,) = judging.judge_cells(course_root / "source" / ASSIGNMENT, folder, [grade_id])
    return verdict


def dropout_model(rate=0.3, activation="relu", dropout_last=False):
    layers = [keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dense(512, activation=activation)]
    if not dropout_last:
        layers.append(keras.layers.Dropout(rate))
    layers.append(keras.layers.Dense(10, activation="softmax"))
    if dropout_last:
        layers.append(keras.layers.Dropout(rate))
    return keras.Sequential(layers)


def record_models(build):
    """Records `build(rate)` under each key the hidden test of `dropout_model_layers` uses."""
    records.model("dropout_model_layers", "default", build(0.3))
    for rate in (0.1, 0.5):
        records.model("dropout_model_layers", f"rate-{rate}", build(rate))


def test_dropout_model_layers_passes_the_right_model_at_every_rate(course_root, records_folder):
    record_models(dropout_model)
    verdict = judge(course_root, records_folder, "dropout_model_layers")
    assert verdict.passed, verdict.message
    assert "Dropout(0.1)" in verdict.message and "Dropout(0.5)" in verdict.message


@pytest.mark.parametrize(
    "build, expected_message",
    [
        (lambda rate: dropout_model(0.3), "layer 3 should be Dropout(0.5), found Dropout(0.3)"),
        (lambda rate: dropout_model(rate, dropout_last=True), "layer 3 should be Dropout(0.3), found Dense(10, softmax)"),
        (lambda rate: dropout_model(rate, activation="linear"), "layer 2 should be Dense(512, relu), found Dense(512, linear)"),
    ],
    ids=["hard_coded_rate", "dropout_after_the_output", "linear_hidden_layer"],
)
def test_dropout_model_layers_rejects_a_wrong_model(course_root, records_folder, build, expected_message):
    record_models(build)
    verdict = judge(course_root, records_folder, "dropout_model_layers")
    assert not verdict.passed
    assert expected_message in verdict.message


def _same_outputs_twice(model, x, training):
    first = keras.ops.convert_to_numpy(model(x, training=training))
    second = keras.ops.convert_to_numpy(model(x, training=training))
    return bool(np.array_equal(first, second))


def _asked_about_a_small_model(answer):
    """The hidden test's wrapper (see the notebook), around `answer`."""

    def ask(rate, training, inputs):
        keras.utils.set_random_seed(7)
        layers = [keras.Input(shape=(inputs.shape[1],)), keras.layers.Dense(32, activation="relu")]
        if rate is not None:
            layers.append(keras.layers.Dropout(rate))
        layers.append(keras.layers.Dense(3, activation="softmax"))
        return answer(keras.Sequential(layers), inputs, training)

    return ask


def _record_calls(course_root, folder, answer):
    judging.load_grading(course_root / "source" / ASSIGNMENT).write_inputs(folder / record_format.INPUTS_SUBDIR)
    records.calls("same_outputs_twice_cases", _asked_about_a_small_model(answer))


def test_same_outputs_twice_expects_what_keras_does(course_root, records_folder):
    _record_calls(course_root, records_folder, _same_outputs_twice)
    verdict = judge(course_root, records_folder, "same_outputs_twice_cases")
    assert verdict.passed, verdict.message


@pytest.mark.parametrize(
    "answer, expected_message",
    [
        (lambda model, x, training: not training, "a model without dropout, training=True) returned False"),
        (lambda model, x, training: bool(np.array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))),
         "a model with Dropout(0.5), training=True) returned True"),
    ],
    ids=["decided_from_training_alone", "predict_ignores_training"],
)
def test_same_outputs_twice_rejects_a_wrong_answer(course_root, records_folder, answer, expected_message):
    _record_calls(course_root, records_folder, answer)
    verdict = judge(course_root, records_folder, "same_outputs_twice_cases")
    assert not verdict.passed
    assert expected_message in verdict.message


def test_dropout_model_accuracy_rejects_an_untrained_model_and_weights_that_blew_up(course_root, records_folder):
    keras.utils.set_random_seed(0)
    records.model("dropout_model_accuracy", "model", dropout_model())
    verdict = judge(course_root, records_folder, "dropout_model_accuracy")
    minimum = judging.load_grading_module(course_root / "source" / ASSIGNMENT).MINIMUM_ACCURACY
    assert not verdict.passed and f"expected at least {minimum:.1%} accuracy" in verdict.message

    blown_up = dropout_model()
    blown_up.set_weights([np.full(weight.shape, np.nan) for weight in blown_up.get_weights()])
    records.model("dropout_model_accuracy", "model", blown_up)
    verdict = judge(course_root, records_folder, "dropout_model_accuracy")
    assert not verdict.passed and "expected a finite loss" in verdict.message


@pytest.fixture(scope="module")
def gap_models():
    """The two models the hidden test of `measured_gap_cases` records, untrained (seeded), compiled,
    with the gap each has, measured with evaluate() as the reference answer does."""
    from course import data

    keras.utils.set_random_seed(3)
    plain = dropout_model(rate=0.3)
    plain = keras.Sequential([layer for layer in plain.layers if not isinstance(layer, keras.layers.Dropout)])
    with_dropout = dropout_model(rate=0.5)
    with_dropout.set_weights(plain.get_weights())
    splits = data.load_splits()
    gaps = {}
    for key, model in (("plain", plain), ("with_dropout", with_dropout)):
        model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        train_loss = model.evaluate(splits.x_train[:32_000], splits.y_train[:32_000], batch_size=1024, verbose=0)[0]
        val_loss = model.evaluate(splits.x_val, splits.y_val, batch_size=1024, verbose=0)[0]
        gaps[key] = float(val_loss - train_loss)
    return {"plain": plain, "with_dropout": with_dropout}, gaps


def record_gaps(models, gaps):
    records.value("measured_gap_cases", "gaps", gaps)
    for key, model in models.items():
        records.model("measured_gap_cases", key, model)


def test_measured_gap_accepts_the_gaps_evaluate_gives(course_root, records_folder, gap_models):
    models, gaps = gap_models
    record_gaps(models, gaps)
    verdict = judge(course_root, records_folder, "measured_gap_cases")
    assert verdict.passed, verdict.message


@pytest.mark.parametrize(
    "wrong_gaps, expected_message",
    [
        (lambda gaps: {key: -gap for key, gap in gaps.items()}, "subtract the training loss from the validation loss"),
        (lambda gaps: {**gaps, "with_dropout": gaps["with_dropout"] + 0.05}, "for the same trained weights with Dropout(0.5)"),
        (lambda gaps: {**gaps, "plain": "0.1"}, "expected measured_gap() to return a finite float"),
        (lambda gaps: [gaps["plain"], gaps["with_dropout"]], "expected the gaps measured_gap() returned"),
    ],
    ids=["training_minus_validation", "off_by_a_dropout_artefact", "a_string", "not_a_dict"],
)
def test_measured_gap_rejects_wrong_gaps(course_root, records_folder, gap_models, wrong_gaps, expected_message):
    models, gaps = gap_models
    record_gaps(models, wrong_gaps(gaps))
    verdict = judge(course_root, records_folder, "measured_gap_cases")
    assert not verdict.passed and expected_message in verdict.message, verdict.message
