"""What some tests need from the machine, and what they do without it.

Elsewhere a test whose part is missing (bubblewrap, a cgroup, Chromium,
PostgreSQL) is skipped with the reason; under CI (`CI=true`), where
`make test` installs every part, it fails instead, so a security test
cannot pass by not running.
"""

import os

import pytest


def missing(what, problem):
    """Skips the calling test because `what` is missing, or fails it under CI.

    Args:
        what: The missing part, for example `"the sandbox"`.
        problem: Why it is missing, with the fix.
    """
    message = f"{what} is missing here: {problem}"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI=true: `make test` should have installed it)", pytrace=False)
    pytest.skip(message)


def sandbox():
    """Skips or fails the calling test unless the grading sandbox works here."""
    from autograder.sandbox import bubblewrap as grading_sandbox

    problem = grading_sandbox.problem()
    if problem is not None:
        missing("the sandbox", problem)
