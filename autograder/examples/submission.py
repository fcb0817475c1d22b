"""What an example submission is."""

import dataclasses
import textwrap

SOURCE = "source"
BLANK = "blank"
ANSWERS = "answers"
KINDS = (SOURCE, BLANK, ANSWERS)


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
            every other test cell must pass in full.
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
    """Returns an `"answers"` example; each answer's code may be indented (it is dedented)."""
    answers = {grade_id: textwrap.dedent(code).strip() + "\n" for grade_id, code in (answers or {}).items()}
    return ExampleSubmission(name, description, ANSWERS, answers, frozenset(failing_cells), frozenset(deleted_cells))


def reference_and_blank(test_cells):
    """Returns the two examples every assignment has: the instructor's source
    notebook (full marks) and the untouched release (fails every one of `test_cells`)."""
    return [
        ExampleSubmission("reference", "the instructor's source notebook", SOURCE),
        ExampleSubmission("blank", "the release notebook, nothing answered", BLANK, failing_cells=frozenset(test_cells)),
    ]
