"""What an example submission is."""

import dataclasses

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
