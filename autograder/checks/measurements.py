"""Checks of how well a model does, measured by the grader on its own data
(`autograder.performance`): a finite loss, a minimum accuracy, a maximum
loss, a loss close to an expected one, a maximum gap between the loss on
unseen and on training images. They predict and never train.
"""

import math

from autograder import performance
from autograder.checks.engine import _check, _not_a_model


@_check
def finite_loss(model, split="held_out"):
    """Checks that the loss the grader measures on its own data is finite.

    Args:
        split: The grader's images to measure on. Defaults to `"held_out"`,
            the official test set, which a graded kernel never holds.
    """
    problem = _not_a_model(model)
    if problem:
        return problem
    measurement = performance.measure(model, split)
    images = performance.SPLIT_NAMES[split]
    if not math.isfinite(measurement.loss):
        return False, (
            f"expected a finite loss; the grader measured {measurement.loss} on its "
            f"{measurement.num_samples:,} {images} images. The weights blew up during training: "
            "lower the learning rate and train again."
        )
    return True, f"loss {measurement.loss:.4f} on the grader's {measurement.num_samples:,} {images} images"


@_check
def minimum_accuracy(model, minimum, split="held_out"):
    """Checks the accuracy the grader measures on its own data against `minimum`.

    Args:
        split: The grader's images to measure on. Defaults to `"held_out"`,
            the official test set, which a graded kernel never holds, so a
            model that memorised the images it had earns nothing.
    """
    problem = _not_a_model(model)
    if problem:
        return problem
    measurement = performance.measure(model, split)
    images = performance.SPLIT_NAMES[split]
    if not measurement.accuracy >= minimum:
        return False, (
            f"expected at least {minimum:.1%} accuracy on the grader's "
            f"{measurement.num_samples:,} {images} images; measured {measurement.accuracy:.1%}. "
            "About 10% is chance level: was the model trained? Otherwise train for more "
            "epochs or check the learning rate."
        )
    return True, (
        f"accuracy {measurement.accuracy:.1%} on the grader's {measurement.num_samples:,} "
        f"{images} images (at least {minimum:.1%} needed)"
    )


@_check
def maximum_loss(model, maximum, split="validation", compared_with="the threshold"):
    """Checks that the loss the grader measures on its own data is below `maximum`.

    Args:
        compared_with: What `maximum` is, for the message, for example
            `"the model without a hidden layer"`.
    """
    problem = _not_a_model(model)
    if problem:
        return problem
    measurement = performance.measure(model, split)
    if not measurement.loss < maximum:
        return False, (
            f"expected a loss below {maximum:.4f} ({compared_with}) on the grader's "
            f"{measurement.num_samples:,} {split} images; measured {measurement.loss:.4f}. "
            "Give the model more capacity (more units or layers) or check that it was trained."
        )
    return True, (
        f"loss {measurement.loss:.4f} on the grader's {measurement.num_samples:,} {split} images, "
        f"below {maximum:.4f} ({compared_with})"
    )


@_check
def loss_close_to(model, expected, tolerance, compared_with, hint="", split="validation"):
    """Checks that the loss Keras computes for `model` on the grader's own
    data (`performance.keras_loss`, the computation behind a History's
    `val_loss`) is within `tolerance` of `expected`.

    Args:
        expected: The loss the model should have, for example the lowest
            `val_loss` in the History of its training.
        tolerance: The largest difference that passes.
        compared_with: What `expected` is, for the message, for example
            `"the lowest val_loss in your History, at epoch 6"`.
        hint: Added to a failure's message. Defaults to `""`.
    """
    problem = _not_a_model(model)
    if problem:
        return problem
    measured = performance.keras_loss(model, split)
    if not abs(measured - expected) <= tolerance:
        return False, (
            f"expected a loss of {expected:.4f} ({compared_with}) on the grader's {split} images, "
            f"give or take {tolerance:g}; measured {measured:.4f}.{f' {hint}' if hint else ''}"
        )
    return True, f"loss {measured:.6f} on the grader's {split} images; {compared_with}: {expected:.6f}"


@_check
def maximum_gap(model, maximum, num_training_images, split="held_out"):
    """Checks how much better the model does on the images it trained on
    than on images it never saw: the loss the grader measures on `split`
    minus the loss on the first `num_training_images` of the notebooks'
    training images, at most `maximum`.

    Both losses are the cross-entropy of the model's predictions, as the
    grader computes it (`performance.measure`): at inference, so dropout is
    off, and without any regularisation penalty, which is part of the loss
    Keras reports but says nothing about fit. Never the student's History,
    whose training loss is an average over an epoch's batches.

    Args:
        maximum: The largest gap that passes.
        num_training_images: How many images, from the start of the
            notebooks' `x_train`, the model trained on.
        split: The grader's images it never saw. Defaults to `"held_out"`,
            the official test set, which a graded kernel never holds.
    """
    problem = _not_a_model(model)
    if problem:
        return problem
    unseen = performance.measure(model, split)
    trained_on = performance.measure(model, "training", num_images=num_training_images)
    gap = unseen.loss - trained_on.loss
    images = performance.SPLIT_NAMES[split]
    measured = (
        f"loss {unseen.loss:.4f} on the grader's {unseen.num_samples:,} {images} images, "
        f"{trained_on.loss:.4f} on the {trained_on.num_samples:,} training images"
    )
    if not gap <= maximum:
        return False, (
            f"expected a gap of at most {maximum:.4f} between the loss on images the model never saw and on those it "
            f"trained on; measured {gap:.4f} ({measured}). The model fits its training images much better than "
            "others: regularise it more (a larger L2 factor or weight decay, or a higher dropout rate)."
        )
    return True, f"gap {gap:.4f}, at most {maximum:.4f} needed ({measured})"
