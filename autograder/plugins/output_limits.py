"""What a student's kernel printed, made well-formed and kept to a readable size.

Every output in an executed notebook comes from messages the student's
kernel sent, and the kernel can send anything nbformat allows or not: a
stream whose `text` is a list of strings, display data whose values are
lists or numbers, thousands of images. nbgrader's own preprocessors
(`IgnorePattern`, `LimitOutput`) expect plain strings and crash on the
rest, which used to cost the student their score record.
`limit_outputs` runs right after execution, before any of them:

- every output is rebuilt from its known fields with the right types
  (lists of strings joined, anything else dropped);
- text is cut at `max_characters`; an image larger than `max_image_bytes`
  is replaced by a note;
- a cell keeps at most `max_outputs` outputs and `max_cell_bytes` bytes, a
  notebook at most `max_notebook_bytes`; what is left out is replaced by a
  note saying how much.
"""

import dataclasses
import json

import nbformat

NOTE_PREFIX = "[the grader left out "


@dataclasses.dataclass(frozen=True)
class OutputLimits:
    """Caps on what an executed notebook keeps of its outputs.

    Attributes:
        max_characters: Longest text output kept, in characters. Defaults to
            100,000.
        max_image_bytes: Largest image kept (its base64 text). Defaults to
            2 MB, several times a large matplotlib figure.
        max_outputs: Outputs kept per cell. Defaults to 50.
        max_cell_bytes: Output kept per cell, in bytes of JSON. Defaults to
            1.5 MB, room for a dozen plots.
        max_notebook_bytes: Output kept per notebook. Defaults to 8 MB.
    """

    max_characters: int = 100_000
    max_image_bytes: int = 2_000_000
    max_outputs: int = 50
    max_cell_bytes: int = 1_500_000
    max_notebook_bytes: int = 8_000_000


def limit_outputs(notebook, limits=OutputLimits()):
    """Makes every code cell's outputs well-formed and within `limits`, in place.

    Returns:
        The number of outputs left out or replaced by notes.
    """
    left_out = 0
    notebook_bytes = 0
    for cell in notebook.cells:
        if cell.get("cell_type") != "code":
            continue
        kept, cell_bytes, dropped = [], 0, 0
        outputs = cell.get("outputs", [])
        for output in outputs if isinstance(outputs, list) else []:
            output = _well_formed(output, limits)
            if output is None:
                dropped += 1
                continue
            size = len(json.dumps(output))
            if (len(kept) >= limits.max_outputs or cell_bytes + size > limits.max_cell_bytes
                    or notebook_bytes + size > limits.max_notebook_bytes):
                dropped += 1
                continue
            kept.append(output)
            cell_bytes += size
            notebook_bytes += size
        if dropped:
            kept.append(_note(f"{dropped} output{'s' if dropped != 1 else ''} of this cell: past its caps, or malformed]"))
        cell.outputs = kept
        left_out += dropped
    return left_out


def _note(text):
    return nbformat.v4.new_output("stream", name="stdout", text=f"\n{NOTE_PREFIX}{text}\n")


def _text(value):
    """A string from a string or a list of strings; None for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "".join(value)
    return None


def _cut(text, limit):
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n... [{len(text) - limit:,} more characters cut by the grader]\n"


def _well_formed(output, limits):
    """A fresh output with only the fields nbformat defines, correctly typed, or None."""
    if not isinstance(output, dict):
        return None
    kind = output.get("output_type")
    if kind == "stream":
        text = _text(output.get("text"))
        name = output.get("name") if output.get("name") in ("stdout", "stderr") else "stdout"
        return None if text is None else nbformat.v4.new_output("stream", name=name, text=_cut(text, limits.max_characters))
    if kind == "error":
        traceback = output.get("traceback")
        traceback = [line for line in traceback if isinstance(line, str)] if isinstance(traceback, list) else []
        return nbformat.v4.new_output(
            "error", ename=_cut(str(output.get("ename", "")), 200), evalue=_cut(str(output.get("evalue", "")), limits.max_characters),
            traceback=[_cut(line, limits.max_characters) for line in traceback[-50:]],
        )
    if kind in ("display_data", "execute_result"):
        data = {}
        raw = output.get("data")
        for mime, value in (raw.items() if isinstance(raw, dict) else ()):
            text = _text(value) if isinstance(mime, str) else None
            if text is None:
                if isinstance(value, (dict, list)) and mime.endswith("json"):
                    data[mime] = value  # JSON mime types hold JSON; the HTML sanitizer decides what shows.
                continue
            if mime.startswith("image/") and len(text) > limits.max_image_bytes:
                data.setdefault("text/plain", f"{NOTE_PREFIX}an image of {len(text):,} bytes, over its cap]")
                continue
            data[mime] = _cut(text, limits.max_characters)
        if not data:
            return None
        metadata = output.get("metadata") if isinstance(output.get("metadata"), dict) else {}
        if kind == "execute_result":
            count = output.get("execution_count")
            return nbformat.v4.new_output("execute_result", data=data, metadata=metadata,
                                          execution_count=count if isinstance(count, int) else None)
        return nbformat.v4.new_output("display_data", data=data, metadata=metadata)
    return None
