"""Autograde time per submission, and class grading throughput with 1 and 2 workers.

Grading runs `autograder.classroom.pool.grade_class` (real nbgrader) in
scratch copies of the course, each with its release generated and example
submissions placed in `submitted/` by the demo's `stage_examples`:

- per chapter, the `reference` submission (the instructor's notebook): its
  autograde seconds;
- for one chapter (`THROUGHPUT_CHAPTER`), its first four example submissions
  (`reference`, `blank` and two more, see `throughput_examples`), graded with
  `workers=1` and again, in a fresh copy, with `workers=2`: submissions per
  minute of wall time, and the speed-up. The `workers=1` run also gives that
  chapter's per-submission times.
"""

import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

from autograder.tools import examples

THROUGHPUT_CHAPTER = "01_loss_curves"
WORKER_COUNTS = (1, 2)
THROUGHPUT_SUBMISSIONS = 4
REFERENCE = "reference"


@dataclasses.dataclass(frozen=True)
class ClassRun:
    """One `grade_class` run over a set of submissions.

    Attributes:
        chapter: The assignment.
        workers: Submissions graded at once.
        submissions: The submissions' names.
        wall_seconds: Wall time of `grade_class`, from call to return.
        failures: Names of the submissions whose grading failed.
    """

    chapter: str
    workers: int
    submissions: tuple
    wall_seconds: float
    failures: tuple = ()

    @property
    def submissions_per_minute(self):
        return len(self.submissions) / self.wall_seconds * 60


@dataclasses.dataclass(frozen=True)
class GradingResults:
    """What the grading part measured.

    Attributes:
        submissions: A `StudentResult` per graded submission of the
            per-chapter timing (the throughput chapter's from its
            `workers=1` run); its student id is the example's name.
        class_runs: The `ClassRun`s, one per worker count.
        graded: What was graded, in words.
    """

    submissions: tuple
    class_runs: tuple
    graded: str

    def chapters(self):
        """The chapters with graded submissions, in order."""
        return list(dict.fromkeys(result.assignment for result in self.submissions))

    def reference_seconds(self, chapter):
        """The `reference` submission's autograde seconds in `chapter`, or `None`."""
        return next((result.seconds for result in self.submissions
                     if result.assignment == chapter and result.student == REFERENCE), None)

    def mean_seconds(self, chapter):
        """Mean autograde seconds over `chapter`'s graded submissions."""
        return statistics.fmean(result.seconds for result in self.submissions if result.assignment == chapter)

    @property
    def speed_up(self):
        """Throughput with the most workers over throughput with one, or `None`."""
        by_workers = {run.workers: run for run in self.class_runs}
        if 1 not in by_workers or len(by_workers) < 2:
            return None
        return by_workers[max(by_workers)].submissions_per_minute / by_workers[1].submissions_per_minute


def throughput_examples(chapter, course_root=None):
    """The submissions throughput is measured on: `chapter`'s first
    `THROUGHPUT_SUBMISSIONS` examples (`reference`, `blank`, then its
    first wrong or differently written ones), read from `course_root`'s
    chapter folder (defaults to `None`: the course holding the current folder)."""
    return examples.examples_for(chapter, None, course_root)[:THROUGHPUT_SUBMISSIONS]


def grade_once(work_dir, chapter, workers):
    """Grades every submission of `chapter` in `work_dir` with `grade_class`.

    Returns:
        `(ClassRun, [StudentResult, ...])`.
    """
    from autograder.classroom import pool

    start = time.perf_counter()
    results = pool.grade_class(work_dir, chapter, workers=workers)
    wall_seconds = time.perf_counter() - start
    run = ClassRun(
        chapter=chapter,
        workers=workers,
        submissions=tuple(result.student for result in results),
        wall_seconds=wall_seconds,
        failures=tuple(result.student for result in results if result.failure),
    )
    return run, results


def benchmark_grading(course_root, chapters, throughput_chapter=THROUGHPUT_CHAPTER, on_progress=None):
    """Measures autograde time per chapter and class grading throughput.

    Args:
        course_root: The course folder.
        chapters: The assignments to time, for example `["01_loss_curves"]`.
        throughput_chapter: Where throughput is measured. Defaults to
            `THROUGHPUT_CHAPTER`, or the first of `chapters` if that one is
            not among them.
        on_progress: Called with a line of text after each `grade_class`
            run. Defaults to `None`.

    Returns:
        A `GradingResults`.
    """
    from autograder.tools.demo import stage_examples  # Imports Dask: here, so grader_problem() can say it is missing.

    if throughput_chapter not in chapters:
        throughput_chapter = chapters[0]
    chosen = throughput_examples(throughput_chapter, course_root)
    report = on_progress or (lambda text: None)
    submissions, class_runs = [], []
    with tempfile.TemporaryDirectory(prefix="benchmark-grading-") as scratch:
        for workers in WORKER_COUNTS:
            work_dir = stage_examples(course_root, Path(scratch) / f"throughput-{workers}-workers", {throughput_chapter: chosen})
            run, grades = grade_once(work_dir, throughput_chapter, workers)
            class_runs.append(run)
            if workers == 1:
                submissions += grades
            report(f"{throughput_chapter}: {len(run.submissions)} submissions with {workers} worker(s) in {run.wall_seconds:.0f} s")
        others = [chapter for chapter in chapters if chapter != throughput_chapter]
        if others:
            references = {chapter: examples.examples_for(chapter, [REFERENCE], course_root) for chapter in others}
            work_dir = stage_examples(course_root, Path(scratch) / "references", references)
            for chapter in others:
                _, grades = grade_once(work_dir, chapter, workers=1)
                submissions += grades
                report(f"{chapter}: reference graded in {grades[0].seconds:.0f} s" if grades else f"{chapter}: nothing graded")
    graded = (
        f"per chapter: the reference submission of each of {', '.join(chapters)}, with workers=1 "
        f"({throughput_chapter}: also {', '.join(example.name for example in chosen if example.name != REFERENCE)}). "
        f"Throughput: those {len(chosen)} submissions of {throughput_chapter}, graded with "
        f"{' and '.join(f'workers={count}' for count in WORKER_COUNTS)}, each in a fresh copy of the course."
    )
    return GradingResults(tuple(submissions), tuple(class_runs), graded)


def grader_problem():
    """Says why grading cannot be benchmarked here, or returns `None` if it can."""
    try:
        from autograder.classroom import pool
    except ImportError as error:
        return f"autograder.classroom.pool cannot be imported ({error})"
    if not hasattr(pool, "grade_class"):
        return "autograder.classroom.pool has no grade_class()"
    return None
