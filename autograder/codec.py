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

import functools
import math
import types

import numpy as np

# Bounds shared by `encode` and `decode`, so that what one writes the other
# reads, and a forged record cannot make the grader allocate more.
MAX_ITEMS = 1_000_000  # items in one array, list or dict: 8 MB of float64
MAX_DEPTH = 20  # levels of nested lists and dicts
MAX_LINES = 50  # lines in one Axes; a course plot draws a few
MAX_POINTS = 100_000  # points in one line; a course plot draws one per epoch
_NON_FINITE = {"nan", "inf", "-inf"}
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
    if _depth > MAX_DEPTH:
        raise NotEncodable(f"values nested more than {MAX_DEPTH} levels deep cannot be graded")
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
        if len(value) > MAX_ITEMS:
            raise NotEncodable(f"a dict of {len(value)} items is too big to grade")
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
        if len(value.get_lines()) > MAX_LINES:
            raise NotEncodable(f"a plot with more than {MAX_LINES} lines cannot be graded; it has {len(value.get_lines())}")
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
                    "x": encode(_points(line.get_xdata())),
                    "y": encode(_points(line.get_ydata())),
                }
                for line in value.get_lines()
            ],
        }
    return None


def _points(data):
    points = np.asarray(data, dtype=float)
    if points.size > MAX_POINTS:
        raise NotEncodable(f"a plotted line of more than {MAX_POINTS} points cannot be graded; it has {points.size}")
    return points


def optimizer_summary(optimizer):
    """Returns a Keras optimizer's class and settings as plain data.

    Returns:
        `{"class_name": "SGD", "config": {...}, "replaced_methods": []}`,
        the config as `keras.optimizers.serialize` writes it (a
        learning-rate schedule stays a nested config), ready for `encode`.
        As in `callback_summary`, a class from outside Keras (a subclass
        of `SGD` named `RMSprop`, say) is named with its module, and a
        Keras class lists the methods that are not Keras's own.

    Raises:
        NotEncodable: if `optimizer` is not a Keras optimizer.
    """
    import keras

    if not isinstance(optimizer, keras.optimizers.Optimizer):
        kind = type(optimizer)
        raise NotEncodable(f"expected a keras optimizer; found {kind.__module__}.{kind.__qualname__}")
    serialized = keras.optimizers.serialize(optimizer)
    kind = type(optimizer)
    if not _from_keras(kind):
        return {"class_name": f"{kind.__module__}.{kind.__qualname__}", "config": dict(serialized["config"])}
    return {"class_name": str(serialized["class_name"]), "config": dict(serialized["config"]),
            "replaced_methods": _replaced_methods(optimizer)}


def callback_summary(callback):
    """Returns a Keras callback's class and settings as plain data.

    The settings are the callback's public attributes that hold a bool,
    int, float, str or None: what it was built with (for `ModelCheckpoint`,
    `filepath`, `monitor`, `save_best_only`, ...) and the few numbers it
    keeps while training (`wait`, `best`). Everything else (the model, the
    saved weights) is left out. For Keras's own classes, the summary also
    names the methods that are not Keras's (replaced on the object after it
    was built, or patched into its class), since those settings then say
    nothing about what the callback does.

    Returns:
        `{"class_name": "EarlyStopping", "config": {"patience": 2, ...},
        "replaced_methods": []}`, ready for `encode`. A class from outside
        Keras is named with its module, for example
        `"__main__.StopAtAccuracy"`, and has no `replaced_methods`.

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
    from_keras = _from_keras(kind)
    config = {
        name: setting for name, setting in vars(callback).items()
        if not name.startswith("_") and (setting is None or type(setting) in _SCALARS)
    }
    summary = {"class_name": kind.__name__ if from_keras else f"{kind.__module__}.{kind.__qualname__}", "config": config}
    if from_keras:
        summary["replaced_methods"] = _replaced_methods(callback)
    return summary


# Where the methods and functions of Keras come from (its TensorFlow backend's
# optimizers inherit TensorFlow's checkpoint tracking; `tf.nn.relu` and the
# like are saved by name and rebuilt as Keras's own, which compute the same).
KERAS_MODULES = ("keras", "tensorflow")


def _from_keras(kind):
    return kind.__module__.split(".")[0] == "keras"


def outside_keras(function):
    """Whether `function` is defined outside Keras and TensorFlow (in the student's notebook, say)."""
    return (getattr(function, "__module__", None) or "").split(".")[0] not in KERAS_MODULES


def _replaced_methods(keras_object):
    """The methods of a Keras callback or optimizer that are not Keras's
    own: set on the object after it was built (any that hides a method of
    its class, or a function from outside Keras), or patched into its class.

    Functions Keras itself keeps on the object (`monitor_op`, set when
    training begins) are not counted.
    """
    kind = type(keras_object)
    replaced = set()
    for name, member in vars(keras_object).items():
        hides_a_method = callable(member) and callable(getattr(kind, name, None))
        a_function = isinstance(member, (types.FunctionType, types.MethodType, functools.partial))
        if hides_a_method or (a_function and outside_keras(member)):
            replaced.add(name)
    for name in dir(kind):
        member = getattr(kind, name, None)
        if not name.startswith("__") and callable(member) and outside_keras(member):
            replaced.add(name)
    return sorted(replaced)


def decode(record, _depth=0):
    """Turns what `encode` produced back into a value.

    Histories come back as `keras.callbacks.History` and Axes as a new
    matplotlib Axes drawn from the summary. A record may come from a
    student's kernel, so it is checked against the bounds `encode` keeps
    (`MAX_ITEMS`, `MAX_DEPTH`, `MAX_LINES`, `MAX_POINTS`) before anything
    is built from it: an array's shape must account for exactly the items
    it holds.

    Raises:
        ValueError: if `record` is not something `encode` produces.
    """
    if not isinstance(record, dict) or "type" not in record:
        raise ValueError(f"expected a typed value such as {{'type': 'int', 'value': 3}}; found {record!r:.200}")
    if _depth > MAX_DEPTH:
        raise ValueError(f"values nested more than {MAX_DEPTH} levels deep are not graded")
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
        return _float(value)
    if kind in ("numpy.bool", "numpy.int", "numpy.float"):
        dtype = _numeric_dtype(record.get("dtype"))
        try:
            return dtype.type(_float(value) if kind == "numpy.float" else _scalar(value))
        except OverflowError as error:
            raise ValueError(f"a {dtype} record holds {value!r:.50}: {error}") from None
    if kind == "ndarray":
        return _array(record)
    if kind in ("list", "tuple"):
        if type(value) is not list or len(value) > MAX_ITEMS:
            raise ValueError(f"a {kind} record must hold a list of at most {MAX_ITEMS} items; found {_size(value)}")
        items = [decode(item, _depth + 1) for item in value]
        return items if kind == "list" else tuple(items)
    if kind == "dict":
        if type(value) is not dict or len(value) > MAX_ITEMS:
            raise ValueError(f"a dict record must hold a dict of at most {MAX_ITEMS} items; found {_size(value)}")
        return {str(key): decode(item, _depth + 1) for key, item in value.items()}
    if kind == "history":
        return _history(record)
    if kind == "axes":
        return _axes(record)
    raise ValueError(f"unknown record type {kind!r:.50}")


def _size(value):
    return f"{len(value)} items" if isinstance(value, (list, dict)) else type(value).__name__


def _float(value):
    if type(value) is str and value in _NON_FINITE:
        return float(value)
    if type(value) not in (int, float) or type(value) is bool:
        raise ValueError(f"a float record holds {value!r:.50}; expected a number, 'nan', 'inf' or '-inf'")
    try:
        return float(value)
    except OverflowError as error:
        raise ValueError(f"a float record holds an integer too large for a float: {error}") from None


def _scalar(value):
    if type(value) not in (bool, int):
        raise ValueError(f"an integer or bool record holds {type(value).__name__}")
    return value


def _array(record):
    dtype = _numeric_dtype(record.get("dtype"))
    shape, value = record.get("shape"), record.get("value")
    if (type(shape) is not list or len(shape) > 32
            or not all(type(size) is int and size >= 0 for size in shape)):
        raise ValueError(f"an array's shape must be a list of at most 32 non-negative ints; found {shape!r:.100}")
    if type(value) is not list:
        raise ValueError(f"an array record must hold a list of its items; found {type(value).__name__}")
    num_items = math.prod(shape)
    if num_items != len(value) or num_items > MAX_ITEMS:
        raise ValueError(
            f"an array of shape {tuple(shape)} must hold {num_items} items, at most {MAX_ITEMS}; "
            f"the record holds {len(value)}"
        )
    items = [_float(item) if type(item) is str else item for item in value]
    if not all(type(item) in (bool, int, float) for item in items):
        raise ValueError("an array record must hold only numbers")
    try:
        return np.asarray(items, dtype=dtype).reshape(shape)
    except OverflowError as error:
        raise ValueError(f"an array of dtype {dtype} holds a number it cannot: {error}") from None


def _numeric_dtype(name):
    if type(name) is not str or len(name) > 20:
        raise ValueError(f"only numeric arrays are graded; found dtype {name!r:.50}")
    try:
        dtype = np.dtype(name)
    except TypeError:
        raise ValueError(f"only numeric arrays are graded; found dtype {name!r}") from None
    if dtype.kind not in "biuf" or dtype.shape != () or dtype.fields is not None:
        raise ValueError(f"only numeric arrays are graded; found dtype {name!r}")
    return dtype


def _history(record):
    import keras

    history = keras.callbacks.History()
    history.history = decode(record["history"])
    history.epoch = decode(record["epoch"])
    history.params = decode(record["params"])
    if not isinstance(history.history, dict) or not all(isinstance(items, list) for items in history.history.values()):
        raise ValueError("a history record's `history` must be a dict of lists")
    if not isinstance(history.epoch, list) or not isinstance(history.params, dict):
        raise ValueError("a history record's `epoch` must be a list and its `params` a dict")
    return history


def _axes(record):
    import matplotlib.pyplot as plt

    lines, legend = record["lines"], record["legend"]
    if type(lines) is not list or len(lines) > MAX_LINES:
        raise ValueError(f"an axes record holds at most {MAX_LINES} lines; found {_size(lines)}")
    if legend is not None and (type(legend) is not list or len(legend) > MAX_LINES
                               or not all(type(text) is str for text in legend)):
        raise ValueError(f"an axes record's legend must be at most {MAX_LINES} strings")
    for name in ("xlabel", "ylabel", "title"):
        if type(record[name]) is not str:
            raise ValueError(f"an axes record's {name} must be a string")
    points = []
    for line in lines:
        x, y = decode(line["x"]), decode(line["y"])
        if not all(isinstance(data, np.ndarray) and data.ndim == 1 and data.size <= MAX_POINTS for data in (x, y)):
            raise ValueError(f"each plotted line holds two 1-D arrays of at most {MAX_POINTS} points")
        if type(line["label"]) is not str:
            raise ValueError("each plotted line's label must be a string")
        points.append((x, y, line["label"]))
    figure, axes = plt.subplots()
    plt.close(figure)
    for x, y, label in points:
        axes.plot(x, y, label=label)
    axes.set_xlabel(record["xlabel"])
    axes.set_ylabel(record["ylabel"])
    axes.set_title(record["title"])
    if legend is not None:
        axes.legend(legend)
    return axes
