"""What the benchmark ran on, recorded beside its numbers."""

import datetime
import platform
import sys
from pathlib import Path

from autograder.sandbox import cpu_share


def describe_machine():
    """Returns the machine and software the numbers were measured with.

    Returns:
        A dict: `date` (UTC, ISO 8601), `cpu_count` (the cores this process
        may use), `processor`, `platform`, `python`, `tensorflow`, `keras`,
        `numpy` and `blas` (the BLAS NumPy's matmul uses, when NumPy says).
    """
    import keras
    import numpy as np
    import tensorflow as tf

    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu_count": cpu_share.usable_cores(),
        "processor": _processor_name(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "blas": _blas_name(),
    }


def _processor_name():
    """The CPU's model name from /proc/cpuinfo on Linux, else what `platform` says."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:  # Not Linux.
        cpuinfo = ""
    for line in cpuinfo.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _blas_name():
    """The BLAS library NumPy was built with, or `None` if NumPy does not say."""
    import numpy as np

    try:
        config = np.show_config(mode="dicts")
    except TypeError:  # NumPy before 1.25 only prints its configuration.
        return None
    blas = config.get("Build Dependencies", {}).get("blas", {})
    return " ".join(part for part in (blas.get("name"), blas.get("version")) if part) or None
