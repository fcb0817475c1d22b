"""The outputs nbval checks in this chapter's notebook (`tests/end_to_end/test_notebooks.py`).

Notebooks are committed without outputs: the expected stdout of each cell
tagged `nbval-check-output` is kept here, under the cell's id. Never released.
"""

CHECKED_OUTPUTS = {
    "keras-comparison": (
        "sigmoid                same as Keras: True\n"
        "tanh                   same as Keras: True\n"
        "relu                   same as Keras: True\n"
        "leaky_relu, alpha=0.2  same as Keras: True\n"
        "elu                    same as Keras: True\n"
    ),
    "linear-demo": (
        "two linear layers, same outputs as one layer: True\n"
        "ReLU between them, same outputs as one layer: False\n"
    ),
    "data-shapes": (
        "training:   (48000, 28, 28) (48000,)\n"
        "validation: (12000, 28, 28) (12000,)\n"
    ),
}
