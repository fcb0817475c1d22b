"""Checks that hidden and visible tests call on a student's work.

Every check returns a `CheckResult` and never raises on a student's
mistake: whatever the student hands in (a model of the wrong shape, `None`,
a function that raises), the result says what was expected, what was found
and the likely fix. None of them trains anything; the performance checks
only predict on the grader's own data (`autograder.performance`).

The checks live in a module per topic and are all re-exported here, so a
test cell calls `checks.minimum_accuracy(...)` whichever module defines it:

- `models`: shapes, layers and parameter counts;
- `histories`: what a History recorded, and that it agrees with the model;
- `optimizers`: an optimizer's class and settings, gradient clipping;
- `measurements`: loss, accuracy and the train/test gap the grader measures on its own data;
- `callbacks`: callbacks' settings and what they did to training;
- `tables`: a table of scores;
- `plots`: a plot of training and validation loss;
- `engine`: what every check shares, and the checks of a student's
  functions (`Case`, `function_cases`, `recorded_cases`).
"""

from autograder.checks.callbacks import callback_settings, checkpoint_saved, stopped_at_target, stopped_early
from autograder.checks.engine import Case, function_cases, raised, recorded_cases, recorded_fact
from autograder.checks.histories import (
    HISTORY_TOLERANCE,
    HistoryTolerance,
    history_belongs_to,
    history_epochs,
    history_keys,
    history_matches_model,
    optimizer_took_steps,
    steps_per_epoch,
)
from autograder.checks.measurements import finite_loss, loss_close_to, maximum_gap, maximum_loss, minimum_accuracy
from autograder.checks.models import (
    describe_layer,
    input_shape,
    layer_at,
    layer_descriptions,
    layer_sequence,
    maximum_parameter_count,
    minimum_hidden_layers,
    output_shape,
    parameter_count,
)
from autograder.checks.optimizers import CLIPPING_SETTINGS, gradient_clipping, optimizer_settings
from autograder.checks.plots import loss_plot
from autograder.checks.tables import score_table

__all__ = [
    "CLIPPING_SETTINGS", "Case", "HISTORY_TOLERANCE", "HistoryTolerance", "callback_settings", "checkpoint_saved",
    "describe_layer", "finite_loss", "function_cases", "gradient_clipping", "history_belongs_to", "history_epochs",
    "history_keys", "history_matches_model", "input_shape", "layer_at", "layer_descriptions", "layer_sequence",
    "loss_close_to", "loss_plot", "maximum_gap", "maximum_loss", "maximum_parameter_count", "minimum_accuracy",
    "minimum_hidden_layers", "optimizer_settings", "optimizer_took_steps", "output_shape", "parameter_count",
    "raised", "recorded_cases", "recorded_fact", "score_table", "steps_per_epoch", "stopped_at_target",
    "stopped_early",
]
