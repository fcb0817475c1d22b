"""The checks of what training recorded (`autograder.checks.histories`): a
History's keys and epochs, the model it belongs to, batches per epoch, and
that the History and the optimizer's steps agree with the model."""

import keras
import numpy as np

from autograder import checks
from autograder.synthetic import make_history
from course import data

from check_helpers import assert_fails, chapter_model, model_with


def test_history_keys_names_the_missing_argument():
    full = make_history(loss=[1.0], accuracy=[0.5], val_loss=[1.1], val_accuracy=[0.4])
    expected = ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert checks.history_keys(full, expected).passed
    assert_fails(checks.history_keys(make_history(loss=[1.0], accuracy=[0.5]), expected), "validation_data=(x_val, y_val)")
    assert_fails(checks.history_keys(make_history(loss=[1.0], val_loss=[1.0]), expected), "metrics=['accuracy']")


def test_history_epochs():
    assert checks.history_epochs(make_history(loss=[1.0, 0.9], val_loss=[1.0, 0.8]), 2).passed
    assert_fails(checks.history_epochs(make_history(loss=[1.0, 0.9], val_loss=[1.0, 0.8]), 15), "epochs=15")
    assert_fails(checks.history_epochs({}, 15), "empty")


def test_history_belongs_to_the_model_it_trained():
    model = chapter_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(np.zeros((8, 28, 28)), np.zeros(8), epochs=1, verbose=0)
    assert checks.history_belongs_to(history, model).passed
    assert_fails(checks.history_belongs_to(history, chapter_model()), "not recorded while training this model")
    assert_fails(checks.history_belongs_to(make_history(loss=[0.1]), model), "not recorded")
    assert_fails(checks.history_belongs_to({"loss": [0.1]}, model), "keras.callbacks.History", "dict")


def _trained_with_history(num_epochs=2):
    keras.utils.set_random_seed(0)
    model = chapter_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    splits = data.load_splits()
    history = model.fit(splits.x_train[:2000], splits.y_train[:2000], batch_size=100, epochs=num_epochs,
                        validation_data=(splits.x_val, splits.y_val), verbose=0)
    return model, history, int(model.optimizer.iterations.numpy())


def test_history_matches_model_accepts_the_history_fit_returned():
    model, history, steps = _trained_with_history()
    result = checks.history_matches_model(history, model, steps)
    assert result.passed, result.message


def test_history_matches_model_rejects_edited_and_padded_histories():
    model, history, steps = _trained_with_history()
    made_up = make_history(**{key: [0.9 - 0.05 * epoch for epoch in range(5)] for key in ("loss", "val_loss")},
                           accuracy=[0.6] * 5, val_accuracy=[0.6] * 5)
    assert_fails(checks.history_matches_model(made_up, model, steps), "the History says val_loss 0.7000", "unedited")
    # Padded with more epochs whose last values are the real last ones: the optimizer's steps give it away.
    padded = make_history(**{key: values[:1] * 3 + values for key, values in history.history.items()})
    padded.params = dict(history.params)
    assert_fails(checks.history_matches_model(padded, model, steps), f"taken {5 * 20:,} steps", f"it took {steps:,}")
    # A model other than the one the History trained.
    other, _, other_steps = _trained_with_history(num_epochs=1)
    assert_fails(checks.history_matches_model(history, other, other_steps), "unedited")


def test_optimizer_took_steps_rejects_an_optimizer_put_on_after_training():
    model, _, steps = _trained_with_history(num_epochs=1)
    assert checks.optimizer_took_steps(steps, 20).passed
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")  # a new optimizer, no step taken
    from autograder import records as kernel_records

    assert_fails(checks.optimizer_took_steps(kernel_records._training_steps(model)), "at least 1 training steps", "in `compile()`")
    assert_fails(checks.optimizer_took_steps(steps, 21), "at least 21 training steps", "it took 20")
    assert_fails(checks.optimizer_took_steps(None), "no optimizer")


def test_steps_per_epoch_reads_what_fit_recorded():
    model = model_with()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", steps_per_execution=32)
    history = model.fit(np.zeros((3000, 28, 28)), np.zeros(3000), batch_size=200, epochs=1, verbose=0)
    assert checks.steps_per_epoch(history, 15, 3000, 200).passed
    assert_fails(checks.steps_per_epoch(history, 24, 3000, 128), "expected 24 batches", "found 15", "batch_size=batch_size")
    assert_fails(checks.steps_per_epoch(make_history(loss=[1.0]), 15, 3000, 200), "found None")
