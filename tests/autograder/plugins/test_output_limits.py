"""What a kernel printed is made well-formed and capped before nbgrader's own
preprocessors see it (they crash on a stream whose text is a list)."""

import base64

import nbformat

from autograder.plugins import output_limits
from autograder.plugins.output_limits import OutputLimits


def _notebook(*outputs_per_cell):
    notebook = nbformat.v4.new_notebook()
    for outputs in outputs_per_cell:
        cell = nbformat.v4.new_code_cell("print('hi')")
        cell.outputs = list(outputs)
        notebook.cells.append(cell)
    return notebook


def test_lists_of_strings_are_joined_and_malformed_outputs_dropped():
    notebook = _notebook([
        {"output_type": "stream", "name": "stdout", "text": ["a\n", "b\n"]},
        {"output_type": "display_data", "data": {"text/plain": ["x", "y"], "text/html": 42}, "metadata": []},
        {"output_type": "stream", "name": "stdout", "text": 7},
        {"output_type": "mystery"},
        "not even a dict",
    ])
    assert output_limits.limit_outputs(notebook) == 3
    stream, display, note = notebook.cells[0].outputs
    assert stream.text == "a\nb\n"
    assert display.data == {"text/plain": "xy"} and display.metadata == {}
    assert "3 outputs of this cell" in note.text
    nbformat.validate(notebook)


def test_long_text_is_cut_and_a_huge_image_replaced_by_a_note():
    image = base64.b64encode(b"\x89PNG" + b"0" * 3_000_000).decode()
    notebook = _notebook([
        nbformat.v4.new_output("stream", name="stdout", text="x" * 150_000),
        nbformat.v4.new_output("display_data", data={"image/png": image}),
    ])
    output_limits.limit_outputs(notebook)
    text, picture = notebook.cells[0].outputs
    assert len(text.text) < 101_000 and "more characters cut by the grader" in text.text
    assert "image/png" not in picture.data and "over its cap" in picture.data["text/plain"]


def test_a_cell_and_a_notebook_keep_only_so_many_outputs():
    many = [nbformat.v4.new_output("display_data", data={"text/plain": "y" * 50_000}) for _ in range(2_000)]
    notebook = _notebook(many, many[:10])
    output_limits.limit_outputs(notebook, OutputLimits(max_outputs=50, max_cell_bytes=1_000_000, max_notebook_bytes=1_200_000))
    first, second = notebook.cells
    assert len(first.outputs) <= 21 and "outputs of this cell" in first.outputs[-1].text
    assert len(second.outputs) <= 5
    assert len(nbformat.writes(notebook)) < 1_400_000


def test_honest_outputs_are_kept_as_they_were():
    outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="epoch 1\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": "0.87"}, execution_count=3),
        nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"},
                               metadata={"image/png": {"width": 600}}),
        nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=["line 1", "ValueError: bad"]),
    ]
    notebook = _notebook([nbformat.from_dict(output) for output in outputs])
    assert output_limits.limit_outputs(notebook) == 0
    assert notebook.cells[0].outputs == outputs
