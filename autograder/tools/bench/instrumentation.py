"""The cells the benchmark adds to a notebook to see what its trainings did.

A notebook is benchmarked in one of two variants:

- `"shipped"`: as the course ships it (the notebooks pass
  `steps_per_execution=32` to `compile()`);
- `"defaults"`: with Keras's defaults for batch handling: every `compile()`
  runs with `steps_per_execution=1`. The notebooks set up no prefetching of
  their own, so that is the only difference.

`instrument()` puts a first cell in front of the notebook that wraps
`keras.Model.fit` (and, for `"defaults"`, `keras.Model.compile`) in the
kernel, and a last cell that prints what the wrappers recorded;
`read_records()` reads that back from the executed notebook.

Example:

```python
instrumented = instrumentation.instrument(notebook, "defaults")
executed = ...  # run `instrumented` with nbclient
records = instrumentation.read_records(executed)
records.fits[0]["val_accuracy"]
```
"""

import dataclasses
import json

import nbformat

SHIPPED, DEFAULTS = "shipped", "defaults"
VARIANTS = (SHIPPED, DEFAULTS)
# Starts the line of the last cell's output that holds the records.
RECORDS_MARKER = "AUTOGRADER-BENCHMARK-RECORDS "

_FIRST_CELL = '''\
# Added by the benchmark: records each fit()'s final val_accuracy.
import inspect as _benchmark_inspect
import time as _benchmark_time

import keras as _benchmark_keras
from IPython import get_ipython as _benchmark_ipython

_benchmark_fits = []
_benchmark_compiles = []
# Cells started after this one, counted by the kernel itself: IPython
# versions differ on what `execution_count` holds while a cell runs.
_benchmark_cells_started = [0]
_benchmark_ipython().events.register(
    "pre_run_cell", lambda info: _benchmark_cells_started.__setitem__(0, _benchmark_cells_started[0] + 1)
)
_benchmark_fit = _benchmark_keras.Model.fit
# compile() is replaced where it is defined (Keras's Trainer), not on Model:
# load_model() compiles a model only if its class's compile() is Trainer's.
_benchmark_compile_owner = next(cls for cls in _benchmark_keras.Model.__mro__ if "compile" in vars(cls))
_benchmark_compile = _benchmark_compile_owner.compile
_benchmark_compile_signature = _benchmark_inspect.signature(_benchmark_compile)


def _benchmark_recording_fit(self, *args, **kwargs):
    start = _benchmark_time.perf_counter()
    history = _benchmark_fit(self, *args, **kwargs)
    val_accuracy = history.history.get("val_accuracy") if history is not None else None
    _benchmark_fits.append({
        "cells_started": _benchmark_cells_started[0],
        "seconds": _benchmark_time.perf_counter() - start,
        "epochs": len(history.epoch) if history is not None else 0,
        "val_accuracy": float(val_accuracy[-1]) if val_accuracy else None,
        "steps_per_execution": int(self.steps_per_execution),
    })
    return history


def _benchmark_defaults_compile(self, *args, **kwargs):
    arguments = _benchmark_compile_signature.bind(self, *args, **kwargs)
    _benchmark_compiles.append(arguments.arguments.get("steps_per_execution", 1))
    arguments.arguments["steps_per_execution"] = 1
    return _benchmark_compile(*arguments.args, **arguments.kwargs)


_benchmark_keras.Model.fit = _benchmark_recording_fit
'''

_FORCE_DEFAULTS = '''
# The "defaults" variant: every compile() runs with steps_per_execution=1.
_benchmark_compile_owner.compile = _benchmark_defaults_compile
'''

_LAST_CELL = f'''\
# Added by the benchmark: prints what the first cell recorded.
import json as _benchmark_json

print({RECORDS_MARKER!r} + _benchmark_json.dumps({{"fits": _benchmark_fits, "compiles": _benchmark_compiles}}))
'''


@dataclasses.dataclass(frozen=True)
class Records:
    """What the added cells recorded in one run of a notebook.

    Attributes:
        fits: One dict per `fit()` call that returned, in call order:
            `cell_index` (the cell of the original notebook that called it),
            `seconds`, `epochs`, `val_accuracy` (the last epoch's, or `None`
            without validation data) and `steps_per_execution` (what the
            model actually ran with).
        compiles: For the `"defaults"` variant, the `steps_per_execution`
            each `compile()` asked for before it was set to 1; empty for
            `"shipped"`.
    """

    fits: tuple
    compiles: tuple


def instrument(notebook, variant):
    """Returns a copy of `notebook` with the benchmark's first and last cells added.

    Args:
        notebook: A `NotebookNode` (version 4); it is not changed.
        variant: `"shipped"` (record only) or `"defaults"` (also run every
            `compile()` with `steps_per_execution=1`).

    Returns:
        The instrumented copy, to execute with nbclient.

    Raises:
        ValueError: if `variant` is neither.
    """
    if variant not in VARIANTS:
        raise ValueError(f"`variant` must be one of {VARIANTS}. Received: variant={variant!r}")
    instrumented = nbformat.from_dict(notebook)
    first = _FIRST_CELL + (_FORCE_DEFAULTS if variant == DEFAULTS else "")
    instrumented.cells = [
        nbformat.v4.new_code_cell(first),
        *instrumented.cells,
        nbformat.v4.new_code_cell(_LAST_CELL),
    ]
    return instrumented


def read_records(executed):
    """Reads the records printed by the last cell of an executed instrumented notebook.

    Args:
        executed: The notebook returned by nbclient after running
            `instrument(...)`'s result to the end.

    Returns:
        A `Records`; each fit's `cell_index` is the index of the calling
        cell in the original notebook (`None` if it cannot be told).

    Raises:
        ValueError: if the last cell printed no records (the notebook was
            not instrumented, or did not run to its end).
    """
    last = executed.cells[-1]
    text = "".join(output.get("text", "") for output in last.get("outputs", []) if output.get("output_type") == "stream")
    lines = [line for line in text.splitlines() if line.startswith(RECORDS_MARKER)]
    if not lines:
        raise ValueError(
            "Expected the benchmark's last cell to print a line starting with "
            f"{RECORDS_MARKER.strip()!r}. Received output: {text[-500:]!r}. Execute the notebook "
            "`instrument()` returned, to its end."
        )
    printed = json.loads(lines[-1][len(RECORDS_MARKER):])
    # nbclient runs the code cells that have code, in order; the n-th cell
    # started after the first (added) one is executed_cells[n], and the
    # original notebook's cells sit one place earlier than in the instrumented one.
    executed_cells = [
        index for index, cell in enumerate(executed.cells)
        if cell.cell_type == "code" and cell.source.strip()
    ]
    fits = []
    for fit in printed["fits"]:
        fit = dict(fit)
        started = fit.pop("cells_started")
        fit["cell_index"] = executed_cells[started] - 1 if 0 < started < len(executed_cells) else None
        fits.append(fit)
    return Records(tuple(fits), tuple(printed["compiles"]))
