"""Each test cell's outcome is the judge's verdict, and hidden tests never show.

`SandboxedExecute` judges every autograded test cell in a process of its
own (`autograder.judge.judging`) from what the hidden tests recorded, and
leaves the verdicts in `resources`. `ApplyVerdicts`, which
`nbgrader_config.py` runs after it and before nbgrader's `SaveAutoGrades`,
writes each verdict as its cell's outcome: a passed cell ends with a line
of output, a failed one with an error saying why. What the cell itself
printed stays, as text that scores nothing. The hidden tests' code is kept
out of the notebook, so feedback never shows it: each hidden block becomes
a line naming it, and any output line that repeats a line of hidden code
(an input transformer printing every cell's source, say) is cut.
"""

import re

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder import record_format
from autograder.judge import judging
from autograder.plugins import hidden_tests
from autograder.plugins.notebook_cells import RESOURCE_KEY, autograded_test_cells, error_output

HIDDEN_TESTS = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[ \t]*$\n?", re.MULTILINE | re.DOTALL)
HIDDEN_LINE_MINIMUM = 12
HIDDEN_LINE_CUT = "[a line of the grader's hidden tests, cut by the grader]"


class ApplyVerdicts(NbGraderPreprocessor):
    """Sets every autograded test cell's outcome from the grader's verdict
    (judged by `SandboxedExecute`), and keeps the hidden tests' code out of
    the notebook: hidden blocks become a line naming them, and any output
    line that repeats a line of hidden code (an input transformer printing
    every cell's source, say) is cut.

    A verdict whose `grader_failed` is set stops grading (`GraderError`);
    verdicts whose `judge_process_failed` is set fail their cells, and the
    first one's reason is logged as an error.

    Raises:
        RuntimeError: if `SandboxedExecute` did not run before it.
        judging.GraderError: if a verdict says the grader failed.
    """

    def preprocess(self, nb, resources):
        info = resources.get(RESOURCE_KEY)
        if info is None or "verdicts" not in info:
            raise RuntimeError("ApplyVerdicts needs SandboxedExecute before it in Autograde.autograde_preprocessors")
        verdicts = info["verdicts"]
        broken = [verdict for verdict in verdicts.values() if verdict.grader_failed]
        if broken:
            raise judging.GraderError(f"The grader failed on {broken[0].grade_id}: {broken[0].message}")
        failed_process = [verdict for verdict in verdicts.values() if verdict.judge_process_failed]
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
                cell.outputs.append(error_output("GradingFailed", verdict.message))
            cell.source = HIDDEN_TESTS.sub(_hidden_tests_line(cell.metadata.nbgrader), cell.source)
        nb.metadata[record_format.NOTEBOOK_KEY] = {
            "sandboxed": info["sandboxed"],
            "prepared_kernel": info.get("prepared_kernel", False),
            "stopped": info["stopped"],
            "seconds": {stage: round(seconds, 3) for stage, seconds in info.get("seconds", {}).items()},
        }
        del resources[RESOURCE_KEY]
        return nb, resources


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
