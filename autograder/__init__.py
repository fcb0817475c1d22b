"""The course's grading library: checks that hidden tests call, and the CLI.

Test cells use it like this:

    from autograder import checks, require
    require(checks.output_shape(model, (None, 10)))

Each check returns a `CheckResult` and trains nothing; `require` turns the
failed ones into one `CheckFailed` error whose message says what was
expected, what was found and how to fix it.
"""

from autograder.results import CheckFailed, CheckResult, require

__all__ = ["CheckFailed", "CheckResult", "require"]
