"""Command line for the course's grading tools.

Examples:

    python -m autograder demo
    python -m autograder demo --assignment 01_loss_curves --example dense1_output
    python -m autograder release
    python -m autograder release --check
    python -m autograder sandbox-check

Exit codes:
    0: done; the demo's examples scored as expected, `release/` is in sync,
       or the sandbox works.
    1: an example scored differently from what it should, `release/` is
       out of sync with `source/`, or the sandbox cannot start here.
    2: bad arguments, or a folder or file that was not what was expected.
    3: nbgrader itself failed; its output is printed.
"""

import argparse
import sys

from autograder import demo, examples, nbgrader_course, release, sandbox

EXIT_OK, EXIT_MISMATCH, EXIT_BAD_INPUT, EXIT_NBGRADER = 0, 1, 2, 3


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description="Grading tools for the Keras training course.",
        epilog="Run from the course repository (the folder with nbgrader_config.py).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo_parser = commands.add_parser(
        "demo",
        help="release each assignment and autograde example submissions in a scratch copy",
        description="Generates the release and autogrades example submissions with real nbgrader "
        "in a copy of the course, then prints a score table.",
        epilog="Example: python -m autograder demo --assignment 01_loss_curves --all-examples",
    )
    demo_parser.add_argument("--work-dir", default=str(demo.DEFAULT_WORK_DIR), help="where to grade (default: %(default)s)")
    demo_parser.add_argument("--assignment", action="append", help="assignment to grade; repeat for more (default: all with examples)")
    choice = demo_parser.add_mutually_exclusive_group()
    choice.add_argument("--example", action="append", help="example to grade; repeat for more (default: each assignment's reference, blank and first wrong submission)")
    choice.add_argument("--all-examples", action="store_true", help="grade every example submission")

    release_parser = commands.add_parser(
        "release",
        help="regenerate release/ from source/ (or check it is in sync)",
        description="Runs nbgrader generate_assignment in a scratch copy of the course and copies "
        "the result into release/. The instructor's gradebook is not touched.",
        epilog="Example: python -m autograder release --check",
    )
    release_parser.add_argument("--check", action="store_true", help="only report differences; exit 1 if any")
    release_parser.add_argument("--assignment", action="append", help="assignment to release; repeat for more (default: all)")

    commands.add_parser(
        "sandbox-check",
        help="say whether autograde can run students' notebooks in the sandbox here",
        description="Starts a throw-away sandbox (bubblewrap, user 65534, no network) and reports "
        "whether it works and whether memory and process caps come from a cgroup.",
        epilog="Example: python -m autograder sandbox-check",
    )
    return parser


def main(argv=None):
    arguments = build_parser().parse_args(argv)
    try:
        if arguments.command == "demo":
            return _demo(arguments)
        if arguments.command == "sandbox-check":
            return _sandbox_check()
        return _release(arguments)
    except nbgrader_course.NbgraderError as error:
        print(error, file=sys.stderr)
        return EXIT_NBGRADER
    except (FileNotFoundError, FileExistsError, KeyError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _sandbox_check():
    problem = sandbox.problem()
    if problem:
        print(f"The sandbox cannot start here: {problem}. Autograde will run students' notebooks "
              "unsandboxed, with a warning.", file=sys.stderr)
        return EXIT_MISMATCH
    from autograder import cgroups

    group = cgroups.KernelCgroup.create("sandbox-check", sandbox.Limits.memory_bytes, sandbox.Limits.max_processes)
    caps = "a cgroup" if group else "rlimits (no cgroup could be made)"
    if group:
        group.remove()
    print(f"Sandbox works: kernels run as uid {sandbox.SANDBOX_UID} with no network; memory and process caps from {caps}.")
    return EXIT_OK


def _demo(arguments):
    example_names = None if arguments.all_examples else (arguments.example or examples.DEMO)
    grades = demo.run_demo(work_dir=arguments.work_dir, assignments=arguments.assignment, example_names=example_names)
    unexpected = [grade.example.name for grade in grades if not grade.as_expected]
    if unexpected:
        print(f"These examples did not score as they should: {', '.join(unexpected)}", file=sys.stderr)
        return EXIT_MISMATCH
    return EXIT_OK


def _release(arguments):
    course_root = nbgrader_course.course_root_of(".")
    if arguments.check:
        differences = release.release_differences(course_root, arguments.assignment)
        if differences:
            print("release/ is out of sync with source/:", *differences, sep="\n  ", file=sys.stderr)
            print(f"Regenerate it with `{release.FIX_COMMAND}` and commit the result.", file=sys.stderr)
            return EXIT_MISMATCH
        print("release/ is in sync with source/.")
        return EXIT_OK
    for folder in release.generate_release(course_root, arguments.assignment):
        print(f"wrote {folder.relative_to(course_root)}/")
    return EXIT_OK
