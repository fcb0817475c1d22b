"""The benchmark's results as a JSON document, and as rich tables read from it.

`compose()` turns the parts' results into plain data (the JSON that is
written); `tables()` renders that same document, so a saved `bench.json`
can be shown again with `tables(json.load(...))`.
"""

import dataclasses

from rich.table import Table

from autograder.tools.bench import flops as flops_part
from autograder.tools.bench import notebooks as notebooks_part

VARIANT_DESCRIPTIONS = {
    "shipped": "as the course ships it: the notebooks' compile() calls pass steps_per_execution=32",
    "defaults": "Keras's defaults for batch handling: every compile() forced to steps_per_execution=1 "
    "(the notebooks set up no prefetching of their own, so nothing else differs)",
}
CHAPTER_01_MODEL = (
    "chapter 01 (loss_curves.ipynb, model_fn() and train_model()): Flatten, Dense(100, relu), "
    "Dense(10, softmax); Adam; sparse categorical cross-entropy; validation on 12,000 images"
)


def compose(machine, notebooks=None, grading=None, flops=None, seeds=None, skipped=()):
    """Returns the benchmark's JSON document.

    Args:
        machine: `machine.describe_machine()`'s dict.
        notebooks: A list of `notebooks.ChapterComparison`, or `None` if
            that part was skipped. Defaults to `None`.
        grading: A `grading.GradingResults`, or `None`. Defaults to `None`.
        flops: A `(flops.TrainingThroughput, flops.MatmulRate)` pair, or
            `None`. Defaults to `None`.
        seeds: A `seeds.SeedSpread`, or `None`. Defaults to `None`.
        skipped: Names of the parts skipped. Defaults to `()`.

    Returns:
        A dict of plain values (str, numbers, bools, `None`, lists, dicts),
        ready for `json.dump`.
    """
    return {
        "machine": machine,
        "skipped": sorted(skipped),
        "notebooks": None if notebooks is None else _notebooks_document(notebooks),
        "grading": None if grading is None else _grading_document(grading),
        "flops": None if flops is None else _flops_document(*flops),
        "seeds": None if seeds is None else _seeds_document(seeds),
    }


def _notebooks_document(comparisons):
    chapters = [_chapter_document(comparison) for comparison in comparisons]
    complete = [chapter for chapter in chapters if chapter["ratio"] is not None]
    shipped = sum(chapter["shipped_seconds"] for chapter in complete)
    defaults = sum(chapter["defaults_seconds"] for chapter in complete)
    return {
        "variants": VARIANT_DESCRIPTIONS,
        "agreement_percentage_points": notebooks_part.AGREEMENT_PERCENTAGE_POINTS,
        "chapters": chapters,
        "total": {
            "chapters": [chapter["chapter"] for chapter in complete],
            "shipped_seconds": shipped,
            "defaults_seconds": defaults,
            "ratio": defaults / shipped if complete else None,
        },
    }


def _chapter_document(comparison):
    runs = {"shipped": comparison.shipped, "defaults": comparison.defaults}
    fits = []
    for fit in comparison.fits:
        shipped_fit = comparison.shipped.fits[fit.index - 1]
        defaults_fit = comparison.defaults.fits[fit.index - 1]
        fits.append({
            "index": fit.index,
            "cell_index": fit.cell_index,
            "code": fit.code,
            "shipped_val_accuracy": fit.shipped_val_accuracy,
            "defaults_val_accuracy": fit.defaults_val_accuracy,
            "difference_percentage_points": fit.difference_percentage_points,
            "diverged": fit.diverged,
            "shipped_epochs": shipped_fit["epochs"],
            "defaults_epochs": defaults_fit["epochs"],
            "shipped_steps_per_execution": shipped_fit["steps_per_execution"],
            "defaults_steps_per_execution": defaults_fit["steps_per_execution"],
            "shipped_seconds": shipped_fit["seconds"],
            "defaults_seconds": defaults_fit["seconds"],
        })
    document = {"chapter": comparison.chapter, "notebook": comparison.notebook}
    for variant, run in runs.items():
        document[f"{variant}_seconds"] = run.seconds
        document[f"{variant}_fit_seconds"] = run.fit_seconds
        document[f"{variant}_error"] = run.error
    document.update({
        "ratio": comparison.ratio,
        "defaults_compiles_asked_for_steps_per_execution": list(comparison.defaults.compiles),
        "largest_difference_percentage_points": comparison.largest_difference_percentage_points,
        "agree": comparison.agree,
        "fit_counts_differ": comparison.fit_counts_differ,
        "diverged_fits": [fit.index for fit in comparison.diverged_fits],
        "fits": fits,
    })
    return document


def _grading_document(results):
    return {
        "graded": results.graded,
        "fixed_cost": [dataclasses.asdict(cost) for cost in results.blanks],
        "references": [_submission_document(result) for result in results.references],
        "throughput": {
            "runs": [_class_run_document(run) for run in results.class_runs],
            "speed_up": results.speed_up,
        },
        "course": None if results.course_run is None else _class_run_document(results.course_run),
    }


def _class_run_document(run):
    return {
        "chapters": list(run.chapters),
        "workers": run.workers,
        "submissions": len(run.submissions),
        "wall_seconds": run.wall_seconds,
        "submissions_per_minute": run.submissions_per_minute,
        "failures": list(run.failures),
    }


def _submission_document(result):
    return {
        "chapter": result.assignment,
        "submission": result.student,
        "seconds": result.seconds,
        "score": result.score,
        "max_score": result.max_score,
        "failure": result.failure or None,
        "note": result.note,
    }


def _seeds_document(spread):
    return {
        "offsets": sorted({item.offset for item in spread.measured}),
        "rows": [
            {"chapter": row.chapter, "grade_id": row.grade_id, "quantity": row.quantity, "bar": row.bar,
             "higher_is_better": row.higher_is_better, "values": {str(offset): value for offset, value in row.values.items()},
             "worst": row.worst, "margin": row.margin}
            for row in spread.rows()
        ],
        "failures": list(spread.failures),
    }


def _flops_document(training, matmul):
    return {
        "model": CHAPTER_01_MODEL,
        "formula": flops_part.TRAINING_FLOPS_FORMULA,
        "flops_per_example": training.flops_per_example,
        "num_examples": training.num_examples,
        "batch_size": training.batch_size,
        "steps_per_execution": training.steps_per_execution,
        "epoch_training_seconds": list(training.epoch_training_seconds),
        "timed_epochs": training.timed_epochs,
        "timing": "each epoch from its start to the start of its validation; the first epoch (tracing) not counted",
        "training_gflops_per_second": training.gflops_per_second,
        "matmul": {**dataclasses.asdict(matmul), "formula": flops_part.MATMUL_FLOPS_FORMULA, "dtype": "float32"},
        "percent_of_matmul": training.gflops_per_second / matmul.gflops_per_second * 100,
    }


def tables(document):
    """Returns rich `Table`s showing every number of `document` (from `compose()`)."""
    shown = [_machine_table(document["machine"])]
    if document.get("notebooks"):
        shown += [_notebook_table(document["notebooks"]), _fit_table(document["notebooks"])]
    if document.get("grading"):
        shown += [_fixed_cost_table(document["grading"]), _references_table(document["grading"]),
                  _throughput_table(document["grading"])]
    if document.get("flops"):
        shown.append(_flops_table(document["flops"]))
    if document.get("seeds"):
        shown.append(_seeds_table(document["seeds"]))
    return shown


def _machine_table(machine):
    table = Table(title="Machine", show_header=False)
    table.add_column("what")
    table.add_column("value")
    for key, value in machine.items():
        table.add_row(key, str(value))
    return table


def _notebook_table(notebooks):
    tolerance = notebooks["agreement_percentage_points"]
    table = Table(title="Notebooks: as shipped (steps_per_execution=32) vs Keras defaults (steps_per_execution=1)", show_lines=True)
    for heading in ("chapter", "shipped s", "defaults s", "defaults / shipped", "in fit() s\nshipped / defaults",
                    "val_accuracy %\nshipped", "val_accuracy %\ndefaults", "largest\ndifference pp",
                    f"agree within\n{tolerance:g} pp", "diverged fits"):
        table.add_column(heading, justify="left" if heading in ("chapter", "diverged fits") else "right")
    for chapter in notebooks["chapters"]:
        errors = [f"{variant}: {chapter[f'{variant}_error']}" for variant in ("shipped", "defaults") if chapter[f"{variant}_error"]]
        with_accuracy = [fit for fit in chapter["fits"] if fit["difference_percentage_points"] is not None]
        diverged = [fit for fit in chapter["fits"] if fit["diverged"]]
        table.add_row(
            chapter["chapter"] + ("".join(f"\n[red]{error}[/red]" for error in errors)),
            _number(chapter["shipped_seconds"], ".1f"),
            _number(chapter["defaults_seconds"], ".1f"),
            _number(chapter["ratio"], ".2f", "x"),
            f"{chapter['shipped_fit_seconds']:.1f} / {chapter['defaults_fit_seconds']:.1f}",
            " ".join(_percent(fit["shipped_val_accuracy"]) for fit in with_accuracy) or "-",
            " ".join(_percent(fit["defaults_val_accuracy"]) for fit in with_accuracy) or "-",
            _number(chapter["largest_difference_percentage_points"], ".2f"),
            _agreement(chapter),
            "\n".join(f"#{fit['index']} ({fit['difference_percentage_points']:.1f} pp)" for fit in diverged) or "-",
        )
    total = notebooks["total"]
    if total["chapters"]:
        table.add_row(
            "[bold]total[/bold]", f"{total['shipped_seconds']:.1f}", f"{total['defaults_seconds']:.1f}",
            _number(total["ratio"], ".2f", "x"), "", "", "", "", "", "",
        )
    return table


def _fit_table(notebooks):
    table = Table(title="Each fit() with validation accuracy, in call order")
    for heading in ("chapter", "fit", "cell", "epochs\nshipped / defaults", "val_accuracy %\nshipped",
                    "val_accuracy %\ndefaults", "difference pp", "diverged"):
        table.add_column(heading, justify="left" if heading in ("chapter", "cell", "diverged") else "right")
    for chapter in notebooks["chapters"]:
        for fit in chapter["fits"]:
            if fit["shipped_val_accuracy"] is None and fit["defaults_val_accuracy"] is None:
                continue
            table.add_row(
                chapter["chapter"],
                f"#{fit['index']}",
                f"[{fit['cell_index']}] {fit['code'][:50]}",
                f"{fit['shipped_epochs']} / {fit['defaults_epochs']}",
                _percent(fit["shipped_val_accuracy"]),
                _percent(fit["defaults_val_accuracy"]),
                _number(fit["difference_percentage_points"], ".2f"),
                "[bold red]yes[/bold red]" if fit["diverged"] else "no",
            )
    return table


def _fixed_cost_table(grading):
    stages = ("prepare", "kernel_start", "imports", "cells", "judge", "rest")
    table = Table(title="Fixed cost: each chapter's blank submission graded end to end (one class, workers=1), seconds by stage",
                  caption="imports: the notebook's first code cell, part of cells; rest: nbgrader's own steps, feedback, "
                          "the gradebook and Dask (the task's seconds less the notebook's stages)")
    for heading in ("chapter", "total s", *stages):
        table.add_column(heading, justify="left" if heading == "chapter" else "right")
    for cost in grading["fixed_cost"]:
        table.add_row(cost["chapter"], f"{cost['seconds']:.1f}",
                      *(_number(cost["stages"].get(stage), ".1f") for stage in stages))
    if grading["fixed_cost"]:
        mean = sum(cost["seconds"] for cost in grading["fixed_cost"]) / len(grading["fixed_cost"])
        table.add_row("[bold]mean[/bold]", f"{mean:.1f}", *[""] * len(stages))
    return table


def _throughput_table(grading):
    table = Table(title="Class grading throughput", caption=grading["graded"])
    for heading in ("class", "workers", "submissions", "wall s", "submissions / minute", "speed-up", "failed"):
        table.add_column(heading, justify="left" if heading in ("class", "failed") else "right")
    throughput = grading["throughput"]
    for run in throughput["runs"]:
        table.add_row(
            "references", str(run["workers"]), str(run["submissions"]), f"{run['wall_seconds']:.1f}",
            f"{run['submissions_per_minute']:.2f}",
            _number(throughput["speed_up"], ".2f", "x") if run["workers"] > 1 else "1.00x",
            ", ".join(run["failures"]) or "-",
        )
    course = grading.get("course")
    if course:
        table.add_row("every example", str(course["workers"]), str(course["submissions"]), f"{course['wall_seconds']:.1f}",
                      f"{course['submissions_per_minute']:.2f}", "", ", ".join(course["failures"]) or "-")
    return table


def _references_table(grading):
    table = Table(title="Each chapter's reference submission (workers=1)")
    for heading in ("chapter", "seconds", "score"):
        table.add_column(heading, justify="right" if heading == "seconds" else "left")
    for grade in grading["references"]:
        table.add_row(grade["chapter"], f"{grade['seconds']:.1f}", _score(grade))
    return table


def _seeds_table(seeds):
    table = Table(title=f"Each bar against the reference over seed offsets {', '.join(map(str, seeds['offsets']))} (one thread)")
    for heading in ("chapter", "grade cell", "quantity", "bar", "measured", "worst", "margin"):
        table.add_column(heading, justify="left" if heading in ("chapter", "grade cell", "quantity", "measured") else "right")
    for row in seeds["rows"]:
        spec = ".3f" if row["quantity"] == "accuracy" else ".4f"
        table.add_row(row["chapter"], row["grade_id"], row["quantity"] + (" (at least)" if row["higher_is_better"] else " (at most)"),
                      f"{row['bar']:{spec}}", " ".join(f"{value:{spec}}" for value in row["values"].values()),
                      f"{row['worst']:{spec}}", f"{row['margin']:+{spec}}")
    for failure in seeds["failures"]:
        table.add_row("[red]not graded[/red]", failure, "", "", "", "", "")
    return table


def _flops_table(flops):
    table = Table(title="Training throughput of chapter 01's model vs NumPy float32 matmul", caption=flops["formula"], show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    matmul = flops["matmul"]
    rows = [
        ("training FLOPs per example", f"{flops['flops_per_example']:,}"),
        ("examples per epoch, batch size, steps_per_execution",
         f"{flops['num_examples']:,}, {flops['batch_size']}, {flops['steps_per_execution']}"),
        ("epoch training seconds (first not timed)", ", ".join(f"{seconds:.2f}" for seconds in flops["epoch_training_seconds"])),
        ("training GFLOP/s", f"{flops['training_gflops_per_second']:.2f}"),
        (f"matmul {matmul['size']}x{matmul['size']} float32, best of {matmul['repeats']}",
         f"{matmul['best_seconds'] * 1000:.1f} ms, {matmul['gflops_per_second']:.1f} GFLOP/s"),
        ("training as % of matmul", f"{flops['percent_of_matmul']:.1f} %"),
    ]
    for row in rows:
        table.add_row(*row)
    return table


def _number(value, spec, suffix=""):
    return "-" if value is None else f"{value:{spec}}{suffix}"


def _percent(fraction):
    return "-" if fraction is None else f"{fraction * 100:.2f}"


def _agreement(chapter):
    if chapter["fit_counts_differ"]:
        return "[bold red]different fits[/bold red]"
    if chapter["agree"] is None:
        return "-"
    return "yes" if chapter["agree"] else "[bold red]no[/bold red]"


def _score(grade):
    if grade["failure"]:
        return f"[red]failed: {grade['failure']}[/red]"
    return f"{grade['score']:g} / {grade['max_score']:g}"
