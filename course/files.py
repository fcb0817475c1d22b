"""Where notebooks write files of their own (checkpoints, saved models).

A notebook that saves a checkpoint must not write into the course folder:
in `release/` the file would sit beside the student's notebook and be
collected with it, and in `autograded/` it would outlive grading. A
`scratch_dir()` lives in the system's temporary folder and is removed when
the Python process that made it (the notebook's kernel) exits, so a
restarted notebook always starts without last run's files.

Example:

```python
checkpoint_dir = files.scratch_dir("06_callbacks")
checkpoint_path = checkpoint_dir / "best.keras"
```
"""

import atexit
import re
import shutil
import tempfile
from pathlib import Path

_NAME = re.compile(r"[A-Za-z0-9_.-]+")


def scratch_dir(name):
    """Returns a new, empty folder for a notebook's own files, removed when this process exits.

    Args:
        name: What the files are for, used in the folder's name, for
            example `"06_callbacks"`. Letters, digits, `.`, `_` and `-`.

    Returns:
        The folder, a `pathlib.Path` under the system's temporary folder
        (`tempfile.gettempdir()`). Each call makes a new folder.

    Raises:
        ValueError: if `name` is empty or holds other characters.
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(
            "`name` must be a non-empty string of letters, digits, '.', '_' and '-', "
            f"for example '06_callbacks'. Received: name={name!r}"
        )
    folder = Path(tempfile.mkdtemp(prefix=f"keras-course-{name}-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
