"""Example submissions of each chapter, graded by the demo and the tests.

A chapter is a folder of `source/` holding one notebook. Its examples live
beside the notebook, in `source/<assignment>/examples.py`, which nbgrader
never releases and which is loaded as the chapter's `grading.py` is
(`judging.load_chapter_module`). It lists the wrong and the differently
written submissions:

    from autograder.tools.examples import example

    EXAMPLES = [
        example(
            "always_first_epoch",                       # its student id
            "best_epoch returns 0 whatever the curve",  # for the score table
            answers={"best_epoch": "def best_epoch(history):\n    return 0\n"},
            failing_cells={"best_epoch_cases"},         # every other test cell must pass
        ),
    ]

Two more come from the notebook itself: `reference` (the source notebook,
which fails nothing) and `blank` (the release untouched, which fails every
autograded test cell). An example is written as a student would hand it in:
the release notebook with the answer cells filled in. Answers it does not
list are the reference answers (the source notebook's solutions without
their markers), so each wrong example differs from a perfect one only where
its mistake is.
"""

import dataclasses
import re
import textwrap
from pathlib import Path

import nbformat

from autograder.classroom import nbgrader_course
from autograder.judge import judging
from autograder.plugins import notebook_cells

__all__ = [
    "ANSWERS", "BLANK", "DEMO", "EVERY_TEST_CELL", "EXAMPLES_FILE", "SOURCE", "ExampleSubmission", "build_submission",
    "chapters", "example", "examples_by_chapter", "examples_for", "graded_test_cells", "has_examples",
    "reference_answers",
]

SOURCE = "source"
BLANK = "blank"
ANSWERS = "answers"
KINDS = (SOURCE, BLANK, ANSWERS)
EXAMPLES_FILE = "examples.py"
# Pass as `names` for the demo's choice: the reference, the blank notebook and the first wrong submission.
DEMO = "demo"

_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)


class _EveryTestCell:
    """The type of `EVERY_TEST_CELL`, whose only value says "all of them"."""

    def __repr__(self):
        return "EVERY_TEST_CELL"


# An example's `failing_cells` when it fails every autograded test cell: the
# grade ids are read from the chapter's notebook when its examples are loaded.
EVERY_TEST_CELL = _EveryTestCell()


@dataclasses.dataclass(frozen=True)
class ExampleSubmission:
    """A submission staged for grading.

    Attributes:
        name: Short name, used as the student id, for example `"dense1_output"`.
        description: What the submission does, for a person reading the table.
        kind: `"source"` (the instructor's notebook as it is), `"blank"` (the
            release notebook untouched) or `"answers"` (the release notebook
            with answers filled in).
        answers: For `"answers"`: answer cell grade id to the code typed there.
        failing_cells: Grade ids of the test cells this submission must fail;
            every other test cell must pass in full. `EVERY_TEST_CELL` until
            the examples are loaded, which puts in the notebook's test cells.
        deleted_cells: Grade ids of cells the student deleted.
    """

    name: str
    description: str
    kind: str = ANSWERS
    answers: dict = dataclasses.field(default_factory=dict)
    failing_cells: frozenset = frozenset()
    deleted_cells: frozenset = frozenset()

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"`kind` must be one of {KINDS}. Received: kind={self.kind!r}")


def example(name, description, answers=None, failing_cells=(), deleted_cells=()):
    """Returns an `"answers"` example; each answer's code may be indented (it is dedented).

    Args:
        name: The example's name, also its student id.
        description: What it does, for a person reading the score table.
        answers: Answer cell grade id to the code typed there. Defaults to
            `None`: every answer is the reference one.
        failing_cells: Grade ids of the test cells it must fail, or
            `EVERY_TEST_CELL`. Defaults to `()`: it passes every one.
        deleted_cells: Grade ids of cells the student deleted. Defaults to `()`.
    """
    answers = {grade_id: textwrap.dedent(code).strip() + "\n" for grade_id, code in (answers or {}).items()}
    if failing_cells is not EVERY_TEST_CELL:
        failing_cells = frozenset(failing_cells)
    return ExampleSubmission(name, description, ANSWERS, answers, failing_cells, frozenset(deleted_cells))


def chapters(course_root=None):
    """Returns the chapters of a course: the folders of `source/` that hold exactly one notebook, sorted.

    Args:
        course_root: The course folder. Defaults to `None`, meaning the
            course holding the current folder (`nbgrader_course.course_root_of()`).
    """
    course_root = _course_root(course_root)
    return [assignment for assignment in nbgrader_course.assignments(course_root)
            if len(nbgrader_course.notebooks(course_root, assignment)) == 1]


def graded_test_cells(source_notebook):
    """Returns the grade ids of the test cells a blank submission fails:
    the autograded test cells that carry points."""
    return frozenset(
        cell.metadata.nbgrader["grade_id"] for cell in notebook_cells.autograded_test_cells(source_notebook)
        if float(cell.metadata.nbgrader.get("points") or 0) > 0
    )


def examples_for(assignment, names=None, course_root=None):
    """Returns the examples of `assignment`: all of them (`names=None`),
    those named in `names`, or the demo's three (`names=DEMO`).

    Args:
        assignment: The chapter, for example `"01_loss_curves"`.
        names: Which examples. Defaults to `None`, meaning all, `reference`
            and `blank` first.
        course_root: The course folder. Defaults to `None`, meaning the
            course holding the current folder.

    Raises:
        KeyError: if the assignment is not a chapter or a name is unknown.
        FileNotFoundError: if the chapter has no `examples.py`.
        TypeError, ValueError: if its `examples.py` is malformed, or has no
            wrong submission for `DEMO` (the message says how).
    """
    course_root = _course_root(course_root)
    known_chapters = chapters(course_root)
    if assignment not in known_chapters:
        raise KeyError(
            f"No example submissions for {assignment!r}: it is not a folder of {course_root / 'source'} "
            f"holding one notebook. Assignments with examples: {known_chapters}"
        )
    examples = _load_examples(course_root, assignment)
    if names is None:
        return examples
    if names == DEMO:
        first_wrong = next((example for example in examples if example.kind == ANSWERS and example.failing_cells), None)
        if first_wrong is None:
            raise ValueError(
                f"The demo needs a wrong submission (one with `failing_cells`) in {assignment}'s {EXAMPLES_FILE}. "
                f"Received: {[example.name for example in examples]}. Add one."
            )
        return [example for example in examples if example.kind != ANSWERS] + [first_wrong]
    known = {example.name: example for example in examples}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise KeyError(f"Unknown example(s) {unknown} for {assignment!r}. Known: {sorted(known)}")
    return [known[name] for name in names]


def examples_by_chapter(course_root=None):
    """Returns every chapter's examples: chapter name to `examples_for(chapter)`.

    Args:
        course_root: The course folder. Defaults to `None`, meaning the
            course holding the current folder.
    """
    course_root = _course_root(course_root)
    return {chapter: examples_for(chapter, course_root=course_root) for chapter in chapters(course_root)}


def has_examples(assignment, names, course_root=None):
    """Whether `assignment` is a chapter with an example of every name in `names`."""
    course_root = _course_root(course_root)
    if assignment not in chapters(course_root):
        return False
    return {example.name for example in _load_examples(course_root, assignment)} >= set(names)


def _course_root(course_root):
    return nbgrader_course.course_root_of() if course_root is None else Path(course_root)


def _load_examples(course_root, assignment):
    """The chapter's `reference` and `blank`, then its `examples.py` list, checked against its notebook."""
    notebook_path = nbgrader_course.single_notebook(course_root, assignment)
    path = notebook_path.parent / EXAMPLES_FILE
    module = judging.load_chapter_module(path.parent, EXAMPLES_FILE, "its example submissions", "autograder/tools/examples.py")
    listed = getattr(module, "EXAMPLES", None)
    if not isinstance(listed, list) or not all(isinstance(item, ExampleSubmission) for item in listed):
        raise TypeError(f"{path} must define `EXAMPLES = [example(...), ...]`. Received: EXAMPLES={listed!r:.200}")
    notebook = nbformat.read(notebook_path, as_version=4)
    every_test_cell = graded_test_cells(notebook)
    examples = [
        ExampleSubmission("reference", "the instructor's source notebook", SOURCE),
        ExampleSubmission("blank", "the release notebook, nothing answered", BLANK, failing_cells=EVERY_TEST_CELL),
        *listed,
    ]
    examples = [
        dataclasses.replace(item, failing_cells=every_test_cell) if item.failing_cells is EVERY_TEST_CELL else item
        for item in examples
    ]
    _check_examples(path, examples, every_test_cell, _grade_ids(notebook))
    return examples


def _grade_ids(notebook):
    return {cell.metadata.nbgrader["grade_id"] for cell in notebook.cells if "grade_id" in cell.metadata.get("nbgrader", {})}


def _check_examples(path, examples, every_test_cell, grade_ids):
    names = [item.name for item in examples]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(
            f"Each example in {path} needs a name of its own, and `reference` and `blank` are taken. "
            f"Received: {repeated} more than once. Rename them."
        )
    for item in examples:
        unknown = sorted(item.failing_cells - every_test_cell)
        if unknown:
            raise ValueError(
                f"`failing_cells` must name autograded test cells of the notebook. Received: {unknown} in example "
                f"{item.name!r} of {path}. Test cells: {sorted(every_test_cell)}"
            )
        unknown = sorted(item.deleted_cells - grade_ids)
        if unknown:
            raise ValueError(
                f"`deleted_cells` must name cells of the notebook. Received: {unknown} in example {item.name!r} "
                f"of {path}. Grade ids: {sorted(grade_ids)}"
            )


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
