"""The outputs nbval checks in this chapter's notebook (`tests/end_to_end/test_notebooks.py`).

Notebooks are committed without outputs: the expected stdout of each cell
tagged `nbval-check-output` is kept here, under the cell's id. Never released.
"""

CHECKED_OUTPUTS = {
    "data-shapes": (
        "training:   (48000, 28, 28) (48000,)\n"
        "validation: (12000, 28, 28) (12000,)\n"
        "test:       (10000, 28, 28) (10000,)\n"
    ),
    "history-without-validation": (
        "History\n"
        "['accuracy', 'loss']\n"
        "[0, 1]\n"
    ),
    "same-seed-same-run": "same seed, same losses: True\n",
    "overfitting-facts": (
        "the validation loss is lowest before the last epoch: True\n"
        "the training loss kept falling after that epoch: True\n"
        "the gap between the curves is wider at the end than there: True\n"
    ),
    "loss-before-accuracy": "the validation accuracy peaks no earlier than the validation loss bottoms out: True\n",
}
