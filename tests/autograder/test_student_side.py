"""The top level of `autograder` is the student side: it imports without the grader's parts."""

import pkgutil
import subprocess
import sys

import autograder
import autograder.checks
from autograder.tools import bundle

# What a student's environment (the student bundle) does not have.
GRADER_ONLY = ("autograder.judge", "autograder.sandbox", "autograder.plugins", "autograder.classroom",
               "autograder.tools", "dask", "distributed", "nbgrader", "psycopg")

IMPORT_WITHOUT_GRADER = """
import importlib, sys

BLOCKED = {blocked!r}

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if any(name == blocked or name.startswith(blocked + ".") for blocked in BLOCKED):
            raise ImportError(f"{{name}} is grader-only")
        return None

sys.meta_path.insert(0, Refuse())
for name in {modules!r}:
    importlib.import_module(name)
print("imported", len({modules!r}))
"""


def student_side_modules():
    """Every top-level module of `autograder` and every module of its `checks` package."""
    top_level = [f"autograder.{info.name}" for info in pkgutil.iter_modules(autograder.__path__)
                 if not info.ispkg and info.name != "__main__"]
    checks = [f"autograder.checks.{info.name}" for info in pkgutil.iter_modules(autograder.checks.__path__)]
    return ["autograder", "autograder.checks", *top_level, *checks]


def _import_blocking(modules, blocked):
    code = IMPORT_WITHOUT_GRADER.format(blocked=tuple(blocked), modules=list(modules))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


def test_the_student_side_imports_without_the_judge_dask_or_nbgrader():
    modules = student_side_modules()
    assert {"autograder.records", "autograder.record_format", "autograder.codec", "autograder.validation"} <= set(modules)
    completed = _import_blocking(modules, GRADER_ONLY)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert f"imported {len(modules)}" in completed.stdout


def test_the_check_fails_when_a_student_module_needs_the_grader():
    # The same probe, with the judge imported by a module it loads: it must fail.
    completed = _import_blocking(["autograder.records", "autograder.judge.judging"], GRADER_ONLY)
    assert completed.returncode != 0
    assert "autograder.judge is grader-only" in completed.stderr


def test_the_student_bundle_ships_the_student_side_and_nothing_else():
    top_level = {info.name for info in pkgutil.iter_modules(autograder.__path__) if info.name != "__main__"}
    grader_parts = {name.removeprefix("autograder.") for name in GRADER_ONLY if name.startswith("autograder.")}
    assert set(bundle.STUDENT_MODULES) == {"__init__"} | (top_level - grader_parts)
