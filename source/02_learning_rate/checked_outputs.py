"""The outputs nbval checks in this chapter's notebook (`tests/end_to_end/test_notebooks.py`).

Notebooks are committed without outputs: the expected stdout of each cell
tagged `nbval-check-output` is kept here, under the cell's id. Never released.
"""

CHECKED_OUTPUTS = {
    "iterations-check": (
        "Keras ran 15 iterations; your function says 15\n"
        "100 epochs would make 1500 updates\n"
    ),
}
