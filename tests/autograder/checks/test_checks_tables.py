"""The check of a table of scores (`autograder.checks.tables`)."""

import numpy as np
import pytest

from autograder import checks

from check_helpers import assert_fails

ROWS = ["sgd", "adam"]


COLUMNS = ["val_loss", "val_accuracy"]


def test_score_table_accepts_any_kind_of_finite_number():
    table = {"adam": {"val_accuracy": np.float32(0.87), "val_loss": 0.37}, "sgd": {"val_loss": 1, "val_accuracy": np.float64(0.8)}}
    result = checks.score_table(table, ROWS, COLUMNS)
    assert result.passed and "2 entries" in result.message


@pytest.mark.parametrize("table, fragments", [
    ([0.3, 0.8], ["expected a dict", "found list"]),
    ({"sgd": {"val_loss": 0.4, "val_accuracy": 0.8}}, ["missing ['adam']"]),
    ({"sgd": {}, "adam": {}, "Adam": {}}, ["unexpected ['Adam']"]),
    ({"sgd": {"val_loss": 0.4, "val_accuracy": 0.8}, "adam": {"loss": 0.4, "accuracy": 0.8}},
     ["'adam' to hold a dict with the keys ['val_loss', 'val_accuracy']", "['accuracy', 'loss']"]),
    ({"sgd": {"val_loss": 0.4, "val_accuracy": 0.8}, "adam": (0.4, 0.8)}, ["found tuple"]),
    ({"sgd": {"val_loss": float("inf"), "val_accuracy": 0.8}, "adam": {"val_loss": 0.4, "val_accuracy": 0.8}},
     ["['sgd']['val_loss'] to be a finite number", "inf"]),
    ({"sgd": {"val_loss": 0.4, "val_accuracy": [0.7, 0.8]}, "adam": {"val_loss": 0.4, "val_accuracy": 0.8}},
     ["['sgd']['val_accuracy'] to be a finite number", "[0.7, 0.8]"]),
    ({"sgd": {"val_loss": 0.4, "val_accuracy": True}, "adam": {"val_loss": 0.4, "val_accuracy": 0.8}},
     ["['sgd']['val_accuracy'] to be a finite number", "True"]),
])
def test_score_table_says_what_is_wrong(table, fragments):
    assert_fails(checks.score_table(table, ROWS, COLUMNS, hint="Take the last epoch."), *fragments, "Take the last epoch.")
