"""How many CPU threads a kernel may use, and the settings that hold it to them.

Every graded kernel and every judge runs with `GRADING_THREADS` TensorFlow
and BLAS threads, whatever the machine and however many submissions are
graded at once. TensorFlow splits a sum over its threads, so another
thread count adds the same numbers in another order, and a seeded
training ends somewhere else: chapter 02's RMSprop run ended between
79.9% and 86.0% across seeds and 1 or 2 threads. With the count fixed, a
submission's measured numbers, and so its grade, are the same with
`--workers 1`, `--workers 2` or on a machine with more cores. A class is
graded faster by more workers, each on a core of its own, not by more
threads per kernel.

`threads_per_task` shares the cores out instead, for runs whose numbers
need not match the grader's (the tests' notebook lanes).
"""

import os

THREAD_VARIABLES = (
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
)

# One thread per graded kernel: the course's models are small enough that a
# second thread gains little, and a thread count of 1 exists on every machine.
GRADING_THREADS = 1


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


def grading_thread_environment():
    """Returns the thread settings of every graded kernel and judge: `GRADING_THREADS` threads."""
    return thread_environment(GRADING_THREADS)
