"""Plots the chapters share: training curves, a live training plot, images, functions."""

import keras
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from course import data, histories

TRAIN_STYLE = {"linestyle": "-", "marker": "o", "markersize": 3}
VALIDATION_STYLE = {"linestyle": ":", "marker": "o", "markersize": 3}


def plot_history(history, metrics=None, title=None):
    """Plots each metric per epoch, training solid and validation dotted.

    Args:
        history: The History returned by `model.fit()`, or its `history` dict.
        metrics: Names of the training metrics to plot, one panel each, for
            example `("loss", "accuracy")`. Their `val_` counterparts are
            drawn in the same panel when recorded. Defaults to `None`,
            meaning every training metric in `history`, loss first.
        title: Figure title. Defaults to `None` (no title).

    Returns:
        The matplotlib `Figure`.

    Raises:
        KeyError: if a metric asked for was not recorded.
    """
    recorded = histories.as_history_dict(history)
    if metrics is None:
        metrics = sorted((name for name in recorded if not name.startswith("val_")), key=lambda name: name != "loss")
    histories.require_metrics(recorded, metrics)
    figure, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.5), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        epochs = range(1, len(recorded[metric]) + 1)
        ax.plot(epochs, recorded[metric], label=f"training {metric}", **TRAIN_STYLE)
        if f"val_{metric}" in recorded:
            ax.plot(epochs, recorded[f"val_{metric}"], label=f"validation {metric}", **VALIDATION_STYLE)
        _label_epoch_axes(ax, metric)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def compare_histories(runs, metric="val_loss", title=None, ax=None, log_scale=False):
    """Plots one metric of several training runs on one set of axes.

    Args:
        runs: A dict mapping a run's label to its History (or history dict).
        metric: The metric to compare. Defaults to `"val_loss"`.
        title: Axes title. Defaults to `None` (no title).
        ax: The matplotlib `Axes` to draw on, for side-by-side panels.
            Defaults to `None`, meaning a new figure.
        log_scale: Whether the y axis is logarithmic, for losses that span
            orders of magnitude. Defaults to `False`.

    Returns:
        The matplotlib `Axes`.

    Raises:
        KeyError: if a run did not record `metric`.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    figure = ax.figure
    for label, history in runs.items():
        (values,) = histories.require_metrics(history, [metric])
        ax.plot(range(1, len(values) + 1), values, marker="o", markersize=3, label=label)
    if log_scale:
        ax.set_yscale("log")
    _label_epoch_axes(ax, metric)
    if title:
        ax.set_title(title)
    figure.tight_layout()
    return ax


def _label_epoch_axes(ax, metric):
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.grid(True, alpha=0.3)
    ax.legend()


def plot_functions(functions, start=-5.0, stop=5.0, num_points=201, title=None):
    """Plots functions of one variable side by side, one panel each, with a grid.

    Each function is called once, on a NumPy array of `num_points` evenly
    spaced values, so it must work on a whole array at once.

    Args:
        functions: A dict mapping a panel's title to a function that takes
            a 1-D array and returns an array of the same shape, for example
            `{"ReLU": relu, "ELU": elu}`.
        start: The smallest x value. Defaults to -5.0.
        stop: The largest x value. Defaults to 5.0.
        num_points: How many x values. Defaults to 201.
        title: Figure title. Defaults to `None` (no title).

    Returns:
        The matplotlib `Figure`.

    Raises:
        ValueError: if `functions` is empty, `stop` is not above `start`,
            `num_points` is below 2, or a function does not return one
            value per input value.

    Example:

    >>> plots.plot_functions({"tanh": np.tanh, "ReLU": lambda x: np.maximum(x, 0)})
    """
    if not functions:
        raise ValueError("`functions` must map at least one title to a function. Received: an empty dict")
    if not stop > start:
        raise ValueError(f"`stop` must be greater than `start`. Received: start={start}, stop={stop}")
    if num_points < 2:
        raise ValueError(f"`num_points` must be at least 2. Received: num_points={num_points}")
    x = np.linspace(start, stop, num_points)
    figure, axes = plt.subplots(1, len(functions), figsize=(2.8 * len(functions), 2.8), squeeze=False, sharex=True)
    for ax, (label, function) in zip(axes[0], functions.items()):
        y = np.asarray(function(x), dtype=float)
        if y.shape != x.shape:
            plt.close(figure)
            raise ValueError(
                f"{label!r} must return one value per input value: called on an array of shape {x.shape}, "
                f"it returned shape {y.shape}. Write it with NumPy operations on the whole array "
                "(`np.where`, `np.maximum`, `np.exp`)."
            )
        ax.axhline(0, color="0.6", linewidth=0.8)
        ax.axvline(0, color="0.6", linewidth=0.8)
        ax.plot(x, y, linewidth=2)
        ax.set_title(label)
        ax.set_xlabel("x")
        ax.grid(True, alpha=0.3)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def show_images(images, labels, class_names=data.CLASS_NAMES, num_images=10):
    """Shows the first `num_images` images in a row, each titled with its class.

    Args:
        images: Array of shape `(n, height, width)`.
        labels: Integer labels, one per image.
        class_names: Name of each class, indexed by label. Defaults to the
            Fashion-MNIST class names.
        num_images: How many images to show. Defaults to 10.

    Returns:
        The matplotlib `Figure`.
    """
    num_images = min(num_images, len(images))
    figure, axes = plt.subplots(1, num_images, figsize=(1.4 * num_images, 1.8), squeeze=False)
    for ax, image, label in zip(axes[0], images, labels):
        ax.imshow(image, cmap="gray_r")
        ax.set_title(class_names[int(label)], fontsize=8)
        ax.axis("off")
    figure.tight_layout()
    return figure


class LivePlot(keras.callbacks.Callback):
    """A callback that redraws the training curves as each epoch ends.

    Like the training-progress window in MATLAB: one panel per metric,
    training solid, validation dotted, updated in place in the notebook.
    Outside a notebook it only records the metrics, in `logged`.

    Args:
        metrics: Training metrics to plot, for example `("loss", "accuracy")`.
            Defaults to `None`, meaning every training metric Keras reports.

    Example:

    >>> model.fit(x_train, y_train, validation_data=(x_val, y_val),
    ...           epochs=10, callbacks=[plots.LivePlot()])
    """

    def __init__(self, metrics=None):
        super().__init__()
        self.metrics = metrics
        self.logged = {}
        self._display = None

    def on_train_begin(self, logs=None):
        self.logged = {}
        self._display = None

    def on_epoch_end(self, epoch, logs=None):
        import IPython
        from IPython.display import display

        for name, value in (logs or {}).items():
            self.logged.setdefault(name, []).append(float(value))
        if IPython.get_ipython() is None:
            return
        figure = plot_history(self.logged, metrics=self.metrics, title=f"after epoch {epoch + 1}")
        if self._display is None:
            self._display = display(figure, display_id=True)
        else:
            self._display.update(figure)
        # Closed so that the notebook does not draw it a second time.
        plt.close(figure)
