"""The grader's judges for chapter 03 (never released to students).

The notebook's hidden tests only record the student's work
(`autograder.records`); each judge below decides one grade cell from those
records, outside the student's kernel. Expected values, hidden inputs and
thresholds live here alone. The expected values of the activation
functions come from the reference formulas below, which never overflow.
"""

import numpy as np

from autograder import checks
from autograder.checks import Case
from autograder.judge.grade_cells import GradeCells

# Accuracy is measured on the grader's held-out test images (the official test
# set, which a graded kernel never holds): the reference reaches 85.4% to 87.4%
# over five seeds (87.2% as shipped); one epoch of it 83.7%; the model without
# a hidden layer 84.4%, which the judge's layer check rejects.
# The bar: README, "How the bars were chosen" (measured with `make bench`'s seeds part, one thread).
MINIMUM_ACCURACY = 0.84
# An accuracy cell measures only models of the exercise's size: model_fn('elu')'s Flatten, Dense(100), Dense(10)
# has 79,510 parameters; three times that leaves room for answers written
# differently, and no room to store images in the weights instead of learning.
MAXIMUM_PARAMETERS = 3 * 79_510

grade_cells = GradeCells()


def _sigmoid(x):
    x = np.asarray(x, dtype=float)
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def _leaky_relu(x, alpha=0.01):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, alpha * x)


def _elu(x, alpha=1.0):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


REFERENCE = {
    "sigmoid": _sigmoid,
    "tanh": lambda x: np.tanh(np.asarray(x, dtype=float)),
    "relu": lambda x: np.maximum(np.asarray(x, dtype=float), 0.0),
    "leaky_relu": _leaky_relu,
    "elu": _elu,
}
FORMULAS = {
    "sigmoid": "sigmoid(x) = 1 / (1 + e^(-x)).",
    "tanh": "tanh(x) = (e^x - e^(-x)) / (e^x + e^(-x)); np.tanh computes it.",
    "relu": "relu(x) = max(x, 0), elementwise: np.maximum(x, 0).",
    "leaky_relu": "leaky_relu(x) = x where x > 0 and alpha * x elsewhere, with alpha = 0.01 unless given.",
    "elu": "elu(x) = x where x > 0 and alpha * (e^x - 1) elsewhere, with alpha = 1.0 unless given.",
}


def _cases(name, inputs, hint):
    """One `Case` per `(arguments, description)`, expecting the reference's values as an array."""
    return [Case(arguments, np.asarray(REFERENCE[name](*arguments), dtype=float), description, hint)
            for arguments, description in inputs]


def _judge_each(records, names, inputs, cases):
    """One result per function: its recorded calls (under its own key) against its cases."""
    return [checks.recorded_cases(records.calls(len(inputs), key=name), cases[name], name) for name in names]


ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")

VALUE_INPUTS = [
    ((np.array([-6.0, -2.5, -1.0, -0.3, 0.0, 0.2, 1.0, 3.7, 8.0]),), "x=[-6, -2.5, -1, -0.3, 0, 0.2, 1, 3.7, 8]"),
    ((np.array([-12.0, -0.01, 0.01, 12.0]),), "x=[-12, -0.01, 0.01, 12]"),
]
VALUE_CASES = {name: _cases(name, VALUE_INPUTS, FORMULAS[name]) for name in ACTIVATIONS}
grade_cells.inputs("activation_values", [arguments for arguments, _ in VALUE_INPUTS])


@grade_cells.judge("activation_values")
def activation_values(records):
    return _judge_each(records, ACTIVATIONS, VALUE_INPUTS, VALUE_CASES)


_SINGLE = "A single number in gives a single number (or an array of shape ()) out: use np.where, np.maximum and np.exp, not indexing such as x[x < 0]."
_ARRAY = "The result must have the input's shape: work on the whole array, without loops or flattening."
SHAPE_INPUTS = [
    ((2.5,), "x=2.5, a Python float"),
    ((-3,), "x=-3, a Python int"),
    ((np.float64(-0.7),), "x=np.float64(-0.7)"),
    ((np.array(0.4),), "x=np.array(0.4), an array of shape ()"),
    ((np.linspace(-3.0, 3.0, 12).reshape(3, 4),), "x=np.linspace(-3, 3, 12).reshape(3, 4)"),
    ((np.array([[-1.5], [0.0], [0.5], [2.0]]),), "x=[[-1.5], [0], [0.5], [2]], of shape (4, 1)"),
    ((np.linspace(-2.0, 2.0, 12).reshape(2, 2, 3),), "x=np.linspace(-2, 2, 12).reshape(2, 2, 3)"),
]
SHAPE_CASES = {
    name: [Case(arguments, np.asarray(REFERENCE[name](*arguments), dtype=float), description, _SINGLE if np.ndim(arguments[0]) == 0 else _ARRAY)
           for arguments, description in SHAPE_INPUTS]
    for name in ACTIVATIONS
}
grade_cells.inputs("activation_shapes", [arguments for arguments, _ in SHAPE_INPUTS])


@grade_cells.judge("activation_shapes")
def activation_shapes(records):
    return _judge_each(records, ACTIVATIONS, SHAPE_INPUTS, SHAPE_CASES)


ALPHA_INPUTS = [
    ((np.array([-4.0, -1.0, -0.2, 0.0, 0.5, 3.0]), 0.2), "x=[-4, -1, -0.2, 0, 0.5, 3], alpha=0.2"),
    ((np.array([-10.0, -2.0, 1.0]), 0.05), "x=[-10, -2, 1], alpha=0.05"),
    ((np.array([[-3.0, 2.0], [-0.5, -1.0]]), 0.5), "x=[[-3, 2], [-0.5, -1]], alpha=0.5"),
]
ALPHA_CASES = {
    name: _cases(name, ALPHA_INPUTS, f"Use the `alpha` argument rather than a fixed value. {FORMULAS[name]}")
    for name in ("leaky_relu", "elu")
}
grade_cells.inputs("activation_alpha", [arguments for arguments, _ in ALPHA_INPUTS])


@grade_cells.judge("activation_alpha")
def activation_alpha(records):
    return _judge_each(records, ("leaky_relu", "elu"), ALPHA_INPUTS, ALPHA_CASES)


_STABLE = (
    "np.exp(-x) overflows for x below about -710 (e^710 is more than the largest float), and np.where computes both "
    "of its branches for every element. Compute z = np.exp(-np.abs(x)), which lies between 0 and 1, and return "
    "1 / (1 + z) where x >= 0 and z / (1 + z) elsewhere."
)
STABILITY_INPUTS = [
    ((np.array([-1000.0, -800.0, -745.0, -710.0, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 710.0, 745.0, 800.0, 1000.0]),),
     "x=[-1000, -800, -745, -710, -100, -30, -1, 0, 1, 30, 100, 710, 745, 800, 1000]"),
    ((-1000.0,), "x=-1000.0, a Python float"),
    ((np.array([[-1000.0, 1000.0], [-50.0, 50.0]]),), "x=[[-1000, 1000], [-50, 50]]"),
]
STABILITY_CASES = _cases("sigmoid", STABILITY_INPUTS, _STABLE)
grade_cells.function_cases("sigmoid_stability", STABILITY_CASES, "sigmoid", allow_warnings=False)


_rng = np.random.default_rng(2024)


def _random_layers(n_in, n_hidden, n_out):
    return (_rng.normal(size=(n_in, n_hidden)), _rng.normal(size=n_hidden), _rng.normal(size=(n_hidden, n_out)), _rng.normal(size=n_out))


def _collapse_case(n_in, n_hidden, n_out, hint):
    w1, b1, w2, b2 = _random_layers(n_in, n_hidden, n_out)
    return Case(
        (w1, b1, w2, b2),
        (w1 @ w2, b1 @ w2 + b2),
        f"w1, b1, w2, b2 of shapes {w1.shape}, {b1.shape}, {w2.shape}, {b2.shape}, random numbers",
        hint,
    )


COLLAPSE_CASES = [
    _collapse_case(5, 4, 3, "Return (w, b): w of shape (n_in, n_out), b of shape (n_out,). The bias of the first "
                            "layer also goes through the second layer's weights."),
    _collapse_case(3, 3, 3, "The input meets w1 first, then w2, and matrix products depend on their order. The bias "
                            "of the first layer also goes through the second layer's weights."),
    _collapse_case(2, 6, 1, "Return (w, b): w of shape (n_in, n_out), b of shape (n_out,)."),
    _collapse_case(1, 1, 1, "Return (w, b), each an array, even for layers of one unit."),
]
grade_cells.function_cases("collapse_linear_layers_cases", COLLAPSE_CASES, "collapse_linear_layers")


def _dead_units_case(kernel, bias, images, description, hint):
    """A case of `dead_units`: the hidden test builds model_fn's model with `len(bias)` hidden units and this kernel
    and bias. The expected count is computed in float32, as Keras computes; every unit's largest input is at least
    0.05 away from 0 (or exactly 0), so rounding cannot move a unit across."""
    kernel, bias, images = (np.asarray(array, dtype=np.float32) for array in (kernel, bias, images))
    largest_input = (images.reshape(len(images), -1) @ kernel + bias).max(axis=0)
    if not np.all((np.abs(largest_input) >= 0.05) | (largest_input == 0)):
        raise ValueError(f"a unit of the dead_units case {description!r} is too close to the edge of dying")
    return Case((kernel, bias, images), int(np.sum(largest_input <= 0)), description, hint)


def _dead_units_cases():
    rng = np.random.default_rng(17)
    # A realistic model: 100 units, random weights, 40 random images; 15 units with a bias far below 0, and a
    # bias around 0 elsewhere, so that most units are 0 on some images and not on others.
    kernel = rng.normal(scale=0.05, size=(28 * 28, 100))
    bias = rng.uniform(-0.3, 0.3, size=100)
    bias[rng.choice(100, size=15, replace=False)] = -4.0
    images = rng.uniform(0.0, 1.0, size=(40, 28, 28))
    largest_input = (images.reshape(40, -1) @ kernel + bias).max(axis=0)
    bias[np.abs(largest_input) < 0.05] += 0.1  # off the edge, so that float32 rounding cannot decide
    realistic = _dead_units_case(
        kernel, bias, images, "a model of 100 hidden units with random weights, 15 of them with bias -4; x: 40 images",
        "Count a unit only if its output is 0 for every image: np.all(hidden == 0, axis=0), then count the True "
        "values.")
    # 8 units, 5 images. Pixel 0 is lit only in the last image and pixel 1 only in the first, so unit 0 is alive on
    # the last image alone and unit 6 on the first image alone; unit 1's input is exactly 0 for every image (its
    # output too: dead); units 2, 3, 5 and 7 are below 0 everywhere. Dead: units 1, 2, 3, 5 and 7.
    images = rng.uniform(0.0, 1.0, size=(5, 28, 28))
    images[:, 0, 0] = [0, 0, 0, 0, 1]
    images[:, 0, 1] = [1, 0, 0, 0, 0]
    kernel = np.zeros((28 * 28, 8))
    kernel[0, 0], kernel[1, 6], kernel[0, 5] = 5.0, 5.0, 5.0
    bias = np.array([-1.0, 0.0, -1.0, -0.5, 2.0, -10.0, -1.0, -3.0])
    edges = _dead_units_case(
        kernel, bias, images,
        "a model of 8 hidden units, one alive on the last image only, one on the first image only, one whose input "
        "is exactly 0 everywhere; x: 5 images",
        "A unit alive on a single image is not dead; a unit whose output is exactly 0 on every image is (ReLU(0) is "
        "0). Look at every image, not only the first or the last.")
    all_dead = _dead_units_case(np.zeros((28 * 28, 5)), np.full(5, -1.0), rng.uniform(0.0, 1.0, size=(3, 28, 28)),
                                "a model of 5 hidden units, all with bias -1 and zero weights; x: 3 images",
                                "Return the number of dead units, an int: here every unit is dead.")
    none_dead = _dead_units_case(rng.normal(scale=0.05, size=(28 * 28, 30)), np.full(30, 4.0),
                                 rng.uniform(0.0, 1.0, size=(10, 28, 28)),
                                 "a model of 30 hidden units, all with bias 4; x: 10 images",
                                 "Return the number of dead units, an int: here there are none.")
    return [realistic, edges, all_dead, none_dead]


DEAD_UNITS_CASES = _dead_units_cases()
grade_cells.function_cases("dead_units_cases", DEAD_UNITS_CASES, "dead_units")


@grade_cells.judge("elu_model_accuracy")
def elu_model_accuracy(records):
    model = records.model("model")
    # model_fn has no test cell of its own: this is where a model_fn that ignores `activation` fails.
    return [checks.layer_sequence(model, ["Flatten", "Dense(100, elu)", "Dense(10, softmax)"]),
            checks.maximum_parameter_count(model, MAXIMUM_PARAMETERS), checks.finite_loss(model),
            checks.minimum_accuracy(model, MINIMUM_ACCURACY)]
