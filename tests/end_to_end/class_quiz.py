"""A small generated assignment and a class of submissions to it, for grading a whole class.

`class_quiz` has two exercises graded like the chapters (hidden tests
record, the judges in its `grading.py` decide) but trains nothing, so a
class of 20 and more grades in a few minutes. Students differ in which
answers they get right, so their scores differ.
"""

import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.classroom import nbgrader_course

ASSIGNMENT = "class_quiz"
POINTS = {"double_cases": 1, "absolute_cases": 2}
SOLUTIONS = {
    "double": "def double(x):\n    return 2 * x",
    "absolute": "def absolute(x):\n    return x if x >= 0 else -x",
}
MISTAKES = {
    "double": "def double(x):\n    return x + 2",
    "absolute": "def absolute(x):\n    return x",
}
# Judged like the chapters (the hidden tests record calls, these judges
# decide) but with `CheckResult` alone: `autograder.checks` loads Keras, which
# would add seconds to every student's judge while the quiz trains nothing.
GRADING = '''\
from autograder.judge.grade_cells import GradeCells
from autograder.results import CheckResult

CASES = {
    "double_cases": ("double", [(2, 4), (-3, -6)]),
    "absolute_cases": ("absolute", [(4, 4), (-5, 5), (0, 0)]),
}
grade_cells = GradeCells()


def register(grade_id, function, cases):
    grade_cells.inputs(grade_id, [(argument,) for argument, _ in cases])

    @grade_cells.judge(grade_id)
    def judge(records):
        outcomes = records.calls(len(cases))
        wrong = [
            f"{function}({argument}) returned {outcome.returned!r}; expected {expected!r}"
            for (argument, expected), outcome in zip(cases, outcomes)
            if outcome.raised or outcome.returned != expected
        ]
        return [CheckResult("quiz_cases", not wrong, "; ".join(wrong) or f"{function} is right on {len(cases)} cases")]


for grade_id, (function, cases) in CASES.items():
    register(grade_id, function, cases)
'''


def _flags(grade_id, grade=False, solution=False, points=None):
    flags = {"grade": grade, "grade_id": grade_id, "locked": not solution, "schema_version": 3, "solution": solution}
    if points is not None:
        flags["points"] = points
    return {"nbgrader": flags}


def source_notebook():
    """Returns the instructor's notebook of `class_quiz`."""
    cells = [new_markdown_cell("# A quiz for grading a whole class")]
    for function, grade_id in (("double", "double_cases"), ("absolute", "absolute_cases")):
        solution = SOLUTIONS[function].replace("\n", "\n    ### BEGIN SOLUTION\n", 1) + "\n    ### END SOLUTION"
        cells.append(new_code_cell(solution, metadata=_flags(function, solution=True)))
        test = ("from autograder import records\n### BEGIN HIDDEN TESTS\n"
                f"records.calls({grade_id!r}, {function})\n### END HIDDEN TESTS")
        cells.append(new_code_cell(test, metadata=_flags(grade_id, grade=True, points=POINTS[grade_id])))
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def make_course(course_root, destination):
    """Copies the course's nbgrader config into `destination` with `class_quiz` as its only assignment, released."""
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copy2(Path(course_root) / "nbgrader_config.py", destination / "nbgrader_config.py")
    folder = destination / "source" / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(source_notebook(), folder / f"{ASSIGNMENT}.ipynb")
    (folder / "grading.py").write_text(GRADING)
    nbgrader_course.generate_assignment(destination, ASSIGNMENT)
    return destination


def student_answers(number):
    """Returns student `number`'s answer to each function: the even ones double right,
    and all but every third get `absolute` right."""
    return {
        "double": SOLUTIONS["double"] if number % 2 == 0 else MISTAKES["double"],
        "absolute": MISTAKES["absolute"] if number % 3 == 0 else SOLUTIONS["absolute"],
    }


def expected_score(number):
    answers = student_answers(number)
    return (POINTS["double_cases"] * (answers["double"] == SOLUTIONS["double"])
            + POINTS["absolute_cases"] * (answers["absolute"] == SOLUTIONS["absolute"]))


def submit_class(course, size):
    """Places `size` submissions, students `student-00` onwards; returns `{student: number}`."""
    release = nbformat.read(Path(course) / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    students = {}
    for number in range(size):
        notebook = nbformat.from_dict(release)
        answers = student_answers(number)
        for cell in notebook.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                cell.source = answers[grade_id]
        student = f"student-{number:02d}"
        nbgrader_course.submit(course, ASSIGNMENT, student, notebook)
        students[student] = number
    return students
