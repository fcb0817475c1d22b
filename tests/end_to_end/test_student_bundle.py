"""The student bundle: what an instructor hands out holds nothing that grades,
installs into a fresh virtualenv, and works there offline.

Validate in that environment is tested against autograde for every example
in `test_grading.py`; this file checks the bundle itself.
"""

import json
import shutil
import zipfile

import nbformat
import pytest
from nbconvert.filters import strip_ansi

from autograder.classroom import nbgrader_course
from autograder.tools import bundle


def _wheel_names(student_environment):
    with zipfile.ZipFile(bundle.wheel_of(student_environment.bundle)) as wheel:
        return wheel.namelist()


def test_the_bundle_holds_no_solution_hidden_test_or_grader_file(student_environment, course_root):
    assert bundle.leaks(student_environment.bundle, course_root) == []
    names = _wheel_names(student_environment)
    modules = {name.split("/")[1].removesuffix(".py") for name in names if name.startswith("autograder/") and name.endswith(".py")}
    assert modules == set(bundle.STUDENT_MODULES)
    assert not [name for name in names if name.endswith(("grading.py", "examples.py")) or "/examples/" in name or name.startswith("source/")]
    assert {path.name for path in student_environment.bundle.iterdir()} >= {"README.md", "requirements.txt"}


def test_the_bundle_carries_every_release_notebook_as_released(student_environment, course_root):
    with zipfile.ZipFile(bundle.wheel_of(student_environment.bundle)) as wheel:
        for assignment in nbgrader_course.assignments(course_root):
            release = nbgrader_course.single_notebook(course_root, assignment, "release")
            packaged = wheel.read(f"course/notebooks/{assignment}/{release.name}")
            assert packaged == release.read_bytes(), assignment


@pytest.mark.parametrize("what", ["source notebook", "grading.py", "example answers", "judge module", "hidden tests"])
def test_the_leak_check_finds_what_must_never_be_handed_out(what, course_root, tmp_path):
    """The check `build_bundle` relies on can fail: each kind of leak, planted in a copy of a bundle, is found."""
    fake = tmp_path / "bundle"
    (fake / "course").mkdir(parents=True)
    shutil.copy2(course_root / "course" / "data.py", fake / "course" / "data.py")
    assert bundle.leaks(fake, course_root) == []
    source = nbgrader_course.single_notebook(course_root, "01_loss_curves")
    if what == "source notebook":
        shutil.copy2(source, fake / "course" / "notes.ipynb")
    elif what == "grading.py":
        shutil.copy2(course_root / "source" / "01_loss_curves" / "grading.py", fake / "grading.py")
    elif what == "example answers":
        shutil.copy2(course_root / "source" / "01_loss_curves" / "examples.py", fake / "course" / "examples.py")
    elif what == "judge module":
        (fake / "autograder" / "judge").mkdir(parents=True)
        shutil.copy2(course_root / "autograder" / "judge" / "judging.py", fake / "autograder" / "judge" / "judging.py")
    else:
        notebook = nbformat.read(source, as_version=4)
        hidden = next(cell.source for cell in notebook.cells if "BEGIN HIDDEN TESTS" in cell.source)
        body = hidden.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
        (fake / "course" / "notes.py").write_text(f"# copied from a test cell\n{body}")
    found = bundle.leaks(fake, course_root)
    assert found, f"a planted {what} went unnoticed"


def test_building_never_replaces_a_folder_that_is_not_a_bundle(course_root, tmp_path):
    precious = tmp_path / "my-notes"
    precious.mkdir()
    (precious / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="is not a student bundle"):
        bundle.build_bundle(course_root, precious)
    assert (precious / "notes.txt").read_text() == "mine"


def test_the_student_package_works_offline_without_the_grader(student_environment, tmp_path):
    """In the student's environment, with no network and an empty home: the
    visible checks import, the grader's modules do not exist, and
    Fashion-MNIST comes from the package's own copy."""
    code = """
import importlib.util, json, os
from autograder import checks, records, require
from course import data
from keras.datasets import fashion_mnist
data.ensure_fashion_mnist(download=False)
(x, y), (x_test, y_test) = fashion_mnist.load_data()
print(json.dumps({
    "grader_modules": [name for name in ("autograder.judge", "autograder.plugins", "autograder.sandbox", "autograder.classroom",
                                         "autograder.tools", "dask", "distributed")
                       if importlib.util.find_spec(name) is not None],
    "searched": [str(folder) for folder in data.local_copy_dirs()],
    "packaged": str(data.PACKAGED_DATASET_DIR),
    "shapes": [list(x.shape), list(x_test.shape)],
    "course_file": data.__file__,
}))
"""
    finished = student_environment.python(code, tmp_path / "home")
    assert finished.returncode == 0, finished.stderr[-3000:]
    facts = json.loads(finished.stdout.strip().splitlines()[-1])
    assert facts["grader_modules"] == []
    assert facts["searched"][0] == facts["packaged"]
    assert facts["shapes"] == [[60000, 28, 28], [10000, 28, 28]]
    assert facts["course_file"].startswith(str(student_environment.prefix))
    if student_environment.offline:
        no_network = student_environment.python(
            "import socket; socket.create_connection(('pypi.org', 443), timeout=5)", tmp_path / "home")
        assert no_network.returncode != 0, "the student's commands were meant to run without a network"


def test_the_students_jupyter_has_no_instructor_panels(student_environment, tmp_path):
    servers = student_environment.run(["jupyter", "server", "extension", "list"], tmp_path / "home")
    listing = strip_ansi(servers.stdout + servers.stderr)
    assert "nbgrader.server_extensions.formgrader disabled" in listing, listing
    assert "nbgrader.server_extensions.course_list disabled" in listing, listing
    assert "nbgrader.server_extensions.assignment_list enabled" in listing, listing
    assert "nbgrader.server_extensions.validate_assignment enabled" in listing, listing
    labs = student_environment.run(["jupyter", "labextension", "list"], tmp_path / "home")
    listing = strip_ansi(labs.stdout + labs.stderr)
    _, _, disabled = listing.partition("Disabled extensions:")
    for plugin in ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:course-list"):
        assert plugin in disabled, listing
    assert "@jupyter/nbgrader:assignment-list" not in disabled and "@jupyter/nbgrader:validate-assignment" not in disabled


def test_course_lab_fills_the_work_folder_and_opens_nothing_else(student_environment, course_root, tmp_path):
    home = tmp_path / "home"
    work = home / "keras-training-course"
    first = student_environment.run(["python", "-m", "course.lab", "--no-lab"], home)
    assert first.returncode == 0, first.stderr
    notebooks = sorted(path.relative_to(work).as_posix() for path in work.rglob("*.ipynb"))
    released = sorted(path.relative_to(course_root / "release").as_posix() for path in (course_root / "release").rglob("*.ipynb"))
    assert notebooks == released and notebooks[0] == "01_loss_curves/loss_curves.ipynb"
    mine = work / notebooks[0]
    mine.write_text(mine.read_text().replace("YOUR CODE HERE", "MY ANSWER"))
    (work / notebooks[1]).unlink()
    again = student_environment.run(["python", "-m", "course.lab", "--no-lab"], home)
    assert again.returncode == 0, again.stderr
    assert "MY ANSWER" in mine.read_text(), "a student's notebook was overwritten"
    assert (work / notebooks[1]).exists(), "a deleted chapter is put back"
    assert f"added {work / notebooks[1]}" in again.stdout and notebooks[0] not in again.stdout
