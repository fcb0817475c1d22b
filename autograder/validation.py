"""What Validate runs, so that it agrees with the grader.

nbgrader's Validate (the lab button and `nbgrader validate`) always runs its
own fixed pipeline: a plain `Execute` of the notebook (nbgrader's `Execute`
takes its cell hook for itself, so no hook can be configured), and a test
cell fails if it raised or wrote anything to stderr. The grader decides a
cell by its checks alone (`autograder.plugins.apply_verdicts.ApplyVerdicts`): what a
cell prints to stderr, Keras's warning about `Flatten(input_shape=...)` for
example, is kept but never scored. So, on both sides of Validate:

- in the kernel, `course` (which every notebook imports in its first cell)
  sends what Python writes to stderr to stdout while nbgrader validates
  (`course.print_stderr_as_stdout_when_validating`), so a test cell fails
  Validate exactly when one of its visible checks (or the student's code)
  raises;
- in nbgrader, `configure` gives Validate the grader's cell time limit and
  quiets TensorFlow's C++ log lines in the kernels it starts.

`configure` is called by the instructor's `nbgrader_config.py` and by the
student's (`student/jupyter/nbgrader_config.py`, installed with the student
package).
"""

import os

# Seconds a cell may run, in Validate and in grading: nbgrader's default of
# 30 s would interrupt any real fit().
CELL_TIMEOUT = 600


def configure(c):
    """Sets what Validate runs in the traitlets config `c` (an nbgrader config)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    c.Execute.timeout = CELL_TIMEOUT
