"""Autograde, then feedback, for one student, in one Python process.

    python -m autograder.classroom.grade_one ASSIGNMENT STUDENT [--CourseDirectory.db_url=URL ...]

Grading a class runs `nbgrader autograde` and `nbgrader generate_feedback`
for every student, and each nbgrader command spends seconds starting up
(importing nbgrader and Jupyter's server). This runs both through
nbgrader's own `NbGraderAPI`, as the formgrader does: the same converters,
with the same configuration, after one start-up.

Run it in the course folder: it reads `nbgrader_config.py` there, and the
`--Class.trait=value` settings after the student override it, as they do
for nbgrader. It exits with status 1, nbgrader's log and error on standard
error, if a step fails; feedback is not made when autograde failed.
"""

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


def main(argv=None):
    arguments = sys.argv[1:] if argv is None else list(argv)
    if len(arguments) < 2 or arguments[0].startswith("-") or arguments[1].startswith("-"):
        print("usage: python -m autograder.classroom.grade_one ASSIGNMENT STUDENT [--Class.trait=value ...]",
              file=sys.stderr)
        return 2
    assignment, student, *settings = arguments
    failed = autograde_and_feedback(assignment, student, load_config(".", settings))
    if failed is None:
        return 0
    step, result = failed
    print(f"nbgrader {step} failed for {student}'s {assignment}:", result.get("log", ""), result.get("error", ""),
          sep="\n", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
