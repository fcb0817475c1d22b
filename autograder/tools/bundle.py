"""The student package: what an instructor hands out, and nothing that grades.

`build_bundle` writes a folder (by default `build/student-bundle/`) and a zip
of it:

- `keras_training_course_student-<version>-py3-none-any.whl`, an installable
  package with `course` (the notebooks' helpers, the chapters' release
  notebooks in `course/notebooks/`, and Fashion-MNIST in
  `course/fashion-mnist/`, so it works offline) and the student-side part of
  `autograder` (`STUDENT_MODULES`: the visible checks, `require`, the record
  calls, which do nothing outside grading). It installs the student's
  Jupyter config into the environment (`student/jupyter/`): Validate with
  the grader's settings, and no formgrader, Create Assignment or Courses;
- `requirements.txt`, the versions the course is tested with;
- `README.md`, the student's instructions (`student/README.md`).

It holds no source notebook, solution, hidden test, `grading.py`, judge or
example submission: `leaks` lists any it finds, and `build_bundle` refuses
to finish while there are some.
"""

import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

import nbformat

from autograder.classroom import nbgrader_course
from course import data

DEFAULT_OUTPUT = Path("build") / "student-bundle"
DISTRIBUTION = "keras-training-course-student"
# The modules of `autograder` a student's notebook imports, and what they import:
# each a module (`records.py`) or a package (`checks/`, every `.py` file in it).
STUDENT_MODULES = ("__init__", "checks", "codec", "performance", "record_format", "records", "results", "synthetic", "validation")
# The requirements a student needs: the notebooks' libraries, JupyterLab, and
# nbgrader for the Validate button and the Assignments tab (and the
# jsonschema pin that keeps them quick to start: see requirements.txt).
STUDENT_REQUIREMENTS = (
    "tensorflow-cpu", "keras", "numpy", "scikit-learn", "matplotlib", "jupyterlab", "ipykernel", "nbgrader",
    "jsonschema",
)
STUDENT_CONFIG = Path("student") / "jupyter"
STUDENT_README = Path("student") / "README.md"
# What must never reach a student, as text in any file of the bundle.
LEAK_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "GradeCells", "grade_cells")


class LeakError(RuntimeError):
    """A student bundle holds something only the grader may hold."""


def student_requirements(course_root):
    """Returns the lines of the course's `requirements.txt` that a student needs."""
    pinned = {}
    for line in (Path(course_root) / "requirements.txt").read_text().splitlines():
        name = re.split(r"[=<>!~\[ ]", line.strip(), maxsplit=1)[0].lower()
        if name in STUDENT_REQUIREMENTS:
            pinned[name] = line.strip()
    lines = list(pinned.values())
    missing = set(STUDENT_REQUIREMENTS) - set(pinned)
    if missing:
        raise ValueError(f"requirements.txt pins no version of {sorted(missing)}, which students need: add them.")
    return lines


def _version(course_root):
    with open(Path(course_root) / "pyproject.toml", "rb") as file:
        return tomllib.load(file)["project"]["version"]


def _student_files(course_root):
    """The files of `STUDENT_MODULES`, relative to `autograder/`: `name.py` for
    a module, every `.py` file outside `__pycache__` for a package."""
    autograder = Path(course_root) / "autograder"
    files = []
    for module in STUDENT_MODULES:
        if (autograder / module).is_dir():
            files += sorted(path.relative_to(autograder) for path in (autograder / module).rglob("*.py")
                            if "__pycache__" not in path.parts)
        else:
            files.append(Path(f"{module}.py"))
    return files


def _pyproject(version, config_files, packages):
    data_files = {}
    for relative in config_files:
        folder = str(Path("etc/jupyter") / relative.parent)
        data_files.setdefault(folder, []).append(str(Path("jupyter") / relative))
    data_lines = "\n".join(f'"{folder}" = {files!r}'.replace("'", '"') for folder, files in sorted(data_files.items()))
    dependencies = ", ".join(f'"{name}"' for name in STUDENT_REQUIREMENTS)
    package_names = ", ".join(f'"{name}"' for name in packages)
    return f"""[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "{DISTRIBUTION}"
version = "{version}"
description = "A notebook course on training neural networks with Keras: the student's package."
requires-python = ">=3.11"
dependencies = [{dependencies}]

[tool.setuptools]
packages = [{package_names}]
include-package-data = true

[tool.setuptools.package-data]
course = ["notebooks/**/*", "fashion-mnist/*"]

[tool.setuptools.data-files]
{data_lines}
"""


def _stage(course_root, stage, dataset_dir):
    """Lays out the package's source tree in `stage`."""
    course_root = Path(course_root)
    shutil.copytree(course_root / "course", stage / "course", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (stage / "autograder").mkdir()
    student_files = _student_files(course_root)
    for relative in student_files:
        (stage / "autograder" / relative.parent).mkdir(parents=True, exist_ok=True)
        shutil.copy2(course_root / "autograder" / relative, stage / "autograder" / relative)
    packages = ["course", "autograder"] + sorted(
        {".".join(("autograder", *relative.parent.parts)) for relative in student_files if relative.parent.parts})
    notebooks = stage / "course" / "notebooks"
    for assignment in nbgrader_course.assignments(course_root):
        release = course_root / "release" / assignment
        if not release.is_dir():
            raise FileNotFoundError(f"No release of {assignment} at {release}: run `make release` first.")
        shutil.copytree(release, notebooks / assignment, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    (stage / "course" / "fashion-mnist").mkdir()
    for name in data.FILE_NAMES:
        shutil.copy2(Path(dataset_dir) / name, stage / "course" / "fashion-mnist" / name)
    shutil.copytree(course_root / STUDENT_CONFIG, stage / "jupyter", ignore=shutil.ignore_patterns("__pycache__"))
    config_files = sorted(path.relative_to(stage / "jupyter") for path in (stage / "jupyter").rglob("*") if path.is_file())
    (stage / "pyproject.toml").write_text(_pyproject(_version(course_root), config_files, packages))
    return config_files


def leaks(folder, course_root):
    """Lists what in `folder` (a bundle, or an unpacked wheel) only the grader may hold.

    Looks for files named `grading.py` or `examples.py` (a chapter's judges
    and example answers) or under an `examples` folder, modules of
    `autograder` outside `STUDENT_MODULES`, nbgrader's solution and
    hidden-test markers, and any line of a source notebook's solution or
    hidden tests that nothing public holds (`_secret_lines`; of at least 20
    characters, so a bare `return x` does not count).
    """
    folder, course_root = Path(folder), Path(course_root)
    texts = {}
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix in (".whl", ".zip"):
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    texts[f"{path.name}:{name}"] = archive.read(name)
        else:
            texts[str(path.relative_to(folder))] = path.read_bytes()
    secret_lines = _secret_lines(course_root)
    found = []
    for name, content in texts.items():
        parts = Path(name.split(":")[-1]).parts
        if parts[-1] in ("grading.py", "examples.py") or "examples" in parts:
            found.append(f"{name}: a grader's file")
        if "autograder" in parts[:-1] and parts[-1].endswith(".py"):
            module = parts[parts.index("autograder") + 1].removesuffix(".py")  # a module, or a package's folder
            if module not in STUDENT_MODULES:
                found.append(f"{name}: autograder.{module} is not student-side")
        if name.endswith(".gz"):
            continue
        text = content.decode("utf-8", errors="replace")
        found.extend(f"{name}: holds {marker!r}" for marker in LEAK_MARKERS if marker in text)
        found.extend(f"{name}: holds {line!r} from a source notebook" for line in secret_lines if line in text)
    return found


def _secret_lines(course_root):
    """Lines of the source notebooks' solutions and hidden tests that nothing public holds.

    Public: the release notebooks and the modules the student package is
    made of (a solution may well write a line a check's docstring shows).
    """
    course_root = Path(course_root)
    secret = set()
    public = [(course_root / "autograder" / relative).read_text() for relative in _student_files(course_root)]
    public += [path.read_text() for path in (course_root / "course").rglob("*.py")]
    for assignment in nbgrader_course.assignments(course_root):
        for notebook in nbgrader_course.notebooks(course_root, assignment):
            for cell in nbformat.read(notebook, as_version=4).cells:
                secret.update(_marked_lines(cell.source, "SOLUTION") | _marked_lines(cell.source, "HIDDEN TESTS"))
        for release in nbgrader_course.notebooks(course_root, assignment, "release"):
            public += [cell.source for cell in nbformat.read(release, as_version=4).cells]
    public_text = "\n".join(public)
    return sorted(line for line in secret if len(line) >= 20 and line not in public_text)


def _marked_lines(source, what):
    lines, inside = set(), False
    for line in source.splitlines():
        if f"BEGIN {what}" in line:
            inside = True
        elif f"END {what}" in line:
            inside = False
        elif inside and line.strip():
            lines.add(line.strip())
    return lines


def build_bundle(course_root, output=DEFAULT_OUTPUT):
    """Builds the student bundle in `output` (replaced if it is a bundle) and `output`.zip.

    Args:
        course_root: The course folder (the repository).
        output: The bundle's folder; relative paths are under `course_root`.

    Returns:
        The bundle's folder.

    Raises:
        FileExistsError: if `output` exists and is not a bundle built here.
        FileNotFoundError: if a release or Fashion-MNIST is missing.
        LeakError: if the bundle would hold a solution, a hidden test or a grader's file.
    """
    course_root = Path(course_root).resolve()
    output = Path(output) if Path(output).is_absolute() else course_root / output
    marker = output / ".student-bundle"
    if output.exists() and not marker.exists():
        raise FileExistsError(f"{output} exists and is not a student bundle: choose another output folder or remove it.")
    data.ensure_fashion_mnist(download=False)
    dataset_dir = data.keras_cache_dir()
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as scratch:
        stage = Path(scratch) / "package"
        stage.mkdir()
        _stage(course_root, stage, dataset_dir)
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
             "--wheel-dir", str(output), str(stage)],
            check=True,
        )
    (output / "requirements.txt").write_text(
        "# The versions the course is tested with (Python 3.11).\n" + "\n".join(student_requirements(course_root)) + "\n"
    )
    shutil.copy2(course_root / STUDENT_README, output / "README.md")
    found = leaks(output, course_root)
    if found:
        shutil.rmtree(output)
        raise LeakError("The student bundle would hold what only the grader may:\n" + "\n".join(found))
    marker.write_text("built by python -m autograder bundle\n")
    shutil.make_archive(str(output), "zip", output.parent, output.name)
    return output


def wheel_of(bundle):
    """Returns the path of the bundle's wheel."""
    wheels = sorted(Path(bundle).glob("*.whl"))
    if len(wheels) != 1:
        raise FileNotFoundError(f"Expected one wheel in {bundle}; found {[wheel.name for wheel in wheels]}.")
    return wheels[0]
