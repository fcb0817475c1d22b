"""The course's grading library.

Its top level is what runs in a student's kernel, and all that the student
bundle ships: `require`, the visible checks (`checks`), the records hidden
tests write (`records`, laid out as `record_format` says, encoded by
`codec`), the grader's measurements (`performance`), and Validate's settings
(`validation`). None of it imports the grader's parts, which live in
subpackages: `judge` (verdicts from records), `sandbox` (the kernel's jail),
`plugins` (nbgrader's preprocessors), `classroom` (grading a class) and
`tools` (the command line, `python -m autograder`).

Test cells use it like this:

    from autograder import checks, require
    require(checks.output_shape(model, (None, 10)))

Each check returns a `CheckResult` and trains nothing; `require` turns the
failed ones into one `CheckFailed` error whose message says what was
expected, what was found and how to fix it.
"""

from autograder.results import CheckFailed, CheckResult, require

__all__ = ["CheckFailed", "CheckResult", "require"]
