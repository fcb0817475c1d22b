"""What hidden tests record in the student's kernel for the grader to judge.

Hidden test cells do not decide anything: code in a student's kernel can
be patched by the student. They only record what is to be judged into the
folder the grader names in `AUTOGRADER_RECORDS_DIR`; after the notebook has
run, the grader judges those records in a process of its own
(`autograder.judge.judging`), with the expected values and thresholds kept in the
instructor's `source/<assignment>/grading.py`.

    from autograder import records
    records.model("trained_model_accuracy", "model", model)
    records.calls("best_epoch_cases", best_epoch)

Each record lives in `<records dir>/<grade_id>/<key>.json` (plus
`<key>.weights.npz` for a model; `autograder.record_format` owns the layout). The inputs `calls` gives a student's
function come from another folder, `AUTOGRADER_INPUTS_DIR`, which the
judge writes and the kernel can only read. Where the variable is not set (a student
running the notebook in JupyterLab, or CI's nbval run of a source
notebook), the record is still built, so that mistakes show, and then
dropped.

A recorded call also keeps the warnings it raised (`watching_warnings`),
so that a judge can reject, say, a sigmoid whose `np.exp` overflows even
though it returns the right numbers.
"""

import contextlib
import json
import time
import warnings

import numpy as np

from autograder import codec, record_format

MAX_WARNINGS = 5


def model(grade_id, key, the_model):
    """Records a Keras model's architecture and weights.

    Args:
        grade_id: The grade cell the record belongs to.
        key: The record's name within that cell, for example `"model"`.
        the_model: What the student's code produced. Anything that is not a
            `keras.Model` is recorded as such, for the grader to report.
    """
    import keras

    if not isinstance(the_model, keras.Model):
        return _write(grade_id, key, {"kind": "model", "error": f"expected a keras.Model; found {_type_name(the_model)}"})
    impostors = _activations_from_outside_keras(the_model)
    if impostors:
        return _write(grade_id, key, {"kind": "model", "error": (
            f"the model's {impostors[0]} is a function defined outside Keras, which Keras saves by its name alone, "
            "so the grader would rebuild a different model; pass Keras's own, for example activation=\"elu\"")})
    try:
        config = keras.saving.serialize_keras_object(the_model)
        json.dumps(config)
        weights = [np.asarray(weight) for weight in the_model.get_weights()]
    except Exception as error:  # The student's model may be broken in any way.
        return _write(grade_id, key, {"kind": "model", "error": f"the model could not be saved: {type(error).__name__}: {error}"})
    record = {"kind": "model", "config": config, "num_weights": len(weights)}
    steps = _training_steps(the_model)
    if steps is not None:
        record["training_steps"] = steps
    return _write(grade_id, key, record, weights=weights)


def _activations_from_outside_keras(the_model):
    """Describes each layer activation of `the_model` that is not one of Keras's functions.

    A function of the student's own named `elu` is saved as `"elu"` and
    rebuilt by the grader as Keras's ELU.
    """
    found = []
    for layer in _all_layers(the_model):
        for attribute in ("activation", "recurrent_activation"):
            function = getattr(layer, attribute, None)
            if callable(function) and codec.outside_keras(function):
                found.append(f"layer {layer.name!r} {attribute} {getattr(function, '__module__', None)}."
                             f"{getattr(function, '__qualname__', type(function).__qualname__)}")
    return found


def _all_layers(the_model):
    for layer in the_model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _all_layers(layer)


def _training_steps(the_model):
    """The optimizer's step counter, which `fit()` advances once per batch, or None."""
    try:
        return int(the_model.optimizer.iterations.numpy())
    except Exception:  # No optimizer, or one not built yet.
        return None


def optimizer(grade_id, key, the_optimizer):
    """Records a Keras optimizer's class and settings (`codec.optimizer_summary`).

    Pass `model.optimizer` after training to record what the model was
    really trained with.
    """
    try:
        summary = codec.optimizer_summary(the_optimizer)
    except codec.NotEncodable as error:
        return _write(grade_id, key, {"kind": "value", "error": str(error)})
    return value(grade_id, key, summary)


def callbacks(grade_id, key, the_callbacks):
    """Records the class and settings of each Keras callback in a list
    (`codec.callback_summary`), in order.

    Args:
        grade_id: The grade cell the record belongs to.
        key: The record's name within that cell, for example `"callbacks"`.
        the_callbacks: A list or tuple of callbacks, as passed to `fit()`,
            or a single callback (recorded as a list of one). Anything else
            is recorded as such, for the grader to report.
    """
    items = [the_callbacks] if not isinstance(the_callbacks, (list, tuple)) else list(the_callbacks)
    summaries = []
    for position, item in enumerate(items, start=1):
        try:
            summaries.append(codec.callback_summary(item))
        except codec.NotEncodable as error:
            where = f"item {position} of the list" if isinstance(the_callbacks, (list, tuple)) else "the value"
            return _write(grade_id, key, {"kind": "value", "error": f"expected a list of keras callbacks; {where}: {error}"})
    return value(grade_id, key, summaries)


def value(grade_id, key, the_value):
    """Records a plain value (see `autograder.codec.encode`)."""
    return _write(grade_id, key, {"kind": "value", **_encoded(the_value)})


def calls(grade_id, function, key="calls"):
    """Calls `function` on the inputs the grader provided for `grade_id`
    and records what each call returned or raised.

    The grader writes the inputs (never the expected outputs) while the
    notebook starts; this waits for them if they are not complete yet.
    Outside autograding there are none, and nothing is called.
    """
    folder = record_format.inputs_dir()
    if record_format.records_dir() is None:
        return None
    deadline = time.monotonic() + record_format.INPUTS_WAIT_SECONDS
    while not (folder / record_format.INPUTS_COMPLETE).exists():
        if time.monotonic() > deadline or (folder / record_format.INPUTS_FAILED).exists():
            return _write(grade_id, key, {"kind": "calls", "error": "the grader's inputs never arrived"})
        time.sleep(0.1)
    inputs_file = folder / record_format.inputs_file(grade_id)
    if not inputs_file.is_file():
        return _write(grade_id, key, {"kind": "calls", "error": f"the grader has no inputs for {grade_id!r}"})
    cases = json.loads(inputs_file.read_text())
    outcomes = []
    for arguments in cases:
        arguments = codec.decode(arguments)
        caught = []
        try:
            with watching_warnings() as caught:
                returned = function(*arguments)
        except Exception as error:  # Whatever the student's function raises is the outcome.
            outcomes.append({"raised": _type_name(error), "message": str(error)[:500], "warnings": caught})
            continue
        outcomes.append({**_encoded(returned), "warnings": caught})
    return _write(grade_id, key, {"kind": "calls", "callable": callable(function), "outcomes": outcomes})


@contextlib.contextmanager
def watching_warnings():
    """Collects the warnings raised inside the block as `"Category: message"` strings.

    Every warning is caught and none is shown, whatever filters the notebook
    set. NumPy is made to warn on overflow, division by zero and invalid
    values, even where the notebook silenced them, but not on underflow,
    which only rounds a tiny number to zero. At most `MAX_WARNINGS`
    different warnings are kept, each cut to 200 characters.

    Yields:
        A list, filled in when the block ends (also when it raises).

    Example:

    >>> with records.watching_warnings() as caught:
    ...     1 / (1 + np.exp(-np.array([-1000.0])))
    >>> caught
    ['RuntimeWarning: overflow encountered in exp']
    """
    found = []
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
        warnings.simplefilter("always")
        try:
            yield found
        finally:
            for warning in caught:
                text = _warning_text(warning)
                if text not in found and len(found) < MAX_WARNINGS:
                    found.append(text)


def _warning_text(warning):
    try:
        return f"{warning.category.__name__}: {warning.message}"[:200]
    except Exception:  # A student's warning may not even print.
        return "a warning that cannot be shown"


def _encoded(the_value):
    try:
        return {"value": codec.encode(the_value)}
    except codec.NotEncodable as error:
        return {"error": str(error)}


def _type_name(thing):
    kind = type(thing)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _write(grade_id, key, record, weights=None):
    for name in (grade_id, key):
        if not record_format.is_valid_name(name):
            raise ValueError(record_format.invalid_name_message(name))
    text = json.dumps(record)
    folder = record_format.records_dir()
    if folder is None:
        return None
    cell_dir = folder / grade_id
    cell_dir.mkdir(parents=True, exist_ok=True)
    if weights is not None:
        np.savez(cell_dir / record_format.weights_file(key), *weights)
    path = cell_dir / record_format.record_file(key)
    path.write_text(text)
    return path
