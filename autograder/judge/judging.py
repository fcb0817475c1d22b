"""Verdicts for grade cells, computed from records outside the student's kernel.

Each assignment's judges live with its source, in
`source/<assignment>/grading.py`, which nbgrader never releases:

    from autograder import checks
    from autograder.judge.grade_cells import GradeCells

    grade_cells = GradeCells()

    @grade_cells.judge("trained_model_accuracy")
    def trained_model_accuracy(records):
        model = records.model("model")
        return [checks.finite_loss(model), checks.minimum_accuracy(model, 0.85)]

    # Inputs for `records.calls`, and the judge comparing its results with the cases:
    grade_cells.function_cases("best_epoch_cases", BEST_EPOCH_CASES, "best_epoch")

A judge takes a cell's `CellRecords` and returns `CheckResult`s; the cell
passes when all pass. A missing or malformed record, a judge that raises,
and a grade cell with no judge all fail closed, with a message. The
grader runs `judge_cells` in a fresh process (`python -m autograder.judge.judging`),
which reads only records and the instructor's files.
"""

import argparse
import dataclasses
import importlib.util
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

from autograder import record_format
from autograder.judge.cell_records import CellRecords, RecordProblem
from autograder.judge.grade_cells import GradeCells, write_new_file
from autograder.results import CheckResult

GRADING_FILE = "grading.py"
VERDICTS_FILE = "verdicts.json"
STARTUP_ERROR_FILE = "startup-error.txt"
STARTUP_FAILED = 3


@dataclasses.dataclass(frozen=True)
class Verdict:
    """The grader's decision on one grade cell.

    Attributes:
        grade_id: The cell's nbgrader grade id.
        passed: Whether it earns its points.
        message: One line per check, what passed and what failed.
        grader_failed: Whether the grader itself failed (its data or its
            judges are broken), so the cell is not the student's to lose.
            Defaults to `False`.
        judge_process_failed: Whether the judge's process died or ran out
            of time before deciding (`JudgeProcess.verdicts`), so the cell
            failed without being judged. Defaults to `False`.
    """

    grade_id: str
    passed: bool
    message: str
    grader_failed: bool = False
    judge_process_failed: bool = False


class GraderError(RuntimeError):
    """The grader failed, not the student: grading must stop and say so."""


def load_chapter_module(source_dir, file_name, holding, documented_in):
    """Imports a chapter's own Python file, `source_dir/file_name`, and returns the module.

    Chapter files are no package: each is run from its path as a module
    named after the file and its chapter (`grading_01_loss_curves`), left
    out of `sys.modules`, so the same file name in two chapters never clashes.

    Args:
        source_dir: The chapter's folder, `source/<assignment>`.
        file_name: The file, for example `"grading.py"`.
        holding: What the file holds, for the error message, for example
            `"the grader's judges"`.
        documented_in: Where its format is described, for the error message.

    Raises:
        FileNotFoundError: if the chapter has no such file.
    """
    path = Path(source_dir) / file_name
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} does not exist: every assignment needs {holding} in "
            f"source/<assignment>/{file_name} (see {documented_in})"
        )
    spec = importlib.util.spec_from_file_location(f"{path.stem}_{path.parent.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_grading_module(source_dir):
    """Imports `source_dir/grading.py` and returns the module.

    Raises:
        FileNotFoundError: if the assignment has no grading file.
    """
    return load_chapter_module(source_dir, GRADING_FILE, "the grader's judges", "autograder/judge/judging.py")


def load_grading(source_dir):
    """Imports `source_dir/grading.py` and returns its `grade_cells`.

    Raises:
        FileNotFoundError: if the assignment has no grading file.
        TypeError: if it defines no `grade_cells = GradeCells()`.
    """
    grade_cells = getattr(load_grading_module(source_dir), "grade_cells", None)
    if not isinstance(grade_cells, GradeCells):
        raise TypeError(f"{Path(source_dir) / GRADING_FILE} must define `grade_cells = GradeCells()`")
    return grade_cells


def judge_cells(source_dir, records_folder, grade_ids, grade_cells=None):
    """Judges each grade cell from its records.

    Args:
        source_dir: The assignment's source folder, holding `grading.py`.
        records_folder: Where the hidden tests wrote their records.
        grade_ids: The autograded test cells to judge.
        grade_cells: The loaded `GradeCells`, if already loaded.

    Returns:
        A `Verdict` per id in `grade_ids`, in order.
    """
    grade_cells = grade_cells or load_grading(source_dir)
    verdicts = []
    for grade_id in grade_ids:
        judge = grade_cells.judges.get(grade_id)
        if judge is None:
            verdicts.append(Verdict(grade_id, False, f"the grader has no judge for {grade_id!r} (instructor: add one to {GRADING_FILE})"))
            continue
        verdicts.append(_judge_one(grade_id, judge, CellRecords(records_folder, grade_id)))
    return verdicts


class JudgeProcess:
    """A fresh process that judges one notebook, started before it runs.

    It loads the assignment's `grading.py`, checks that the grader's data
    is there and writes the hidden tests' inputs while the student's kernel
    starts, so that its start-up costs no extra time; then it waits.
    `verdicts()` sends it the grade ids once the notebook has run and reads
    its verdicts back.

    Where the sandbox works, the judge runs in one of its own
    (`bubblewrap.wrap_judge`): as an unprivileged user of its own, in its own
    memory and CPU caps, reading the kernel's records read-only.

    Args:
        source_dir: The assignment's source folder, holding `grading.py`.
        scratch: The kernel's scratch folder (`bubblewrap.prepare_layout`):
            records are read from `records/`, inputs written to `inputs/`,
            verdicts to `judge/`.
        sandboxed: Whether to run the judge in its sandbox.
        limits: The judge's caps. Defaults to `bubblewrap.JUDGE_LIMITS`.
        cgroup_procs: `cgroup.procs` files of the judge's cgroup, or empty.
        zygote_socket: A judges' zygote's socket (`kernel_zygote`), for a
            sandboxed judge forked with Keras imported, or None.
    """

    def __init__(self, source_dir, scratch, sandboxed, limits=None, cgroup_procs=(), zygote_socket=None):
        from autograder.sandbox import bubblewrap, cpu_share

        limits = limits or bubblewrap.JUDGE_LIMITS
        scratch = Path(scratch)
        self.folder = bubblewrap.judge_dir(scratch)
        self.inputs_dir = scratch / "inputs"
        self.log_path = scratch / "judge.log"
        command = [sys.executable, "-m", "autograder.judge.judging", str(Path(source_dir).resolve()),
                   str(scratch / "records"), str(self.inputs_dir), str(self.folder)]
        environment = {**os.environ, **cpu_share.grading_thread_environment(), "CUDA_VISIBLE_DEVICES": "",
                       "TF_CPP_MIN_LOG_LEVEL": "3"}
        environment.pop(record_format.RECORDS_DIR_VARIABLE, None)
        environment.pop(record_format.INPUTS_DIR_VARIABLE, None)
        preexec = None
        if sandboxed:
            command = bubblewrap.wrap_judge(command, scratch, source_dir, limits, cgroup_procs, zygote_socket)
        else:
            def preexec():
                resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
                if limits.cpu_seconds is not None:
                    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
        with open(self.log_path, "w") as log:  # a file, not a pipe, which a chatty import could fill
            self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=log, stderr=log, text=True,
                                            env=environment, preexec_fn=preexec)

    def verdicts(self, grade_ids, timeout):
        """Returns a `Verdict` per grade id; every cell fails, with the
        reason and `judge_process_failed` set, if the process fails while
        judging or takes longer than `timeout` seconds.

        Raises:
            GraderError: if the judge could not start: its `grading.py`
                does not load or the grader's data is missing.
        """
        try:
            self.process.communicate(json.dumps(list(grade_ids)), timeout=timeout)
            if self.process.returncode == 0:
                return [Verdict(**item) for item in json.loads((self.folder / VERDICTS_FILE).read_text())]
            startup_error = self.folder / STARTUP_ERROR_FILE
            if self.process.returncode == STARTUP_FAILED and startup_error.is_file():
                raise GraderError(startup_error.read_text(errors="replace")[:4000])
            errors = self.log_path.read_text(errors="replace").strip().splitlines()
            problem = (errors or [f"exit status {self.process.returncode}"])[-1]
        except subprocess.TimeoutExpired:
            self.stop()
            problem = f"it took longer than {timeout} s"
        except (OSError, ValueError, TypeError) as error:
            problem = f"{type(error).__name__}: {error}"
        return [Verdict(grade_id, False, f"the grader's judging process failed: {problem}", judge_process_failed=True)
                for grade_id in grade_ids]

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _judge_one(grade_id, judge, cell_records):
    from course import data

    try:
        results = list(judge(cell_records))
    except RecordProblem as problem:
        return Verdict(grade_id, False, str(problem))
    except data.DatasetUnavailableError as error:
        return Verdict(grade_id, False, f"the grader has no Fashion-MNIST to measure on: {error}", grader_failed=True)
    except Exception as error:  # A judge must not take the whole notebook down.
        return Verdict(grade_id, False, f"the grader could not judge this cell: {type(error).__name__}: {error}")
    if not results or not all(isinstance(result, CheckResult) for result in results):
        return Verdict(grade_id, False, "the grader's judge returned no check results (instructor: fix grading.py)")
    passed = all(result.passed for result in results)
    return Verdict(grade_id, passed, "\n".join(str(result) for result in results))


def main(argv=None):
    """`python -m autograder.judge.judging SOURCE_DIR RECORDS_DIR INPUTS_DIR JUDGE_DIR`

    Loads SOURCE_DIR/grading.py, checks the grader's Fashion-MNIST is
    there, writes the hidden tests' inputs into INPUTS_DIR, then reads a
    JSON list of grade ids from standard input (sent once the notebook has
    run) and writes their verdicts as JSON to JUDGE_DIR/verdicts.json. If
    it cannot start, it writes why to JUDGE_DIR/startup-error.txt, marks
    the inputs as failed (so the kernel stops waiting for them) and exits
    with status `STARTUP_FAILED`.
    """
    parser = argparse.ArgumentParser(prog="python -m autograder.judge.judging", description=main.__doc__)
    parser.add_argument("source_dir", type=Path)
    parser.add_argument("records_dir", type=Path)
    parser.add_argument("inputs_dir", type=Path)
    parser.add_argument("judge_dir", type=Path)
    arguments = parser.parse_args(argv)
    try:
        grade_cells = load_grading(arguments.source_dir)
        _check_grading_data()
        grade_cells.write_inputs(arguments.inputs_dir)
    except Exception as error:  # Whatever breaks here is the grader's, never the student's.
        (arguments.judge_dir / STARTUP_ERROR_FILE).write_text(
            f"The grader could not start judging {arguments.source_dir.name}: {type(error).__name__}: {error}"
        )
        try:
            write_new_file(arguments.inputs_dir / record_format.INPUTS_FAILED, "")
        except OSError:
            pass  # The notebook's calls then wait their time out; the grader error still stops grading.
        sys.exit(STARTUP_FAILED)
    grade_ids = json.loads(sys.stdin.read())
    verdicts = judge_cells(arguments.source_dir, arguments.records_dir, grade_ids, grade_cells)
    (arguments.judge_dir / VERDICTS_FILE).write_text(json.dumps([dataclasses.asdict(verdict) for verdict in verdicts]))
    # Done: exit now, without the second or two TensorFlow's clean-up at exit takes.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _check_grading_data():
    """Raises `course.data.DatasetUnavailableError` unless the grader's
    Fashion-MNIST files are all there (cheap: nothing is loaded)."""
    from course import data

    data.ensure_fashion_mnist(download=False)


if __name__ == "__main__":
    # Run the imported module's main, so that grading files and this run
    # share one `GradeCells` class.
    from autograder.judge.judging import main as judging_main

    judging_main()
