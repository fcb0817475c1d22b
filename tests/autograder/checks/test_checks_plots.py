"""The check of a plot of training and validation loss (`autograder.checks.plots`)."""

import matplotlib
import matplotlib.pyplot as plt
import pytest

from autograder import checks
from autograder.synthetic import make_history

from check_helpers import assert_fails

matplotlib.use("Agg")

PLOTTED = make_history(loss=[0.9, 0.6, 0.5], val_loss=[0.8, 0.65, 0.7])


def draw(history, legend=True, labels=True, validation=True):
    figure, ax = plt.subplots()
    ax.plot(history.history["loss"], label="train")
    if validation:
        ax.plot(history.history["val_loss"], label="validation")
    if labels:
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
    if legend:
        ax.legend()
    return ax


def test_loss_plot_accepts_a_complete_plot_as_axes_or_figure():
    assert checks.loss_plot(draw(PLOTTED), PLOTTED).passed
    assert checks.loss_plot(draw(PLOTTED).figure, PLOTTED).passed


@pytest.mark.parametrize(
    "drawn, fragment",
    [
        (lambda: draw(PLOTTED, validation=False), "line of the validation loss"),
        (lambda: draw(PLOTTED, labels=False), "axes labelled"),
        (lambda: draw(PLOTTED, legend=False), "legend"),
        (lambda: draw(make_history(loss=[1, 2, 3], val_loss=[3, 2, 1])), "line of the training loss"),
        (lambda: None, "return ax"),
    ],
)
def test_loss_plot_rejects_an_incomplete_plot(drawn, fragment):
    assert_fails(checks.loss_plot(drawn(), PLOTTED), fragment)
    plt.close("all")
