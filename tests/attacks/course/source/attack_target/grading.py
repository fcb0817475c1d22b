"""The grader's judges for the attack suite's small assignment.

canary-in-grading-file: 5f0c1e9a (an attack that can read this file would
reveal this line in its output).
"""

from autograder import checks
from autograder.checks import Case
from autograder.judge.grade_cells import GradeCells

MINIMUM_ACCURACY = 0.70
# An accuracy cell measures only models of the exercise's size: build_model()'s Flatten, Dense(10)
# has 7,850 parameters; three times that leaves room for answers written
# differently, and no room to store images in the weights instead of learning.
MAXIMUM_PARAMETERS = 3 * 7_850
SCALE_CASES = [
    Case(([1, 2], 3), [3, 6], "[1, 2], 3"),
    Case(([], 5), [], "[], 5", "An empty list scales to an empty list."),
    Case(([2, -1, 4], 0), [0, 0, 0], "[2, -1, 4], 0"),
    Case(([1.5, 2.5], 2), [3.0, 5.0], "[1.5, 2.5], 2"),
]

grade_cells = GradeCells()
grade_cells.function_cases("scale_cases", SCALE_CASES, "scale")


@grade_cells.judge("model_shapes")
def model_shapes(records):
    model = records.model("model")
    return [checks.input_shape(model, (None, 28, 28)), checks.output_shape(model, (None, 10))]


@grade_cells.judge("trained_accuracy")
def trained_accuracy(records):
    model = records.model("model")
    return [checks.maximum_parameter_count(model, MAXIMUM_PARAMETERS), checks.finite_loss(model),
            checks.minimum_accuracy(model, MINIMUM_ACCURACY)]
