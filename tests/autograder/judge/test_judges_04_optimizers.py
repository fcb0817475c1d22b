"""Chapter 04's judges: the expected step values are Keras's own, and the
model and settings judges reject wrong records, without a notebook run."""


import keras
import numpy as np
import pytest

from autograder import performance, records
from autograder.judge import judging
from autograder.synthetic import make_history

ASSIGNMENT = "04_optimizers"


@pytest.fixture(scope="module")
def grading(course_root):
    """The chapter's grading module, for its reference formulas and hidden inputs."""
    return judging.load_grading_module(course_root / "source" / ASSIGNMENT)


def judge(course_root, folder, grade_id):
    (verdict,) = judging.judge_cells(course_root / "source" / ASSIGNMENT, folder, [grade_id])
    return verdict


def keras_sgd_steps(w, gradients, velocity, learning_rate, momentum, nesterov):
    """Runs `keras.optimizers.SGD` from `w` and `velocity` through `gradients`; returns (w, velocity or None)."""
    variable = keras.Variable(np.asarray(w, dtype="float64"), dtype="float64")
    optimizer = keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum, nesterov=nesterov)
    optimizer.build([variable])
    if momentum:
        optimizer.momentums[0].assign(np.asarray(velocity, dtype="float64"))
    for gradient in gradients:
        optimizer.apply([keras.ops.convert_to_tensor(np.asarray(gradient, dtype="float64"))], [variable])
    found_velocity = keras.ops.convert_to_numpy(optimizer.momentums[0]) if momentum else None
    return keras.ops.convert_to_numpy(variable), found_velocity


@pytest.mark.parametrize("nesterov", [False, True], ids=["momentum", "nesterov"])
def test_reference_steps_are_what_keras_sgd_computes_on_every_hidden_case(grading, nesterov):
    for w, gradients, velocity, learning_rate, momentum in grading.STEP_INPUTS:
        expected_w, expected_velocity = grading.momentum_steps(w, gradients, velocity, learning_rate, momentum, nesterov)
        keras_w, keras_velocity = keras_sgd_steps(w, gradients, velocity, learning_rate, momentum, nesterov)
        np.testing.assert_allclose(keras_w, expected_w, rtol=1e-6, atol=1e-6)
        if momentum:  # Keras keeps no velocity when momentum is 0.
            np.testing.assert_allclose(keras_velocity, expected_velocity, rtol=1e-6, atol=1e-6)


def test_the_hidden_cases_cover_shapes_momentum_zero_and_steps_in_a_row(grading):
    inputs = grading.STEP_INPUTS
    assert {np.ndim(w) for w, *_ in inputs} == {0, 1, 2}
    assert any(momentum == 0 for *_, momentum in inputs)
    assert len({momentum for *_, momentum in inputs}) >= 4
    assert any(len(gradients) > 1 for _, gradients, *_ in inputs)


def dense_model():
    return keras.Sequential([
        keras.Input(shape=(28, 28)), keras.layers.Flatten(),
        keras.layers.Dense(100, activation="relu"), keras.layers.Dense(10, activation="softmax"),
    ])


def record_compiled(optimizer, loss):
    model = dense_model()
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    records.optimizer("sgd_compile", "optimizer", model.optimizer)
    records.model("sgd_compile", "model", model)


@pytest.mark.parametrize("loss", [
    "sparse_categorical_crossentropy",
    keras.losses.SparseCategoricalCrossentropy(),
    keras.losses.sparse_categorical_crossentropy,
], ids=["name", "class", "function"])
def test_sgd_compile_accepts_the_loss_however_it_is_given(course_root, records_folder, loss):
    record_compiled(keras.optimizers.SGD(0.02, 0.9, True), loss)
    verdict = judge(course_root, records_folder, "sgd_compile")
    assert verdict.passed, verdict.message


@pytest.mark.parametrize("optimizer, loss, message", [
    (keras.optimizers.SGD(learning_rate=0.02, momentum=0.9), "sparse_categorical_crossentropy", "nesterov=True; found nesterov=False"),
    ("sgd", "sparse_categorical_crossentropy", "learning_rate=0.02; found learning_rate=0.00999"),
    (keras.optimizers.Adam(), "sparse_categorical_crossentropy", "trained with SGD; found Adam"),
    (keras.optimizers.SGD(0.02, 0.9, True), "categorical_crossentropy", "found 'categorical_crossentropy'"),
    (keras.optimizers.SGD(0.02, 0.9, True), keras.losses.SparseCategoricalCrossentropy(from_logits=True), "from_logits=True"),
], ids=["no nesterov", "default sgd", "adam", "wrong loss", "from logits"])
def test_sgd_compile_rejects_other_settings(course_root, records_folder, optimizer, loss, message):
    record_compiled(optimizer, loss)
    verdict = judge(course_root, records_folder, "sgd_compile")
    assert not verdict.passed and message in verdict.message, verdict.message


def test_sgd_compile_rejects_a_model_left_uncompiled(course_root, records_folder):
    model = dense_model()
    records.model("sgd_compile", "model", model)
    records.optimizer("sgd_compile", "optimizer", getattr(model, "optimizer", None))
    verdict = judge(course_root, records_folder, "sgd_compile")
    assert not verdict.passed and "it is not compiled" in verdict.message, verdict.message


@pytest.fixture(scope="module")
def untrained_models(grading):
    """A model per optimizer name, each with its own random weights."""
    models = {}
    for index, name in enumerate(grading.OPTIMIZER_NAMES):
        keras.utils.set_random_seed(index)
        models[name] = dense_model()
    return models


def comparison(grading, models):
    """`results` and `runs` as the exercise fills them, each History ending
    in what the grader measures on its run's model."""
    runs = {}
    for name, model in models.items():
        val_loss, val_accuracy = performance.keras_loss(model), performance.measure(model, "validation").accuracy
        runs[name] = make_history(val_loss=[val_loss + 0.3, val_loss], val_accuracy=[val_accuracy / 2, val_accuracy])
    results = {name: {"val_loss": run.history["val_loss"][-1], "val_accuracy": run.history["val_accuracy"][-1]}
               for name, run in runs.items()}
    return results, runs


def record_comparison(results, runs, models):
    records.value("comparison_results", "results", results)
    records.value("comparison_results", "runs", runs)
    for name, model in models.items():
        records.model("comparison_results", f"model_{name}", model)


def test_comparison_results_accepts_final_epoch_values(course_root, records_folder, grading, untrained_models):
    results, runs = comparison(grading, untrained_models)
    results["adam"]["val_loss"] = np.float32(results["adam"]["val_loss"])  # Any kind of number will do.
    record_comparison(results, runs, untrained_models)
    verdict = judge(course_root, records_folder, "comparison_results")
    assert verdict.passed, verdict.message


def test_comparison_results_rejects_runs_that_are_not_their_models_histories(course_root, records_folder, grading, untrained_models):
    results, runs = comparison(grading, untrained_models)
    swapped = dict(untrained_models, adam=untrained_models["sgd"])
    record_comparison(results, runs, swapped)
    verdict = judge(course_root, records_folder, "comparison_results")
    assert not verdict.passed and "unedited" in verdict.message, verdict.message


@pytest.mark.parametrize("change, message", [
    (lambda results: results.pop("nadam"), "missing ['nadam']"),
    (lambda results: results.update(adam={"loss": 0.4, "accuracy": 0.9}), "'adam' to hold a dict with the keys ['val_loss', 'val_accuracy']"),
    (lambda results: results["sgd"].update(val_loss=float("nan")), "['sgd']['val_loss'] to be a finite number"),
    (lambda results: results["rmsprop"].update(val_accuracy=0.8), "not the best or the first"),
], ids=["missing optimizer", "training metrics", "nan", "not the final epoch"])
def test_comparison_results_rejects_a_wrong_table(course_root, records_folder, grading, untrained_models, change, message):
    results, runs = comparison(grading, untrained_models)
    change(results)
    record_comparison(results, runs, untrained_models)
    verdict = judge(course_root, records_folder, "comparison_results")
    assert not verdict.passed and message in verdict.message, verdict.message


def test_adam_accuracy_rejects_an_untrained_model_and_another_optimizer(course_root, records_folder, grading):
    keras.utils.set_random_seed(0)
    model = dense_model()
    model.compile(optimizer=keras.optimizers.Adagrad(), loss="sparse_categorical_crossentropy")
    records.model("adam_accuracy", "model", model)
    records.optimizer("adam_accuracy", "optimizer", model.optimizer)
    verdict = judge(course_root, records_folder, "adam_accuracy")
    assert not verdict.passed
    assert "trained with Adam; found Adagrad" in verdict.message
    assert f"expected at least {grading.MINIMUM_ACCURACY:.1%} accuracy" in verdict.message


def test_the_valley_the_judge_replays_is_keras_sgd_with_nesterov_momentum(grading):
    learning_rate, momentum = 0.06, 0.7
    w, velocity = grading.VALLEY_START, np.zeros(2)
    for _ in range(grading.VALLEY_STEPS):
        w, velocity = keras_sgd_steps(w, [grading.VALLEY_CURVATURE * w], velocity, learning_rate, momentum, nesterov=True)
    keras_loss = 0.5 * np.sum(grading.VALLEY_CURVATURE * w**2)
    # Keras keeps the learning rate in float32: 0.06 becomes 0.0599999986, hence the relative tolerance.
    assert grading.valley_losses(learning_rate, momentum)[-1] == pytest.approx(keras_loss, rel=1e-4)


@pytest.mark.parametrize("learning_rate, momentum", [(0.06, 0.7), (0.04, 0.7), (0.065, 0.6)])
def test_tuned_valley_loss_accepts_settings_that_reach_the_bottom(course_root, records_folder, learning_rate, momentum):
    records.value("tuned_valley_loss", "settings", {"learning_rate": learning_rate, "momentum": momentum})
    verdict = judge(course_root, records_folder, "tuned_valley_loss")
    assert verdict.passed, verdict.message


@pytest.mark.parametrize(
    "settings, expected_message",
    [
        ({"learning_rate": 0.05, "momentum": 0.8}, "look at the path"),
        ({"learning_rate": 0.09, "momentum": 0.8}, "the loss grew"),
        ({"learning_rate": 0.06, "momentum": 1.0}, "TUNED_MOMENTUM must be a number from 0 up to, not including, 1"),
        ({"learning_rate": "0.06", "momentum": 0.7}, "TUNED_LEARNING_RATE must be a number above 0"),
        ({"learning_rate": float("nan"), "momentum": 0.7}, "TUNED_LEARNING_RATE must be a number above 0"),
    ],
    ids=["the_notebooks_own_settings", "diverging", "momentum_one", "a_string", "nan"],
)
def test_tuned_valley_loss_rejects_settings_that_do_not(course_root, records_folder, settings, expected_message):
    records.value("tuned_valley_loss", "settings", settings)
    verdict = judge(course_root, records_folder, "tuned_valley_loss")
    assert not verdict.passed and expected_message in verdict.message, verdict.message
