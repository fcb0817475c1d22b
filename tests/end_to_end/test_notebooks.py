"""Every source notebook runs top to bottom under nbval, in time, with its checked outputs.

Notebooks are committed without outputs, so the outputs nbval checks (in
cells tagged `nbval-check-output`) are kept in each chapter's folder,
`source/<assignment>/checked_outputs.py`, and put into a scratch copy of the
notebook before nbval runs it.
"""

import concurrent.futures
import dataclasses
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder.classroom import nbgrader_course
from autograder.judge import judging
from autograder.sandbox import cpu_share

import machine_speed

CHECK_TAG = "nbval-check-output"
# Every notebook runs in under 3 minutes on the 2-core CI machine (chapter 01
# in under 2), and the whole course in under 12; on a slower host than the
# one these were measured on, the limits grow with `machine_speed.slowdown()`.
TIME_LIMIT_SECONDS = {"01_loss_curves": 120}
DEFAULT_TIME_LIMIT_SECONDS = 180
COURSE_TIME_LIMIT_SECONDS = 12 * 60
# Notebooks run at once, each on its share of the cores.
NBVAL_LANES = 2
# Seconds each notebook took under nbval in this process.
NOTEBOOK_SECONDS = {}
CHECKED_OUTPUTS_FILE = "checked_outputs.py"


def checked_outputs(source_dir):
    """Returns `{cell id: expected stdout}` from the chapter's `checked_outputs.py`, or `{}` if it has none."""
    if not (Path(source_dir) / CHECKED_OUTPUTS_FILE).is_file():
        return {}
    return judging.load_chapter_module(
        source_dir, CHECKED_OUTPUTS_FILE, "the outputs nbval checks", "tests/end_to_end/test_notebooks.py"
    ).CHECKED_OUTPUTS


def with_checked_outputs(notebook, expected_outputs):
    """Returns a copy of `notebook` whose tagged cells hold their expected stdout."""
    notebook = nbformat.from_dict(notebook)
    tagged = {cell.id for cell in notebook.cells if CHECK_TAG in cell.metadata.get("tags", [])}
    assert tagged == set(expected_outputs), (
        f"cells tagged {CHECK_TAG} {sorted(tagged)} must match the outputs kept here {sorted(expected_outputs)}"
    )
    for cell in notebook.cells:
        if cell.id in expected_outputs:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=expected_outputs[cell.id])]
            cell.execution_count = 1  # nbval ignores outputs of cells marked as never run
    return notebook


def run_nbval(path, cwd, threads=None):
    """Runs nbval on `path` in `cwd`, with the kernel's temporary files (the
    checkpoints of `course.files.scratch_dir`) under `cwd` too: nbval kills
    the kernel, so the kernel never removes them itself. `threads`, if
    given, caps TensorFlow's and BLAS's threads in the kernel."""
    command = [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "-p", "no:cacheprovider", "-q", str(path)]
    kernel_tmp = Path(cwd) / "kernel-tmp"
    kernel_tmp.mkdir(exist_ok=True)
    environment = {**nbgrader_course.nbgrader_environment(), "TMPDIR": str(kernel_tmp)}
    if threads:
        environment.update(cpu_share.thread_environment(threads))
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=environment)


def source_notebooks():
    root = nbgrader_course.course_root_of(__file__)
    return [
        path.relative_to(root / "source").as_posix()
        for assignment in nbgrader_course.assignments(root)
        for path in nbgrader_course.notebooks(root, assignment)
    ]


@dataclasses.dataclass(frozen=True)
class NbvalRun:
    """One notebook's nbval run: the finished process and its seconds."""

    completed: subprocess.CompletedProcess
    seconds: float


@pytest.fixture(scope="module")
def nbval_runs(request, course_root, tmp_path_factory, record_timing):
    """Runs nbval on every source notebook the collected tests ask for,
    `NBVAL_LANES` at a time, and returns `{notebook: NbvalRun}`.

    Each kernel gets its share of the cores (`cpu_share`), so the notebooks
    run side by side without slowing each other: a chapter's models are
    small enough that TensorFlow keeps one core busy, not two. A notebook's
    time is its own run's, from start to end, as when run alone.
    """
    asked = [item.callspec.params["notebook"] for item in request.session.items
             if item.module is request.module and hasattr(item, "callspec") and "notebook" in item.callspec.params]
    threads = cpu_share.threads_per_task(NBVAL_LANES)

    def run(notebook):
        folder = tmp_path_factory.mktemp("nbval")
        path = course_root / "source" / notebook
        copy = folder / notebook.replace("/", "__")
        nbformat.write(with_checked_outputs(nbformat.read(path, as_version=4), checked_outputs(path.parent)), copy)
        start = time.perf_counter()
        completed = run_nbval(copy, folder, threads=threads)
        return notebook, NbvalRun(completed, time.perf_counter() - start)

    runs = {}
    with concurrent.futures.ThreadPoolExecutor(NBVAL_LANES) as lanes:
        for notebook, nbval_run in lanes.map(run, list(dict.fromkeys(asked))):
            runs[notebook] = nbval_run
            record_timing(f"nbval {notebook}", nbval_run.seconds)
    return runs


@pytest.mark.parametrize("notebook", source_notebooks())
def test_source_notebook_passes_nbval_in_time(nbval_runs, notebook):
    completed, seconds = nbval_runs[notebook].completed, nbval_runs[notebook].seconds
    NOTEBOOK_SECONDS[notebook] = seconds
    assert completed.returncode == 0, completed.stdout[-5000:] + completed.stderr[-2000:]
    limit = machine_speed.scaled(TIME_LIMIT_SECONDS.get(notebook.split("/")[0], DEFAULT_TIME_LIMIT_SECONDS))
    assert seconds < limit, (f"{notebook} took {seconds:.0f} s; the limit is {limit:.0f} s "
                             f"(this machine is {machine_speed.slowdown():.2f} times slower than the reference)")


def test_the_whole_course_runs_in_under_12_minutes():
    missing = sorted(set(source_notebooks()) - set(NOTEBOOK_SECONDS))
    if missing:
        pytest.skip(f"only a whole run of test_notebooks.py times the course; not run here: {missing}")
    total = sum(NOTEBOOK_SECONDS.values())
    shown = ", ".join(f"{notebook.split('/')[0]} {seconds:.0f} s" for notebook, seconds in sorted(NOTEBOOK_SECONDS.items()))
    limit = machine_speed.scaled(COURSE_TIME_LIMIT_SECONDS)
    assert total < limit, f"the course took {total:.0f} s ({shown}); the limit is {limit:.0f} s"


def test_nbval_fails_when_a_checked_output_changes(tmp_path):
    cell = nbformat.v4.new_code_cell('print("two")', id="answer")
    cell.metadata["tags"] = [CHECK_TAG]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    path = tmp_path / "changed.ipynb"
    nbformat.write(with_checked_outputs(notebook, {"answer": "one\n"}), path)
    completed = run_nbval(path, tmp_path)
    assert completed.returncode != 0
    assert "one" in completed.stdout and "two" in completed.stdout
