"""Real `nbgrader autograde` on example submissions, in a scratch copy of the course.

The examples of every assignment the collected tests ask for (so
`-k 02_learning_rate` grades only that chapter) are graded once, in one
copy of the course, the first time a test needs them; the tests then read
the gradebook. They are graded as a class is, by the class grader's
default path: a local pool of workers shared by all the assignments, and
the SQLite gradebook (`class_grading.grade_assignments`). See
`autograder/examples/` for what each example hands in and which test cells
it must fail.
"""

import csv
import dataclasses
import time
from pathlib import Path

import nbformat
import pytest

import needs
from rich.console import Console

from autograder import class_grading, demo, examples

ASSIGNMENTS = sorted(examples.EXAMPLES)
CASES = [(assignment, example) for assignment in ASSIGNMENTS for example in examples.EXAMPLES[assignment]]


@dataclasses.dataclass(frozen=True)
class GradedAssignment:
    """One assignment's examples, graded in a copy of the course.

    Attributes:
        grades: Example name to `ExampleGrade`.
        course: The graded copy of the course.
    """

    grades: dict
    course: Path


def assignments_asked_for(items, module):
    """The assignments that the collected tests of `module` are parametrized with, in course order."""
    asked = {item.callspec.params.get("assignment") for item in items
             if item.module is module and hasattr(item, "callspec")}
    return [assignment for assignment in ASSIGNMENTS if assignment in asked]


@pytest.fixture(scope="module")
def graded(request, course_root, tmp_path_factory, record_timing):
    """Returns a function that gives an assignment's `GradedAssignment`.

    The first call grades the examples of every assignment the collected
    tests ask for, in one copy of the course and one pool of workers.
    """
    assignments = assignments_asked_for(request.session.items, request.module)
    course = tmp_path_factory.mktemp("course")
    grades = {}

    def graded_assignment(assignment):
        assert assignment in assignments, f"{assignment} is not among the assignments collected: {assignments}"
        if not grades:
            start = time.perf_counter()
            for grade in demo.grade_examples(course_root, course, assignments):
                grades.setdefault(grade.score.assignment, {})[grade.example.name] = grade
                record_timing(f"autograde {grade.score.assignment} / {grade.example.name}", grade.seconds)
            count = sum(len(examples) for examples in grades.values())
            record_timing(f"grade {len(assignments)} chapters: {count} examples in one pool, wall time",
                          time.perf_counter() - start)
        return GradedAssignment(grades[assignment], course)

    return graded_assignment


@pytest.mark.parametrize("assignment, example", CASES, ids=[f"{a}-{e.name}" for a, e in CASES])
def test_each_example_loses_exactly_the_points_of_its_mistakes(graded, assignment, example):
    grade = graded(assignment).grades[example.name]
    lost = {cell.grade_id: cell.max_score - cell.score for cell in grade.score.auto_cells if cell.score < cell.max_score}
    assert grade.score.failed == example.failing_cells, f"{example.description}: lost points in {lost}"
    expected_score = sum(cell.max_score for cell in grade.score.auto_cells if cell.grade_id not in example.failing_cells)
    assert grade.score.auto_score == expected_score
    waiting = [cell.grade_id for cell in grade.score.auto_cells if cell.needs_manual_grade]
    assert not waiting, f"test cells left for manual grading: {waiting}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_source_notebook_gets_full_marks(graded, assignment):
    score = graded(assignment).grades["reference"].score
    assert score.auto_max_score > 0
    assert score.auto_score == score.auto_max_score


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_example_ran_in_the_sandbox(graded, assignment):
    needs.sandbox()
    for path in graded(assignment).course.glob(f"autograded/*/{assignment}/*.ipynb"):
        assert nbformat.read(path, as_version=4).metadata["autograder"]["sandboxed"] is True, path


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_blank_release_notebook_scores_zero_and_grading_finishes(graded, assignment):
    blank = graded(assignment).grades["blank"].score
    reference = graded(assignment).grades["reference"].score
    assert blank.auto_score == 0
    assert {cell.grade_id for cell in blank.cells} == {cell.grade_id for cell in reference.cells}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_written_answers_wait_for_the_instructor(graded, assignment):
    manual = [cell for cell in graded(assignment).grades["reference"].score.cells if not cell.autograded]
    assert manual, "every chapter has at least one answer graded by hand"
    assert all(cell.needs_manual_grade for cell in manual)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_grading_writes_each_students_feedback_and_the_export(graded, assignment):
    course = graded(assignment).course
    feedback = sorted(course.glob(f"feedback/*/{assignment}/*.html"))
    assert len(feedback) == len(examples.EXAMPLES[assignment])
    wrong = next(example for example in examples.EXAMPLES[assignment] if example.kind == "answers" and example.failing_cells)
    html = next((course / "feedback" / wrong.name / assignment).glob("*.html")).read_text()
    score = graded(assignment).grades[wrong.name].score
    assert "FAILED" in html, "the feedback shows the failed checks' messages"
    assert f"{score.auto_score:g}" in html

    with open(course / class_grading.EXPORT_DIR / f"{assignment}.csv", newline="") as exported:
        rows = {row["student_id"]: row for row in csv.DictReader(exported)}
    assert {row["assignment"] for row in rows.values()} == {assignment}
    submitted = {example.name for example in examples.EXAMPLES[assignment]}
    assert set(rows) >= submitted
    # nbgrader exports every student in the gradebook: one who handed in only other chapters scores 0 here.
    assert all(float(rows[student]["raw_score"]) == 0.0 for student in set(rows) - submitted)
    assert float(rows["blank"]["raw_score"]) == 0.0
    reference = graded(assignment).grades["reference"].score
    assert float(rows["reference"]["raw_score"]) == reference.auto_score


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_score_table_shows_every_example(graded, assignment):
    console = Console(record=True, width=200)
    console.print(demo.score_table(list(graded(assignment).grades.values())))
    text = console.export_text()
    for example in examples.EXAMPLES[assignment]:
        assert example.name in text
    assert "NO" not in text.split()
