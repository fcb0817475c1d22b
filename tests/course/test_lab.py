"""`python -m course.lab` fills a student's work folder and never overwrites it."""

import pytest

from course import lab


def test_copies_what_is_missing_and_keeps_what_is_there(tmp_path):
    chapters = tmp_path / "release"
    (chapters / "01_a").mkdir(parents=True)
    (chapters / "01_a" / "a.ipynb").write_text("release a")
    (chapters / "02_b").mkdir()
    (chapters / "02_b" / "b.ipynb").write_text("release b")
    (chapters / "02_b" / ".ipynb_checkpoints").mkdir()
    (chapters / "02_b" / ".ipynb_checkpoints" / "b-checkpoint.ipynb").write_text("old")
    work = tmp_path / "work"
    assert [path.as_posix() for path in lab.copy_missing_chapters(chapters, work)] == ["01_a/a.ipynb", "02_b/b.ipynb"]
    (work / "01_a" / "a.ipynb").write_text("my answers")
    (chapters / "03_c").mkdir()
    (chapters / "03_c" / "c.ipynb").write_text("release c")
    assert [path.as_posix() for path in lab.copy_missing_chapters(chapters, work)] == ["03_c/c.ipynb"]
    assert (work / "01_a" / "a.ipynb").read_text() == "my answers"


def test_says_what_is_wrong_with_the_folders(tmp_path):
    with pytest.raises(FileNotFoundError, match="No chapters at"):
        lab.copy_missing_chapters(tmp_path / "nowhere", tmp_path / "work")
    (tmp_path / "release").mkdir()
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        lab.copy_missing_chapters(tmp_path / "release", tmp_path / "file")
