"""Rebuilding a recorded model in the grader's process, safely.

A model record is the JSON `keras.saving.serialize_keras_object` made of
the student's model and its weight arrays. Nothing is unpickled and no
student code is loaded: every object in the config must be one of Keras's
own built-in classes, found by name in Keras's public modules, and
everything that can name code (a `Lambda` layer, a custom activation, a
registered custom object) is refused before Keras sees the config.
"""

import json

import numpy as np

MAX_CONFIG_BYTES = 5_000_000
MAX_WEIGHT_BYTES = 500_000_000

# Keras's public modules by the name serialize_keras_object writes.
_MODULES = {
    "keras": "keras",
    "keras.layers": "keras.layers",
    "keras.initializers": "keras.initializers",
    "keras.regularizers": "keras.regularizers",
    "keras.constraints": "keras.constraints",
    "keras.optimizers": "keras.optimizers",
    "keras.optimizers.schedules": "keras.optimizers.schedules",
    "keras.losses": "keras.losses",
    "keras.metrics": "keras.metrics",
    "keras.src.models.functional": "keras",
    "keras.src.models.sequential": "keras",
}
_MODEL_CLASSES = {"Sequential": "Sequential", "Functional": "Model"}
# Plain data Keras writes without a module (tensors between layers, arrays);
# `__lambda__` and friends are left out on purpose.
_PLAIN_DATA = {"__keras_tensor__", "__tensor__", "__numpy__", "__tuple__", "__ellipsis__", "__slice__"}
# Layers that run or load arbitrary code.
_REFUSED = {"Lambda", "TFSMLayer", "TorchModuleWrapper", "JaxLayer", "FlaxLayer"}


class UnsafeRecord(ValueError):
    """Raised for a model record the grader will not rebuild."""


def check_config(node, path="model"):
    """Raises `UnsafeRecord` unless every object in `node` is a built-in
    Keras class named by its public module."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            check_config(item, f"{path}[{index}]")
        return
    if not isinstance(node, dict):
        return
    if "class_name" in node and "module" in node:
        module, class_name = node["module"], node["class_name"]
        if node.get("registered_name") not in (None, class_name):
            raise UnsafeRecord(f"{path} is a custom object ({node.get('registered_name')!r}); use Keras's built-in layers")
        if class_name in _REFUSED:
            raise UnsafeRecord(f"{path} is a {class_name} layer, which runs code the grader does not load; use built-in layers")
        public = _MODULES.get(module)
        if public is None or not _public_class(public, class_name):
            raise UnsafeRecord(
                f"{path} is {module}.{class_name}, not one of Keras's built-in classes; "
                "custom layers, activations and functions cannot be graded"
            )
    elif node.get("class_name") in _PLAIN_DATA and "module" not in node:
        pass
    elif "class_name" in node or "module" in node:
        raise UnsafeRecord(f"{path} names an object without saying where it comes from: {sorted(node)}")
    for key, item in node.items():
        check_config(item, f"{path}.{key}")


def _public_class(module_name, class_name):
    import importlib

    module = importlib.import_module(module_name)
    if module_name == "keras" and class_name in _MODEL_CLASSES:
        return True
    return isinstance(getattr(module, class_name, None), type)


def rebuild_model(config_path, weights_path):
    """Rebuilds a recorded model with its weights.

    Args:
        config_path: The record's `.json` file, as `autograder.records.model`
            wrote it.
        weights_path: Its `.weights.npz` file.

    Returns:
        An uncompiled `keras.Model`.

    Raises:
        UnsafeRecord: if the config names anything but built-in Keras classes.
        ValueError: if the record is malformed, too large, or its weights do
            not fit the architecture.
    """
    import keras

    if config_path.stat().st_size > MAX_CONFIG_BYTES or weights_path.stat().st_size > MAX_WEIGHT_BYTES:
        raise ValueError("the model record is larger than any model in this course")
    record = json.loads(config_path.read_text())
    config = record["config"]
    if config.get("class_name") not in _MODEL_CLASSES:
        raise UnsafeRecord(f"expected a Sequential or functional model; found {config.get('class_name')!r}")
    config = {key: item for key, item in config.items() if key != "compile_config"}
    check_config(config)
    model = keras.saving.deserialize_keras_object(config, safe_mode=True)
    with np.load(weights_path, allow_pickle=False) as archive:
        weights = [archive[f"arr_{index}"] for index in range(len(archive.files))]
    expected = [tuple(weight.shape) for weight in model.weights]
    found = [tuple(weight.shape) for weight in weights]
    if expected != found:
        raise ValueError(f"the recorded weights have shapes {found}; the architecture needs {expected}")
    model.set_weights(weights)
    return model
