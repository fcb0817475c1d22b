"""Helpers the course notebooks import: data, plots, history utilities, scratch files.

Import the modules you need by name, for example
`from course import data, plots`. Importing the package changes no global
state, except while nbgrader's Validate runs the notebook (below): seeding
and data set-up are explicit calls in the notebooks.
"""

import os
import sys

# Set by nbgrader's Validator in the environment of the kernels it starts.
VALIDATING_VARIABLE = "NBGRADER_VALIDATING"


def print_stderr_as_stdout_when_validating():
    """While nbgrader validates this kernel's notebook, makes Python's stderr its stdout.

    Validate fails a test cell that writes to stderr; the grader never does
    (a Keras warning is not a wrong answer), so under Validate a warning is
    printed as ordinary output and a cell fails only when it raises (see
    `autograder.validation`). Elsewhere (JupyterLab, grading) it does
    nothing: warnings stay on stderr, where students expect them.
    """
    if os.environ.get(VALIDATING_VARIABLE) == "1":
        sys.stderr = sys.stdout


print_stderr_as_stdout_when_validating()
