"""Errors about a function's options, worded for whoever passed them.

The library names its options in Python terms (`workers=0`); the command
line passes the same options as flags (`--workers 0`). An `OptionError`
keeps its message as a template over the options it is about, so each
caller can spell them its own way:

    error = OptionError("Expected at least 1 worker. Received: {workers=}.", workers=0)
    str(error)                        # 'Expected at least 1 worker. Received: workers=0.'
    error.spelled(flag_spelling)      # 'Expected at least 1 worker. Received: --workers 0.'

In a template, `{workers}` stands for the option's name and `{workers=}`
for the option with its value; other text goes in through `literal()`,
which doubles its braces.
"""

import dataclasses
import string
from collections.abc import Callable


@dataclasses.dataclass(frozen=True)
class Spelling:
    """How a caller writes an option: its name alone, and the option with a value.

    Attributes:
        name: Called with an option's Python name, returns how to write it.
        setting: Called with the option's Python name and a value.
    """

    name: Callable
    setting: Callable


PYTHON_SPELLING = Spelling(name=lambda option: f"`{option}`", setting=lambda option, value: f"{option}={value!r}")


class _OptionMixin:
    def __init__(self, template, **options):
        self.template = template
        self.options = options
        super().__init__(self.spelled(PYTHON_SPELLING))

    def spelled(self, spelling):
        """Returns the message with each option written as `spelling` writes it."""
        return _OptionFormatter(spelling, self.options).format(self.template)

    def __reduce__(self):  # Keyword-only options: pickle by the template, not by `args`.
        return _rebuild, (type(self), self.template, self.options)


class OptionError(_OptionMixin, ValueError):
    """Raised when options are out of range or do not fit together.

    Attributes:
        template: The message, with `{option}` and `{option=}` fields.
        options: `{python name: value}` of the options the error is about,
            for example `{"workers": 2, "scheduler": "tcp://10.0.0.5:8786"}`.
    """


class OptionConnectionError(_OptionMixin, ConnectionError):
    """Raised when nothing answers at an address given as an option (a
    scheduler, a database); attributes as `OptionError`'s."""


def literal(value):
    """Returns `value` as text to put in a template as it is (its braces doubled)."""
    return str(value).replace("{", "{{").replace("}", "}}")


def _rebuild(error_type, template, options):
    return error_type(template, **options)


class _OptionFormatter(string.Formatter):
    def __init__(self, spelling, options):
        super().__init__()
        self.spelling = spelling
        self.options = options

    def get_value(self, key, args, kwargs):
        if key.endswith("="):
            option = key[:-1]
            return self.spelling.setting(option, self.options[option])
        return self.spelling.name(key)
