"""How fast this machine is, against the one the tests' time limits were set on.

Machines of CI's kind (2 cores) differ from one host to the next: NumPy's
float32 2048 x 2048 matmul ran at 189 GFLOP/s on the one the time limits and
the README's `make bench` figures were measured on, and at 310 to 320 on
another, where the whole test suite took 29 minutes; one CI run on a slower
host took 78. A time limit meant to catch a notebook or an attack that got
slower must not fail because the host did, so each limit holds for the
reference machine and is multiplied by `slowdown()` on a slower one.
"""

import functools

from autograder.tools.bench import flops

# NumPy's float32 matmul rate on the machine the time limits were measured on.
REFERENCE_GFLOPS = 189.0


@functools.cache
def matmul_gflops():
    """Returns this machine's NumPy float32 matmul rate in GFLOP/s, measured once per test run.

    The best of five 2048 x 2048 products (`autograder.tools.bench.flops.matmul_rate`),
    about half a second.
    """
    return flops.matmul_rate().gflops_per_second


def slowdown():
    """Returns how many times slower this machine is than the reference one (at least 1)."""
    return max(1.0, REFERENCE_GFLOPS / matmul_gflops())


def scaled(seconds):
    """Returns a time limit of `seconds` on the reference machine, for this one."""
    return seconds * slowdown()
