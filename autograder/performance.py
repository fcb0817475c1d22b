"""What the grader measures itself: a model's loss and accuracy on its data.

The numbers come from the grader's own copy of Fashion-MNIST
(`course.data.load_splits()`) and the model's predictions, never from the
student's variables, History or compiled loss, so they cannot be forged by
editing those.
"""

import dataclasses
import warnings

import numpy as np

from course import data

SPLITS = ("validation", "held_out", "training")
# How messages name each split's images.
SPLIT_NAMES = {"validation": "validation", "held_out": "held-out test", "training": "training"}
# Keras clips probabilities by the same epsilon before taking the log.
EPSILON = 1e-7


@dataclasses.dataclass(frozen=True)
class Measurement:
    """A model's performance on one of the grader's splits.

    Attributes:
        split: `"validation"` (the 12,000 images every notebook validates
            on) or `"held_out"` (the official 10,000 test images).
        num_samples: How many images were predicted.
        loss: Mean sparse categorical cross-entropy, computed by the grader.
        accuracy: Fraction of images whose highest-scoring class is right.
    """

    split: str
    num_samples: int
    loss: float
    accuracy: float


def grading_data(split="validation"):
    """Returns the grader's `(images, labels)` for `split`.

    Args:
        split: `"validation"`, `"held_out"` or `"training"` (the 48,000
            images the notebooks train on, in their order). Defaults to
            `"validation"`.

    Raises:
        ValueError: for any other split name.
    """
    splits = data.load_splits()
    if split == "validation":
        return splits.x_val, splits.y_val
    if split == "held_out":
        return splits.x_test, splits.y_test
    if split == "training":
        return splits.x_train, splits.y_train
    raise ValueError(f"`split` must be one of {SPLITS}. Received: split={split!r}")


def measure(model, split="validation", batch_size=1024, num_images=None):
    """Measures `model`'s loss and accuracy on the grader's own images.

    Outputs that are not probabilities (rows that are negative or do not sum
    to 1) are treated as logits and passed through a softmax first.

    Args:
        model: A Keras model mapping `(n, 28, 28)` images to `(n, 10)` scores.
        split: Which of the grader's splits to use. Defaults to `"validation"`.
        batch_size: Images per prediction batch. Defaults to 1024.
        num_images: Measure only the split's first `num_images` images (a
            notebook trains on `x_train[:num_images]`, say). Defaults to
            `None`: all of them.

    Returns:
        A `Measurement`.

    Raises:
        ValueError: if the model's outputs do not have one row of 10 scores
            per image: from its `output_shape` before anything is predicted
            (`check_model_shapes`), and from what it predicted.
    """
    images, labels = grading_data(split)
    if num_images is not None:
        if type(num_images) is not int or not 0 < num_images <= len(labels):
            raise ValueError(f"`num_images` must be an int from 1 to {len(labels)}. Received: num_images={num_images!r}")
        images, labels = images[:num_images], labels[:num_images]
    check_model_shapes(model, split)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outputs = np.asarray(model.predict(images, batch_size=batch_size, verbose=0), dtype=np.float64)
    expected_shape = (len(labels), data.NUM_CLASSES)
    if outputs.shape != expected_shape:
        raise ValueError(
            f"The model must output one row of {data.NUM_CLASSES} class scores per image, "
            f"shape {expected_shape} for the grader's {split} images. Received: {outputs.shape}. "
            f"End the model with `Dense({data.NUM_CLASSES}, activation='softmax')`."
        )
    probabilities = outputs if _are_probabilities(outputs) else _softmax(outputs)
    picked = probabilities[np.arange(len(labels)), labels]
    loss = float(-np.mean(np.log(np.clip(picked, EPSILON, 1.0))))
    accuracy = float(np.mean(np.argmax(outputs, axis=1) == labels))
    return Measurement(split=split, num_samples=len(labels), loss=loss, accuracy=accuracy)


def keras_loss(model, split="validation", batch_size=1024):
    """Computes `model`'s loss on the grader's own images the way Keras
    computes the `val_loss` that `fit()` logs.

    `measure` clips probabilities at `EPSILON`, so for a confident model
    its loss drifts below Keras's by up to a few 1e-4; Keras, for a model
    that ends in a softmax, takes the loss from the softmax's inputs. This
    evaluates a copy of `model` compiled with sparse categorical
    cross-entropy, so the result matches a History's `val_loss` for the
    same weights up to float32 rounding (about 1e-6). `model` itself is
    left as it was.

    Args:
        model: A Keras model mapping `(n, 28, 28)` images to `(n, 10)`
            class probabilities.
        split: Which of the grader's splits to use. Defaults to `"validation"`.
        batch_size: Images per batch. Defaults to 1024.

    Returns:
        The mean loss, a float.

    Raises:
        ValueError: if the model does not map `(n, 28, 28)` images to
            `(n, 10)` scores (`check_model_shapes`), before anything is
            predicted.
    """
    import keras

    images, labels = grading_data(split)
    check_model_shapes(model, split)
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    copy.compile(loss="sparse_categorical_crossentropy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(copy.evaluate(images, labels, batch_size=batch_size, verbose=0, return_dict=True)["loss"])


def check_model_shapes(model, split="validation"):
    """Checks, before any prediction, that `model` takes the grader's
    `(n, 28, 28)` images and gives one row of 10 scores per image.

    A model whose output is not 10 wide is never run on the grader's
    images: a recorded model's prediction could otherwise be as large as
    its author liked (12,000 rows of 12,544 floats).

    Args:
        model: A Keras model.
        split: The split it is about to be measured on, for the message.
            Defaults to `"validation"`.

    Raises:
        ValueError: if its `output_shape` is not `(None, 10)`, its
            `input_shape` does not accept `(n, 28, 28)` images, or either
            cannot be read (several inputs or outputs, an unbuilt model).
    """
    image_shape = (None, *data.IMAGE_SHAPE)
    try:
        output_shape, input_shape = model.output_shape, model.input_shape
    except Exception:  # An unbuilt or unusual model has no shapes to read; it is refused below.
        output_shape = input_shape = None
    expected_shape = (None, data.NUM_CLASSES)
    if not _is_shape(output_shape) or tuple(output_shape) != expected_shape:
        raise ValueError(
            f"The model must output one row of {data.NUM_CLASSES} class scores per image, "
            f"shape {expected_shape} for the grader's {split} images. Received: output_shape={output_shape}. "
            f"End the model with `Dense({data.NUM_CLASSES}, activation='softmax')`."
        )
    if not _is_shape(input_shape) or len(input_shape) != len(image_shape) or not all(
            size is None or size == wanted for size, wanted in zip(input_shape[1:], image_shape[1:])):
        raise ValueError(
            f"The model must take the grader's images, shape {image_shape}. Received: input_shape={input_shape}. "
            f"Start the model with `keras.Input(shape={image_shape[1:]})`."
        )


def _is_shape(shape):
    return isinstance(shape, tuple) and all(size is None or type(size) is int for size in shape)


def _are_probabilities(outputs):
    return bool(np.all(outputs >= 0) and np.allclose(outputs.sum(axis=1), 1.0, atol=1e-3))


def _softmax(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    exponentials = np.exp(shifted)
    return exponentials / exponentials.sum(axis=1, keepdims=True)
