"""Each chapter's notebook as shipped versus with Keras's defaults: time and accuracy.

Each source notebook is executed twice with nbclient, once per variant of
`instrumentation` (as shipped, with `steps_per_execution=32`; and with every
`compile()` forced to `steps_per_execution=1`), in the notebook's own folder.
The notebook file is only read: the executed copies stay in memory. The
kernel's temporary folder (`TMPDIR`, where `course.files.scratch_dir` puts
checkpoints) is a folder of its own, removed after the run.
"""

import dataclasses
import math
import os
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat

from autograder.tools.bench import instrumentation

KERNEL_NAME = "python3"
# Seconds any one cell may take; chapters' training cells take a few minutes at most.
CELL_TIMEOUT_SECONDS = 1800
# Two runs of a training "agree" when their final val_accuracy differ by at most this.
AGREEMENT_PERCENTAGE_POINTS = 1.0


@dataclasses.dataclass(frozen=True)
class NotebookRun:
    """One execution of a notebook in one variant.

    Attributes:
        variant: `"shipped"` or `"defaults"`.
        seconds: Wall time of the whole execution, kernel start included.
        fits: The `fit()` records (see `instrumentation.Records.fits`).
        compiles: For `"defaults"`, the `steps_per_execution` each
            `compile()` asked for before it was set to 1.
        error: `None`, or what went wrong if a cell raised (then `fits` is
            empty and `seconds` is the time until it raised).
    """

    variant: str
    seconds: float
    fits: tuple = ()
    compiles: tuple = ()
    error: str = None

    @property
    def fit_seconds(self):
        """Seconds spent inside `fit()`, summed over the calls."""
        return sum(fit["seconds"] for fit in self.fits)


@dataclasses.dataclass(frozen=True)
class FitComparison:
    """One `fit()` call of a notebook, in both variants.

    Attributes:
        index: Its place among the notebook's `fit()` calls, from 1.
        cell_index: The index of the calling cell in the notebook.
        code: The first line of that cell, to recognise the training.
        shipped_val_accuracy: Final `val_accuracy` as shipped, or `None`.
        defaults_val_accuracy: Final `val_accuracy` with Keras's defaults, or `None`.
    """

    index: int
    cell_index: int
    code: str
    shipped_val_accuracy: float
    defaults_val_accuracy: float

    @property
    def difference_percentage_points(self):
        """`abs(defaults - shipped)` in percentage points, or `None` when
        either run has no `val_accuracy` (or a value that is not finite)."""
        values = (self.shipped_val_accuracy, self.defaults_val_accuracy)
        if any(value is None or not math.isfinite(value) for value in values):
            return None
        return abs(values[1] - values[0]) * 100

    @property
    def diverged(self):
        """Whether the two runs ended more than `AGREEMENT_PERCENTAGE_POINTS` apart."""
        difference = self.difference_percentage_points
        return difference is not None and difference > AGREEMENT_PERCENTAGE_POINTS


@dataclasses.dataclass(frozen=True)
class ChapterComparison:
    """A chapter's notebook run as shipped and with Keras's defaults.

    Attributes:
        chapter: The assignment, for example `"03_activation_functions"`.
        notebook: The notebook's path relative to the course root.
        shipped: The `NotebookRun` as shipped.
        defaults: The `NotebookRun` with Keras's defaults.
        fits: A `FitComparison` per `fit()` call both runs made, in order.
    """

    chapter: str
    notebook: str
    shipped: NotebookRun
    defaults: NotebookRun
    fits: tuple

    @property
    def ratio(self):
        """`defaults.seconds / shipped.seconds`, or `None` if either run failed."""
        if self.shipped.error or self.defaults.error:
            return None
        return self.defaults.seconds / self.shipped.seconds

    @property
    def largest_difference_percentage_points(self):
        """The largest `val_accuracy` difference over the fits that have one, or `None`."""
        differences = [fit.difference_percentage_points for fit in self.fits]
        differences = [difference for difference in differences if difference is not None]
        return max(differences) if differences else None

    @property
    def agree(self):
        """Whether every fit with `val_accuracy` agrees within `AGREEMENT_PERCENTAGE_POINTS`
        (`None` when no fit has one to compare, or the runs made different fits)."""
        if self.largest_difference_percentage_points is None or self.fit_counts_differ:
            return None
        return self.largest_difference_percentage_points <= AGREEMENT_PERCENTAGE_POINTS

    @property
    def fit_counts_differ(self):
        """Whether the two runs made a different number of `fit()` calls."""
        return len(self.shipped.fits) != len(self.defaults.fits)

    @property
    def diverged_fits(self):
        """The `FitComparison`s whose runs ended more than the tolerance apart."""
        return tuple(fit for fit in self.fits if fit.diverged)


def run_notebook(path, variant, timeout=CELL_TIMEOUT_SECONDS):
    """Executes the notebook at `path` in `variant` and returns a `NotebookRun`.

    The kernel (`python3`) runs in the notebook's folder with
    `TF_CPP_MIN_LOG_LEVEL=2` and a `TMPDIR` of its own that is removed
    afterwards. The file at `path` is never written.

    Args:
        path: The notebook.
        variant: `"shipped"` or `"defaults"` (see `instrumentation`).
        timeout: Seconds any one cell may run. Defaults to
            `CELL_TIMEOUT_SECONDS` (1800).

    Returns:
        The `NotebookRun`; a cell that raised is reported in its `error`.

    Raises:
        ValueError: if `variant` is unknown.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = Path(path).resolve()
    notebook = instrumentation.instrument(nbformat.read(path, as_version=4), variant)
    with tempfile.TemporaryDirectory(prefix="benchmark-kernel-tmp-") as kernel_tmp:
        environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "TMPDIR": kernel_tmp}
        client = NotebookClient(
            notebook,
            kernel_name=KERNEL_NAME,
            timeout=timeout,
            resources={"metadata": {"path": str(path.parent)}},
        )
        start = time.perf_counter()
        try:
            # The kernel process's own stderr holds only start-up chatter;
            # what its cells print comes back in the outputs.
            executed = client.execute(env=environment, stderr=subprocess.DEVNULL)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
            return NotebookRun(variant, time.perf_counter() - start, error=_summary_of(error))
        seconds = time.perf_counter() - start
    records = instrumentation.read_records(executed)
    return NotebookRun(variant, seconds, records.fits, records.compiles)


def compare_chapter(course_root, chapter, on_run=None):
    """Runs `chapter`'s source notebook as shipped, then with Keras's defaults.

    Args:
        course_root: The course folder.
        chapter: The assignment, for example `"03_activation_functions"`.
        on_run: Called with `(chapter, NotebookRun)` after each run.
            Defaults to `None`.

    Returns:
        A `ChapterComparison`.
    """
    from autograder.classroom import nbgrader_course

    course_root = Path(course_root).resolve()
    path = nbgrader_course.single_notebook(course_root, chapter)
    runs = {}
    for variant in instrumentation.VARIANTS:
        runs[variant] = run_notebook(path, variant)
        if on_run:
            on_run(chapter, runs[variant])
    notebook = nbformat.read(path, as_version=4)
    return ChapterComparison(
        chapter=chapter,
        notebook=path.relative_to(course_root).as_posix(),
        shipped=runs[instrumentation.SHIPPED],
        defaults=runs[instrumentation.DEFAULTS],
        fits=pair_fits(notebook, runs[instrumentation.SHIPPED], runs[instrumentation.DEFAULTS]),
    )


def pair_fits(notebook, shipped, defaults):
    """Returns a `FitComparison` for each `fit()` call, paired by call order.

    Args:
        notebook: The original notebook, to name each fit's cell.
        shipped: The `NotebookRun` as shipped.
        defaults: The `NotebookRun` with Keras's defaults.
    """
    comparisons = []
    for index, (shipped_fit, defaults_fit) in enumerate(zip(shipped.fits, defaults.fits), start=1):
        cell_index = shipped_fit["cell_index"]
        code = ""
        if cell_index is not None and 0 <= cell_index < len(notebook.cells):
            code = next((line.strip() for line in notebook.cells[cell_index].source.splitlines() if line.strip()), "")
        comparisons.append(
            FitComparison(index, cell_index, code, shipped_fit["val_accuracy"], defaults_fit["val_accuracy"])
        )
    return tuple(comparisons)


def _summary_of(error):
    """The exception's type and the last line of its message (nbclient's messages end with the cell's error)."""
    lines = [line for line in str(error).splitlines() if line.strip()]
    return f"{type(error).__name__}: {lines[-1] if lines else ''}"
