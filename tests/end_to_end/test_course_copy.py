"""A copy of the whole course, graded with the environment installed from
the original folder, grades as the original does.

The editable install ties the virtualenv to the original folder, while
nbgrader, run from the copy, imports the copy's `autograder` and `course`.
The sandbox used to show the kernel only the copy's packages, which the
kernel's Python does not look in: every cell of every student scored 0
("ModuleNotFoundError: No module named 'course'"). Now the kernel's
`PYTHONPATH` names the packages the grader imported, and a kernel that
cannot import them stops grading with an error instead.
"""

import shutil

import nbformat

from autograder.classroom import gradebook, nbgrader_course

import needs

ASSIGNMENT = "attack_target"


def test_a_copy_of_the_course_grades_the_reference_in_full(course_root, tmp_path):
    needs.sandbox()
    copy = tmp_path / "course-copy"
    copy.mkdir()
    for name in ("autograder", "course"):
        shutil.copytree(course_root / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(course_root / "nbgrader_config.py", copy / "nbgrader_config.py")
    with open(copy / "nbgrader_config.py", "a") as config:
        config.write('\nc.SandboxedExecute.sandbox_mode = "required"\n')
    shutil.copytree(course_root / "tests" / "attacks" / "course" / "source", copy / "source")
    nbgrader_course.generate_assignment(copy, ASSIGNMENT)
    source = nbformat.read(copy / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    folder = copy / "submitted" / "reference" / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(source, folder / f"{ASSIGNMENT}.ipynb")
    nbgrader_course.autograde(copy, ASSIGNMENT, "reference")
    (score,) = gradebook.read_scores(copy, ASSIGNMENT, "reference")
    graded = (copy / "autograded" / "reference" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
    assert "ModuleNotFoundError" not in graded
    assert score.auto_score == score.auto_max_score == 4, score
