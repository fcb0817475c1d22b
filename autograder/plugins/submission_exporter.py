"""A submission that is not a notebook is graded as blank, never dropped.

`nbgrader_config.py` makes `SubmissionExporter` autograde's exporter
(`Autograde.exporter_class`), so it reads every submitted file before any
of nbgrader's preprocessors does. A file that is not a valid notebook
(invalid JSON, an empty file, a cell whose source is a number) becomes an
empty notebook saying why (`unreadable_notebook`), which scores zero; and
nbgrader metadata that is not nbgrader's shape is removed
(`drop_malformed_nbgrader_metadata`), since nbgrader's preprocessors crash
on it and stop the whole submission.
"""

import nbformat
from nbconvert.exporters import NotebookExporter


def unreadable_notebook(reason):
    """Returns an empty notebook saying why the submitted file could not be read.

    Args:
        reason: Why, as a short line of text.

    Returns:
        An nbformat 4 `NotebookNode` with a Python 3 kernelspec and one
        markdown cell.
    """
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells.append(nbformat.v4.new_markdown_cell(
        f"**The submitted file could not be read as a notebook** ({reason}). "
        "It was graded as a blank submission."
    ))
    return notebook


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


class SubmissionExporter(NotebookExporter):
    """Reads a broken submission as an empty notebook instead of failing.

    Example, in `nbgrader_config.py`:

        c.Autograde.exporter_class = "autograder.plugins.submission_exporter.SubmissionExporter"
    """

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
