"""The command line: exit codes and messages."""

import shutil

import nbformat
import pytest

from autograder.tools import cli, demo


@pytest.fixture
def course_copy(course_root, tmp_path, monkeypatch):
    """A copy of the course with its release, as the working folder."""
    copy = tmp_path / "course"
    copy.mkdir()
    for name in ("nbgrader_config.py", "source", "release"):
        origin = course_root / name
        (shutil.copytree if origin.is_dir() else shutil.copy2)(origin, copy / name)
    monkeypatch.chdir(copy)
    return copy


def test_release_check_passes_in_sync_and_fails_with_the_fix_when_edited(course_copy, capsys):
    assert cli.main(["release", "--check"]) == cli.EXIT_OK
    path = course_copy / "release/01_loss_curves/loss_curves.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[0].source += "\nEdited by hand."
    nbformat.write(notebook, path)
    assert cli.main(["release", "--check"]) == cli.EXIT_MISMATCH
    error = capsys.readouterr().err
    assert "release/01_loss_curves/loss_curves.ipynb differs" in error and "make release" in error


def test_release_regenerates_an_edited_release(course_copy):
    path = course_copy / "release/01_loss_curves/loss_curves.ipynb"
    original = path.read_bytes()
    path.write_text("{}")
    assert cli.main(["release"]) == cli.EXIT_OK
    assert path.read_bytes() == original
    assert not (course_copy / "gradebook.db").exists(), "the instructor's gradebook must not be created or touched"


def test_demo_refuses_a_work_folder_it_did_not_make(course_copy, capsys):
    mine = course_copy / "mine" / "01_loss_curves"
    mine.mkdir(parents=True)
    (mine / "notes.txt").write_text("keep me")
    assert cli.main(["demo", "--work-dir", str(course_copy / "mine")]) == cli.EXIT_BAD_INPUT
    assert demo.WORK_DIR_MARKER in capsys.readouterr().err
    assert (mine / "notes.txt").read_text() == "keep me"


def test_demo_replaces_work_folders_it_made_in_either_layout(tmp_path):
    for layout in ("one folder", "a folder per assignment"):
        work_dir = tmp_path / layout
        made = work_dir / "01_loss_curves" if layout == "a folder per assignment" else work_dir
        made.mkdir(parents=True)
        (made / demo.WORK_DIR_MARKER).touch()
        (made / "gradebook.db").write_text("")
        assert demo.prepare_work_dir(work_dir) == work_dir and not work_dir.exists()


def test_outside_a_course_the_error_says_where_to_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["release", "--check"]) == cli.EXIT_BAD_INPUT
    assert "nbgrader_config.py" in capsys.readouterr().err


def test_unknown_examples_are_bad_input(course_copy, capsys):
    assert cli.main(["demo", "--work-dir", str(course_copy / "scratch"), "--example", "nope"]) == cli.EXIT_BAD_INPUT
    assert "Known" in capsys.readouterr().err


def test_bench_names_the_chapters_when_given_an_unknown_one(course_copy, capsys):
    output = course_copy / "bench.json"
    assert cli.main(["bench", "--chapter", "07_nope", "--skip", "grading", "--output", str(output)]) == cli.EXIT_BAD_INPUT
    assert "01_loss_curves" in capsys.readouterr().err
    assert not output.exists()


def test_bench_names_the_flags_that_skip_grading_when_it_cannot_run(course_copy, monkeypatch, capsys):
    from autograder.tools.bench import grading

    monkeypatch.setattr(grading, "grader_problem", lambda: "autograder.classroom.pool cannot be imported (no Dask)")
    output = course_copy / "bench.json"
    assert cli.main(["bench", "--skip", "flops", "--output", str(output)]) == cli.EXIT_BAD_INPUT
    error = capsys.readouterr().err
    assert "(no Dask). Skip the parts that grade: --skip course --skip flops --skip grading --skip seeds." in error
    assert not output.exists()


def test_usage_errors_exit_2():
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["grade-everything"])
    assert exit_info.value.code == 2


def test_sandbox_check_says_whether_the_sandbox_works(capsys):
    from autograder.sandbox import bubblewrap

    code = cli.main(["sandbox-check"])
    captured = capsys.readouterr()
    if bubblewrap.problem() is None:
        assert code == cli.EXIT_OK and "uid 65534" in captured.out
    else:
        assert code == cli.EXIT_MISMATCH and "cannot start" in captured.err
