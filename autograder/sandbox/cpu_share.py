"""How many CPU threads each grading task may use, and the settings that hold it to them.

Two kernels training at once on two cores each start a thread pool as big
as the machine: four busy threads on two cores, each training slower than
alone. A grading task instead gets its share of the cores of the machine
it runs on, and TensorFlow (and NumPy's BLAS) in the student's kernel and
in the grader's judging process are told to use only that many threads.
"""

import os

THREAD_VARIABLES = (
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
)


def usable_cores():
    """Returns the number of cores this process may run on (its CPU affinity)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # Not Linux.
        return os.cpu_count() or 1


def threads_per_task(tasks_at_once, cores=None):
    """Returns the threads each of `tasks_at_once` tasks on one machine may use.

    Args:
        tasks_at_once: How many grading tasks run at the same time there.
        cores: The machine's usable cores. Defaults to `usable_cores()`.

    Returns:
        At least 1: `cores // tasks_at_once`.
    """
    cores = usable_cores() if cores is None else cores
    return max(1, cores // max(1, tasks_at_once))


def thread_environment(threads):
    """Returns environment variables that hold TensorFlow and BLAS to `threads` threads.

    TensorFlow reads `TF_NUM_INTRAOP_THREADS` and `TF_NUM_INTEROP_THREADS`
    when it starts, so they reach a kernel through its environment; the
    sandbox passes them on (`autograder.sandbox.bubblewrap`).
    """
    if threads < 1:
        raise ValueError(f"Expected at least 1 thread per task. Received: {threads}")
    return {name: str(threads) for name in THREAD_VARIABLES}
