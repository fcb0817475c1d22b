"""The benchmark's parts on small inputs: FLOP counts, the matmul rate, the
notebook instrumentation in a real kernel, and the JSON and tables."""

import json
import math

import keras
import nbformat
import numpy as np
import pytest
from rich.console import Console

from autograder.classroom.result import StudentResult
from autograder.tools.bench import flops, grading, instrumentation, notebooks, report, run, seeds


def test_chapter_01s_model_trains_with_3_times_2_in_out_flops_per_dense_layer():
    model = flops.chapter_01_model()
    assert model.count_params() == 79_510, "the model must be chapter 01's, whose check wants 79,510 parameters"
    assert flops.dense_training_flops_per_example(model) == 3 * 2 * (784 * 100 + 100 * 10) == 476_400


def test_layers_without_weights_add_no_flops_and_nested_models_are_counted():
    inner = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(30)])
    model = keras.Sequential([keras.Input(shape=(20,)), inner, keras.layers.Dropout(0.5), keras.layers.Dense(5)])
    assert flops.dense_training_flops_per_example(model) == 3 * 2 * (20 * 30 + 30 * 5)


def test_matmul_rate_is_positive_and_finite():
    rate = flops.matmul_rate(size=256, repeats=3)
    assert rate.best_seconds > 0
    assert math.isfinite(rate.gflops_per_second) and rate.gflops_per_second > 0
    assert math.isclose(rate.gflops_per_second, 2 * 256**3 / rate.best_seconds / 1e9)


def test_matmul_rate_refuses_a_size_that_is_not_a_positive_integer():
    with pytest.raises(ValueError, match=r"`size` must be a positive integer. Received: size=0"):
        flops.matmul_rate(size=0)


def test_training_throughput_times_every_epoch_but_counts_all_but_the_first():
    generator = np.random.default_rng(0)
    images, labels = generator.random((128, 28, 28)), generator.integers(0, 10, 128)
    throughput = flops.training_throughput(num_epochs=3, x_train=images, y_train=labels, validation_data=(images[:32], labels[:32]))
    assert len(throughput.epoch_training_seconds) == 3 and throughput.timed_epochs == 2
    expected = 476_400 * 128 * 2 / sum(throughput.epoch_training_seconds[1:]) / 1e9
    assert math.isclose(throughput.gflops_per_second, expected)
    with pytest.raises(ValueError, match="at least 2"):
        flops.training_throughput(num_epochs=1, x_train=images, y_train=labels)


TINY_COMPILE = """\
import keras
import numpy as np

keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(2, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"], steps_per_execution=4)
"""
TINY_FIT = """\
x = np.random.default_rng(0).normal(size=(256, 8))
y = (x[:, 0] > 0).astype(int)
history = model.fit(x, y, epochs=1, batch_size=16, validation_split=0.25, verbose=0)
model.save("tiny.keras")
reloaded = keras.models.load_model("tiny.keras")  # load_model() compiles it again: it must still evaluate
print("reloaded loss", reloaded.evaluate(x, y, verbose=0)[0] > 0)
"""


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory):
    """A 2-cell notebook (compile with steps_per_execution=4, fit one epoch), run in both variants."""
    path = tmp_path_factory.mktemp("tiny") / "tiny.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(TINY_COMPILE), nbformat.v4.new_code_cell(TINY_FIT)])
    nbformat.write(notebook, path)
    before = path.read_bytes()
    runs = {variant: notebooks.run_notebook(path, variant) for variant in instrumentation.VARIANTS}
    return runs, path, before


def test_the_defaults_variant_really_trains_with_steps_per_execution_1(tiny_runs):
    runs, _, _ = tiny_runs
    shipped, defaults = runs["shipped"], runs["defaults"]
    assert shipped.error is None and defaults.error is None
    assert [fit["steps_per_execution"] for fit in shipped.fits] == [4]
    assert [fit["steps_per_execution"] for fit in defaults.fits] == [1]
    # The notebook's compile(), then load_model()'s of the model saved with 1.
    assert defaults.compiles == (4, 1) and shipped.compiles == ()


def test_each_fit_comes_back_with_its_val_accuracy_epochs_and_cell(tiny_runs):
    runs, path, before = tiny_runs
    for run_of_variant in runs.values():
        (fit,) = run_of_variant.fits
        assert 0.0 <= fit["val_accuracy"] <= 1.0
        assert fit["epochs"] == 1 and fit["cell_index"] == 1 and fit["seconds"] > 0
    comparison = notebooks.pair_fits(nbformat.read(path, as_version=4), runs["shipped"], runs["defaults"])
    assert comparison[0].code == "x = np.random.default_rng(0).normal(size=(256, 8))"
    assert path.read_bytes() == before, "the benchmarked notebook must never be written"


def test_records_are_missing_from_a_notebook_the_benchmark_did_not_instrument():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('hello')")])
    notebook.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="hello\n")]
    with pytest.raises(ValueError, match="Execute the notebook `instrument\\(\\)` returned"):
        instrumentation.read_records(notebook)


def test_an_unknown_variant_names_the_variants():
    with pytest.raises(ValueError, match=r"`variant` must be one of \('shipped', 'defaults'\). Received: variant='fast'"):
        instrumentation.instrument(nbformat.v4.new_notebook(), "fast")


def hand_made_fit(val_accuracy, steps_per_execution, cell_index=3, seconds=10.0):
    return {"seconds": seconds, "epochs": 5, "val_accuracy": val_accuracy, "steps_per_execution": steps_per_execution, "cell_index": cell_index}


def hand_made_document():
    """The document `compose` makes from hand-made results of every part."""
    shipped = notebooks.NotebookRun("shipped", 50.0, (hand_made_fit(0.85, 32), hand_made_fit(0.80, 32), hand_made_fit(None, 32)))
    defaults = notebooks.NotebookRun("defaults", 100.0, (hand_made_fit(0.855, 1), hand_made_fit(0.70, 1), hand_made_fit(None, 1)), compiles=(32, 32, 32))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"cell_{index} = 1") for index in range(4)])
    chapter = notebooks.ChapterComparison(
        "02_learning_rate", "source/02_learning_rate/learning_rate.ipynb", shipped, defaults,
        notebooks.pair_fits(notebook, shipped, defaults),
    )
    results = grading.GradingResults(
        blanks=(grading.StageCost("01_loss_curves", "blank", 10.0, {"prepare": 0.5, "kernel_start": 1.0, "imports": 4.25,
                                                                    "cells": 6.0, "judge": 0.5, "rest": 2.0}),),
        references=(
            StudentResult("reference", 9.0, 9.0, 60.0, assignment="01_loss_curves"),
            StudentResult("reference", seconds=90.0, failure="the kernel died", assignment="02_learning_rate"),
        ),
        class_runs=(
            grading.ClassRun(("01_loss_curves", "02_learning_rate"), 1, ("01_loss_curves/reference", "02_learning_rate/reference"), 120.0),
            grading.ClassRun(("01_loss_curves", "02_learning_rate"), 2, ("01_loss_curves/reference", "02_learning_rate/reference"), 80.0),
        ),
        course_run=grading.ClassRun(("01_loss_curves",), 2, ("01_loss_curves/reference",) * 3, 45.0),
        graded="by hand",
    )
    spread = seeds.SeedSpread((
        seeds.Measured("01_loss_curves", "trained_model_accuracy", "accuracy", 0.872, 0.85, True, 0),
        seeds.Measured("01_loss_curves", "trained_model_accuracy", "accuracy", 0.861, 0.85, True, 1000),
        seeds.Measured("07_regularization", "regularized_model_generalizes", "gap", 0.111, 0.13, False, 0),
    ))
    training = flops.TrainingThroughput(48_000, 32, 32, 476_400, (5.0, 2.0, 2.0), 2, 11.4336)
    matmul = flops.MatmulRate(2048, 5, 0.2, 85.9)
    machine = {"cpu_count": 2, "python": "3.11.7"}
    return report.compose(machine, notebooks=[chapter], grading=results, flops=(training, matmul), seeds=spread, skipped=())


def test_the_document_holds_ratio_agreement_divergence_throughput_and_flops():
    document = hand_made_document()
    (chapter,) = document["notebooks"]["chapters"]
    assert chapter["ratio"] == 2.0 and document["notebooks"]["total"]["ratio"] == 2.0
    assert math.isclose(chapter["largest_difference_percentage_points"], 10.0)
    assert chapter["agree"] is False and chapter["diverged_fits"] == [2]
    assert [fit["difference_percentage_points"] is None for fit in chapter["fits"]] == [False, False, True]
    assert chapter["fits"][0]["code"] == "cell_3 = 1"
    assert chapter["defaults_compiles_asked_for_steps_per_execution"] == [32, 32, 32]
    (blank,) = document["grading"]["fixed_cost"]
    assert blank["stages"]["imports"] == 4.25 and blank["seconds"] == 10.0
    assert document["grading"]["references"][1]["failure"] == "the kernel died"
    throughput = document["grading"]["throughput"]
    assert [run["submissions_per_minute"] for run in throughput["runs"]] == [1.0, 1.5]
    assert throughput["speed_up"] == 1.5
    assert document["grading"]["course"]["submissions_per_minute"] == 4.0
    accuracy, gap = document["seeds"]["rows"]
    assert accuracy["worst"] == 0.861 and math.isclose(accuracy["margin"], 0.011)
    assert gap["worst"] == 0.111 and math.isclose(gap["margin"], 0.019)
    assert math.isclose(document["flops"]["percent_of_matmul"], 11.4336 / 85.9 * 100)
    assert "2*in*out" in document["flops"]["formula"]
    assert json.loads(json.dumps(document, allow_nan=False)) == document


def test_the_tables_show_every_part_s_numbers():
    console = Console(record=True, width=250)
    for table in report.tables(hand_made_document()):
        console.print(table)
    text = console.export_text()
    for shown in ("2.00x", "85.00", "85.50", "80.00", "70.00", "10.00", "#2 (10.0 pp)", "60.0", "4.2", "4.00",
                  "failed: the kernel died", "1.50x", "11.43", "85.9 GFLOP/s", "13.3 %", "476,400",
                  "0.872 0.861", "+0.011", "+0.0190"):
        assert shown in text, f"{shown!r} missing from the tables:\n{text}"


def test_run_benchmark_refuses_unknown_chapters_and_skipping_everything(course_root, tmp_path):
    with pytest.raises(ValueError, match="Received unknown: \\['07_transformers'\\]"):
        run.run_benchmark(course_root, tmp_path / "bench.json", chapters=["07_transformers"], skip=["grading"])
    with pytest.raises(ValueError, match="At least one part must run"):
        run.run_benchmark(course_root, tmp_path / "bench.json", skip=["notebooks", "grading", "flops", "seeds"])
    assert not (tmp_path / "bench.json").exists()


def test_the_seed_offset_moves_every_seed_the_notebook_sets():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import keras, numpy as np\nkeras.utils.set_random_seed(42)\nfirst = np.random.random()\n"
        "keras.utils.set_random_seed(1042)\nprint(first == np.random.random())")])
    moved = seeds.with_seed_offset(notebook, 1000)
    assert len(moved.cells) == 2 and len(notebook.cells) == 1, "the original notebook is not changed"
    original = keras.utils.set_random_seed
    original(1000)
    expected = np.random.random()
    exec(moved.cells[0].source, {})
    try:
        keras.utils.set_random_seed(0)
        assert np.random.random() == expected, "set_random_seed(0) now seeds with 1000"
    finally:
        keras.utils.set_random_seed = original


def test_the_judges_measurements_are_read_from_passed_and_failed_verdicts():
    def grade_cell(grade_id, text):
        cell = nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output("stream", name="stdout", text=text)])
        cell.metadata["nbgrader"] = {"grade_id": grade_id, "grade": True}
        return cell

    notebook = nbformat.v4.new_notebook(cells=[
        grade_cell("a", "Grader: passed\nPASSED minimum_accuracy: accuracy 87.2% on the grader's 10,000 held-out test images "
                        "(at least 85.0% needed)\n"),
        grade_cell("b", "FAILED minimum_accuracy: expected at least 85.0% accuracy on the grader's 10,000 held-out test "
                        "images; measured 84.1%. About 10% is chance level\n"),
        grade_cell("c", "PASSED maximum_gap: gap 0.1080, at most 0.1300 needed (loss 0.3 on ...)\n"),
        grade_cell("d", "PASSED maximum_loss: loss 0.3306 on the grader's 12,000 validation images, below 0.4170 (the model)\n"),
        grade_cell("e", "Grader: passed\nPASSED layer_sequence: Flatten, Dense(100)\n"),
    ])
    measured = seeds.measured_numbers(notebook, "01_loss_curves", 1000)
    assert [(item.grade_id, item.quantity, item.value, item.bar, item.higher_is_better) for item in measured] == [
        ("a", "accuracy", pytest.approx(0.872), pytest.approx(0.85), True),
        ("b", "accuracy", pytest.approx(0.841), pytest.approx(0.85), True),
        ("c", "gap", 0.108, 0.13, False),
        ("d", "loss", 0.3306, 0.417, False),
    ]


def test_the_seeds_part_reads_what_the_real_checks_print():
    """The patterns follow `autograder.checks.measurements`' own messages, passed and failed."""
    from autograder import checks

    model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    results = [checks.minimum_accuracy(model, 0.0), checks.minimum_accuracy(model, 0.99),
               checks.maximum_loss(model, 100.0), checks.maximum_loss(model, 0.01), checks.maximum_gap(model, 5.0, 1000),
               checks.maximum_gap(model, -5.0, 1000)]
    cells = []
    for index, result in enumerate(results):
        cell = nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output("stream", name="stdout", text=str(result))])
        cell.metadata["nbgrader"] = {"grade_id": f"cell_{index}", "grade": True}
        cells.append(cell)
    measured = seeds.measured_numbers(nbformat.v4.new_notebook(cells=cells), "any", 0)
    assert [(item.grade_id, item.quantity, item.bar) for item in measured] == [
        ("cell_0", "accuracy", 0.0), ("cell_1", "accuracy", pytest.approx(0.99)), ("cell_2", "loss", 100.0),
        ("cell_3", "loss", 0.01), ("cell_4", "gap", 5.0), ("cell_5", "gap", -5.0)]
