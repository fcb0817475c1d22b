"""The grader's judges for chapter 05 (never released to students).

The notebook's hidden tests only record the student's work
(`autograder.records`); each judge below decides one grade cell from those
records, outside the student's kernel. Expected values, hidden inputs and
thresholds live here alone.
"""

import math
import warnings

import numpy as np

from autograder import checks, performance
from autograder.checks import Case
from autograder.judge.grade_cells import GradeCells
from autograder.results import CheckResult
from course import data

# Accuracy is measured on the grader's held-out test images (the official test
# set, which a graded kernel never holds): the reference reaches 87.0% to 87.4%
# over five seeds (87.4% as shipped); the model without a hidden layer 83.5%,
# one epoch of the reference 82.6%.
# The bar: README, "How the bars were chosen" (measured with `make bench`'s seeds part, one thread).
MINIMUM_ACCURACY = 0.86
# An accuracy cell measures only models of the exercise's size: dropout_model()'s Flatten, Dense(512), Dropout, Dense(10)
# has 407,050 parameters; three times that leaves room for answers written
# differently, and no room to store images in the weights instead of learning.
MAXIMUM_PARAMETERS = 3 * 407_050
HIDDEN_UNITS = 512
# A Dropout layer has no weights: the model has exactly the Dense layers' parameters.
PARAMETER_COUNT = 28 * 28 * HIDDEN_UNITS + HIDDEN_UNITS + HIDDEN_UNITS * 10 + 10
# The record keys the hidden test writes, with the rate each model was built with.
RECORDED_RATES = {"default": 0.3, "rate-0.1": 0.1, "rate-0.5": 0.5}
# The notebook trains on the first 32,000 of the 48,000 training images (NUM_TRAINING_IMAGES).
NUM_TRAINING_IMAGES = 32_000
# measured_gap() evaluates in float32 on the kernel's copy of the same images as the grader's: the two
# agree to about 1e-5. Using the History, or the model with dropout on (training=True), is off by 0.05 or more.
GAP_TOLERANCE = 1e-3

grade_cells = GradeCells()


@grade_cells.judge("dropout_model_layers")
def dropout_model_layers(records):
    results = []
    for key, rate in RECORDED_RATES.items():
        model = records.model(key)
        results += [
            checks.input_shape(model, (None, 28, 28)),
            checks.output_shape(model, (None, 10)),
            checks.layer_sequence(
                model, ["Flatten", f"Dense({HIDDEN_UNITS}, relu)", f"Dropout({rate:g})", "Dense(10, softmax)"]
            ),
            checks.parameter_count(model, PARAMETER_COUNT),
        ]
    return results


_inputs = np.random.default_rng(5).normal(size=(8, 6)).astype("float32")
_more_inputs = np.random.default_rng(6).normal(size=(3, 4)).astype("float32")
_AT_INFERENCE = "At inference (training=False) Dropout passes everything through: two calls must agree."
_IN_TRAINING = (
    "In training mode Dropout draws a new mask on every call: call the model itself, "
    "`model(x, training=training)`, twice (predict() and evaluate() always run at inference)."
)
_MEASURE = (
    "Without a Dropout layer nothing is random, in either mode: call the model twice and compare "
    "the outputs instead of deciding from `training` alone."
)
SAME_OUTPUTS_CASES = [
    Case((0.5, False, _inputs), True, "a model with Dropout(0.5), training=False", _AT_INFERENCE),
    Case((0.5, True, _inputs), False, "a model with Dropout(0.5), training=True", _IN_TRAINING),
    Case((None, True, _inputs), True, "a model without dropout, training=True", _MEASURE),
    Case((None, False, _inputs), True, "a model without dropout, training=False", _MEASURE),
    Case((0.2, True, _more_inputs), False, "a model with Dropout(0.2), training=True, other inputs", _IN_TRAINING),
    Case((0.2, False, _more_inputs), True, "a model with Dropout(0.2), training=False, other inputs", _AT_INFERENCE),
]
grade_cells.function_cases("same_outputs_twice_cases", SAME_OUTPUTS_CASES, "same_outputs_twice")


@grade_cells.judge("dropout_model_accuracy")
def dropout_model_accuracy(records):
    model = records.model("model")
    return [checks.maximum_parameter_count(model, MAXIMUM_PARAMETERS), checks.finite_loss(model),
            checks.minimum_accuracy(model, MINIMUM_ACCURACY)]


def _evaluated_loss(model, images, labels):
    """Returns Keras's sparse categorical cross-entropy of `model` on `images`, at inference, as evaluate() gives it."""
    import keras

    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    copy.compile(loss="sparse_categorical_crossentropy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(copy.evaluate(images, labels, batch_size=1024, verbose=0, return_dict=True)["loss"])


@grade_cells.judge("measured_gap_cases")
def measured_gap_cases(records):
    gaps = records.value("gaps")
    if not isinstance(gaps, dict):
        return [CheckResult("measured_gap", False, f"expected the gaps measured_gap() returned; found {type(gaps).__name__}.")]
    splits = data.load_splits()
    x_train, y_train = splits.x_train[:NUM_TRAINING_IMAGES], splits.y_train[:NUM_TRAINING_IMAGES]
    results = []
    # The hidden test measures the chapter's trained model without dropout, and the same weights with a Dropout(0.5)
    # after the hidden layer (Keras's own layers, whatever the student's dropout_model() builds).
    for key, name in (("plain", "the trained model without dropout"),
                      ("with_dropout", "the same trained weights with Dropout(0.5) after the hidden layer")):
        found = gaps.get(key)
        if isinstance(found, bool) or not isinstance(found, (int, float)) or not math.isfinite(found):
            results.append(CheckResult(f"measured_gap_{key}", False, (
                f"expected measured_gap() to return a finite float for {name}; found {found!r}."
            )))
            continue
        model = records.model(key)
        performance.check_model_shapes(model, "training")
        train_loss = _evaluated_loss(model, x_train, y_train)
        val_loss = _evaluated_loss(model, splits.x_val, splits.y_val)
        expected = val_loss - train_loss
        if abs(found - expected) > GAP_TOLERANCE:
            results.append(CheckResult(f"measured_gap_{key}", False, (
                f"expected a gap of {expected:.4f} for {name} (validation loss {val_loss:.4f} minus training loss "
                f"{train_loss:.4f}, both measured by the grader with evaluate(), dropout off), give or take "
                f"{GAP_TOLERANCE:g}; measured_gap() returned {found:.4f}. Measure both losses with model.evaluate() on "
                "the images you are given, and subtract the training loss from the validation loss."
            )))
        else:
            results.append(CheckResult(f"measured_gap_{key}", True, (
                f"gap {found:.4f} for {name}; the grader measured {expected:.4f}"
            )))
    return results
