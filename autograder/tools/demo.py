"""The demo: generate the release, autograde example submissions, print scores.

Everything happens in a work folder (by default `build/demo`), a copy of
the course, so the instructor's gradebook and submissions are untouched.
"""

import dataclasses
import shutil
import sys
from pathlib import Path

import nbformat
from rich.console import Console
from rich.table import Table

from autograder.classroom import gradebook, nbgrader_course, pool
from autograder.classroom.result import StudentResult
from autograder.tools import examples

DEFAULT_WORK_DIR = Path("build") / "demo"
# Written into every work folder, so that only folders made here are ever replaced.
WORK_DIR_MARKER = ".autograder-work-dir"


@dataclasses.dataclass(frozen=True)
class ExampleGrade:
    """An example submission and how it was graded.

    Attributes:
        example: The `ExampleSubmission`.
        result: Its `StudentResult` from class grading (the example's name
            is the student id).
        score: Its `NotebookScore` from the gradebook, cell by cell.
    """

    example: examples.ExampleSubmission
    result: StudentResult
    score: gradebook.NotebookScore

    @property
    def seconds(self):
        """How long grading it took (autograde and feedback)."""
        return self.result.seconds

    @property
    def as_expected(self):
        """Whether exactly the test cells the example should fail lost points,
        and no test cell was left for manual grading."""
        waiting = any(cell.needs_manual_grade for cell in self.score.auto_cells)
        return self.score.failed == self.example.failing_cells and not waiting


def prepare_work_dir(work_dir):
    """Removes `work_dir` if an earlier demo made it, so it can be made afresh.

    Raises:
        FileExistsError: if `work_dir` holds files that the demo did not make;
            they are left alone.
    """
    work_dir = Path(work_dir)
    if work_dir.exists() and any(work_dir.iterdir()):
        if not _made_by_the_demo(work_dir):
            raise FileExistsError(
                f"Expected a work folder made by the demo (one holding {WORK_DIR_MARKER}) or none. "
                f"Received: {work_dir} holds other files, which are kept. Pass --work-dir with another folder."
            )
        shutil.rmtree(work_dir)
    return work_dir


def _made_by_the_demo(work_dir):
    if (work_dir / WORK_DIR_MARKER).exists():
        return True
    # Earlier versions graded each assignment in a work folder of its own, inside this one.
    return all(path.is_dir() and (path / WORK_DIR_MARKER).exists() for path in work_dir.iterdir())


def stage_examples(course_root, work_dir, chapter_examples):
    """Copies the course to `work_dir`, generates each release and submits the examples.

    Each example is handed in as the student of its name
    (`submitted/<example>/<assignment>/`), built from the release as a
    student would fill it in (`examples.build_submission`). The folder is
    marked as made here (`WORK_DIR_MARKER`) before any release is
    generated, so `prepare_work_dir` may replace it even after a failure.

    Args:
        course_root: The course folder.
        work_dir: A new or empty folder.
        chapter_examples: `{assignment: [ExampleSubmission, ...]}`.

    Returns:
        `work_dir` as a `Path`.

    Raises:
        FileExistsError: if `work_dir` holds files.
        NbgraderError: if a release could not be generated.
    """
    work_dir = nbgrader_course.copy_course(course_root, work_dir)
    (work_dir / WORK_DIR_MARKER).touch()
    for assignment, chosen in chapter_examples.items():
        nbgrader_course.generate_assignment(work_dir, assignment)
        source = nbformat.read(nbgrader_course.single_notebook(work_dir, assignment), as_version=4)
        release = nbformat.read(nbgrader_course.single_notebook(work_dir, assignment, "release"), as_version=4)
        for example in chosen:
            nbgrader_course.submit(work_dir, assignment, example.name, examples.build_submission(example, source, release))
    return work_dir


def grade_examples(course_root, work_dir, assignments, example_names=None, on_graded=None, workers=None):
    """Copies the course to `work_dir`, releases each assignment and autogrades its examples.

    The examples are graded as a class is (`pool.grade_assignments`):
    each example is a student, and every assignment's examples share one
    local pool.

    Args:
        course_root: The course folder.
        work_dir: A new or empty folder.
        assignments: The assignments to grade, for example `["01_loss_curves"]`.
        example_names: Which examples. Defaults to `None`, meaning all of them.
        on_graded: Called with each `ExampleGrade` as soon as it is graded.
            Defaults to `None`.
        workers: Local worker processes. Defaults to `None`, meaning
            `pool.default_workers()` for the course.

    Returns:
        A list of `ExampleGrade`, by assignment in the order given, then in
        the order of the examples.

    Raises:
        NbgraderError: if nbgrader could not grade an example.
    """
    chapter_examples = {assignment: examples.examples_for(assignment, example_names, course_root) for assignment in assignments}
    work_dir = stage_examples(course_root, work_dir, chapter_examples)
    chosen = {(assignment, example.name): example
              for assignment, chapter in chapter_examples.items() for example in chapter}
    grades = {}

    def graded(result):
        if result.failure:
            raise nbgrader_course.NbgraderError(
                f"Example {result.student} of {result.assignment} could not be graded:\n{result.failure}")
        (score,) = gradebook.read_scores(work_dir, result.assignment, result.student)
        key = result.assignment, result.student
        grades[key] = ExampleGrade(chosen[key], result, score)
        if on_graded:
            on_graded(grades[key])

    # Tasks start example by example, each in every assignment, the blank
    # notebook (quickest to grade) last: the workers then finish at about the same time.
    order = sorted(dict.fromkeys(name for _, name in chosen), key=lambda name: name == "blank")
    pool.grade_assignments(work_dir, assignments, students=order, workers=workers, force=True, on_result=graded)
    return [grades[key] for key in chosen]


def score_table(grades):
    """Returns a rich `Table`: per example, its score, what lost points, and time."""
    table = Table(title="Autograded example submissions", show_lines=True)
    table.add_column("assignment / submission")
    table.add_column("auto score", justify="right")
    table.add_column("by hand")
    table.add_column("lost points in")
    table.add_column("as expected")
    table.add_column("seconds", justify="right")
    for grade in grades:
        manual = [cell for cell in grade.score.cells if not cell.autograded]
        pending = sum(cell.max_score for cell in manual if cell.needs_manual_grade)
        manual_score = sum(cell.score for cell in manual)
        table.add_row(
            f"{grade.score.assignment} / [bold]{grade.example.name}[/bold]\n[dim]{grade.example.description}[/dim]",
            f"{grade.score.auto_score:g} / {grade.score.auto_max_score:g}",
            f"{pending:g} pts to grade" if pending else f"{manual_score:g} / {sum(cell.max_score for cell in manual):g}",
            "\n".join(sorted(grade.score.failed)) or "-",
            "yes" if grade.as_expected else "[bold red]NO[/bold red]",
            f"{grade.seconds:.0f}",
        )
    return table


def run_demo(course_root=".", work_dir=DEFAULT_WORK_DIR, assignments=None, example_names=examples.DEMO, console=None):
    """Runs the demo and prints the score table.

    Args:
        course_root: The course folder. Defaults to the current folder.
        work_dir: Where to grade. Defaults to `build/demo`, replaced on each run.
        assignments: Assignments to grade. Defaults to `None`, meaning every
            chapter of the course (`examples.chapters`).
        example_names: Which examples to grade: a list of names, `None`
            for all, or `examples.DEMO` (the default) for each assignment's
            reference solution, blank notebook and first wrong submission.
        console: A rich `Console`. Defaults to a new one on standard output.

    Returns:
        The list of `ExampleGrade`.
    """
    if console is None:
        # Wide enough for the table when printing to a log rather than a terminal.
        console = Console() if sys.stdout.isatty() else Console(width=130)
    course_root = nbgrader_course.course_root_of(course_root)
    if assignments is None:
        assignments = examples.chapters(course_root)
        if example_names not in (None, examples.DEMO):
            # Named examples: only the assignments that have them all.
            assignments = [name for name in assignments if examples.has_examples(name, example_names, course_root)] or assignments
    for assignment in assignments:
        examples.examples_for(assignment, example_names, course_root)  # Unknown names fail before any work.
    work_dir = prepare_work_dir(work_dir)
    console.print(f"[bold]{', '.join(assignments)}[/bold]: generating the release and autograding in {work_dir}")

    def report(grade):
        console.print(
            f"  graded {grade.score.assignment} / {grade.example.name}: {grade.score.auto_score:g} / "
            f"{grade.score.auto_max_score:g} in {grade.seconds:.0f} s"
        )

    grades = grade_examples(course_root, work_dir, assignments, example_names, on_graded=report)
    console.print(score_table(grades))
    return grades
