"""nbgrader plug-ins that make `nbgrader autograde` trustworthy.

`nbgrader_config.py` puts them in autograde's pipeline:

- `SubmissionExporter` reads a submission that is not a notebook (invalid
  JSON, an empty file) as an empty notebook, so it is graded as blank
  instead of being dropped, and strips nbgrader metadata that is not
  nbgrader's shape before any of nbgrader's preprocessors reads it.
- `OverwriteCellsSafely` puts back deleted grade cells where nbgrader's
  own `OverwriteCells` crashes (a deleted cell right after a locked,
  ungraded cell).
- `SandboxedExecute` runs the notebook in a sandboxed kernel
  (`autograder.sandbox`) with a wall-clock cap per cell and per notebook;
  when the kernel dies or is stopped, the cells after it fail with the
  reason instead of the submission being lost.
- `ApplyVerdicts` judges the grade cells in a fresh process from what the
  hidden tests recorded (`autograder.judging`), writes each verdict as the
  cell's outcome for nbgrader's `SaveAutoGrades`, and replaces the hidden
  test code with a line naming it, so feedback never shows it.
- Outputs are made well-formed and capped right after execution
  (`autograder.output_limits`), before nbgrader's own preprocessors,
  which crash on what a kernel can send.
"""

import os
import re
import time
from pathlib import Path

import nbformat
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbconvert.exporters import NotebookExporter
from nbgrader.api import MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute, NbGraderPreprocessor, OverwriteCells
from nbgrader.utils import is_grade, is_solution
from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Enum, Integer

from autograder import cgroups, hidden_tests, judging, output_limits, records, sandbox
from course import data

RESOURCE_KEY = "autograder"
HIDDEN_TESTS = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[ \t]*$\n?", re.MULTILINE | re.DOTALL)
_SANDBOX_PROBLEM = {}
_KERNEL_IMPORT_PROBLEM = {}


def autograded_test_cells(notebook):
    """The code cells nbgrader scores automatically: graded, not answers."""
    return [cell for cell in notebook.cells if is_grade(cell) and not is_solution(cell) and cell.cell_type == "code"]


def unreadable_notebook(reason):
    """An empty notebook saying why the submitted file could not be read."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells.append(nbformat.v4.new_markdown_cell(
        f"**The submitted file could not be read as a notebook** ({reason}). "
        "It was graded as a blank submission."
    ))
    return notebook


class SubmissionExporter(NotebookExporter):
    """Reads a broken submission as an empty notebook instead of failing."""

    def from_file(self, file_stream, resources=None, **kw):
        text = file_stream.read()
        try:
            notebook = nbformat.reads(text, as_version=4)
            nbformat.validate(notebook)  # A cell whose source is a number would crash grading later.
        except Exception as error:  # Any file at all may have been submitted.
            self.log.warning("Submission is not a readable notebook (%s); grading it as blank", error)
            notebook = unreadable_notebook(f"{type(error).__name__}: {str(error)[:200]}")
        drop_malformed_nbgrader_metadata(notebook)
        return self.from_notebook_node(notebook, resources=resources, **kw)


def drop_malformed_nbgrader_metadata(notebook):
    """Removes each cell's `nbgrader` metadata unless it is a dict whose `grade_id` is text.

    nbgrader's own preprocessors (`DeduplicateIds` first) call `.get` on it
    and crash on a string or a list, which stops the whole submission. A
    known cell that loses its metadata here is put back from the gradebook
    by `OverwriteCellsSafely`.
    """
    for cell in notebook.cells:
        flags = cell.metadata.get("nbgrader")
        if flags is not None and not (isinstance(flags, dict) and isinstance(flags.get("grade_id", ""), str)):
            del cell.metadata["nbgrader"]


class OverwriteCellsSafely(OverwriteCells):
    """`OverwriteCells` that survives whatever a student did to the cells.

    nbgrader 0.9.6 stops grading the whole submission when a student
    deleted a grade cell that followed a locked, ungraded cell (KeyError),
    duplicated a grade cell (KeyError), or edited a grade cell's `grade`
    flag ("Inconsistent checksums"). Here every known cell first gets its
    nbgrader flags and points back from the gradebook, cells whose
    metadata names no known cell lose it, and deleted grade cells go back
    after the nearest earlier cell that is still there.
    """

    def preprocess_cell(self, cell, resources, index):
        if "nbgrader" in cell.metadata:
            if "grade_id" in cell.metadata.nbgrader:
                self._restore_flags(cell)
            if "grade_id" not in cell.metadata.nbgrader:
                del cell.metadata["nbgrader"]
                return cell, resources
        cell, resources = super().preprocess_cell(cell, resources, index)
        if "nbgrader" in cell.metadata and "grade_id" not in cell.metadata.nbgrader:
            del cell.metadata["nbgrader"]  # nbgrader dropped an unknown id
        return cell, resources

    def _restore_flags(self, cell):
        grade_id = cell.metadata.nbgrader["grade_id"]
        where = (grade_id, self.notebook_id, self.assignment_id)
        try:
            source_cell = self.gradebook.find_source_cell(*where)
        except MissingEntry:
            return
        flags = cell.metadata.nbgrader
        flags["locked"] = source_cell.locked
        try:
            flags["points"] = self.gradebook.find_grade_cell(*where).max_score
            flags["grade"] = True
        except MissingEntry:
            flags["grade"] = False
            flags.pop("points", None)
        try:
            self.gradebook.find_solution_cell(*where)
            flags["solution"] = True
        except MissingEntry:
            flags["solution"] = False

    def add_missing_grade_cells(self, nb, resources):
        source_notebook = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = source_notebook.source_cells
        grade_cells = {cell.name: cell for cell in source_notebook.grade_cells}
        solution_ids = {cell.name for cell in source_notebook.solution_cells}
        for position, source_cell in enumerate(source_cells):
            present = {cell.metadata.nbgrader["grade_id"]: index for index, cell in enumerate(nb.cells)
                       if "grade_id" in cell.metadata.get("nbgrader", {})}
            if source_cell.name not in grade_cells or source_cell.name in present:
                continue
            self.log.warning("Grade cell %s was deleted; putting it back", source_cell.name)
            restored = self.missing_cell_transform(source_cell, grade_cells[source_cell.name].max_score,
                                                   is_solution=source_cell.name in solution_ids)
            earlier = [present[cell.name] for cell in source_cells[:position] if cell.name in present]
            nb.cells.insert(max(earlier) + 1 if earlier else 0, nbformat.from_dict(restored))
        return nb, resources


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel command is wrapped by `sandbox.wrap`."""

    wrap_command = None

    def format_kernel_cmd(self, extra_arguments=None):
        command = super().format_kernel_cmd(extra_arguments)
        if not self.wrap_command:
            return command
        if os.geteuid() == 0:
            # jupyter_client wrote it readable by root only; the kernel runs as nobody.
            os.chown(self.connection_file, sandbox.SANDBOX_UID, sandbox.SANDBOX_GID)
        return self.wrap_command(command)


def _error_output(name, message):
    return nbformat.v4.new_output("error", ename=name, evalue=message, traceback=[f"{name}: {message}"])


class SandboxedExecute(Execute):
    """Executes a submission in the sandbox, never losing the submission.

    A cell that runs past `timeout` seconds, or past what is left of
    `notebook_timeout`, stops the kernel (killed, whether or not it would
    have answered an interrupt); a kernel that dies (`os._exit`, a
    segfault, the memory cap) stops it too. Either way that cell gets an
    error saying so, every later cell is marked "not run" with the reason,
    and grading goes on. The kernel is not restarted: later cells depend
    on the state the earlier ones built.
    """

    sandbox_mode = Enum(
        ["auto", "required", "off"],
        default_value="auto",
        help="'auto': sandbox when possible, warn loudly when not; 'required': refuse to grade without it; 'off'.",
    ).tag(config=True)
    notebook_timeout = Integer(1800, help="Seconds the whole notebook may run.").tag(config=True)
    memory_bytes = Integer(sandbox.Limits.memory_bytes, help="Memory cap of the kernel.").tag(config=True)
    max_processes = Integer(sandbox.Limits.max_processes, help="Process and thread cap.").tag(config=True)
    max_file_bytes = Integer(sandbox.Limits.max_file_bytes, help="Largest file the kernel may write.").tag(config=True)
    interrupt_on_timeout = Bool(False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)

    @property
    def limits(self):
        return sandbox.Limits(memory_bytes=self.memory_bytes, max_processes=self.max_processes,
                              max_file_bytes=self.max_file_bytes)

    def _sandbox_problem(self):
        if self.sandbox_mode == "off":
            return "the sandbox is turned off (SandboxedExecute.sandbox_mode = 'off')"
        if "problem" not in _SANDBOX_PROBLEM:
            _SANDBOX_PROBLEM["problem"] = sandbox.problem(self.limits)
        return _SANDBOX_PROBLEM["problem"]

    judge_timeout = Integer(900, help="Seconds the judging process may take for one notebook.").tag(config=True)

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
        sandbox.sweep_stale_scratch()
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
        scratch = sandbox.Scratch()
        self._cgroup = judge_cgroup = judge = None
        saved_variables = {name: os.environ.get(name) for name in (records.RECORDS_DIR_VARIABLE, records.INPUTS_DIR_VARIABLE, "PYTHONPATH")}
        try:
            try:
                self._layout = sandbox.grading_layout(scratch.path, submission_dir)
            except data.DatasetUnavailableError as error:
                raise judging.GraderError(f"The grader has no Fashion-MNIST to give the student's kernel: {error}") from None
            self._check_kernel_imports()
            if self._sandboxed:
                judge_cgroup = cgroups.KernelCgroup.create(f"{scratch.path.name}-judge", sandbox.JUDGE_LIMITS.memory_bytes,
                                                           sandbox.JUDGE_LIMITS.max_processes)
            judge = judging.JudgeProcess(_source_dir(self.config, resources), scratch.path, self._sandboxed,
                                         cgroup_procs=judge_cgroup.procs_files if judge_cgroup else ())
            self._cgroup = cgroups.KernelCgroup.create(scratch.path.name, self.memory_bytes, self.max_processes) if self._sandboxed else None
            resources[RESOURCE_KEY] = {"sandboxed": self._sandboxed, "stopped": None}
            # For an unsandboxed kernel, which inherits this environment.
            os.environ[records.RECORDS_DIR_VARIABLE] = str(self._layout.records_dir)
            os.environ[records.INPUTS_DIR_VARIABLE] = str(self._layout.inputs_dir)
            os.environ["PYTHONPATH"] = os.pathsep.join(self._layout.python_path)
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
            self.log.info("Judged %d grade cells in %.1f s", len(grade_ids), time.monotonic() - start)
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
        key = (self._sandboxed, sandbox.course_packages())
        if key not in _KERNEL_IMPORT_PROBLEM:
            _KERNEL_IMPORT_PROBLEM[key] = sandbox.kernel_import_problem(self._layout, self._sandboxed, self.limits)
        problem = _KERNEL_IMPORT_PROBLEM[key]
        if problem:
            raise judging.GraderError(f"The grader's environment is broken: {problem}.")

    def _log_peak_memory(self):
        if self._cgroup is None:
            return
        peak = self._cgroup.peak_memory_bytes()
        if peak is not None:
            self.log.info("Peak memory of the kernel: %.2f GiB (cap %.2f GiB)", peak / sandbox.GIB, self.memory_bytes / sandbox.GIB)

    def create_kernel_manager(self):
        manager = super().create_kernel_manager()
        if self._sandboxed:
            runtime = self._layout.runtime_dir
            manager.transport = "ipc"
            manager.connection_file = str(runtime / "kernel.json")
            manager.ip = str(runtime / "kernel-ipc")
            procs = self._cgroup.procs_files if self._cgroup else ()
            manager.wrap_command = lambda command: sandbox.wrap(command, self._layout, self.limits, procs)
        return manager

    def _get_timeout(self, cell):
        return self._cell_timeout

    def _run(self, nb, resources, km):
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._cell_timeout = 120  # for the kernel_info request
        stopped = None
        try:
            with self.setup_kernel():
                info = self.wait_for_reply(self.kc.kernel_info())
                self.nb.metadata["language_info"] = info["content"]["language_info"]
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
            cell.outputs.append(_error_output("CellTimeoutError", f"{reason}; the kernel was stopped"))
            return f"not run: {reason} and the kernel was stopped"
        except DeadKernelError:
            reason = "it ran out of memory" if self._cgroup and self._cgroup.ran_out_of_memory() else "the kernel process ended"
            cell.outputs.append(_error_output("DeadKernelError", f"the kernel died in cell {index + 1} ({reason})"))
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
        cell.outputs = [_error_output("NotRun", reason)]


def _source_dir(config, resources):
    coursedir = CourseDirectory(config=config)
    assignment = resources["nbgrader"]["assignment"]
    return Path(coursedir.format_path(coursedir.source_directory, ".", assignment))


class ApplyVerdicts(NbGraderPreprocessor):
    """Sets every autograded test cell's outcome from the grader's verdict
    (judged by `SandboxedExecute`), and keeps the hidden tests' code out of
    the notebook: hidden blocks become a line naming them, and any output
    line that repeats a line of hidden code (an input transformer printing
    every cell's source, say) is cut."""

    def preprocess(self, nb, resources):
        info = resources.get(RESOURCE_KEY)
        if info is None or "verdicts" not in info:
            raise RuntimeError("ApplyVerdicts needs SandboxedExecute before it in Autograde.autograde_preprocessors")
        verdicts = info["verdicts"]
        broken = [verdict for verdict in verdicts.values() if verdict.grader_failed]
        if broken:
            raise judging.GraderError(f"The grader failed on {broken[0].grade_id}: {broken[0].message}")
        failed_process = [verdict for verdict in verdicts.values() if "judging process failed" in verdict.message]
        if failed_process:
            self.log.error("The grader's judging process failed: %s", failed_process[0].message)
        test_cells = autograded_test_cells(nb)
        hidden_lines = _hidden_code_lines(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = _without_lines(cell.outputs, hidden_lines)
        for cell in test_cells:
            verdict = verdicts[cell.metadata.nbgrader["grade_id"]]
            cell.outputs = _kernel_outputs_as_text(cell.outputs)
            if verdict.passed:
                cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=f"Grader: passed\n{verdict.message}\n"))
            else:
                cell.outputs.append(_error_output("GradingFailed", verdict.message))
            cell.source = HIDDEN_TESTS.sub(_hidden_tests_line(cell.metadata.nbgrader), cell.source)
        nb.metadata[RESOURCE_KEY] = {"sandboxed": info["sandboxed"], "stopped": info["stopped"]}
        del resources[RESOURCE_KEY]
        return nb, resources


HIDDEN_LINE_MINIMUM = 12
HIDDEN_LINE_CUT = "[a line of the grader's hidden tests, cut by the grader]"


def _hidden_code_lines(notebook):
    """The lines of hidden test code worth cutting from outputs: long
    enough to be telling, and not also in visible code (which students
    see anyway)."""
    hidden, visible = set(), set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        blocks = "".join(match.group(0) for match in HIDDEN_TESTS.finditer(cell.source))
        hidden.update(line.strip() for line in blocks.splitlines())
        visible.update(line.strip() for line in HIDDEN_TESTS.sub("", cell.source).splitlines())
    return {line for line in hidden - visible if len(line) >= HIDDEN_LINE_MINIMUM and not line.startswith("### ")}


def _without_lines(outputs, hidden_lines):
    if not hidden_lines:
        return outputs

    def scrub(text):
        if not any(line in text for line in hidden_lines):
            return text
        return "\n".join(HIDDEN_LINE_CUT if any(line in row for line in hidden_lines) else row for row in text.split("\n"))

    for output in outputs:
        if output.output_type == "stream":
            output.text = scrub(output.text)
        elif output.output_type == "error":
            output.evalue = scrub(output.evalue)
            output.traceback = [scrub(line) for line in output.traceback]
        elif "data" in output:
            for kind, value in output.data.items():
                if isinstance(value, str) and not kind.startswith("image/"):
                    output.data[kind] = scrub(value)
    return outputs


def _hidden_tests_line(nbgrader_metadata):
    return (f"# Hidden tests of {nbgrader_metadata['grade_id']} ({hidden_tests.points_phrase(nbgrader_metadata)}) "
            "ran outside your notebook; the grader's verdict is below.\n")


def _kernel_outputs_as_text(outputs):
    """What the student's own cell showed, as text that scores nothing:
    errors lose their tracebacks (which would quote hidden code), stderr
    becomes plain output."""
    kept = []
    for output in outputs:
        if output.output_type == "error" and output.ename == "NotRun":
            kept.append(nbformat.v4.new_output("stream", name="stdout", text=f"{output.evalue[:1].upper()}{output.evalue[1:]}\n"))
        elif output.output_type == "error":
            kept.append(nbformat.v4.new_output("stream", name="stdout", text=f"In your notebook this cell raised {output.ename}: {output.evalue}\n"))
        elif output.output_type == "stream":
            kept.append(nbformat.v4.new_output("stream", name="stdout", text=output.text))
        elif output.output_type == "execute_result":
            kept.append(nbformat.v4.new_output("display_data", data=output.data, metadata=output.get("metadata", {})))
        else:
            kept.append(output)
    return kept
