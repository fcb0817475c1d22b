"""The grader's judges for chapter 01 (never released to students).

The notebook's hidden tests only record the student's work
(`autograder.records`); each judge below decides one grade cell from those
records, outside the student's kernel. Expected values, hidden inputs and
thresholds live here alone.
"""

from autograder import checks
from autograder.checks import Case
from autograder.judge.grade_cells import GradeCells
from autograder.synthetic import make_history

# Accuracy is measured on the grader's held-out test images (the official test
# set, which a graded kernel never holds): the reference reaches 85.6% to 87.8%
# over five seeds (87.2% as shipped); the model without a hidden layer 84.2%,
# one epoch of the reference 83.3%.
# The bar: README, "How the bars were chosen" (measured with `make bench`'s seeds part, one thread).
MINIMUM_ACCURACY = 0.845
# An accuracy cell measures only models of the exercise's size: model_fn()'s Flatten, Dense(100), Dense(10)
# has 79,510 parameters; three times that leaves room for answers written
# differently, and no room to store images in the weights instead of learning.
MAXIMUM_PARAMETERS = 3 * 79_510
NUM_EPOCHS = 15

grade_cells = GradeCells()


@grade_cells.judge("model_fn_shapes")
def model_fn_shapes(records):
    model = records.model("plain")
    return [checks.input_shape(model, (None, 28, 28)), checks.output_shape(model, (None, 10))]


@grade_cells.judge("model_fn_structure")
def model_fn_structure(records):
    plain, extra_dense, extra_dropout = (records.model(key) for key in ("plain", "extra_dense", "extra_dropout"))
    return [
        checks.parameter_count(plain, 79_510),
        checks.layer_sequence(plain, ["Flatten", "Dense(100, relu)", "Dense(10, softmax)"]),
        checks.input_shape(plain, (None, 28, 28)),
        checks.layer_sequence(extra_dense, ["Flatten", "Dense(100, relu)", "Dense(50, tanh)", "Dense(10, softmax)"]),
        checks.parameter_count(extra_dense, 78_500 + 5_050 + 510),
        checks.output_shape(extra_dense, (None, 10)),
        checks.layer_sequence(extra_dropout, ["Flatten", "Dense(100, relu)", "Dropout(0.25)", "Dense(10, softmax)"]),
        checks.parameter_count(extra_dropout, 79_510),
    ]


@grade_cells.judge("train_model_history")
def train_model_history(records):
    history = records.value("history")
    results = [
        checks.history_keys(history, ["loss", "accuracy", "val_loss", "val_accuracy"]),
        checks.history_epochs(history, NUM_EPOCHS),
        checks.recorded_fact(records.value("history_is_from_fit"),
                             "the History comes from training this model",
                             "expected the History that `model.fit()` returned for this model. Return `model.fit(...)`."),
    ]
    if not results[0].passed:
        return results
    # The kernel can edit a History; the model it trained is what the grader measures.
    return results + [checks.history_matches_model(history, records.model("model"), records.training_steps("model"))]


@grade_cells.judge("trained_model_accuracy")
def trained_model_accuracy(records):
    model = records.model("model")
    return [checks.maximum_parameter_count(model, MAXIMUM_PARAMETERS), checks.finite_loss(model),
            checks.minimum_accuracy(model, MINIMUM_ACCURACY)]


LOSS_PLOT_HISTORIES = [
    make_history(loss=[0.9, 0.6, 0.5], val_loss=[0.8, 0.65, 0.7]),
    make_history(
        loss=[1.3, 0.8, 0.55, 0.42, 0.35], val_loss=[1.1, 0.85, 0.8, 0.86, 0.97],
        accuracy=[0.55, 0.7, 0.8, 0.85, 0.88], val_accuracy=[0.6, 0.7, 0.72, 0.73, 0.72],
    ),
]
grade_cells.inputs("loss_plot", [(history,) for history in LOSS_PLOT_HISTORIES])


@grade_cells.judge("loss_plot")
def loss_plot(records):
    return [
        checks.loss_plot(outcome.returned, history) if outcome.raised is None else checks.raised(outcome, "plot_loss")
        for outcome, history in zip(records.calls(len(LOSS_PLOT_HISTORIES)), LOSS_PLOT_HISTORIES)
    ]


BEST_EPOCH_CASES = [
    Case((make_history(loss=[1.0, 0.6, 0.4], val_loss=[0.9, 0.5, 0.7]),), 2, "val_loss=[0.9, 0.5, 0.7]", "Epochs count from 1."),
    Case((make_history(loss=[0.5], val_loss=[0.3]),), 1, "val_loss=[0.3]", "One epoch is epoch 1."),
    Case((make_history(loss=[0.9, 0.8, 0.7, 0.6, 0.5], val_loss=[0.8, 0.7, 0.6, 0.5, 0.4]),), 5,
         "val_loss=[0.8, 0.7, 0.6, 0.5, 0.4]", "Epochs count from 1."),
    Case((make_history(loss=[0.9, 0.8, 0.7], val_loss=[0.5, 0.6, 0.7]),), 1, "val_loss=[0.5, 0.6, 0.7]", "Epochs count from 1."),
    Case((make_history(loss=[0.9, 0.8, 0.7, 0.6, 0.5], val_loss=[0.9, 0.4, 0.6, 0.4, 0.8]),), 2,
         "val_loss=[0.9, 0.4, 0.6, 0.4, 0.8]", "On a tie, return the first epoch."),
    Case((make_history(loss=[0.9, 0.8, 0.7, 0.6, 0.5, 0.4], val_loss=[0.9, 0.5, 0.49, 0.52, 0.6, 0.7]),), 3,
         "loss=[0.9, ..., 0.4], val_loss=[0.9, 0.5, 0.49, 0.52, 0.6, 0.7]", "Use the validation loss, not the training loss."),
]
grade_cells.function_cases("best_epoch_cases", BEST_EPOCH_CASES, "best_epoch")

_losses = dict(loss=[1.0, 0.7, 0.5, 0.4], val_loss=[0.8, 0.6, 0.65, 0.7])
BEST_ACCURACY_EPOCH_CASES = [
    Case((make_history(val_loss=[0.5, 0.4, 0.45], val_accuracy=[0.80, 0.86, 0.85]),), 2,
         "val_accuracy=[0.80, 0.86, 0.85]", "Epochs count from 1."),
    Case((make_history(**_losses, val_accuracy=[0.80, 0.84, 0.85, 0.86]),), 4,
         "val_loss=[0.8, 0.6, 0.65, 0.7], val_accuracy=[0.80, 0.84, 0.85, 0.86]",
         "Use the validation accuracy: here it peaks after the lowest validation loss."),
    Case((make_history(**_losses, accuracy=[0.70, 0.80, 0.85, 0.90], val_accuracy=[0.78, 0.84, 0.83, 0.82]),), 2,
         "accuracy=[0.70, 0.80, 0.85, 0.90], val_accuracy=[0.78, 0.84, 0.83, 0.82]",
         "Use the validation accuracy, not the training accuracy."),
    Case((make_history(**_losses, val_accuracy=[0.80, 0.85, 0.83, 0.85]),), 2,
         "val_accuracy=[0.80, 0.85, 0.83, 0.85]", "On a tie, return the first epoch."),
    Case((make_history(loss=[0.5], val_loss=[0.6], val_accuracy=[0.7]),), 1, "a single epoch", "One epoch is epoch 1."),
]
grade_cells.function_cases("best_accuracy_epoch_cases", BEST_ACCURACY_EPOCH_CASES, "best_accuracy_epoch")


_rising_at_end = make_history(loss=[0.9, 0.6, 0.4, 0.3, 0.2], val_loss=[0.8, 0.6, 0.5, 0.45, 0.5])
_two_after_best = make_history(loss=[0.9, 0.7, 0.5, 0.4, 0.3], val_loss=[0.8, 0.6, 0.5, 0.55, 0.6])
_diverging = make_history(loss=[0.5, 0.4, 0.6, 0.9, 1.5], val_loss=[0.5, 0.45, 0.7, 1.0, 1.6])
SHOWS_OVERFITTING_CASES = [
    Case((make_history(loss=[0.9, 0.6, 0.4, 0.3, 0.2], val_loss=[0.8, 0.6, 0.55, 0.6, 0.7]),), True,
         "loss=[0.9, 0.6, 0.4, 0.3, 0.2], val_loss=[0.8, 0.6, 0.55, 0.6, 0.7]"),
    Case((make_history(loss=[0.9, 0.6, 0.4], val_loss=[0.8, 0.6, 0.5]),), False,
         "loss=[0.9, 0.6, 0.4], val_loss=[0.8, 0.6, 0.5]", "The validation loss is still falling."),
    Case((_rising_at_end,), False, "val_loss=[0.8, 0.6, 0.5, 0.45, 0.5] with patience=2",
         "One epoch after the lowest point is fewer than `patience`."),
    Case((_rising_at_end, 1), True, "val_loss=[0.8, 0.6, 0.5, 0.45, 0.5] with patience=1", "Use the `patience` argument."),
    Case((_two_after_best,), True, "val_loss=[0.8, 0.6, 0.5, 0.55, 0.6] with patience=2",
         "Exactly `patience` epochs after the lowest point counts."),
    Case((_two_after_best, 3), False, "val_loss=[0.8, 0.6, 0.5, 0.55, 0.6] with patience=3", "Use the `patience` argument."),
    Case((_diverging,), False, "loss=[0.5, 0.4, 0.6, 0.9, 1.5], val_loss=[0.5, 0.45, 0.7, 1.0, 1.6]",
         "When the training loss rises too, that is not overfitting."),
    Case((make_history(loss=[0.5], val_loss=[0.6]),), False, "a single epoch"),
]
grade_cells.function_cases("shows_overfitting_cases", SHOWS_OVERFITTING_CASES, "shows_overfitting")
