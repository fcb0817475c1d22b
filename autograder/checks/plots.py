"""Checks of a plot drawn from a History: a line each for the training and
validation loss, axis labels and a legend.
"""

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from autograder.checks.engine import _check
from course import histories


@_check
def loss_plot(axes, history):
    """Checks a plot of training and validation loss drawn from `history`:
    one line for each, axis labels and a legend."""
    if isinstance(axes, Figure) and len(axes.axes) == 1:
        axes = axes.axes[0]
    if not isinstance(axes, Axes):
        return False, (
            "expected the matplotlib Axes the plot was drawn on; "
            f"found {type(axes).__name__}. End the function with `return ax`."
        )
    loss, val_loss = histories.require_metrics(history, ("loss", "val_loss"))
    lines = axes.get_lines()
    for values, what in ((loss, "training loss"), (val_loss, "validation loss")):
        if not any(_line_shows(line, values) for line in lines):
            return False, (
                f"expected a line of the {what} (y values {np.round(values, 3).tolist()}); "
                f"found {len(lines)} line(s) with labels {[line.get_label() for line in lines]}. "
                "Plot `history.history['loss']` and `history.history['val_loss']`."
            )
    if not axes.get_xlabel() or not axes.get_ylabel():
        return False, (
            f"expected both axes labelled; found x label {axes.get_xlabel()!r} and y label "
            f"{axes.get_ylabel()!r}. Use `ax.set_xlabel('epoch')` and `ax.set_ylabel('loss')`."
        )
    legend = axes.get_legend()
    if legend is None or len(legend.get_texts()) < 2:
        return False, (
            "expected a legend naming both curves; found none. Pass `label=...` to each "
            "`ax.plot` and call `ax.legend()`."
        )
    return True, "training and validation loss plotted with labels and a legend"


def _line_shows(line, values):
    y = np.asarray(line.get_ydata(), dtype=float)
    return y.shape == (len(values),) and np.allclose(y, values)
