"""Reading the per-epoch metrics that `model.fit()` records."""


def as_history_dict(history):
    """Returns the per-epoch metrics of `history` as a dict of float lists.

    Args:
        history: The `keras.callbacks.History` that `model.fit()` returns,
            or its `history` dict (metric name to a list with one value per
            epoch).

    Returns:
        A new dict mapping each metric name, such as `"loss"` or
        `"val_accuracy"`, to a list of floats, one per epoch.

    Raises:
        TypeError: if `history` is neither a History nor a dict of lists.
    """
    metrics = getattr(history, "history", history)
    if not isinstance(metrics, dict):
        raise TypeError(
            "`history` must be the History returned by `model.fit()` or its "
            f"`history` dict. Received: {type(history).__name__}"
        )
    result = {}
    for name, values in metrics.items():
        try:
            result[str(name)] = [float(value) for value in values]
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"`history['{name}']` must be a list of numbers, one per epoch. "
                f"Received: {values!r}"
            ) from error
    return result


def require_metrics(history, names):
    """Returns the lists of the metrics `names`, failing with a fix if one is absent.

    Args:
        history: A History or its `history` dict.
        names: Metric names, for example `("loss", "val_loss")`.

    Returns:
        A list with one list of floats per name, in the order given.

    Raises:
        KeyError: if a metric is missing; the message says which argument of
            `compile()` or `fit()` records it.
    """
    metrics = as_history_dict(history)
    for name in names:
        if name not in metrics:
            raise KeyError(
                f"`history` has no `{name}`. {how_to_record(name)} "
                f"Received keys: {sorted(metrics)}"
            )
    return [metrics[name] for name in names]


def how_to_record(name):
    """Returns the sentence telling how to make Keras record metric `name`."""
    if name.startswith("val_"):
        return "Pass `validation_data=(x_val, y_val)` to `fit()` to record it."
    if name != "loss":
        return f"Pass `metrics=['{name}']` (a list) to `compile()` to record it."
    return "Train the model with `fit()` to record it."

