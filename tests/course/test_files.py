"""`course.files.scratch_dir`: a fresh folder outside the course, gone when the process exits."""

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from course import files


def test_each_scratch_dir_is_new_empty_and_under_the_temporary_folder():
    first = files.scratch_dir("06_callbacks")
    second = files.scratch_dir("06_callbacks")
    assert first != second
    assert first.is_dir() and not any(first.iterdir())
    assert first.parent == Path(tempfile.gettempdir())
    assert "06_callbacks" in first.name


def test_a_scratch_dir_is_removed_with_what_it_holds_when_the_process_exits():
    script = (
        "from course import files\n"
        "folder = files.scratch_dir('06_callbacks')\n"
        "(folder / 'best.keras').write_bytes(b'weights')\n"
        "print(folder)\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    folder = Path(completed.stdout.strip())
    assert folder.name.startswith("keras-course-06_callbacks-")
    assert not folder.exists()


@pytest.mark.parametrize("name", ["", "../release", "my checkpoints", None])
def test_a_name_that_is_not_a_plain_word_is_refused_with_the_rule(name):
    with pytest.raises(ValueError, match="letters, digits"):
        files.scratch_dir(name)
