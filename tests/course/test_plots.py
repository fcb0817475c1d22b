"""The shared plots: curves per metric, runs compared, functions, images, and the live plot."""

import re

import keras
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from course import plots

matplotlib.use("Agg")

HISTORY = {"loss": [0.9, 0.6, 0.5], "accuracy": [0.6, 0.7, 0.8], "val_loss": [0.8, 0.7, 0.75], "val_accuracy": [0.6, 0.65, 0.66]}


def test_history_plot_has_a_panel_per_metric_with_training_and_validation_lines():
    figure = plots.plot_history(HISTORY)
    assert [ax.get_ylabel() for ax in figure.axes] == ["loss", "accuracy"]
    assert [ax.get_ylabel() for ax in plots.plot_history({"accuracy": [0.5], "loss": [1.0]}).axes] == ["loss", "accuracy"]
    loss_panel = figure.axes[0]
    training, validation = loss_panel.get_lines()
    assert list(training.get_ydata()) == HISTORY["loss"] and training.get_linestyle() == "-"
    assert list(validation.get_ydata()) == HISTORY["val_loss"] and validation.get_linestyle() == ":"
    assert list(training.get_xdata()) == [1, 2, 3]


def test_history_plot_of_an_unrecorded_metric_says_so():
    with pytest.raises(KeyError, match="no `auc`"):
        plots.plot_history(HISTORY, metrics=["auc"])


def test_compare_histories_draws_one_line_per_run():
    ax = plots.compare_histories({"a": HISTORY, "b": {"val_loss": [1.0, 0.9]}})
    assert [line.get_label() for line in ax.get_lines()] == ["a", "b"]
    assert ax.get_ylabel() == "val_loss"
    ax.figure.canvas.draw()
    assert all(tick == int(tick) for tick in ax.get_xticks()), "epochs are whole numbers"


def test_compare_histories_draws_side_by_side_panels_and_log_losses():
    figure, (left, right) = plt.subplots(1, 2)
    assert plots.compare_histories({"a": HISTORY}, "loss", ax=left, log_scale=True) is left
    plots.compare_histories({"a": HISTORY}, "val_accuracy", ax=right)
    assert left.get_yscale() == "log" and right.get_yscale() == "linear"
    assert [ax.get_ylabel() for ax in figure.axes] == ["loss", "val_accuracy"]


def test_show_images_titles_each_image_with_its_class():
    figure = plots.show_images(np.zeros((3, 28, 28)), [0, 9, 1])
    assert [ax.get_title() for ax in figure.axes] == ["T-shirt/top", "Ankle boot", "Trouser"]


def test_live_plot_records_every_epoch_outside_a_notebook():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = np.random.rand(32, 4), np.random.randint(0, 2, 32)
    live_plot = plots.LivePlot()
    model.fit(x, y, validation_data=(x, y), epochs=3, verbose=0, callbacks=[live_plot])
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(live_plot.logged)
    assert all(len(values) == 3 for values in live_plot.logged.values())


def test_plot_functions_draws_each_function_in_a_panel_of_its_own_with_a_grid():
    figure = plots.plot_functions({"square": np.square, "absolute": np.abs}, start=-2.0, stop=2.0, num_points=5)
    assert [ax.get_title() for ax in figure.axes] == ["square", "absolute"]
    (square,) = figure.axes[0].get_lines()[-1:]
    assert list(square.get_xdata()) == [-2.0, -1.0, 0.0, 1.0, 2.0]
    assert list(square.get_ydata()) == [4.0, 1.0, 0.0, 1.0, 4.0]
    assert all(ax.xaxis.get_gridlines()[0].get_visible() for ax in figure.axes)


@pytest.mark.parametrize(
    "arguments, fragment",
    [
        ({"functions": {}}, "at least one"),
        ({"functions": {"f": np.abs}, "start": 1.0, "stop": 1.0}, "greater than `start`"),
        ({"functions": {"f": np.abs}, "num_points": 1}, "at least 2"),
        ({"functions": {"sum": np.sum}}, "'sum' must return one value per input value"),
    ],
)
def test_plot_functions_refuses_what_it_cannot_plot(arguments, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)):
        plots.plot_functions(**arguments)
