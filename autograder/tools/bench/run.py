"""Runs the benchmark's parts, writes the JSON and prints the tables."""

import json
import sys
from pathlib import Path

from rich.console import Console

from autograder.classroom import nbgrader_course
from autograder.classroom.option_errors import OptionError, literal
from autograder.tools.bench import DEFAULT_OUTPUT, PARTS, machine, report


def run_benchmark(course_root=".", output=DEFAULT_OUTPUT, chapters=None, skip=(), console=None):
    """Measures the course on this machine, writes `output` and prints the tables.

    Parts (see the modules of the same names):

    - `notebooks`: each chapter's source notebook as shipped versus with
      Keras's defaults (`steps_per_execution=1`): seconds, ratio, and whether
      the trainings' validation accuracies agree within 1 percentage point;
    - `grading`: each chapter's blank submission graded, by stage (the
      fixed cost), and their references graded as a class with 1 and 2
      workers (throughput);
    - `course`: every example of the chapters graded as one class (needs
      `grading`);
    - `flops`: chapter 01's model's training GFLOP/s against NumPy's float32
      matmul rate;
    - `seeds`: each chapter's reference graded at five seed offsets, the
      measured numbers against the bars.

    Args:
        course_root: The course folder. Defaults to the current folder.
        output: Where to write the JSON. Defaults to `build/bench/bench.json`.
        chapters: Assignments for the `notebooks` and `grading` parts.
            Defaults to `None`, meaning all.
        skip: Names of parts not to run. Defaults to `()`.
        console: A rich `Console`. Defaults to one on standard output.

    Returns:
        The JSON document written (see `report.compose`).

    Raises:
        ValueError: if a chapter or part is unknown, or every part is skipped.
        OptionError: (a `ValueError`) if the grader cannot be benchmarked
            here and `grading` is not skipped.
    """
    from autograder.tools.bench import grading

    course_root = nbgrader_course.course_root_of(course_root)
    known_chapters = nbgrader_course.assignments(course_root)
    chapters = list(chapters or known_chapters)
    unknown = [chapter for chapter in chapters if chapter not in known_chapters]
    if unknown:
        raise ValueError(f"`chapters` must be assignments of the course, {known_chapters}. Received unknown: {unknown}")
    skip = set(skip)
    if skip - set(PARTS):
        raise ValueError(f"`skip` must name parts among {list(PARTS)}. Received: {sorted(skip)}")
    if "grading" in skip:
        skip.add("course")  # The course is graded by the grading part.
    if skip >= set(PARTS):
        raise ValueError(f"At least one part must run. Received: skip={sorted(skip)}, which skips {list(PARTS)}")
    if not skip >= {"grading", "course", "seeds"} and grading.grader_problem():
        raise OptionError(
            "The grading, course and seeds parts need autograder.classroom.pool.grade_assignments: "
            f"{literal(grading.grader_problem())}. Skip the parts that grade: {{skip=}}.",
            skip=sorted(skip | {"grading", "course", "seeds"}),
        )
    if console is None:
        console = Console() if sys.stdout.isatty() else Console(width=160)

    parts = {}
    if "notebooks" not in skip:
        parts["notebooks"] = _notebooks(course_root, chapters, console)
    if "grading" not in skip:
        console.print("[bold]grading[/bold]: the fixed cost by stage, class throughput" + ("" if "course" in skip else ", the whole course"))
        parts["grading"] = grading.benchmark_grading(course_root, chapters, course="course" not in skip,
                                                     on_progress=lambda line: console.print(f"  {line}"))
    if "flops" not in skip:
        parts["flops"] = _flops(console)
    if "seeds" not in skip:
        parts["seeds"] = _seeds(course_root, chapters, console)

    document = report.compose(machine.describe_machine(), skipped=skip, **parts)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=2) + "\n")
    for table in report.tables(document):
        console.print(table)
    console.print(f"Wrote {output}")
    return document


def _notebooks(course_root, chapters, console):
    from autograder.tools.bench import notebooks

    def show(chapter, run):
        outcome = f"[red]{run.error}[/red]" if run.error else f"{len(run.fits)} fit() calls"
        console.print(f"  {chapter} {run.variant}: {run.seconds:.1f} s, {outcome}")

    console.print("[bold]notebooks[/bold]: each chapter as shipped, then with Keras's defaults")
    return [notebooks.compare_chapter(course_root, chapter, on_run=show) for chapter in chapters]


def _seeds(course_root, chapters, console):
    from autograder.tools.bench import seeds

    console.print(f"[bold]seeds[/bold]: each chapter's reference graded at seed offsets {seeds.SEED_OFFSETS}")
    return seeds.measure_seed_spread(course_root, chapters, on_progress=lambda line: console.print(f"  {line}"))


def _flops(console):
    from autograder.tools.bench import flops

    console.print("[bold]flops[/bold]: chapter 01's model's training rate and NumPy's matmul rate")
    training = flops.training_throughput()
    matmul = flops.matmul_rate()
    console.print(f"  training {training.gflops_per_second:.2f} GFLOP/s, matmul {matmul.gflops_per_second:.1f} GFLOP/s")
    return training, matmul
