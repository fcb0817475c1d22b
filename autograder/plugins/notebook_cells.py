"""What the grading plug-ins share: which cells are graded, and how they hand over.

`SandboxedExecute` runs the notebook and has the judge decide every cell
that `autograded_test_cells` returns; it leaves the verdicts in nbgrader's
`resources` under `RESOURCE_KEY`, where `ApplyVerdicts` reads them. Both
write the grader's errors into a cell as `error_output`s.
"""

import nbformat
from nbgrader.utils import is_grade, is_solution

RESOURCE_KEY = "autograder"


def autograded_test_cells(notebook):
    """Returns the code cells nbgrader scores automatically: graded, not answers.

    Args:
        notebook: An nbformat 4 `NotebookNode`.

    Returns:
        The cells, in notebook order.
    """
    return [cell for cell in notebook.cells if is_grade(cell) and not is_solution(cell) and cell.cell_type == "code"]


def error_output(name, message):
    """Returns an `error` output named `name`, whose one-line traceback is `message`."""
    return nbformat.v4.new_output("error", ename=name, evalue=message, traceback=[f"{name}: {message}"])
