"""nbgrader settings for a student's JupyterLab: what Validate runs.

Installed with the student package into the environment's Jupyter config
(`<prefix>/etc/jupyter/`), and used by `make lab`. The lab's Validate button
and `nbgrader validate` load it; the instructor's `nbgrader_config.py`
applies the same settings (`autograder.validation`).
"""

from autograder import validation

c = get_config()  # noqa: F821 (injected by traitlets when it loads this file)
validation.configure(c)
