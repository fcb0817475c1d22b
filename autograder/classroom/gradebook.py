"""Reading nbgrader's gradebook: a submission's total, and its scores per notebook and cell.

    (score,) = gradebook.read_scores(course_root, "01_loss_curves", "alice")
    score.auto_score, score.failed        # Its test cells' points, and those that lost points.
    (result,) = gradebook.read_results("01_loss_curves", ["alice"], db_url)
    result.score, result.max_score        # The submission's total, hand-given points included.

Only nbgrader writes the gradebook (autograde, and the formgrader for
points given by hand); this module only reads it.
"""

import dataclasses

from nbgrader.api import Gradebook

from autograder.classroom import nbgrader_course
from autograder.classroom.result import StudentResult


@dataclasses.dataclass(frozen=True)
class CellScore:
    """One grade cell of a graded notebook.

    Attributes:
        grade_id: The cell's nbgrader id, for example `"model_fn_shapes"`.
        score: Points given (0 for a manually graded cell not yet graded).
        max_score: Points the cell is worth.
        autograded: Whether it is a test cell that nbgrader scores, rather
            than an answer an instructor grades by hand.
        needs_manual_grade: Whether an instructor still has to grade it.
    """

    grade_id: str
    score: float
    max_score: float
    autograded: bool
    needs_manual_grade: bool


@dataclasses.dataclass(frozen=True)
class NotebookScore:
    """The scores nbgrader recorded for one student's notebook."""

    student: str
    assignment: str
    notebook: str
    cells: tuple

    @property
    def auto_cells(self):
        """The test cells, which nbgrader scores itself."""
        return tuple(cell for cell in self.cells if cell.autograded)

    @property
    def auto_score(self):
        return sum(cell.score for cell in self.auto_cells)

    @property
    def auto_max_score(self):
        return sum(cell.max_score for cell in self.auto_cells)

    @property
    def failed(self):
        """Grade ids of test cells that lost points."""
        return frozenset(cell.grade_id for cell in self.auto_cells if cell.score < cell.max_score)


def read_scores(course_root, assignment, student, db_url=None):
    """Reads `student`'s per-cell scores for `assignment` from the gradebook.

    Args:
        course_root: The course folder; the assignment's notebooks are
            those of `source/<assignment>/`.
        assignment: The assignment id.
        student: The student id.
        db_url: The gradebook's URL. Defaults to `None`, meaning
            `gradebook.db` in `course_root`.

    Returns:
        A list with one `NotebookScore` per notebook of the assignment.

    Raises:
        nbgrader.api.MissingEntry: if the gradebook holds no such submission.
    """
    scores = []
    with Gradebook(db_url or nbgrader_course.sqlite_gradebook_url(course_root)) as gradebook:
        for path in nbgrader_course.notebooks(course_root, assignment):
            submitted = gradebook.find_submission_notebook(path.stem, assignment, student)
            cells = tuple(
                CellScore(
                    grade_id=grade.name,
                    score=float(grade.score or 0.0),
                    max_score=float(grade.max_score),
                    autograded=grade.cell.cell_type == "code",
                    needs_manual_grade=bool(grade.needs_manual_grade),
                )
                for grade in submitted.grades
            )
            scores.append(NotebookScore(student, assignment, path.stem, cells))
    return scores


def read_results(assignment, students, db_url):
    """Reads each student's total for `assignment` from the gradebook.

    Args:
        assignment: The assignment id.
        students: The student ids, each with a submission in the gradebook.
        db_url: The gradebook's URL.

    Returns:
        A `StudentResult` per student, in the order given, with `score`
        and `max_score` set (hand-given points included).

    Raises:
        nbgrader.api.MissingEntry: if a student has no submission there.
    """
    results = []
    with Gradebook(db_url) as gradebook:
        for student in students:
            submission = gradebook.find_submission(assignment, student)
            results.append(StudentResult(student, float(submission.score), float(submission.max_score),
                                         assignment=assignment))
    return results
