"""Synthetic inputs for hidden tests: histories no student has seen."""

import keras


def make_history(**metrics):
    """Builds a `keras.callbacks.History` as `fit()` would have returned it.

    Args:
        **metrics: Each metric's per-epoch values, for example
            `loss=[0.9, 0.6], val_loss=[0.8, 0.7]`. All lists must have the
            same length.

    Returns:
        A History whose `history`, `epoch` and `params["epochs"]` match.

    Raises:
        ValueError: if no metric is given or the lists differ in length.

    Example:

    >>> history = make_history(loss=[0.9, 0.6], val_loss=[0.8, 0.7])
    >>> history.epoch
    [0, 1]
    """
    lengths = {name: len(values) for name, values in metrics.items()}
    if not lengths or len(set(lengths.values())) != 1:
        raise ValueError(
            "`make_history` needs at least one metric, all with one value per epoch. "
            f"Received lengths: {lengths}"
        )
    num_epochs = next(iter(lengths.values()))
    history = keras.callbacks.History()
    history.history = {name: [float(value) for value in values] for name, values in metrics.items()}
    history.epoch = list(range(num_epochs))
    history.params = {"epochs": num_epochs, "verbose": 0}
    return history
