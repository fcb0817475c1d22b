"""Checks of a model's architecture: its input and output shapes, its layers
in order, where a given layer sits, its hidden Dense layers and its number
of parameters. They read the model and neither train nor run it.
"""

import keras

from autograder.checks.engine import _check, _not_a_model


def _shape_text(shape):
    return str(tuple(shape))


def _compare_shape(model, which, expected, fix):
    problem = _not_a_model(model)
    if problem:
        return problem
    try:
        found = tuple(getattr(model, f"{which}_shape"))
    except (AttributeError, ValueError):
        input_hint = tuple(expected[1:]) if which == "input" else "..."
        return False, (
            f"expected {which} shape {_shape_text(expected)}; the model has no input yet. "
            f"Start it with `keras.Input(shape={input_hint})`."
        )
    if found != tuple(expected):
        return False, f"expected {which} shape {_shape_text(expected)}; found {_shape_text(found)}. {fix}"
    return True, f"{which} shape is {_shape_text(found)}"


@_check
def input_shape(model, expected):
    """Checks `model.input_shape`, for example `(None, 28, 28)`."""
    return _compare_shape(model, "input", expected, f"Start the model with `keras.Input(shape={tuple(expected[1:])})`.")


@_check
def output_shape(model, expected):
    """Checks `model.output_shape`, for example `(None, 10)`."""
    return _compare_shape(model, "output", expected, f"The last layer needs {expected[-1]} units, one per class.")


def describe_layer(layer):
    """Returns a short description of `layer` such as `"Dense(100, relu)"`.

    Dense layers show units and activation, Dropout its rate, Activation
    its function; other layers show their class name.
    """
    kind = type(layer).__name__
    config = layer.get_config()
    if kind == "Dense":
        return f"Dense({config['units']}, {_activation_name(config['activation'])})"
    if kind == "Dropout":
        return f"Dropout({config['rate']:g})"
    if kind == "Activation":
        return f"Activation({_activation_name(config['activation'])})"
    return kind


def _activation_name(activation):
    if isinstance(activation, dict):
        return activation.get("config", {}).get("name", str(activation))
    return str(activation)


def layer_descriptions(model):
    """Returns `describe_layer` of each of `model`'s layers, input layer left out."""
    return [describe_layer(layer) for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


@_check
def layer_sequence(model, expected):
    """Checks the model's layers in order, for example
    `["Flatten", "Dense(100, relu)", "Dense(10, softmax)"]`."""
    problem = _not_a_model(model)
    if problem:
        return problem
    found = layer_descriptions(model)
    expected = list(expected)
    if found == expected:
        return True, f"layers are {found}"
    mismatch = next(
        (i for i, (want, got) in enumerate(zip(expected, found)) if want != got),
        min(len(found), len(expected)),
    )
    detail = (
        f"layer {mismatch + 1} should be {expected[mismatch]}, found "
        f"{found[mismatch] if mismatch < len(found) else 'nothing'}"
        if mismatch < len(expected)
        else f"there is an extra layer {found[mismatch]} at position {mismatch + 1}"
    )
    return False, f"expected layers {expected}; found {found}: {detail}."


@_check
def layer_at(model, position, layer):
    """Checks that the very `layer` object passed in sits at `position`
    (1-based, input layer not counted)."""
    problem = _not_a_model(model)
    if problem:
        return problem
    layers = [item for item in model.layers if not isinstance(item, keras.layers.InputLayer)]
    if position <= len(layers) and layers[position - 1] is layer:
        return True, f"the layer passed in is layer {position}"
    where = [i + 1 for i, item in enumerate(layers) if item is layer]
    found = f"at position {where[0]}" if where else "nowhere in the model"
    return False, (
        f"expected the layer passed in ({describe_layer(layer)}) at position {position}; "
        f"found it {found}. Add the argument layer itself to the model, "
        "after the hidden Dense layer and before the output layer, and only when it is not None."
    )


@_check
def parameter_count(model, expected):
    """Checks the total number of weights, trainable or not."""
    problem = _not_a_model(model)
    if problem:
        return problem
    found = model.count_params()
    if found != expected:
        return False, (
            f"expected {expected:,} parameters; found {found:,}. "
            "Check the units of each Dense layer against the exercise."
        )
    return True, f"{found:,} parameters"


@_check
def minimum_hidden_layers(model, minimum):
    """Checks that `model` has at least `minimum` Dense layers before its output layer."""
    problem = _not_a_model(model)
    if problem:
        return problem
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    found = max(len(dense) - 1, 0)
    if found < minimum:
        return False, (
            f"expected at least {minimum} hidden Dense layer(s) before the output layer; found {found} "
            f"(layers {layer_descriptions(model)}). Add `keras.layers.Dense(units, activation='relu')` "
            "before the output layer."
        )
    return True, f"{found} hidden Dense layer(s)"


@_check
def maximum_parameter_count(model, maximum):
    """Checks that `model` has at most `maximum` parameters.

    Accuracy cells use it so that a model too big for the exercise (one
    that stores images in its weights instead of learning from them) is
    not measured at all.
    """
    problem = _not_a_model(model)
    if problem:
        return problem
    found = model.count_params()
    if found > maximum:
        return False, (
            f"expected at most {maximum:,} parameters, more than this exercise's model needs; found {found:,}. "
            "Build the model the exercise asks for."
        )
    return True, f"{found:,} parameters (at most {maximum:,})"
