"""Reading one grade cell's records, which the student's kernel wrote and nothing in which is trusted.

A judge gets a `CellRecords` and asks it for what the hidden tests
recorded: `records.model("model")` (rebuilt by `autograder.judge.rebuild`),
`records.value(key)`, `records.calls(count)`. Whatever is missing,
malformed, too large or a link raises `RecordProblem`, whose message the
cell fails with.
"""

import json
import os
from pathlib import Path

from autograder import codec, record_format
from autograder.results import Outcome


class RecordProblem(Exception):
    """A record is missing or malformed; the cell fails with this message."""


class CellRecords:
    """The records one grade cell's hidden tests wrote.

    The student's kernel owns the records folder, so nothing in it is
    trusted: the cell's folder and each file are opened without following
    symbolic links (relative to the folder already opened, so nothing can
    be swapped in between), must be a folder and regular files, and are
    read from what was opened, at most `MAX_RECORD_BYTES` of JSON and
    `rebuild.MAX_WEIGHT_BYTES` of weights.
    """

    # The largest record in the course (a model config, a loss plot's
    # summary) is under 100 KB; 5 MB is 50 times that and the same bound as
    # `rebuild.MAX_CONFIG_BYTES`, and `json.loads` of 5 MB of the most
    # wasteful JSON (`[[],[],...]`) builds about 100 MB of objects.
    MAX_RECORD_BYTES = 5_000_000

    def __init__(self, folder, grade_id):
        self.root = Path(folder)
        self.folder = self.root / grade_id
        self.grade_id = grade_id

    def _open(self, file_name, max_bytes, missing):
        """Opens `<grade_id>/<file_name>` as `rebuild.open_regular_file` does.

        Raises:
            RecordProblem: with `missing` if there is no such file, or why
                the file or its folder is refused.
        """
        import errno

        from autograder.judge import rebuild

        for name in (self.grade_id, file_name):
            if not record_format.is_valid_name(name):
                raise RecordProblem(record_format.invalid_name_message(name))
        root = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)  # the grader's own folder
        try:
            try:
                cell = os.open(self.grade_id, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=root)
            except FileNotFoundError:
                raise RecordProblem(missing) from None
            except OSError as error:
                if error.errno not in (errno.ENOTDIR, errno.ELOOP):
                    raise RecordProblem(f"the records of {self.grade_id!r} are unreadable: {error.strerror}") from None
                what = "a symbolic link" if os.path.islink(self.folder) else "not a folder"
                raise RecordProblem(
                    f"the grader reads a cell's records only from a folder the hidden test made, never through a "
                    f"symbolic link. Received: {self.grade_id!r}, which is {what}. Leave the records folder to the hidden tests."
                ) from None
            try:
                return rebuild.open_regular_file(file_name, max_bytes, dir_fd=cell)
            except FileNotFoundError:
                raise RecordProblem(missing) from None
            except rebuild.UnsafeRecord as error:
                raise RecordProblem(f"the record {file_name!r} is refused: {error}") from None
            except OSError as error:
                raise RecordProblem(f"the record {file_name!r} is unreadable: {error.strerror}") from None
            finally:
                os.close(cell)
        finally:
            os.close(root)

    def _load(self, key, kind):
        from autograder.judge import rebuild

        missing = (
            f"the hidden test recorded nothing for the grader (no {kind} record {key!r}): the cell "
            "did not run to its end (an error earlier in it, or the kernel stopped before it)"
        )
        with self._open(record_format.record_file(key), self.MAX_RECORD_BYTES, missing) as file:
            try:
                record = json.loads(rebuild.read_bounded(file, self.MAX_RECORD_BYTES, record_format.record_file(key)))
            except rebuild.UnsafeRecord as error:
                raise RecordProblem(f"the {kind} record {key!r} is refused: {error}") from None
            except (OSError, ValueError, RecursionError) as error:
                raise RecordProblem(f"the {kind} record {key!r} is unreadable: {type(error).__name__}: {error}") from None
        if not isinstance(record, dict) or record.get("kind") != kind:
            raise RecordProblem(f"the record {key!r} is not a {kind} record")
        if "error" in record:
            raise RecordProblem(str(record["error"]))
        return record

    def model(self, key="model"):
        """Rebuilds the recorded model (see `autograder.judge.rebuild`)."""
        from autograder.judge import rebuild

        record = self._load(key, "model")
        missing = f"the model record {key!r} has no weights ({record_format.weights_file(key)}): the hidden test did not finish writing it"
        with self._open(record_format.weights_file(key), rebuild.MAX_WEIGHT_BYTES, missing) as weights_file:
            try:
                return rebuild.rebuild_from(record, weights_file)
            except rebuild.UnsafeRecord as error:
                raise RecordProblem(f"the model cannot be graded: {error}") from None
            except Exception as error:  # Whatever a malformed record makes Keras raise fails the cell, with its reason.
                raise RecordProblem(f"the recorded model could not be rebuilt: {type(error).__name__}: {error}") from None

    def model_config(self, key="model"):
        """Returns the recorded `serialize_keras_object` config, unbuilt."""
        return self._load(key, "model")["config"]

    def training_steps(self, key="model"):
        """Returns the steps the recorded model's optimizer had taken
        (`optimizer.iterations`), or None if it had no optimizer."""
        steps = self._load(key, "model").get("training_steps")
        return steps if type(steps) is int and steps >= 0 else None

    def value(self, key):
        """Returns the recorded value, decoded."""
        return _decoded(self._load(key, "value"), key)

    def calls(self, count, key="calls"):
        """Returns one `Outcome` per input the grader gave, in order.

        Args:
            count: How many inputs the grader gave.
        """
        record = self._load(key, "calls")
        if not record.get("callable"):
            raise RecordProblem("expected a function; the name holds something that cannot be called")
        if len(record.get("outcomes", [])) != count:
            raise RecordProblem(f"expected {count} recorded calls; found {len(record.get('outcomes', []))}")
        outcomes = []
        for item in record["outcomes"]:
            warnings = item.get("warnings", [])
            if not isinstance(warnings, list) or not all(isinstance(text, str) for text in warnings):
                raise RecordProblem(f"the record {key!r} is malformed: its warnings are not a list of strings")
            if "raised" in item:
                outcomes.append(Outcome(raised=item["raised"], message=item.get("message", ""), warnings=tuple(warnings)))
            else:
                outcomes.append(Outcome(returned=_decoded(item, key), warnings=tuple(warnings)))
        return outcomes


def _decoded(record, key):
    if "error" in record:
        raise RecordProblem(f"{key}: {record['error']}")
    try:
        return codec.decode(record["value"])
    except (KeyError, TypeError, ValueError) as error:
        raise RecordProblem(f"the record {key!r} is malformed: {error}") from None

