"""Shared fixtures, and a summary of measured course timings after the run."""

import os

# Quiet TensorFlow's C++ logging in this process and the kernels it starts.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

COURSE_ROOT = Path(__file__).resolve().parent.parent
TIMINGS = []


@pytest.fixture(scope="session")
def course_root():
    """The repository, which is the nbgrader course root."""
    return COURSE_ROOT


@pytest.fixture(scope="session")
def record_timing():
    """Returns a function that records a measured time for the end-of-run summary."""

    def record(what, seconds):
        TIMINGS.append((what, seconds))

    return record


def pytest_terminal_summary(terminalreporter):
    if TIMINGS:
        terminalreporter.section("course timings")
        for what, seconds in TIMINGS:
            terminalreporter.write_line(f"{seconds:7.1f} s  {what}")
        notebooks = [seconds for what, seconds in TIMINGS if what.startswith("nbval ")]
        if notebooks:
            terminalreporter.write_line(f"{sum(notebooks):7.1f} s  all {len(notebooks)} notebooks under nbval")
    import machine_speed

    if machine_speed.matmul_gflops.cache_info().currsize:
        terminalreporter.write_line(
            f"time limits multiplied by {machine_speed.slowdown():.2f}: NumPy's matmul ran at "
            f"{machine_speed.matmul_gflops():.0f} GFLOP/s here, {machine_speed.REFERENCE_GFLOPS:.0f} on the reference machine")
