"""The course's benchmark: how fast the notebooks, the grader and training run here.

`run.run_benchmark()` runs the parts and writes a JSON file; the command
line is `python -m autograder bench` (`make bench`). The parts, one module
each:

- `notebooks`: each chapter's notebook as shipped (`steps_per_execution=32`)
  versus with Keras's defaults, with `instrumentation` adding the cells
  that record each `fit()`;
- `grading`: the fixed cost of grading a submission, stage by stage, and
  class grading throughput with 1 and 2 workers;
- `course`: every example of every chapter graded as one class (the
  longest part);
- `flops`: chapter 01's model's training GFLOP/s against NumPy's float32
  matmul rate;
- `seeds`: each chapter's graded numbers over five seeds against its bars.

`machine` records what it ran on and `report` composes the JSON and the
tables. Importing this package imports neither TensorFlow nor nbgrader.
"""

from pathlib import Path

DEFAULT_OUTPUT = Path("build") / "bench" / "bench.json"
PARTS = ("notebooks", "grading", "course", "flops", "seeds")
