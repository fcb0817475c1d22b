"""Check results as plain data, and turning failed ones into an error."""

import dataclasses


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """The outcome of one check.

    Attributes:
        name: What was checked, for example `"output_shape"`.
        passed: Whether the check passed.
        message: For a failure: what was expected, what was found and the
            likely fix. For a pass: what was confirmed.
    """

    name: str
    passed: bool
    message: str

    def __str__(self):
        return f"{'passed' if self.passed else 'FAILED'} {self.name}: {self.message}"


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What one call of a student's function did.

    Attributes:
        returned: The value it returned (None if it raised).
        raised: The name of the exception it raised, or None.
        message: The exception's message.
        warnings: The warnings the call raised, each as
            `"Category: message"`, for example
            `"RuntimeWarning: overflow encountered in exp"`. NumPy's
            overflow, division and invalid-value errors count (underflow,
            which only rounds to zero, does not). Defaults to none.
    """

    returned: object = None
    raised: str = None
    message: str = ""
    warnings: tuple = ()


class CheckFailed(AssertionError):
    """Raised by `require` when at least one check failed.

    It subclasses `AssertionError` so that nbgrader counts it as a failed
    test. `results` holds every result given to `require`.
    """

    def __init__(self, results):
        self.results = list(results)
        failed = [result for result in self.results if not result.passed]
        super().__init__("\n".join(str(result) for result in failed))


def require(*results):
    """Prints each passed check and raises if any check failed.

    Args:
        *results: `CheckResult`s.

    Raises:
        CheckFailed: if any result did not pass; its message lists every
            failed check with its explanation.
        TypeError: if something other than a `CheckResult` is passed.
    """
    for result in results:
        if not isinstance(result, CheckResult):
            raise TypeError(
                "`require` takes the results of `autograder.checks` functions. "
                f"Received: {type(result).__name__}"
            )
    for result in results:
        if result.passed:
            print(result)
    if not all(result.passed for result in results):
        raise CheckFailed(results)
