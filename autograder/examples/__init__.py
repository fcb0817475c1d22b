"""Example submissions for each assignment, graded by the demo and the tests.

An example is written as a student would hand it in: the release notebook
with the answer cells filled in. Answers it does not list are the reference
answers (the source notebook's solutions without their markers), so each
wrong example differs from a perfect one only where its mistake is.
"""

import re

import nbformat

from autograder.examples import activation_functions, callbacks, dropout, learning_rate, loss_curves, optimizers
from autograder.examples.submission import ANSWERS, BLANK, SOURCE, ExampleSubmission

__all__ = ["ANSWERS", "BLANK", "DEMO", "SOURCE", "EXAMPLES", "ExampleSubmission", "build_submission", "examples_for", "has_examples"]

EXAMPLES = {
    "01_loss_curves": loss_curves.EXAMPLES,
    "02_learning_rate": learning_rate.EXAMPLES,
    "03_activation_functions": activation_functions.EXAMPLES,
    "04_optimizers": optimizers.EXAMPLES,
    "05_dropout": dropout.EXAMPLES,
    "06_callbacks": callbacks.EXAMPLES,
}
# Pass as `names` for the demo's choice: the reference, the blank notebook and the first wrong submission.
DEMO = "demo"

_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)


def examples_for(assignment, names=None):
    """Returns the examples of `assignment`: all of them (`names=None`),
    those named in `names`, or the demo's three (`names=DEMO`).

    Raises:
        KeyError: if the assignment has no examples or a name is unknown.
    """
    if assignment not in EXAMPLES:
        raise KeyError(f"No example submissions for {assignment!r}. Assignments with examples: {sorted(EXAMPLES)}")
    examples = EXAMPLES[assignment]
    if names is None:
        return list(examples)
    if names == DEMO:
        first_wrong = next(example for example in examples if example.kind == ANSWERS and example.failing_cells)
        return [example for example in examples if example.kind != ANSWERS] + [first_wrong]
    known = {example.name: example for example in examples}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise KeyError(f"Unknown example(s) {unknown} for {assignment!r}. Known: {sorted(known)}")
    return [known[name] for name in names]


def has_examples(assignment, names):
    """Whether `assignment` has an example of every name in `names`."""
    return {example.name for example in EXAMPLES.get(assignment, [])} >= set(names)


def reference_answers(source_notebook):
    """Returns each solution cell's reference answer, markers removed, by grade id."""
    return {
        cell.metadata.nbgrader["grade_id"]: _MARKER.sub("", cell.source)
        for cell in source_notebook.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }


def build_submission(example, source_notebook, release_notebook):
    """Returns the notebook `example` hands in.

    Args:
        example: An `ExampleSubmission`.
        source_notebook: The instructor's notebook (a NotebookNode).
        release_notebook: The student's notebook generated from it.

    Raises:
        KeyError: if `example.answers` names a cell that is not an answer cell.
    """
    if example.kind == SOURCE:
        return nbformat.from_dict(source_notebook)
    submission = nbformat.from_dict(release_notebook)
    if example.kind == BLANK:
        return submission
    answers = reference_answers(source_notebook)
    unknown = set(example.answers) - set(answers)
    if unknown:
        raise KeyError(f"Example {example.name!r} answers cells that are not answer cells: {sorted(unknown)}. Answer cells: {sorted(answers)}")
    answers.update(example.answers)
    submission.cells = [
        cell for cell in submission.cells
        if cell.metadata.get("nbgrader", {}).get("grade_id") not in example.deleted_cells
    ]
    for cell in submission.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = answers[grade_id]
    return submission
