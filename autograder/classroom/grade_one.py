"""Autograde, then feedback, for one student, in one Python process.

    python -m autograder.classroom.grade_one ASSIGNMENT STUDENT [--CourseDirectory.db_url=URL ...]
    python -m autograder.classroom.grade_one --serve

Grading a class runs `nbgrader autograde` and `nbgrader generate_feedback`
for every student, and each nbgrader command spends seconds starting up
(importing nbgrader and Jupyter's server). This runs both through
nbgrader's own `NbGraderAPI`, as the formgrader does: the same converters,
with the same configuration, after one start-up.

Run it in the course folder: it reads `nbgrader_config.py` there, and the
`--Class.trait=value` settings after the student override it, as they do
for nbgrader. It exits with status 1, nbgrader's log and error on standard
error, if a step fails; feedback is not made when autograde failed.

With `--serve` it stays up and grades one student per request (a JSON
line on standard input, see `serve`), so a class grader's worker starts
nbgrader, and checks its sandbox and the kernel's imports, once for all
its students instead of once each (`grading_server` is its client).
"""

import json
import os
import sys

from traitlets.config.loader import KVArgParseConfigLoader, PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"


def load_config(course_root, settings=()):
    """Returns the course's nbgrader configuration with `settings`
    (command-line style, `--CourseDirectory.db_url=...`) on top."""
    config = PyFileConfigLoader(CONFIG_FILE, path=str(course_root)).load_config()
    config.merge(KVArgParseConfigLoader(list(settings)).load_config())
    return config


def autograde_and_feedback(assignment, student, config):
    """Runs nbgrader's autograde and then generate_feedback for one student.

    Args:
        assignment: The assignment id.
        student: The student id.
        config: A traitlets `Config`, from `load_config()`.

    Returns:
        `None` when both steps succeeded; otherwise `(step, result)` for the
        step that failed, `result` being `NbGraderAPI`'s dict (`success`,
        `log`, `error`).
    """
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    steps = (
        ("autograde", lambda: api.autograde(assignment, student, force=True, create=True)),
        ("generate_feedback", lambda: api.generate_feedback(assignment, student, force=True)),
    )
    for step, run in steps:
        result = run()
        if not result["success"]:
            return step, result
    return None


def grade_student(assignment, student, settings=(), fingerprint=None):
    """Grades one student in the course folder (the current one), holding their lock.

    Holds `student`'s grading lock (`grading_state.student_lock`) while
    their files and gradebook rows are written, and records them as graded
    to the end (with `fingerprint`) only once autograde and feedback both
    succeeded.

    Returns:
        `None` on success, or the failure's text: nbgrader's log and error.
    """
    from autograder.classroom import grading_state

    with grading_state.student_lock(".", assignment, student):
        grading_state.forget_graded(".", assignment, student)
        failed = autograde_and_feedback(assignment, student, load_config(".", settings))
        if failed is None:
            if fingerprint is not None:
                grading_state.mark_graded(".", assignment, student, fingerprint)
            return None
    step, result = failed
    return "\n".join((f"nbgrader {step} failed for {student}'s {assignment}:", result.get("log") or "",
                      result.get("error") or ""))


def serve(requests, replies):
    """Grades one student per request until `requests` ends.

    Each request is a JSON line `{"assignment", "student", "settings",
    "fingerprint"}` (`settings`: `--Class.trait=value` strings, as after
    the student on the command line); each reply a JSON line
    `{"failure": null or text}`, written and flushed once that student is
    graded (`grade_student`).
    """
    for line in requests:
        request = json.loads(line)
        failure = grade_student(request["assignment"], request["student"], request.get("settings", ()),
                                request.get("fingerprint"))
        replies.write(json.dumps({"failure": failure}) + "\n")
        replies.flush()


def main(argv=None):
    arguments = sys.argv[1:] if argv is None else list(argv)
    if arguments == ["--serve"]:
        # Replies go to the original standard output alone; whatever else
        # prints (nbgrader, a library) goes to standard error.
        replies = os.fdopen(os.dup(sys.stdout.fileno()), "w")
        os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
        serve(sys.stdin, replies)
        return 0
    if len(arguments) < 2 or arguments[0].startswith("-") or arguments[1].startswith("-"):
        print("usage: python -m autograder.classroom.grade_one ASSIGNMENT STUDENT [--Class.trait=value ...]\n"
              "       python -m autograder.classroom.grade_one --serve", file=sys.stderr)
        return 2
    assignment, student, *settings = arguments
    failure = grade_student(assignment, student, settings)
    if failure is None:
        return 0
    print(failure, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
