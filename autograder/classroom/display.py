"""What `python -m autograder grade` shows: a live progress bar, then the class in a table."""

from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from autograder.classroom.option_errors import PYTHON_SPELLING


class GradingProgress:
    """A progress bar over the students being graded, with a line per student as each finishes.

    Use as a context manager; pass `on_start` and `on_result` to
    `pool.grade_assignments`. With several assignments, each line names
    the assignment too.

    Args:
        console: The rich `Console` to draw on.
        assignments: The assignments being graded.
        spelling: How to name `grade_assignments`' options (`force`), an
            `option_errors.Spelling`. Defaults to `PYTHON_SPELLING`; the
            command line passes its flags'.
    """

    def __init__(self, console, assignments, spelling=PYTHON_SPELLING):
        self.console = console
        self.assignments = list(assignments)
        self.spelling = spelling
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(), console=console,
        )
        self.task = None
        self.skipped = 0

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc_info):
        self.progress.stop()

    def on_start(self, total):
        if self.skipped:
            self.console.print(f"{self.skipped} submission(s) already graded and unchanged: skipped "
                               f"({self.spelling.name('force')} grades them again)")
        self.task = self.progress.add_task(f"grading {', '.join(self.assignments)}", total=total)

    def on_result(self, result):
        if result.skipped:
            self.skipped += 1
            return
        if result.failure:
            outcome = f"[red]could not be graded[/red]: {escape(result.failure.splitlines()[-1])}"
        else:
            outcome = f"{result.score:g} / {result.max_score:g}"
        which = escape(result.student) if len(self.assignments) == 1 else escape(f"{result.student} / {result.assignment}")
        self.console.print(f"  {which}: {outcome} in {result.seconds:.0f} s")
        self.progress.advance(self.task)


def results_table(results, assignment):
    """Returns a rich `Table` of the class: student, score, max, time, and any failure or note."""
    table = Table(title=f"{assignment}: {summary(results)}")
    table.add_column("student")
    table.add_column("score", justify="right")
    table.add_column("max", justify="right")
    table.add_column("seconds", justify="right")
    table.add_column("failure or note")
    for result in results:
        graded = result.failure is None
        table.add_row(
            escape(result.student),
            f"{result.score:g}" if graded else "-",
            f"{result.max_score:g}" if graded else "-",
            "skipped" if result.skipped else f"{result.seconds:.0f}",
            f"[red]{escape(result.failure)}[/red]" if result.failure else escape(result.note or ""),
        )
    return table


def summary(results):
    """Returns one line: how many were graded, skipped and failed, and the mean score."""
    graded = [result for result in results if result.failure is None]
    parts = [f"{len([result for result in graded if not result.skipped])} graded"]
    skipped = len([result for result in results if result.skipped])
    if skipped:
        parts.append(f"{skipped} unchanged and skipped")
    failed = len(results) - len(graded)
    if failed:
        parts.append(f"{failed} could not be graded")
    if graded:
        mean = sum(result.score for result in graded) / len(graded)
        parts.append(f"mean {mean:.2f} / {graded[0].max_score:g}")
    return ", ".join(parts)
