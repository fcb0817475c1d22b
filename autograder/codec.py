"""Typed JSON for what crosses from a student's kernel to the grader.

A grade record holds plain values only. `encode` turns a value into JSON
that says its type (`{"type": "int", "value": 3}`), so the grader can tell
`True` from `1` and `1` from `1.0` the way `checks.function_cases` does;
`decode` turns it back. Anything that is not a plain value (an object with
its own `__eq__`, a class, a function) cannot be encoded, so a student
cannot hand the grader an object that claims to equal everything.

Arrays travel as lists with their dtype and shape. Histories and
matplotlib Axes travel as summaries (`History` keeps `history`, `epoch`
and `params`; an Axes keeps its lines, labels and legend), which the grader
rebuilds as real objects for the checks.
"""

import math

import numpy as np

MAX_ITEMS = 1_000_000
_SCALARS = {bool: "bool", int: "int", float: "float", str: "str"}
_NUMPY_SCALARS = ((np.bool_, "numpy.bool"), (np.integer, "numpy.int"), (np.floating, "numpy.float"))


class NotEncodable(TypeError):
    """Raised by `encode` for a value that is not plain data."""


def encode(value, _depth=0):
    """Encodes `value` as typed JSON.

    Args:
        value: `None`, a bool, int, float or str, a NumPy scalar or array
            of numbers, a list, tuple or dict (str keys) of these, a Keras
            `History`, or a matplotlib `Axes` or one-Axes `Figure`.

    Returns:
        A JSON-serialisable dict.

    Raises:
        NotEncodable: for anything else, naming the type found.
    """
    if _depth > 20:
        raise NotEncodable("values nested more than 20 levels deep cannot be graded")
    kind = type(value)
    if value is None:
        return {"type": "none"}
    if kind in _SCALARS:
        if kind is float and not math.isfinite(value):
            return {"type": "float", "value": repr(value)}
        return {"type": _SCALARS[kind], "value": value}
    for numpy_type, name in _NUMPY_SCALARS:
        if isinstance(value, numpy_type) and np.ndim(value) == 0:
            return {"type": name, "dtype": str(value.dtype), "value": encode(value.item())["value"]}
    if kind is np.ndarray:
        if value.dtype.kind not in "biuf" or value.size > MAX_ITEMS:
            raise NotEncodable(f"an array of dtype {value.dtype} and size {value.size} cannot be graded")
        return {"type": "ndarray", "dtype": str(value.dtype), "shape": list(value.shape),
                "value": [encode(item)["value"] for item in value.ravel().tolist()]}
    if kind in (list, tuple):
        if len(value) > MAX_ITEMS:
            raise NotEncodable(f"a {kind.__name__} of {len(value)} items is too long to grade")
        return {"type": kind.__name__, "value": [encode(item, _depth + 1) for item in value]}
    if kind is dict:
        if not all(type(key) is str for key in value):
            raise NotEncodable("only dicts with string keys can be graded")
        return {"type": "dict", "value": {key: encode(item, _depth + 1) for key, item in value.items()}}
    summary = _summary(value)
    if summary is not None:
        return summary
    raise NotEncodable(
        f"a value of type {kind.__module__}.{kind.__qualname__} cannot be graded; "
        "return a plain value (bool, int, float, str, list, dict or a NumPy array)"
    )


def _summary(value):
    import keras  # The kernel has Keras loaded already; imported late to keep this module light.

    if isinstance(value, keras.callbacks.History):
        return {
            "type": "history",
            "history": encode({str(name): [float(item) for item in items] for name, items in value.history.items()}),
            "epoch": encode([int(item) for item in getattr(value, "epoch", [])]),
            "params": encode({key: item for key, item in (getattr(value, "params", None) or {}).items()
                              if type(item) in (int, float, str, bool)}),
        }
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    if isinstance(value, Figure) and len(value.axes) == 1:
        value = value.axes[0]
    if isinstance(value, Axes):
        legend = value.get_legend()
        return {
            "type": "axes",
            "xlabel": value.get_xlabel(),
            "ylabel": value.get_ylabel(),
            "title": value.get_title(),
            "legend": [text.get_text() for text in legend.get_texts()] if legend else None,
            "lines": [
                {
                    "label": str(line.get_label()),
                    "x": encode(np.asarray(line.get_xdata(), dtype=float)),
                    "y": encode(np.asarray(line.get_ydata(), dtype=float)),
                }
                for line in value.get_lines()
            ],
        }
    return None


def optimizer_summary(optimizer):
    """Returns a Keras optimizer's class and settings as plain data.

    Returns:
        `{"class_name": "SGD", "config": {...}}`, the config as
        `keras.optimizers.serialize` writes it (a learning-rate schedule
        stays a nested config), ready for `encode`.

    Raises:
        NotEncodable: if `optimizer` is not a Keras optimizer.
    """
    import keras

    if not isinstance(optimizer, keras.optimizers.Optimizer):
        kind = type(optimizer)
        raise NotEncodable(f"expected a keras optimizer; found {kind.__module__}.{kind.__qualname__}")
    serialized = keras.optimizers.serialize(optimizer)
    return {"class_name": str(serialized["class_name"]), "config": dict(serialized["config"])}


def callback_summary(callback):
    """Returns a Keras callback's class and settings as plain data.

    The settings are the callback's public attributes that hold a bool,
    int, float, str or None: what it was built with (for `ModelCheckpoint`,
    `filepath`, `monitor`, `save_best_only`, ...) and the few numbers it
    keeps while training (`wait`, `best`). Everything else (the model, the
    saved weights) is left out.

    Returns:
        `{"class_name": "EarlyStopping", "config": {"patience": 2, ...}}`,
        ready for `encode`. A class from outside Keras is named with its
        module, for example `"__main__.StopAtAccuracy"`.

    Raises:
        NotEncodable: if `callback` is not a Keras callback.

    Example:

    >>> codec.callback_summary(keras.callbacks.EarlyStopping(patience=2))["config"]["patience"]
    2
    """
    import keras

    kind = type(callback)
    if not isinstance(callback, keras.callbacks.Callback):
        raise NotEncodable(f"expected a keras callback; found {kind.__module__}.{kind.__qualname__}")
    from_keras = kind.__module__.split(".")[0] == "keras"
    config = {
        name: setting for name, setting in vars(callback).items()
        if not name.startswith("_") and (setting is None or type(setting) in _SCALARS)
    }
    return {"class_name": kind.__name__ if from_keras else f"{kind.__module__}.{kind.__qualname__}", "config": config}


def decode(record):
    """Turns what `encode` produced back into a value.

    Histories come back as `keras.callbacks.History` and Axes as a new
    matplotlib Axes drawn from the summary.

    Raises:
        ValueError: if `record` is not something `encode` produces.
    """
    if not isinstance(record, dict) or "type" not in record:
        raise ValueError(f"expected a typed value such as {{'type': 'int', 'value': 3}}; found {record!r:.200}")
    kind = record["type"]
    value = record.get("value")
    if kind == "none":
        return None
    if kind in ("bool", "int", "str"):
        python_type = {"bool": bool, "int": int, "str": str}[kind]
        if type(value) is not python_type:
            raise ValueError(f"a {kind} record holds {type(value).__name__}")
        return value
    if kind == "float":
        return float(value)
    if kind in ("numpy.bool", "numpy.int", "numpy.float"):
        return np.dtype(_numeric_dtype(record["dtype"])).type(float(value) if kind == "numpy.float" else value)
    if kind == "ndarray":
        dtype = _numeric_dtype(record["dtype"])
        return np.asarray([float(item) if isinstance(item, str) else item for item in value], dtype=dtype).reshape(record["shape"])
    if kind in ("list", "tuple"):
        items = [decode(item) for item in value]
        return items if kind == "list" else tuple(items)
    if kind == "dict":
        return {str(key): decode(item) for key, item in value.items()}
    if kind == "history":
        return _history(record)
    if kind == "axes":
        return _axes(record)
    raise ValueError(f"unknown record type {kind!r}")


def _numeric_dtype(name):
    dtype = np.dtype(name)
    if dtype.kind not in "biuf":
        raise ValueError(f"only numeric arrays are graded; found dtype {name!r}")
    return dtype


def _history(record):
    import keras

    history = keras.callbacks.History()
    history.history = decode(record["history"])
    history.epoch = decode(record["epoch"])
    history.params = decode(record["params"])
    return history


def _axes(record):
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots()
    plt.close(figure)
    for line in record["lines"]:
        axes.plot(decode(line["x"]), decode(line["y"]), label=line["label"])
    axes.set_xlabel(record["xlabel"])
    axes.set_ylabel(record["ylabel"])
    axes.set_title(record["title"])
    if record["legend"] is not None:
        axes.legend(record["legend"])
    return axes
