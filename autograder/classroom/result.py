"""How one student's submission of one assignment was graded: `StudentResult`.

The one result type of class grading: `pool` returns it, the display
shows it, the demo pairs it with an example and the benchmark times it.
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class StudentResult:
    """How one student's submission was graded.

    Attributes:
        student: The student id (their folder under `submitted/`).
        score: Points in the gradebook (automatic, plus any given by hand),
            or None when grading failed.
        max_score: Points the assignment is worth, or None.
        seconds: Wall-clock seconds of grading (0 when skipped).
        failure: Why grading failed (nbgrader's last error lines, or a
            worker that kept dying), or None.
        note: Something the instructor should know about a graded
            notebook, such as its kernel being stopped; or None.
        skipped: Whether it was already graded, unchanged, and not graded again.
        assignment: The assignment graded.
    """

    student: str
    score: float = None
    max_score: float = None
    seconds: float = 0.0
    failure: str = None
    note: str = None
    skipped: bool = False
    assignment: str = None
