"""Example submissions are built from the release with only their own answers changed,
and each chapter is one folder of `source/`, found there with no list to edit."""

import shutil

import nbformat
import pytest
from traitlets.config.loader import PyFileConfigLoader

from autograder.classroom import nbgrader_course
from autograder.judge import judging
from autograder.plugins import notebook_cells
from autograder.tools import examples


@pytest.fixture(scope="module")
def chapter(course_root):
    source = nbformat.read(course_root / "source/01_loss_curves/loss_curves.ipynb", as_version=4)
    release = nbformat.read(course_root / "release/01_loss_curves/loss_curves.ipynb", as_version=4)
    return source, release


def answer_cells(notebook):
    return {
        cell.metadata.nbgrader["grade_id"]: cell.source
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }


def test_blank_is_the_release_untouched(chapter):
    source, release = chapter
    blank = examples.examples_for("01_loss_curves", ["blank"])[0]
    assert examples.build_submission(blank, source, release) == release


def test_reference_answers_have_no_solution_markers(chapter):
    answers = examples.reference_answers(chapter[0])
    assert answers and all("### " not in answer for answer in answers.values())
    assert "def model_fn(a_layer=None):" in answers["model_fn"]


def test_a_wrong_example_changes_only_its_own_answer(chapter):
    source, release = chapter
    (wrong,) = examples.examples_for("01_loss_curves", ["zero_based_best_epoch"])
    built = answer_cells(examples.build_submission(wrong, source, release))
    reference = examples.reference_answers(source)
    assert [grade_id for grade_id in built if built[grade_id] != reference[grade_id]] == ["best_epoch", "best_accuracy_epoch"]


def test_a_deleted_cell_is_missing_from_the_submission(chapter):
    source, release = chapter
    (deleting,) = examples.examples_for("01_loss_curves", ["deleted_test_cell"])
    built = examples.build_submission(deleting, source, release)
    grade_ids = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in built.cells]
    assert "best_epoch_cases" not in grade_ids and "best_epoch" in grade_ids
    assert len(built.cells) == len(release.cells) - 1


def test_an_answer_for_a_cell_that_is_not_an_answer_cell_is_refused(chapter):
    bad = examples.ExampleSubmission("bad", "answers a test cell", answers={"model_fn_shapes": "pass"})
    with pytest.raises(KeyError, match="model_fn_shapes"):
        examples.build_submission(bad, *chapter)


def test_unknown_names_are_refused_with_the_known_ones():
    with pytest.raises(KeyError, match="Known"):
        examples.examples_for("01_loss_curves", ["nope"])
    with pytest.raises(KeyError, match="No example submissions"):
        examples.examples_for("99_nothing")
    with pytest.raises(ValueError, match="kind"):
        examples.ExampleSubmission("x", "y", kind="other")


def test_copy_course_never_writes_into_a_folder_with_files(course_root, tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="holds files"):
        nbgrader_course.copy_course(course_root, tmp_path)
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def chapter_problems(course_root, folder):
    """What keeps `source/<folder>` from being a chapter, in words; empty when it is one.

    A chapter holds one notebook, a `grading.py` judging exactly the
    notebook's autograded test cells, and an `examples.py` that loads
    against the notebook, with at least one wrong submission for the demo.
    """
    paths = nbgrader_course.notebooks(course_root, folder)
    if len(paths) != 1:
        return [f"source/{folder} holds {len(paths)} notebooks instead of one"]
    problems = [] if folder in examples.chapters(course_root) else [f"source/{folder} is not discovered as a chapter"]
    notebook = nbformat.read(paths[0], as_version=4)
    test_cells = {cell.metadata.nbgrader["grade_id"] for cell in notebook_cells.autograded_test_cells(notebook)}
    try:
        judged = set(judging.load_grading(paths[0].parent).judges)
    except (FileNotFoundError, TypeError) as error:
        problems.append(str(error))
    else:
        if test_cells - judged:
            problems.append(f"grading.py judges no {sorted(test_cells - judged)}")
        if judged - test_cells:
            problems.append(f"grading.py judges {sorted(judged - test_cells)}, which are not autograded test cells")
    try:
        loaded = examples.examples_for(folder, examples.DEMO, course_root)
    except (FileNotFoundError, TypeError, ValueError) as error:
        problems.append(f"examples.py does not load: {type(error).__name__}: {error}")
    else:
        if [example.name for example in loaded][:2] != ["reference", "blank"] or len(loaded) != 3:
            problems.append(f"examples.py gives no wrong submission for the demo: {[example.name for example in loaded]}")
    return problems


@pytest.fixture
def new_chapter(course_root, tmp_path):
    """A course of one chapter, `08_new_chapter`: chapter 05's folder copied under a new name."""
    folder = tmp_path / "source" / "08_new_chapter"
    shutil.copytree(course_root / "source" / "05_dropout", folder, ignore=nbgrader_course.IGNORED)
    return folder


def test_every_folder_of_source_is_a_chapter(course_root):
    folders = sorted(path.name for path in (course_root / "source").iterdir() if path.is_dir())
    assert examples.chapters(course_root) == folders
    assert {folder: chapter_problems(course_root, folder) for folder in folders} == {folder: [] for folder in folders}


def test_a_chapter_folder_added_to_a_course_is_found_with_its_examples(course_root, new_chapter):
    course = new_chapter.parent.parent
    assert examples.chapters(course) == ["08_new_chapter"]
    assert chapter_problems(course, "08_new_chapter") == []
    copied = examples.examples_for("08_new_chapter", course_root=course)
    assert copied == examples.examples_for("05_dropout", course_root=course_root)
    blank = next(example for example in copied if example.kind == examples.BLANK)
    assert blank.failing_cells == {"dropout_model_layers", "same_outputs_twice_cases", "dropout_model_accuracy", "measured_gap_cases"}


def test_every_test_cell_is_read_from_the_notebook(course_root):
    (mixed_up,) = examples.examples_for("04_optimizers", ["mixed_up_steps"], course_root)
    notebook = nbformat.read(nbgrader_course.single_notebook(course_root, "04_optimizers"), as_version=4)
    assert mixed_up.failing_cells == examples.graded_test_cells(notebook) and len(mixed_up.failing_cells) == 6


def _add_unjudged_grade_cell(folder):
    path = next(folder.glob("*.ipynb"))
    notebook = nbformat.read(path, as_version=4)
    cell = nbformat.v4.new_code_cell("# Checks something no judge decides.\nassert True")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 1,
                                 "grade_id": "unjudged_cell", "schema_version": 3}
    notebook.cells.append(cell)
    nbformat.write(notebook, path)


def _break_an_example(folder):
    path = folder / examples.EXAMPLES_FILE
    path.write_text(path.read_text().replace('"dropout_model_accuracy"', '"dropout_model_acuracy"', 1))


@pytest.mark.parametrize("breakage, reported", [
    (_add_unjudged_grade_cell, "grading.py judges no ['unjudged_cell']"),
    (lambda folder: (folder / examples.EXAMPLES_FILE).unlink(), "examples.py does not exist"),
    (_break_an_example, "dropout_model_acuracy"),
    (lambda folder: shutil.copy2(next(folder.glob("*.ipynb")), folder / "second.ipynb"), "2 notebooks"),
], ids=["grade cell without a judge", "no examples.py", "example failing an unknown cell", "two notebooks"])
def test_a_broken_chapter_is_reported(new_chapter, breakage, reported):
    breakage(new_chapter)
    problems = chapter_problems(new_chapter.parent.parent, new_chapter.name)
    assert any(reported in problem for problem in problems), problems


def test_the_judges_and_examples_are_never_released_nor_copied_to_a_submission(course_root):
    ignored = PyFileConfigLoader("nbgrader_config.py", path=str(course_root)).load_config().CourseDirectory.ignore
    assert {judging.GRADING_FILE, examples.EXAMPLES_FILE} <= set(ignored)
    assert not list((course_root / "release").glob(f"*/{examples.EXAMPLES_FILE}"))
