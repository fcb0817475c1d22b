"""`python -m autograder.classroom.grade_one`: autograde and feedback in one process."""

import shutil

from autograder.classroom import grade_one


def test_settings_after_the_student_override_the_course_config(course_root, tmp_path):
    shutil.copy2(course_root / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    config = grade_one.load_config(tmp_path, ["--CourseDirectory.db_url=sqlite:////elsewhere/gradebook.db"])
    assert config.CourseDirectory.db_url == "sqlite:////elsewhere/gradebook.db"
    assert config.SandboxedExecute.notebook_timeout == 1200, "the course's own settings are kept"


def test_a_missing_submission_fails_with_nbgraders_reason(course_root, tmp_path, monkeypatch, capsys):
    shutil.copy2(course_root / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    monkeypatch.chdir(tmp_path)
    assert grade_one.main(["01_loss_curves", "nobody"]) == 1
    error = capsys.readouterr().err
    assert "nbgrader autograde failed for nobody's 01_loss_curves" in error
    assert "No notebooks were matched" in error


def test_usage_is_shown_without_an_assignment_and_a_student(capsys):
    assert grade_one.main(["01_loss_curves"]) == 2
    assert "usage: python -m autograder.classroom.grade_one ASSIGNMENT STUDENT" in capsys.readouterr().err
