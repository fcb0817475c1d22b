"""What grading costs: the fixed cost per submission by stage, and class throughput.

Grading runs `autograder.classroom.pool` (real nbgrader, the class
grader's own path) in scratch copies of the course, each with its release
generated and example submissions placed in `submitted/` by the demo's
`stage_examples`:

- **fixed cost**: every chapter's `blank` submission (the release, nothing
  answered: it trains nothing), graded as one class with one worker. Each
  is broken into stages: what the sandboxed execution noted in the graded
  notebook (`prepare`, `kernel_start`, `cells`, of which the first code
  cell's imports, and `judge`), and the rest of the task (nbgrader's own
  steps, feedback, the gradebook, Dask);
- **throughput**: every chapter's `reference` submission, graded as one
  class with `workers=1` and again, in a fresh copy, with `workers=2`:
  submissions per minute and the speed-up; the `workers=1` run gives each
  chapter's reference seconds;
- **course** (optional, long): every example of every chapter graded as
  one class with the default workers, as the tests grade them.
"""

import dataclasses
import datetime
import tempfile
import time
from pathlib import Path

import nbformat

from autograder import record_format
from autograder.tools import examples

WORKER_COUNTS = (1, 2)
REFERENCE = "reference"
BLANK = "blank"
# The stages a graded notebook's metadata times (`SandboxedExecute`), in order.
NOTEBOOK_STAGES = ("prepare", "kernel_start", "cells", "judge")


@dataclasses.dataclass(frozen=True)
class ClassRun:
    """One class graded by the pool.

    Attributes:
        chapters: The assignments graded.
        workers: Submissions graded at once.
        submissions: `assignment/student` of each submission graded.
        wall_seconds: Wall time from the call to its return.
        failures: Those whose grading failed.
    """

    chapters: tuple
    workers: int
    submissions: tuple
    wall_seconds: float
    failures: tuple = ()

    @property
    def submissions_per_minute(self):
        return len(self.submissions) / self.wall_seconds * 60


@dataclasses.dataclass(frozen=True)
class StageCost:
    """Where one submission's grading time went.

    Attributes:
        chapter: The assignment.
        submission: The example's name.
        seconds: The task's wall time (`StudentResult.seconds`).
        stages: `{stage: seconds}`: those of `NOTEBOOK_STAGES` the graded
            notebook noted, `imports` (the first code cell, inside
            `cells`) and `rest` (`seconds` less the notebook's stages).
    """

    chapter: str
    submission: str
    seconds: float
    stages: dict


@dataclasses.dataclass(frozen=True)
class GradingResults:
    """What the grading part measured.

    Attributes:
        blanks: A `StageCost` per chapter's blank submission.
        references: A `StudentResult` per chapter's reference, from the
            `workers=1` throughput run.
        class_runs: The references' `ClassRun`s, one per worker count.
        course_run: The `ClassRun` of every example, or `None` if not run.
        graded: What was graded, in words.
    """

    blanks: tuple
    references: tuple
    class_runs: tuple
    course_run: object = None
    graded: str = ""

    def reference_seconds(self, chapter):
        """The `reference` submission's grading seconds in `chapter`, or `None`."""
        return next((result.seconds for result in self.references if result.assignment == chapter), None)

    @property
    def speed_up(self):
        """Throughput with the most workers over throughput with one, or `None`."""
        by_workers = {run.workers: run for run in self.class_runs}
        if 1 not in by_workers or len(by_workers) < 2:
            return None
        return by_workers[max(by_workers)].submissions_per_minute / by_workers[1].submissions_per_minute


def stage_cost(course_root, result):
    """Reads a graded submission's stages from its autograded notebook (see `StageCost`)."""
    stages = {}
    for path in sorted((Path(course_root) / "autograded" / result.student / result.assignment).glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        stages.update(notebook.metadata.get(record_format.NOTEBOOK_KEY, {}).get("seconds", {}))
        imports = _first_code_cell_seconds(notebook)
        if imports is not None:
            stages["imports"] = imports
    stages["rest"] = result.seconds - sum(stages.get(stage, 0.0) for stage in NOTEBOOK_STAGES)
    return StageCost(result.assignment, result.student, result.seconds, stages)


def _first_code_cell_seconds(notebook):
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.source.strip():
            timing = cell.get("metadata", {}).get("execution", {})
            started, ended = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
            if not (started and ended):
                return None
            return (_timestamp(ended) - _timestamp(started)).total_seconds()
    return None


def _timestamp(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def grade_once(work_dir, chapters, workers):
    """Grades every submission of `chapters` in `work_dir` as one class.

    Returns:
        `(ClassRun, [StudentResult, ...])`.
    """
    from autograder.classroom import pool

    start = time.perf_counter()
    results = pool.grade_assignments(work_dir, list(chapters), workers=workers, force=True)
    wall_seconds = time.perf_counter() - start
    run = ClassRun(
        chapters=tuple(chapters),
        workers=workers,
        submissions=tuple(f"{result.assignment}/{result.student}" for result in results),
        wall_seconds=wall_seconds,
        failures=tuple(f"{result.assignment}/{result.student}" for result in results if result.failure),
    )
    return run, results


def benchmark_grading(course_root, chapters, course=True, on_progress=None):
    """Measures the fixed cost by stage, the references' throughput and, if asked, the whole course as a class.

    Args:
        course_root: The course folder.
        chapters: The assignments, for example `["01_loss_curves"]`.
        course: Whether to grade every example of `chapters` as one class
            too (the longest measurement). Defaults to `True`.
        on_progress: Called with a line of text after each class. Defaults to `None`.

    Returns:
        A `GradingResults`.
    """
    from autograder.classroom import pool
    from autograder.tools.demo import stage_examples  # Imports Dask: here, so grader_problem() can say it is missing.

    report = on_progress or (lambda text: None)
    with tempfile.TemporaryDirectory(prefix="benchmark-grading-") as scratch:
        blanks_dir = stage_examples(course_root, Path(scratch) / "blanks",
                                    {chapter: examples.examples_for(chapter, [BLANK], course_root) for chapter in chapters})
        run, results = grade_once(blanks_dir, chapters, workers=1)
        blanks = tuple(stage_cost(blanks_dir, result) for result in results if not result.failure)
        report(f"blanks: {len(results)} in {run.wall_seconds:.0f} s with 1 worker")
        class_runs, references = [], ()
        for workers in WORKER_COUNTS:
            work_dir = stage_examples(course_root, Path(scratch) / f"references-{workers}-workers",
                                      {chapter: examples.examples_for(chapter, [REFERENCE], course_root) for chapter in chapters})
            run, results = grade_once(work_dir, chapters, workers)
            class_runs.append(run)
            if workers == 1:
                references = tuple(results)
            report(f"references: {len(results)} with {workers} worker(s) in {run.wall_seconds:.0f} s")
        course_run = None
        if course:
            workers = pool.default_workers(course_root)
            work_dir = stage_examples(course_root, Path(scratch) / "course",
                                      {chapter: examples.examples_for(chapter, None, course_root) for chapter in chapters})
            course_run, _ = grade_once(work_dir, chapters, workers)
            report(f"course: {len(course_run.submissions)} examples with {workers} workers in {course_run.wall_seconds:.0f} s")
    graded = (
        f"fixed cost: the blank submission of each of {', '.join(chapters)}, one class, workers=1. "
        f"Throughput: their reference submissions, one class, with "
        f"{' and '.join(f'workers={count}' for count in WORKER_COUNTS)}, each in a fresh copy of the course."
        + (" Course: every example of those chapters, one class." if course else "")
    )
    return GradingResults(blanks, references, tuple(class_runs), course_run, graded)


def grader_problem():
    """Says why grading cannot be benchmarked here, or returns `None` if it can."""
    try:
        from autograder.classroom import pool
    except ImportError as error:
        return f"autograder.classroom.pool cannot be imported ({error})"
    if not hasattr(pool, "grade_assignments"):
        return "autograder.classroom.pool has no grade_assignments()"
    return None
