"""The outputs nbval checks in this chapter's notebook (`tests/end_to_end/test_notebooks.py`).

Notebooks are committed without outputs: the expected stdout of each cell
tagged `nbval-check-output` is kept here, under the cell's id. Never released.
"""

CHECKED_OUTPUTS = {
    "keras-comparison": (
        "momentum_step,  1 step(s): same as Keras: True\n"
        "momentum_step, 30 step(s): same as Keras: True\n"
        "nesterov_step,  1 step(s): same as Keras: True\n"
        "nesterov_step, 30 step(s): same as Keras: True\n"
    ),
    "adaptive-first-step": (
        "SGD, learning rate 0.05  first step: w1 +0.200, w2 -1.000\n"
        "Adagrad                  first step: w1 +0.299, w2 -0.300\n"
        "RMSprop                  first step: w1 +0.949, w2 -0.949\n"
        "Adam                     first step: w1 +0.300, w2 -0.300\n"
        "Nadam                    first step: w1 +0.319, w2 -0.319\n"
    ),
    "compile-default": "RMSprop with learning rate 0.001\n",
    "data-shapes": (
        "training:   (48000, 28, 28) (48000,)\n"
        "validation: (12000, 28, 28) (12000,)\n"
    ),
}
