"""Command line for the course's grading tools.

Examples:

    python -m autograder grade 01_loss_curves
    python -m autograder grade 01_loss_curves --student alice --student bob --force
    python -m autograder grade 01_loss_curves --scheduler tcp://10.0.0.5:8786 --db postgresql://grader@10.0.0.5/gradebook
    python -m autograder demo
    python -m autograder demo --assignment 01_loss_curves --example dense1_output
    python -m autograder release
    python -m autograder release --check
    python -m autograder sandbox-check
    python -m autograder bench
    python -m autograder bench --chapter 03_activation_functions --skip grading --skip seeds

Exit codes:
    0: done; every submission was graded, the demo's examples scored as
       expected, `release/` is in sync, the sandbox works, or the
       benchmark wrote its JSON.
    1: a submission could not be graded, an example scored differently
       from what it should, `release/` is out of sync with `source/`, or
       the sandbox cannot start here.
    2: bad arguments, a folder or file that was not what was expected, or
       no Dask scheduler at the address given.
    3: nbgrader itself failed; its output is printed.
"""

import argparse
import sys

from rich.console import Console

from autograder.classroom import display, nbgrader_course, pool
from autograder.classroom.option_errors import OptionConnectionError, OptionError, Spelling
from autograder.sandbox import bubblewrap
from autograder.tools import bench, bundle, demo, examples, release

EXIT_OK, EXIT_MISMATCH, EXIT_BAD_INPUT, EXIT_NBGRADER = 0, 1, 2, 3
# The flag of each library option whose flag is not `--` and its name with dashes.
FLAGS = {"db_url": "--db", "students": "--student", "chapters": "--chapter", "assignments": "--assignment",
         "example_names": "--example"}


def flag_of(option):
    """Returns the command line's flag for a library option: `"db_url"` gives `"--db"`."""
    return FLAGS.get(option, "--" + option.replace("_", "-"))


def flag_setting(option, value):
    """Returns how the command line passes `option=value`: `--workers 2`, `--skip a --skip b`, `--force`."""
    if value is True:
        return flag_of(option)
    if isinstance(value, (list, tuple)):
        return " ".join(f"{flag_of(option)} {item}" for item in value)
    return f"{flag_of(option)} {value}"


FLAG_SPELLING = Spelling(name=flag_of, setting=flag_setting)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description="Grading tools for the Keras training course.",
        epilog="Run from the course repository (the folder with nbgrader_config.py).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)

    grade_parser = commands.add_parser(
        "grade",
        help="grade every submission of one or more assignments with nbgrader, in parallel",
        description="Autogrades every submitted/<student>/ASSIGNMENT/ with real nbgrader, one student per "
        "task on a Dask cluster (by default a local one), then writes feedback and exports/ASSIGNMENT.csv. "
        "Several assignments share one pool of workers. "
        "Submissions already graded and unchanged since are skipped unless --force.",
        epilog="Example: python -m autograder grade 01_loss_curves --workers 2\n"
        "         python -m autograder grade 01_loss_curves 02_learning_rate\n"
        "On several machines: see the README, 'Grading a class'.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    grade_parser.add_argument("assignments", nargs="+", metavar="ASSIGNMENT", help="an assignment, for example 01_loss_curves")
    grade_parser.add_argument("--student", action="append", help="student to grade; repeat for more (default: every student with a submission)")
    grade_parser.add_argument("--workers", type=int, help="local worker processes (default: one per core, as memory allows)")
    grade_parser.add_argument("--force", action="store_true", help="grade again submissions already graded and unchanged")
    grade_parser.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler to send the tasks to, for example tcp://10.0.0.5:8786 (needs --db)")
    grade_parser.add_argument("--db", metavar="URL", help="the gradebook's URL (nbgrader's db_url), for example postgresql://grader@10.0.0.5/gradebook (default: gradebook.db in the course)")

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

    bench_parser = commands.add_parser(
        "bench",
        help="measure notebook, grading and training speed on this machine",
        description="Runs each chapter's notebook as shipped and with Keras's defaults (steps_per_execution=1); "
        "grades each chapter's blank submission stage by stage (the fixed cost), the references with 1 and 2 workers, "
        "and every example as one class (course); times chapter 01's model's training against NumPy's float32 "
        "matmul; grades each reference at five seeds against its bars (seeds). Writes a JSON file and prints tables. "
        "Takes about 90 minutes on 2 cores.",
        epilog="Example: python -m autograder bench --chapter 03_activation_functions --skip grading --skip seeds",
    )
    bench_parser.add_argument("--output", default=str(bench.DEFAULT_OUTPUT), help="the JSON file to write (default: %(default)s)")
    bench_parser.add_argument("--chapter", action="append", help="chapter to measure; repeat for more (default: all)")
    bench_parser.add_argument("--skip", action="append", choices=bench.PARTS, default=[], help="part not to run; repeat for more")

    bundle_parser = commands.add_parser(
        "bundle",
        help="build the student package: release notebooks, course helpers, visible checks; no solutions",
        description="Builds what an instructor hands out: a wheel with the course package, the release "
        "notebooks, Fashion-MNIST, the student-side part of autograder and the student's Jupyter config, "
        "with requirements.txt and the student's README, in a folder and a zip. Refuses to finish if any "
        "solution, hidden test or grader's file would be in it.",
        epilog="Example: python -m autograder bundle --output build/student-bundle",
    )
    bundle_parser.add_argument("--output", default=str(bundle.DEFAULT_OUTPUT), help="the bundle's folder (default: %(default)s; a zip is written beside it)")

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
        if arguments.command == "grade":
            return _grade(arguments)
        if arguments.command == "demo":
            return _demo(arguments)
        if arguments.command == "sandbox-check":
            return _sandbox_check()
        if arguments.command == "bench":
            return _bench(arguments)
        if arguments.command == "bundle":
            return _bundle(arguments)
        return _release(arguments)
    except nbgrader_course.NbgraderError as error:
        print(error, file=sys.stderr)
        return EXIT_NBGRADER
    except (OptionError, OptionConnectionError) as error:
        print(f"error: {error.spelled(FLAG_SPELLING)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (FileNotFoundError, FileExistsError, KeyError, ValueError, ConnectionError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _sandbox_check():
    problem = bubblewrap.problem()
    if problem:
        print(f"The sandbox cannot start here: {problem}. Autograde will run students' notebooks "
              "unsandboxed, with a warning.", file=sys.stderr)
        return EXIT_MISMATCH
    from autograder.sandbox import cgroups

    group = cgroups.KernelCgroup.create("sandbox-check", bubblewrap.Limits.memory_bytes, bubblewrap.Limits.max_processes)
    caps = "a cgroup" if group else "rlimits (no cgroup could be made)"
    if group:
        group.remove()
    print(f"Sandbox works: kernels run as uid {bubblewrap.SANDBOX_UID} and judges as uid {bubblewrap.JUDGE_UID}, with no "
          f"network; memory and process caps from {caps}.")
    return EXIT_OK


def _grade(arguments):
    # Wide enough for the table when printing to a log rather than a terminal.
    console = Console() if sys.stdout.isatty() else Console(width=130)
    assignments = list(dict.fromkeys(arguments.assignments))
    with display.GradingProgress(console, assignments, spelling=FLAG_SPELLING) as progress:
        results = pool.grade_assignments(
            ".", assignments, students=arguments.student, workers=arguments.workers, force=arguments.force,
            scheduler=arguments.scheduler, db_url=arguments.db, on_result=progress.on_result, on_start=progress.on_start,
        )
    for assignment in assignments:
        console.print(display.results_table([result for result in results if result.assignment == assignment], assignment))
    exports = ", ".join(f"{pool.EXPORT_DIR}/{assignment}.csv" for assignment in assignments)
    console.print(f"Gradebook, autograded/ and feedback/ written; grades exported to {exports}")
    return EXIT_MISMATCH if any(result.failure for result in results) else EXIT_OK


def _bench(arguments):
    from autograder.tools.bench import run

    run.run_benchmark(".", output=arguments.output, chapters=arguments.chapter, skip=arguments.skip)
    return EXIT_OK


def _demo(arguments):
    example_names = None if arguments.all_examples else (arguments.example or examples.DEMO)
    grades = demo.run_demo(work_dir=arguments.work_dir, assignments=arguments.assignment, example_names=example_names)
    unexpected = [grade.example.name for grade in grades if not grade.as_expected]
    if unexpected:
        print(f"These examples did not score as they should: {', '.join(unexpected)}", file=sys.stderr)
        return EXIT_MISMATCH
    return EXIT_OK


def _bundle(arguments):
    course_root = nbgrader_course.course_root_of(".")
    try:
        folder = bundle.build_bundle(course_root, arguments.output)
    except bundle.LeakError as error:
        print(error, file=sys.stderr)
        return EXIT_MISMATCH
    wheel = bundle.wheel_of(folder)
    print(f"wrote {folder}/ ({wheel.name}, {wheel.stat().st_size / 1e6:.1f} MB) and {folder}.zip")
    print(f"Hand out {folder.name}.zip; students follow its README.md.")
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
