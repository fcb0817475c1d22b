"""Example submissions are built from the release with only their own answers changed."""

import nbformat
import pytest

from autograder import examples, nbgrader_course


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
    assert [grade_id for grade_id in built if built[grade_id] != reference[grade_id]] == ["best_epoch"]


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
