"""Each chapter's judges reject wrong models from records, without a notebook run.

The end-to-end tests grade whole example submissions; these check the
judges of the model cells directly, on models that are wrong in one way
each: untrained, trained with the wrong optimizer, weights that blew up,
the wrong activation.
"""

import keras
import numpy as np

from autograder import records
from autograder.judge import judging


def dense_model(*hidden_units):
    layers = [keras.Input(shape=(28, 28)), keras.layers.Flatten()]
    layers += [keras.layers.Dense(units, activation="relu") for units in hidden_units]
    return keras.Sequential(layers + [keras.layers.Dense(10, activation="softmax")])


def record(grade_id, **items):
    """Records each keyword's model or optimizer for `grade_id`, as a hidden test would."""
    for key, item in items.items():
        if isinstance(item, keras.Model):
            records.model(grade_id, key, item)
        else:
            records.optimizer(grade_id, key, item)


def grading(course_root, assignment):
    """The chapter's grading module, for the thresholds its judges apply."""
    return judging.load_grading_module(course_root / "source" / assignment)


def judge(course_root, assignment, folder, grade_id):
    (verdict,) = judging.judge_cells(course_root / "source" / assignment, folder, [grade_id])
    return verdict


def test_chapter_02_rejects_an_untrained_model_and_the_wrong_optimizer(course_root, records_folder):
    keras.utils.set_random_seed(0)
    record("rmsprop_accuracy", model=dense_model(512), optimizer=keras.optimizers.Adam(learning_rate=0.01))
    verdict = judge(course_root, "02_learning_rate", records_folder, "rmsprop_accuracy")
    assert not verdict.passed
    assert "trained with RMSprop; found Adam" in verdict.message
    minimum = grading(course_root, "02_learning_rate").MINIMUM_RMSPROP_ACCURACY
    assert f"expected at least {minimum:.1%} accuracy" in verdict.message


def test_chapter_02_rejects_a_model_whose_weights_blew_up(course_root, records_folder):
    model = dense_model(100)
    model.set_weights([np.full(weight.shape, np.nan) for weight in model.get_weights()])
    record("clipped_training", model=model)
    verdict = judge(course_root, "02_learning_rate", records_folder, "clipped_training")
    assert not verdict.passed and "expected a finite loss" in verdict.message


def test_chapter_02_rejects_a_model_that_does_not_beat_the_no_hidden_layer_loss(course_root, records_folder):
    keras.utils.set_random_seed(0)
    record("bigger_model_val_loss", model=dense_model(256, 256))
    verdict = judge(course_root, "02_learning_rate", records_folder, "bigger_model_val_loss")
    maximum = grading(course_root, "02_learning_rate").NO_HIDDEN_LAYER_VAL_LOSS
    assert not verdict.passed and f"expected a loss below {maximum:.4f}" in verdict.message


def test_chapter_03_rejects_an_untrained_elu_model_and_a_relu_one(course_root, records_folder):
    keras.utils.set_random_seed(0)
    untrained_elu = keras.Sequential([
        keras.Input(shape=(28, 28)), keras.layers.Flatten(),
        keras.layers.Dense(100, activation="elu"), keras.layers.Dense(10, activation="softmax"),
    ])
    record("elu_model_accuracy", model=untrained_elu)
    verdict = judge(course_root, "03_activation_functions", records_folder, "elu_model_accuracy")
    minimum = grading(course_root, "03_activation_functions").MINIMUM_ACCURACY
    assert not verdict.passed and f"expected at least {minimum:.1%} accuracy" in verdict.message

    record("elu_model_accuracy", model=dense_model(100))
    verdict = judge(course_root, "03_activation_functions", records_folder, "elu_model_accuracy")
    assert not verdict.passed and "Dense(100, elu)" in verdict.message
