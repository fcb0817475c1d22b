"""Checks of an optimizer, a Keras one or its summary as `records.optimizer`
recorded it: its class and settings, and that it clips gradients.
"""

import math

import numpy as np

from autograder import codec
from autograder.checks.engine import _check, _replaced_methods_problem

CLIPPING_SETTINGS = ("clipnorm", "clipvalue", "global_clipnorm")


def _optimizer_summary(optimizer):
    if isinstance(optimizer, dict):
        return optimizer
    return codec.optimizer_summary(optimizer)  # Raises NotEncodable, which `_check` reports.


@_check
def optimizer_settings(optimizer, class_name, **expected):
    """Checks an optimizer (a Keras optimizer, or its summary as
    `records.optimizer` recorded it): its class and the settings in
    `expected`, for example `learning_rate=0.01` (numbers are compared
    with a relative tolerance of 1e-6) or `nesterov=True` (a bool setting
    must be that very bool). A subclass named like a Keras class, or a
    Keras optimizer whose methods were replaced, fails
    (`codec.optimizer_summary`)."""
    summary = _optimizer_summary(optimizer)
    found_class = summary.get("class_name")
    if found_class != class_name:
        own = ", a class defined outside Keras" if "." in str(found_class) else ""
        return False, (
            f"expected the model to be trained with {class_name}; found {found_class}{own}. "
            f"Compile the model with the optimizer you were given (keras.optimizers.{class_name})."
        )
    replaced = _replaced_methods_problem(summary, "optimizers", class_name)
    if replaced:
        return False, replaced
    config = summary.get("config", {})
    for name, value in expected.items():
        found = config.get(name)
        if isinstance(value, bool):
            if found is not value:
                return False, f"expected {class_name} with {name}={value!r}; found {name}={found!r}."
            continue
        if isinstance(found, bool) or not isinstance(found, (int, float, np.number)) or not math.isclose(found, value, rel_tol=1e-6):
            return False, f"expected {class_name} with {name}={value!r}; found {name}={found!r}."
    settings = ", ".join(f"{name}={value!r}" for name, value in expected.items())
    return True, f"{class_name}({settings})"


@_check
def gradient_clipping(optimizer):
    """Checks that an optimizer (or its recorded summary) clips gradients."""
    config = _optimizer_summary(optimizer).get("config", {})
    found = {name: config.get(name) for name in CLIPPING_SETTINGS if config.get(name) is not None}
    if not found:
        return False, (
            f"expected gradient clipping (one of {', '.join(CLIPPING_SETTINGS)}); the optimizer has none. "
            "Pass, for example, `clipnorm=1.0` to the optimizer."
        )
    return True, "clips gradients: " + ", ".join(f"{name}={value!r}" for name, value in found.items())
