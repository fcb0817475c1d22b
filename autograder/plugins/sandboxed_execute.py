"""Student code runs in a sandbox, and nothing it does loses the submission.

`nbgrader_config.py` runs `SandboxedExecute` in place of nbgrader's
`Execute`, first in `Autograde.autograde_preprocessors`. It runs the
notebook in a sandboxed kernel (`autograder.sandbox.bubblewrap`, started
by `SandboxedKernelManager`) in its own memory and process caps
(`autograder.sandbox.cgroups`), with a wall-clock cap per cell and per
notebook; when the kernel dies or is stopped, the cells after it fail
with the reason instead of the submission being lost. Outputs are then
made well-formed and capped (`autograder.plugins.output_limits`), before
nbgrader's own preprocessors, which crash on what a kernel can send.
Last, a judge in a process of its own (`autograder.judge.judging`)
decides every autograded test cell from what the hidden tests recorded;
the verdicts go to `ApplyVerdicts` in `resources`.

Example, in `nbgrader_config.py`:

    c.Autograde.autograde_preprocessors = ["autograder.plugins.sandboxed_execute.SandboxedExecute", ...]
    c.SandboxedExecute.notebook_timeout = 1200  # seconds for the whole notebook
    c.SandboxedExecute.sandbox_mode = "required"  # refuse to grade without the sandbox
"""

import os
import time
from pathlib import Path

from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute
from traitlets import Bool, Enum, Integer

from autograder import record_format
from autograder.judge import judging
from autograder.plugins import output_limits
from autograder.plugins.notebook_cells import RESOURCE_KEY, autograded_test_cells, error_output
from autograder.plugins.sandboxed_kernel_manager import SandboxedKernelManager
from autograder.sandbox import bubblewrap, cgroups, cpu_share, kernel_zygote
from course import data

_SANDBOX_PROBLEM = {}
_KERNEL_IMPORT_PROBLEM = {}


class SandboxedExecute(Execute):
    """Executes a submission in the sandbox, never losing the submission.

    A cell that runs past `timeout` seconds, or past what is left of
    `notebook_timeout`, stops the kernel (killed, whether or not it would
    have answered an interrupt); a kernel that dies (`os._exit`, a
    segfault, the memory cap) stops it too. Either way that cell gets an
    error saying so, every later cell is marked "not run" with the reason,
    and grading goes on. The kernel is not restarted: later cells depend
    on the state the earlier ones built.

    Configurable, besides nbgrader's `Execute.timeout` (seconds per cell):

    - `sandbox_mode`: `"auto"` (the default) sandboxes when it can and
      warns loudly when not; `"required"` refuses to grade without the
      sandbox; `"off"` never sandboxes.
    - `notebook_timeout`: seconds the whole notebook may run.
    - `judge_timeout`: seconds the judge may take for one notebook.
    - `memory_bytes`, `max_processes`, `max_file_bytes`: the kernel's
      caps; the defaults are `bubblewrap.Limits`'s.
    - `prepared_kernels`: start sandboxed kernels and judges from this
      grading process's zygotes, with Keras imported (`kernel_zygote`;
      root only). Off by default.

    Raises:
        RuntimeError: if `sandbox_mode` is `"required"` and the sandbox
            cannot start.
        judging.GraderError: if the grader itself is broken (see `preprocess`).
    """

    sandbox_mode = Enum(
        ["auto", "required", "off"],
        default_value="auto",
        help="'auto': sandbox when possible, warn loudly when not; 'required': refuse to grade without it; 'off'.",
    ).tag(config=True)
    notebook_timeout = Integer(1800, help="Seconds the whole notebook may run.").tag(config=True)
    memory_bytes = Integer(bubblewrap.Limits.memory_bytes, help="Memory cap of the kernel.").tag(config=True)
    max_processes = Integer(bubblewrap.Limits.max_processes, help="Process and thread cap.").tag(config=True)
    max_file_bytes = Integer(bubblewrap.Limits.max_file_bytes, help="Largest file the kernel may write.").tag(config=True)
    judge_timeout = Integer(900, help="Seconds the judging process may take for one notebook.").tag(config=True)
    # Off by default until the whole test suite has run with it on (see README, "Prepared kernels").
    prepared_kernels = Bool(False, help="Fork each sandboxed kernel and judge from a process that has imported Keras "
                                        "(autograder.sandbox.kernel_zygote) instead of starting it cold.").tag(config=True)
    interrupt_on_timeout = Bool(False)
    # After the last cell the kernel is killed rather than asked to exit: its
    # records are written by then, its files die with the sandbox, and a
    # graceful exit spends a second or two in TensorFlow's clean-up.
    shutdown_kernel = Enum(["graceful", "immediate"], default_value="immediate")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)

    @property
    def limits(self):
        return bubblewrap.Limits(memory_bytes=self.memory_bytes, max_processes=self.max_processes,
                                 max_file_bytes=self.max_file_bytes)

    def _sandbox_problem(self):
        if self.sandbox_mode == "off":
            return "the sandbox is turned off (SandboxedExecute.sandbox_mode = 'off')"
        if "problem" not in _SANDBOX_PROBLEM:
            _SANDBOX_PROBLEM["problem"] = bubblewrap.problem(self.limits)
        return _SANDBOX_PROBLEM["problem"]

    def preprocess(self, nb, resources=None, km=None):
        """Runs the notebook in the sandbox, then has the judge decide every
        autograded test cell; the verdicts go to `ApplyVerdicts` in
        `resources`. The scratch folder, the judge and the cgroups are gone
        when this returns or raises.

        Raises:
            judging.GraderError: when the grader itself is broken (no data,
                a kernel that cannot import the course, a judge that
                cannot start), instead of scoring the student zero.
        """
        started = time.monotonic()
        bubblewrap.sweep_stale_scratch()
        submission_dir = Path(resources["metadata"]["path"])
        problem = self._sandbox_problem()
        if problem and self.sandbox_mode == "required":
            raise RuntimeError(f"Refusing to grade without the sandbox: {problem}")
        if problem:
            self.log.warning("!" * 72)
            self.log.warning("GRADING WITHOUT THE SANDBOX: %s", problem)
            self.log.warning("Student code runs with your permissions and can read and change the course.")
            self.log.warning("!" * 72)
        self._sandboxed = not problem
        # Started first, once per grading process: they import Keras while the rest is prepared.
        prepared = self._sandboxed and self.prepared_kernels
        self._zygote = kernel_zygote.shared(bubblewrap.kernel_environment(bubblewrap.package_parents())) if prepared else None
        judges_zygote = kernel_zygote.shared(bubblewrap.judge_environment()) if prepared else None
        scratch = bubblewrap.Scratch()
        self._cgroup = judge_cgroup = judge = None
        kernel_variables = (record_format.RECORDS_DIR_VARIABLE, record_format.INPUTS_DIR_VARIABLE, "PYTHONPATH",
                            *cpu_share.THREAD_VARIABLES)
        saved_variables = {name: os.environ.get(name) for name in kernel_variables}
        try:
            try:
                self._layout = bubblewrap.grading_layout(scratch.path, submission_dir)
            except data.DatasetUnavailableError as error:
                raise judging.GraderError(f"The grader has no Fashion-MNIST to give the student's kernel: {error}") from None
            self._check_kernel_imports()
            if self._sandboxed:
                judge_cgroup = cgroups.KernelCgroup.create(f"{scratch.path.name}-judge", bubblewrap.JUDGE_LIMITS.memory_bytes,
                                                           bubblewrap.JUDGE_LIMITS.max_processes)
            judge = judging.JudgeProcess(_source_dir(self.config, resources), scratch.path, self._sandboxed,
                                         cgroup_procs=judge_cgroup.procs_files if judge_cgroup else (),
                                         zygote_socket=self._zygote_socket(judges_zygote))
            self._cgroup = cgroups.KernelCgroup.create(scratch.path.name, self.memory_bytes, self.max_processes) if self._sandboxed else None
            resources[RESOURCE_KEY] = {"sandboxed": self._sandboxed, "stopped": None, "seconds": {}}
            # For an unsandboxed kernel, which inherits this environment.
            os.environ[record_format.RECORDS_DIR_VARIABLE] = str(self._layout.records_dir)
            os.environ[record_format.INPUTS_DIR_VARIABLE] = str(self._layout.inputs_dir)
            os.environ["PYTHONPATH"] = os.pathsep.join(self._layout.python_path)
            os.environ.update(cpu_share.grading_thread_environment())
            seconds = resources[RESOURCE_KEY]["seconds"]
            seconds["prepare"] = time.monotonic() - started
            start = time.monotonic()
            self._run(nb, resources, km)
            self.log.info("Executed in %.1f s (%s)", time.monotonic() - start, "sandboxed" if self._sandboxed else "NOT sandboxed")
            left_out = output_limits.limit_outputs(self.nb)
            if left_out:
                self.log.info("Left out %d outputs past their caps or malformed", left_out)
            self._log_peak_memory()
            start = time.monotonic()
            grade_ids = [cell.metadata.nbgrader["grade_id"] for cell in autograded_test_cells(self.nb)]
            verdicts = judge.verdicts(grade_ids, self.judge_timeout)
            seconds["judge"] = time.monotonic() - start
            self.log.info("Judged %d grade cells in %.1f s", len(grade_ids), seconds["judge"])
            self.resources[RESOURCE_KEY]["verdicts"] = {verdict.grade_id: verdict for verdict in verdicts}
        finally:
            for name, value in saved_variables.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            if judge is not None:
                judge.stop()
            for group in (self._cgroup, judge_cgroup):
                if group is not None:
                    group.remove()
            scratch.remove()
        return self.nb, self.resources

    def _check_kernel_imports(self):
        key = (self._sandboxed, bubblewrap.course_packages())
        if key not in _KERNEL_IMPORT_PROBLEM:
            _KERNEL_IMPORT_PROBLEM[key] = bubblewrap.kernel_import_problem(self._layout, self._sandboxed, self.limits)
        problem = _KERNEL_IMPORT_PROBLEM[key]
        if problem:
            raise judging.GraderError(f"The grader's environment is broken: {problem}.")

    def _log_peak_memory(self):
        if self._cgroup is None:
            return
        peak = self._cgroup.peak_memory_bytes()
        if peak is not None:
            self.log.info("Peak memory of the kernel: %.2f GiB (cap %.2f GiB)", peak / bubblewrap.GIB, self.memory_bytes / bubblewrap.GIB)

    def create_kernel_manager(self):
        manager = super().create_kernel_manager()
        if self._sandboxed:
            runtime = self._layout.runtime_dir
            manager.transport = "ipc"
            manager.connection_file = str(runtime / "kernel.json")
            manager.ip = str(runtime / "kernel-ipc")
            procs = self._cgroup.procs_files if self._cgroup else ()
            zygote_socket = self._zygote_socket(self._zygote)
            self.resources[RESOURCE_KEY]["prepared_kernel"] = zygote_socket is not None
            manager.wrap_command = lambda command: bubblewrap.wrap(command, self._layout, self.limits, procs, zygote_socket)
        return manager

    def _zygote_socket(self, zygote):
        """`zygote`'s socket once it is ready, or None (no zygote, or one that failed: cold start)."""
        if zygote is None:
            return None
        if not zygote.ready():
            self.log.warning("A zygote did not start (see its errors above); starting the process cold")
            return None
        return zygote.socket_path

    def _get_timeout(self, cell):
        return self._cell_timeout

    def _run(self, nb, resources, km):
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._cell_timeout = 120  # for the kernel_info request
        stopped = None
        try:
            start = time.monotonic()
            with self.setup_kernel():
                info = self.wait_for_reply(self.kc.kernel_info())
                self.nb.metadata["language_info"] = info["content"]["language_info"]
                self.resources[RESOURCE_KEY]["seconds"]["kernel_start"] = time.monotonic() - start
                start = time.monotonic()
                deadline = time.monotonic() + self.notebook_timeout
                for index, cell in enumerate(self.nb.cells):
                    if stopped:
                        _mark_not_run(cell, stopped)
                        continue
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        stopped = f"not run: the notebook used up its {self.notebook_timeout} s before cell {index + 1}"
                        self._stop_kernel()
                        _mark_not_run(cell, stopped)
                        continue
                    self._cell_timeout = max(1, int(min(self.timeout or remaining, remaining)))
                    self._limited_by_notebook = not self.timeout or remaining < self.timeout
                    stopped = self._execute(cell, index)
                self.resources[RESOURCE_KEY]["seconds"]["cells"] = time.monotonic() - start
                self.set_widgets_metadata()
        except Exception as error:  # The kernel may fail to start or die between cells.
            if stopped is None:
                stopped = f"not run: the kernel stopped ({type(error).__name__}: {error})"
                for cell in self.nb.cells:
                    if cell.cell_type == "code" and not cell.get("outputs"):
                        _mark_not_run(cell, stopped)
            self.log.warning("Kernel stopped: %s", stopped)
        self.resources[RESOURCE_KEY]["stopped"] = stopped

    def _execute(self, cell, index):
        """Runs one cell; returns why later cells cannot run, or None."""
        try:
            self.execute_cell(cell, index, store_history=True)
        except CellTimeoutError:
            self._stop_kernel()
            if self._limited_by_notebook:
                reason = f"the notebook used up its {self.notebook_timeout} s in cell {index + 1}"
            else:
                reason = f"cell {index + 1} ran past its limit of {self._cell_timeout} s"
            cell.outputs.append(error_output("CellTimeoutError", f"{reason}; the kernel was stopped"))
            return f"not run: {reason} and the kernel was stopped"
        except DeadKernelError:
            reason = "it ran out of memory" if self._cgroup and self._cgroup.ran_out_of_memory() else "the kernel process ended"
            cell.outputs.append(error_output("DeadKernelError", f"the kernel died in cell {index + 1} ({reason})"))
            return f"not run: the kernel died in cell {index + 1} ({reason})"
        return None

    def _stop_kernel(self):
        try:
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception as error:  # Already gone.
            self.log.debug("Stopping the kernel: %s", error)
        if self._cgroup is not None:
            self._cgroup.kill_all()


def _mark_not_run(cell, reason):
    if cell.cell_type == "code":
        cell.outputs = [error_output("NotRun", reason)]


def _source_dir(config, resources):
    coursedir = CourseDirectory(config=config)
    assignment = resources["nbgrader"]["assignment"]
    return Path(coursedir.format_path(coursedir.source_directory, ".", assignment))

