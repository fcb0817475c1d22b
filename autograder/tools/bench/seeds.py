"""How far each chapter's graded numbers sit from their bars, seed by seed.

Every training in the course is seeded (`keras.utils.set_random_seed`),
and every graded kernel trains with one thread
(`cpu_share.GRADING_THREADS`), so the seed is all that moves a correct
answer's numbers. This part grades each chapter's reference submission
once per offset in `SEED_OFFSETS`, with a first cell that adds the offset
to every seed the notebook sets, through the real grader
(`pool.grade_assignments`), and reads the numbers the judges measured
(accuracy, loss, gap) back from the graded notebooks' verdicts. A bar is
then set a stated margin below the lowest correct run (above the highest,
for a loss or a gap); the README says which.

    spread = seeds.measure_seed_spread(".", ["01_loss_curves"])
    spread.rows()  # one per chapter, grade cell and measured quantity
"""

import dataclasses
import re
import tempfile
from pathlib import Path

import nbformat

from autograder.tools import examples

SEED_OFFSETS = (0, 1000, 2000, 3000, 4000)
REFERENCE = "reference"

_OFFSET_CELL = '''\
# Added by the benchmark: every seed this notebook sets, moved by {offset}.
import keras as _benchmark_keras

_benchmark_set_random_seed = _benchmark_keras.utils.set_random_seed
_benchmark_keras.utils.set_random_seed = lambda seed: _benchmark_set_random_seed(seed + {offset})
'''

# What the judges' checks print (`autograder.checks.measurements`), passed or failed:
# (quantity, pattern with the measured number and the bar, whether higher is better).
_MEASUREMENTS = (
    ("accuracy", re.compile(r"accuracy (?P<value>-?\d+(?:\.\d+)?)% on the grader's [\d,]+ (?P<images>[\w -]+?) images "
                            r"\(at least (?P<bar>-?\d+(?:\.\d+)?)% needed\)"), True, 0.01),
    ("accuracy", re.compile(r"expected at least (?P<bar>-?\d+(?:\.\d+)?)% accuracy on the grader's [\d,]+ (?P<images>[\w -]+?) "
                            r"images; measured (?P<value>-?\d+(?:\.\d+)?)%"), True, 0.01),
    ("loss", re.compile(r"loss (?P<value>-?\d+(?:\.\d+)?) on the grader's [\d,]+ (?P<images>\w+) images, below (?P<bar>-?\d+(?:\.\d+)?)"),
     False, 1.0),
    ("loss", re.compile(r"expected a loss below (?P<bar>-?\d+(?:\.\d+)?) .*? on the grader's [\d,]+ (?P<images>\w+) images; "
                        r"measured (?P<value>-?\d+(?:\.\d+)?)"), False, 1.0),
    ("gap", re.compile(r"gap (?P<value>-?\d+(?:\.\d+)?), at most (?P<bar>-?\d+(?:\.\d+)?) needed"), False, 1.0),
    ("gap", re.compile(r"expected a gap of at most (?P<bar>-?\d+(?:\.\d+)?) .*?measured (?P<value>-?\d+(?:\.\d+)?)"), False, 1.0),
)


@dataclasses.dataclass(frozen=True)
class Measured:
    """One number a judge measured in one graded notebook.

    Attributes:
        chapter: The assignment.
        grade_id: The grade cell.
        quantity: `"accuracy"`, `"loss"` or `"gap"`.
        value: The measured number (accuracy as a fraction).
        bar: The bar it was held to, in the same unit.
        higher_is_better: Whether passing means `value >= bar`.
        offset: The seed offset of the run.
    """

    chapter: str
    grade_id: str
    quantity: str
    value: float
    bar: float
    higher_is_better: bool
    offset: int


@dataclasses.dataclass(frozen=True)
class SpreadRow:
    """A measured quantity of one grade cell over every seed.

    Attributes:
        chapter, grade_id, quantity, bar, higher_is_better: As in `Measured`.
        values: The measured numbers, by seed offset.
    """

    chapter: str
    grade_id: str
    quantity: str
    bar: float
    higher_is_better: bool
    values: dict

    @property
    def worst(self):
        """The run closest to failing: the lowest accuracy, the highest loss or gap."""
        return min(self.values.values()) if self.higher_is_better else max(self.values.values())

    @property
    def margin(self):
        """How far the worst correct run is from the bar (positive: every run passes)."""
        return self.worst - self.bar if self.higher_is_better else self.bar - self.worst


@dataclasses.dataclass(frozen=True)
class SeedSpread:
    """What the `seeds` part measured: every number, and the runs that could not be graded."""

    measured: tuple
    failures: tuple = ()

    def rows(self):
        """One `SpreadRow` per chapter, grade cell and quantity, in grading order."""
        grouped = {}
        for item in self.measured:
            key = (item.chapter, item.grade_id, item.quantity)
            if key not in grouped:
                grouped[key] = SpreadRow(*key, item.bar, item.higher_is_better, {})
            grouped[key].values[item.offset] = item.value
        return list(grouped.values())


def with_seed_offset(notebook, offset):
    """Returns a copy of `notebook` whose every `keras.utils.set_random_seed(seed)` sets `seed + offset`."""
    moved = nbformat.from_dict(notebook)
    moved.cells = [nbformat.v4.new_code_cell(_OFFSET_CELL.format(offset=offset)), *moved.cells]
    return moved


def measured_numbers(notebook, chapter, offset):
    """Reads what the judges measured from an autograded notebook's grade cells.

    Returns:
        A list of `Measured`, in cell order.
    """
    found = []
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.cell_type != "code" or not grade_id:
            continue
        text = "\n".join(output.get("text", "") + output.get("evalue", "") for output in cell.get("outputs", []))
        for line in text.splitlines():
            for quantity, pattern, higher_is_better, scale in _MEASUREMENTS:
                match = pattern.search(line)
                if match:
                    found.append(Measured(chapter, grade_id, quantity, float(match["value"]) * scale,
                                          float(match["bar"]) * scale, higher_is_better, offset))
                    break
    return found


def measure_seed_spread(course_root, chapters, offsets=SEED_OFFSETS, workers=None, on_progress=None):
    """Grades each chapter's reference once per seed offset and collects what the judges measured.

    Args:
        course_root: The course folder.
        chapters: The assignments.
        offsets: Seed offsets. Defaults to `SEED_OFFSETS` (five runs).
        workers: Local workers. Defaults to `None`, the pool's default.
        on_progress: Called with a line of text per graded run. Defaults to `None`.

    Returns:
        A `SeedSpread`.
    """
    from autograder.classroom import nbgrader_course, pool
    from autograder.tools.demo import stage_examples

    report = on_progress or (lambda text: None)
    students = {offset: f"seed-offset-{offset}" for offset in offsets}
    with tempfile.TemporaryDirectory(prefix="benchmark-seeds-") as scratch:
        work_dir = stage_examples(course_root, Path(scratch) / "course", {})
        for chapter in chapters:
            nbgrader_course.generate_assignment(work_dir, chapter)
            source = nbformat.read(nbgrader_course.single_notebook(work_dir, chapter), as_version=4)
            release = nbformat.read(nbgrader_course.single_notebook(work_dir, chapter, "release"), as_version=4)
            (reference,) = examples.examples_for(chapter, [REFERENCE], course_root)
            submission = examples.build_submission(reference, source, release)
            for offset, student in students.items():
                nbgrader_course.submit(work_dir, chapter, student, with_seed_offset(submission, offset))
        measured, failures = [], []

        def graded(result):
            offset = next(offset for offset, student in students.items() if student == result.student)
            if result.failure:
                failures.append(f"{result.assignment} offset {offset}: {result.failure}")
                report(f"{result.assignment} seed offset {offset}: could not be graded")
                return
            numbers = [item for path in sorted((work_dir / "autograded" / result.student / result.assignment).glob("*.ipynb"))
                       for item in measured_numbers(nbformat.read(path, as_version=4), result.assignment, offset)]
            measured.extend(numbers)
            report(f"{result.assignment} seed offset {offset}: {result.seconds:.0f} s, "
                   + ", ".join(f"{item.grade_id} {item.quantity} {item.value:.4g}" for item in numbers))

        pool.grade_assignments(work_dir, list(chapters), students=list(students.values()), workers=workers,
                               force=True, on_result=graded)
    order = {chapter: index for index, chapter in enumerate(chapters)}
    measured.sort(key=lambda item: (order[item.chapter], item.offset))
    return SeedSpread(tuple(measured), tuple(failures))
