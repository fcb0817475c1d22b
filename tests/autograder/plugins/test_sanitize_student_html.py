"""The nbgrader preprocessor that makes a student's notebook safe to render."""

import io

import nbformat

from autograder.plugins.sanitize_student_html import SanitizeStudentHTML


def _display(data):
    return nbformat.v4.new_output("display_data", data=data, metadata={})


def test_the_preprocessor_sanitizes_a_notebook_read_from_disk():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("<script>document.title='XSS'</script>**answer**"),
        nbformat.v4.new_code_cell("display(SVG(...))", outputs=[_display({"image/svg+xml": "<svg onload=x()>"})]),
    ])
    read_back = nbformat.read(io.StringIO(nbformat.writes(notebook)), as_version=4)
    sanitized, resources = SanitizeStudentHTML().preprocess(read_back, {})
    assert sanitized.cells[0].source == "**answer**"
    assert "image/svg+xml" not in sanitized.cells[1].outputs[0].data
    assert resources == {}
