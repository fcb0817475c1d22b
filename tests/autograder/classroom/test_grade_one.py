"""`python -m autograder.classroom.grade_one`: autograde and feedback in one process."""

import io
import json
import shutil

from autograder.classroom import grade_one, grading_server, grading_state


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


def test_the_server_answers_each_request_in_turn_with_nbgraders_reason(course_root, tmp_path, monkeypatch):
    shutil.copy2(course_root / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    monkeypatch.chdir(tmp_path)
    requests = [json.dumps({"assignment": "01_loss_curves", "student": student}) + "\n" for student in ("ann", "bob")]
    replies = io.StringIO()
    grade_one.serve(iter(requests), replies)
    answers = [json.loads(line)["failure"] for line in replies.getvalue().splitlines()]
    assert len(answers) == 2
    assert "nbgrader autograde failed for ann's 01_loss_curves" in answers[0] and "No notebooks were matched" in answers[0]
    assert "bob's" in answers[1]
    assert not list((tmp_path / grading_state.STATE_DIR).glob("graded/**/*.json")), "a failed student is not marked graded"


def test_one_server_grades_many_students_and_a_dead_one_is_a_failure_then_replaced(course_root, tmp_path):
    shutil.copy2(course_root / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    server = grading_server.for_course(tmp_path)
    try:
        assert "nobody's 01_loss_curves" in server.grade("01_loss_curves", "nobody")
        assert grading_server.for_course(tmp_path) is server, "the same process grades the next student"
        assert "someone's" in server.grade("01_loss_curves", "someone")
        server.process.kill()
        server.process.wait()
        failure = server.grade("01_loss_curves", "carl")
        assert "the grading process ended while grading carl's 01_loss_curves" in failure
        replacement = grading_server.for_course(tmp_path)
        assert replacement is not server and replacement.alive()
        assert "dave's" in replacement.grade("01_loss_curves", "dave")
    finally:
        grading_server.for_course(tmp_path).stop()
