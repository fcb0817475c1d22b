"""Real `nbgrader autograde` on example submissions, in a scratch copy of the course.

The examples of every assignment the collected tests ask for (so
`-k 02_learning_rate` grades only that chapter) are graded once, in one
copy of the course, the first time a test needs them; the tests then read
the gradebook. They are graded as a class is, by the class grader's
default path: a local pool of workers shared by all the assignments, and
the SQLite gradebook (`pool.grade_assignments`). See
each chapter's `source/<assignment>/examples.py` for what each example hands
in and which test cells it must fail.
"""

import concurrent.futures
import csv
import dataclasses
import threading
import time
from pathlib import Path

import nbformat
import pytest
from nbconvert.filters import strip_ansi
from rich.console import Console

from autograder import record_format
from autograder.classroom import nbgrader_course, pool
from autograder.sandbox import cpu_share
from autograder.tools import demo, examples

import needs
import student_environment as student_environments

EXAMPLES = examples.examples_by_chapter(nbgrader_course.course_root_of(__file__))
ASSIGNMENTS = sorted(EXAMPLES)
CASES = [(assignment, example) for assignment in ASSIGNMENTS for example in EXAMPLES[assignment]]


@dataclasses.dataclass(frozen=True)
class GradedAssignment:
    """One assignment's examples, graded in a copy of the course.

    Attributes:
        grades: Example name to `ExampleGrade`.
        course: The graded copy of the course.
    """

    grades: dict
    course: Path


def assignments_asked_for(items, module):
    """The assignments that the collected tests of `module` are parametrized with, in course order."""
    asked = {item.callspec.params.get("assignment") for item in items
             if item.module is module and hasattr(item, "callspec")}
    return [assignment for assignment in ASSIGNMENTS if assignment in asked]


@pytest.fixture(scope="module")
def graded(request, course_root, tmp_path_factory, record_timing, validation_started):
    """Returns a function that gives an assignment's `GradedAssignment`.

    The first call grades the examples of every assignment the collected
    tests ask for, in one copy of the course and one pool of workers, while
    the validations run beside it (`validation_started`, set up first).
    """
    assignments = assignments_asked_for(request.session.items, request.module)
    course = tmp_path_factory.mktemp("course")
    grades = {}

    def graded_assignment(assignment):
        assert assignment in assignments, f"{assignment} is not among the assignments collected: {assignments}"
        if not grades:
            start = time.perf_counter()
            for grade in demo.grade_examples(course_root, course, assignments):
                grades.setdefault(grade.score.assignment, {})[grade.example.name] = grade
                record_timing(f"autograde {grade.score.assignment} / {grade.example.name}", grade.seconds)
            count = sum(len(examples) for examples in grades.values())
            record_timing(f"grade {len(assignments)} chapters: {count} examples in one pool, wall time",
                          time.perf_counter() - start)
        return GradedAssignment(grades[assignment], course)

    return graded_assignment


@pytest.mark.parametrize("assignment, example", CASES, ids=[f"{a}-{e.name}" for a, e in CASES])
def test_each_example_loses_exactly_the_points_of_its_mistakes(graded, assignment, example):
    grade = graded(assignment).grades[example.name]
    lost = {cell.grade_id: cell.max_score - cell.score for cell in grade.score.auto_cells if cell.score < cell.max_score}
    assert grade.score.failed == example.failing_cells, f"{example.description}: lost points in {lost}"
    expected_score = sum(cell.max_score for cell in grade.score.auto_cells if cell.grade_id not in example.failing_cells)
    assert grade.score.auto_score == expected_score
    waiting = [cell.grade_id for cell in grade.score.auto_cells if cell.needs_manual_grade]
    assert not waiting, f"test cells left for manual grading: {waiting}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_source_notebook_gets_full_marks(graded, assignment):
    score = graded(assignment).grades["reference"].score
    assert score.auto_max_score > 0
    assert score.auto_score == score.auto_max_score


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_example_ran_in_the_sandbox(graded, assignment):
    needs.sandbox()
    for path in graded(assignment).course.glob(f"autograded/*/{assignment}/*.ipynb"):
        graded_as = nbformat.read(path, as_version=4).metadata[record_format.NOTEBOOK_KEY]
        assert graded_as["sandboxed"] is True, path
        # Prepared kernels (`kernel_zygote`) are off by default (`SandboxedExecute.prepared_kernels`).
        assert graded_as["prepared_kernel"] is False, path


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_blank_release_notebook_scores_zero_and_grading_finishes(graded, assignment):
    blank = graded(assignment).grades["blank"].score
    reference = graded(assignment).grades["reference"].score
    assert blank.auto_score == 0
    assert {cell.grade_id for cell in blank.cells} == {cell.grade_id for cell in reference.cells}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_written_answers_wait_for_the_instructor(graded, assignment):
    manual = [cell for cell in graded(assignment).grades["reference"].score.cells if not cell.autograded]
    assert manual, "every chapter has at least one answer graded by hand"
    assert all(cell.needs_manual_grade for cell in manual)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_grading_writes_each_students_feedback_and_the_export(graded, assignment):
    course = graded(assignment).course
    feedback = sorted(course.glob(f"feedback/*/{assignment}/*.html"))
    assert len(feedback) == len(EXAMPLES[assignment])
    wrong = next(example for example in EXAMPLES[assignment] if example.kind == "answers" and example.failing_cells)
    html = next((course / "feedback" / wrong.name / assignment).glob("*.html")).read_text()
    score = graded(assignment).grades[wrong.name].score
    assert "FAILED" in html, "the feedback shows the failed checks' messages"
    assert f"{score.auto_score:g}" in html

    with open(course / pool.EXPORT_DIR / f"{assignment}.csv", newline="") as exported:
        rows = {row["student_id"]: row for row in csv.DictReader(exported)}
    assert {row["assignment"] for row in rows.values()} == {assignment}
    submitted = {example.name for example in EXAMPLES[assignment]}
    assert set(rows) >= submitted
    # nbgrader exports every student in the gradebook: one who handed in only other chapters scores 0 here.
    assert all(float(rows[student]["raw_score"]) == 0.0 for student in set(rows) - submitted)
    assert float(rows["blank"]["raw_score"]) == 0.0
    reference = graded(assignment).grades["reference"].score
    assert float(rows["reference"]["raw_score"]) == reference.auto_score


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_score_table_shows_every_example(graded, assignment):
    console = Console(record=True, width=200)
    console.print(demo.score_table(list(graded(assignment).grades.values())))
    text = console.export_text()
    for example in EXAMPLES[assignment]:
        assert example.name in text
    assert "NO" not in text.split()


# The same grade whatever the worker count or machine: one chapter's
# reference and a wrong example, graded again with one worker while the
# grader's own environment asks for 8 threads (what a bigger machine's
# share would have been). Chapter 01 is the quickest with a measured accuracy.
REPRODUCED_CHAPTER = "01_loss_curves"
REPRODUCED_EXAMPLES = ("reference", "dense1_output")


def verdict_texts(course, assignment, student):
    """`{grade_id: what the grader wrote under the cell}` of a graded notebook."""
    path = next((Path(course) / "autograded" / student / assignment).glob("*.ipynb"))
    return {
        cell.metadata.nbgrader["grade_id"]: "\n".join(output.get("text", "") + output.get("evalue", "") for output in cell.outputs)
        for cell in nbformat.read(path, as_version=4).cells
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")
    }


@pytest.mark.parametrize("assignment", [REPRODUCED_CHAPTER])
def test_a_submission_gets_the_same_numbers_and_score_with_one_worker_or_two(graded, assignment, tmp_path, monkeypatch,
                                                                            record_timing):
    with_two = graded(assignment)
    for name in cpu_share.THREAD_VARIABLES:
        monkeypatch.setenv(name, "8")
    start = time.perf_counter()
    again = demo.grade_examples(nbgrader_course.course_root_of(__file__), tmp_path / "course", [assignment],
                                example_names=list(REPRODUCED_EXAMPLES), workers=1)
    record_timing(f"grade {assignment} {', '.join(REPRODUCED_EXAMPLES)} again with 1 worker", time.perf_counter() - start)
    for grade in again:
        name = grade.example.name
        first = verdict_texts(with_two.course, assignment, name)
        second = verdict_texts(tmp_path / "course", assignment, name)
        assert second == first, f"{name}: the verdicts differ between 2 workers and 1"
        assert grade.score.auto_score == with_two.grades[name].score.auto_score
    measured = verdict_texts(tmp_path / "course", assignment, "reference")
    assert any("accuracy" in text and "% on the grader's" in text for text in measured.values()), \
        "the comparison covers a number the grader measured"


# Validate (the lab's button, nbgrader's fixed pipeline) against autograde.
# Each example is handed to Validate as the student's notebook: the release
# with their answers (the reference example as the release with every
# reference answer, since a student never holds the source notebook), in the
# student's environment (the bundle, installed fresh, offline).
_VALIDATE_LANES = 2
# The grading pool's workers (`pool.default_workers`, one per core as memory
# allows): what the validations share the cores with.
_GRADING_LANES = pool.default_workers(nbgrader_course.course_root_of(__file__))


def student_notebook(course_root, assignment, example):
    """The notebook a student with `example`'s answers would validate."""
    source = nbformat.read(nbgrader_course.single_notebook(course_root, assignment), as_version=4)
    release = nbformat.read(nbgrader_course.single_notebook(course_root, assignment, "release"), as_version=4)
    if example.kind == examples.SOURCE:
        example = dataclasses.replace(example, kind=examples.ANSWERS)
    return examples.build_submission(example, source, release)


@dataclasses.dataclass(frozen=True)
class Validation:
    """What Validate said of one example: each test cell it failed, by grade id, with its error text (ANSI codes removed)."""

    failed: dict
    seconds: float


@pytest.fixture(scope="module")
def validation_started(request, course_root, tmp_path_factory, record_timing):
    """Starts validating every example of the assignments the collected
    validate tests ask for, in a background thread, and returns its future
    (`None` when no such test was collected).

    The grading fixture asks for this one first, so Validate's lanes run
    beside the grading pool's: the two share the cores (each task held to
    its share of threads) instead of the validations waiting for the last
    graded example. The student environment is built in the same thread
    (`student_environment.shared`), also while examples are graded.
    """
    asked = {item.callspec.params.get("assignment") for item in request.session.items
             if item.module is request.module and "validated" in item.fixturenames and hasattr(item, "callspec")}
    assignments = [assignment for assignment in ASSIGNMENTS if assignment in asked]
    if not assignments:
        yield None
        return
    folder = tmp_path_factory.mktemp("validate")
    stopping = threading.Event()

    def validate_one(environment, assignment, example):
        if stopping.is_set():
            raise RuntimeError("validation stopped: the grading test module ended first")
        home = folder / f"{assignment}-{example.name}"
        notebook_path = nbgrader_course.single_notebook(course_root, assignment, "release")
        work = home / "work" / assignment
        work.mkdir(parents=True)
        notebook = student_notebook(course_root, assignment, example)
        nbformat.write(notebook, work / notebook_path.name)
        start = time.perf_counter()
        answer = environment.validate(work / notebook_path.name, home,
                                      threads=cpu_share.threads_per_task(_VALIDATE_LANES + _GRADING_LANES))
        seconds = time.perf_counter() - start
        assert answer["success"], f"Validate could not run on {assignment}/{example.name}: {answer['value']}"
        by_source = {cell.source.strip(): cell for cell in notebook.cells}
        failed = {}
        for item in answer["value"].get("failed", []):
            cell = by_source[item["source"]]
            # A written answer left blank fails Validate ("You did not provide a response"); the grader
            # leaves it to the instructor. Only test cells are autograded.
            if not cell.metadata.nbgrader.get("solution"):
                failed[cell.metadata.nbgrader["grade_id"]] = strip_ansi(item["raw_error"])
        unexpected = set(answer["value"]) - {"failed"}
        assert not unexpected, f"Validate reported {unexpected} for {assignment}/{example.name}: {answer['value']}"
        return assignment, example.name, Validation(failed, seconds)

    def validate_all():
        environment, _ = student_environments.shared(course_root, tmp_path_factory)
        start = time.perf_counter()
        jobs = [(assignment, example) for assignment in assignments for example in EXAMPLES[assignment]]
        results = {}
        with concurrent.futures.ThreadPoolExecutor(_VALIDATE_LANES) as lanes:
            for assignment, name, validation in lanes.map(lambda job: validate_one(environment, *job), jobs):
                results.setdefault(assignment, {})[name] = validation
                record_timing(f"validate {assignment} / {name} (student environment, offline)", validation.seconds)
        record_timing(f"validate {len(jobs)} examples, {_VALIDATE_LANES} at a time beside the grading, wall time",
                      time.perf_counter() - start)
        return results

    background = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="validate")
    future = background.submit(validate_all)
    yield future
    stopping.set()
    background.shutdown(wait=True)


@pytest.fixture(scope="module")
def validated(validation_started):
    """Returns a function that gives an assignment's `Validation`s by example name,
    waiting for the background validation (`validation_started`) to end."""

    def validations(assignment):
        assert validation_started is not None, "no validate test was collected"
        results = validation_started.result()
        assert assignment in results, f"{assignment} is not among the assignments validated: {sorted(results)}"
        return results[assignment]

    return validations


def _failed_check_messages(text):
    """The messages of the failed checks a visible check's CheckFailed carries
    (each line `FAILED <check>: <message>`; the judge may name its check
    differently, `recorded_cases` for the kernel's `function_cases`)."""
    _, found, message = text.rpartition("CheckFailed: ")
    lines = [line.strip() for line in message.splitlines() if line.strip().startswith("FAILED ")] if found else []
    return [line.partition(": ")[2] for line in lines]


@pytest.mark.parametrize("assignment, example", CASES, ids=[f"{a}-{e.name}" for a, e in CASES])
def test_validate_agrees_with_autograde(graded, validated, assignment, example):
    """Validate fails only cells autograde fails, with the grader's own message
    where the failing check is visible; a cell autograde fails on hidden
    tests alone passes Validate, and its release says it is checked when graded."""
    validation = validated(assignment)[example.name]
    assert set(validation.failed) <= example.failing_cells, (
        f"Validate failed cells the grader passes: {sorted(set(validation.failed) - example.failing_cells)}:\n"
        + "\n".join(validation.failed[cell][-1500:] for cell in set(validation.failed) - example.failing_cells))
    autograded = next((graded(assignment).course / "autograded" / example.name / assignment).glob("*.ipynb"))
    verdicts = {
        cell.metadata.nbgrader["grade_id"]: "\n".join(output.get("evalue", output.get("text", "")) for output in cell.outputs)
        for cell in nbformat.read(autograded, as_version=4).cells
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")
    }
    for grade_id, error in validation.failed.items():
        for message in _failed_check_messages(error):
            assert message in verdicts[grade_id], f"{grade_id}: Validate said {message!r}; the grader said:\n{verdicts[grade_id]}"
    release = nbformat.read(nbgrader_course.single_notebook(graded(assignment).course, assignment, "release"), as_version=4)
    marked = {cell.metadata.nbgrader["grade_id"] for cell in release.cells
              if cell.metadata.get("nbgrader", {}).get("grade") and "Checked in full when your notebook is graded" in cell.source}
    assert example.failing_cells - set(validation.failed) <= marked


def test_validate_and_autograde_agreement_table(request, graded, validated):
    """Writes the per-chapter agreement table to build/validate/agreement.md (read by people)."""
    rows = ["| chapter | examples | cells autograde fails | of them Validate fails (visible) | hidden only | Validate fails that autograde passes |",
            "| --- | --- | --- | --- | --- | --- |"]
    for assignment in assignments_asked_for(request.session.items, request.module):
        validations = validated(assignment)
        cases = EXAMPLES[assignment]
        failing = sum(len(example.failing_cells) for example in cases)
        both = sum(len(set(validations[example.name].failed) & example.failing_cells) for example in cases)
        extra = sum(len(set(validations[example.name].failed) - example.failing_cells) for example in cases)
        rows.append(f"| {assignment} | {len(cases)} | {failing} | {both} | {failing - both} | {extra} |")
        assert extra == 0
    table = Path(__file__).resolve().parents[2] / "build" / "validate" / "agreement.md"
    table.parent.mkdir(parents=True, exist_ok=True)
    table.write_text("\n".join(rows) + "\n")
    print("\n".join(rows))
