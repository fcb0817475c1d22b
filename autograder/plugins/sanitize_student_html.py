"""Formgrader and feedback never render a student's HTML live.

`SanitizeStudentHTML` runs `autograder.plugins.html_safety.sanitize_notebook`
(whose module docstring says what it keeps and why) as an nbgrader
preprocessor. `nbgrader_config.py` runs it last in
`Autograde.autograde_preprocessors`, so `autograded/` never holds live
HTML, and in `GenerateFeedback.preprocessors` before the HTML export, so
feedback is safe for notebooks autograded before it existed.
"""

from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.plugins.html_safety import sanitize_notebook


class SanitizeStudentHTML(NbGraderPreprocessor):
    """Makes a student's notebook safe to show in formgrader and feedback.

    Example, in `nbgrader_config.py`:

        c.GenerateFeedback.preprocessors = [
            "nbgrader.preprocessors.GetGrades",
            "autograder.plugins.sanitize_student_html.SanitizeStudentHTML",
            "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
        ]
    """

    def preprocess(self, nb, resources):
        return sanitize_notebook(nb), resources
