"""How fast chapter 01's model trains, in GFLOP/s, next to the machine's matmul rate.

The model and settings are chapter 01's (`source/01_loss_curves/loss_curves.ipynb`,
`model_fn()` and `train_model()`): `Flatten`, `Dense(100, relu)`,
`Dense(10, softmax)` on 28x28 images; Adam, sparse categorical
cross-entropy, `batch_size=32`, `steps_per_execution=32`, validation on
the 12,000 validation images; trained on the 48,000 training images of
`course.data.load_splits()`.

FLOPs are counted from the `Dense` layers alone (see `TRAINING_FLOPS_FORMULA`);
a training epoch's time runs from its start to the start of its validation,
so the rate is that of the training steps.
"""

import dataclasses
import time

import keras
import numpy as np

TRAINING_FLOPS_FORMULA = (
    "training FLOPs per example = forward + backward = 3 x sum over Dense layers of 2*in*out "
    "(forward 2*in*out multiply-adds per Dense layer, backward about twice the forward); "
    "biases, activations, the loss and the optimizer's update are not counted"
)
MATMUL_FLOPS_FORMULA = "2*n^3 for an n x n by n x n float32 product"
# Chapter 01's train_model(): batch size and batches per call into TensorFlow.
CHAPTER_01_BATCH_SIZE = 32
CHAPTER_01_STEPS_PER_EXECUTION = 32


@dataclasses.dataclass(frozen=True)
class MatmulRate:
    """NumPy's float32 matrix product rate.

    Attributes:
        size: `n` of the n x n matrices.
        repeats: Products timed; the best counts.
        best_seconds: The fastest product's time.
        gflops_per_second: `2 * n**3 / best_seconds / 1e9`.
    """

    size: int
    repeats: int
    best_seconds: float
    gflops_per_second: float


@dataclasses.dataclass(frozen=True)
class TrainingThroughput:
    """Chapter 01's model's training rate.

    Attributes:
        num_examples: Training images per epoch.
        batch_size: Images per batch.
        steps_per_execution: Batches per call into TensorFlow.
        flops_per_example: Training FLOPs per image (`TRAINING_FLOPS_FORMULA`).
        epoch_training_seconds: Each epoch's training time (start of the
            epoch to the start of its validation), the first included.
        timed_epochs: How many epochs count: all but the first, which
            traces and compiles the training step.
        gflops_per_second: `flops_per_example * num_examples * timed_epochs`
            over the timed epochs' seconds, in GFLOP/s.
    """

    num_examples: int
    batch_size: int
    steps_per_execution: int
    flops_per_example: int
    epoch_training_seconds: tuple
    timed_epochs: int
    gflops_per_second: float


def dense_training_flops_per_example(model):
    """Counts the training FLOPs per example of `model`'s `Dense` layers.

    Args:
        model: A built Keras model. Layers other than `Dense` add nothing.

    Returns:
        `3 * sum(2 * in * out)` over the `Dense` layers (see
        `TRAINING_FLOPS_FORMULA`), an int.

    Example:

    >>> model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(100), keras.layers.Dense(10)])
    >>> dense_training_flops_per_example(model)
    476400
    """
    forward = 0
    for layer in _layers_of(model):
        if isinstance(layer, keras.layers.Dense):
            inputs, outputs = layer.kernel.shape
            forward += 2 * int(inputs) * int(outputs)
    return 3 * forward


def _layers_of(model):
    """Every layer of `model`, nested models' layers included."""
    for layer in model.layers:
        if hasattr(layer, "layers"):
            yield from _layers_of(layer)
        else:
            yield layer


def matmul_rate(size=2048, repeats=5):
    """Times NumPy's `a @ b` on `size` x `size` float32 matrices.

    Args:
        size: `n`. Defaults to 2048.
        repeats: Products to time after one untimed warm-up; the best
            counts. Defaults to 5.

    Returns:
        A `MatmulRate`.

    Raises:
        ValueError: if `size` or `repeats` is not a positive integer.
    """
    for name, value in (("size", size), ("repeats", repeats)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
    generator = np.random.default_rng(0)
    a = generator.standard_normal((size, size), dtype=np.float32)
    b = generator.standard_normal((size, size), dtype=np.float32)
    a @ b  # Warm-up: thread pool start, page faults.
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    best = min(times)
    return MatmulRate(size, repeats, best, 2 * size**3 / best / 1e9)


def chapter_01_model():
    """Returns chapter 01's `model_fn()` model, compiled as its `train_model()` does."""
    model = keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(100, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=CHAPTER_01_STEPS_PER_EXECUTION,
    )
    return model


def training_throughput(num_epochs=4, x_train=None, y_train=None, validation_data=None):
    """Trains chapter 01's model and measures its training rate in GFLOP/s.

    Args:
        num_epochs: Epochs to train; the first is not timed. At least 2.
            Defaults to 4.
        x_train, y_train: Training images and labels. Default to `None`,
            meaning the 48,000 training images of `course.data.load_splits()`.
        validation_data: `(x_val, y_val)`. Defaults to `None`, meaning the
            12,000 validation images there, as in chapter 01.

    Returns:
        A `TrainingThroughput`.

    Raises:
        ValueError: if `num_epochs` is less than 2.
    """
    if not isinstance(num_epochs, int) or num_epochs < 2:
        raise ValueError(
            "`num_epochs` must be an integer of at least 2: the first epoch is not timed. "
            f"Received: num_epochs={num_epochs!r}"
        )
    if x_train is None:
        from course import data

        splits = data.load_splits()
        x_train, y_train = splits.x_train, splits.y_train
        validation_data = validation_data or (splits.x_val, splits.y_val)
    keras.utils.set_random_seed(42)
    model = chapter_01_model()
    timer = _EpochTrainingTimer()
    model.fit(
        x_train,
        y_train,
        batch_size=CHAPTER_01_BATCH_SIZE,
        epochs=num_epochs,
        validation_data=validation_data,
        callbacks=[timer],
        verbose=0,
    )
    flops_per_example = dense_training_flops_per_example(model)
    timed = timer.seconds[1:]
    rate = flops_per_example * len(x_train) * len(timed) / sum(timed) / 1e9
    return TrainingThroughput(
        num_examples=len(x_train),
        batch_size=CHAPTER_01_BATCH_SIZE,
        steps_per_execution=CHAPTER_01_STEPS_PER_EXECUTION,
        flops_per_example=flops_per_example,
        epoch_training_seconds=tuple(timer.seconds),
        timed_epochs=len(timed),
        gflops_per_second=rate,
    )


class _EpochTrainingTimer(keras.callbacks.Callback):
    """Records each epoch's training time: from its start to the start of its validation."""

    def __init__(self):
        super().__init__()
        self.seconds = []
        self._start = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_test_begin(self, logs=None):
        self._stop()

    def on_epoch_end(self, epoch, logs=None):
        self._stop()  # Without validation data, the epoch ends here.

    def _stop(self):
        if self._start is not None:
            self.seconds.append(time.perf_counter() - self._start)
            self._start = None
