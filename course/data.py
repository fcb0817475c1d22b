"""Fashion-MNIST for the course, offline wherever a local copy exists.

Notebooks load the data the way the books do,
`keras.datasets.fashion_mnist.load_data()`, after one call to
`ensure_fashion_mnist()`, which puts the four files where Keras looks for
them. The grader loads its own copy with `load_splits()`.

Where the files come from, in order:

1. Keras's own cache (`$KERAS_HOME/datasets/fashion-mnist`, by default
   `~/.keras/datasets/fashion-mnist`).
2. A folder named by the `FASHION_MNIST_DIR` environment variable.
3. The copy the student package carries (`course/fashion-mnist/`, put
   there by `python -m autograder bundle`; absent from the repository).
4. Debian's `dataset-fashion-mnist` package
   (`/usr/share/datasets/fashion-mnist`).
5. A download by Keras, which needs a network.

Run `python -m course.data` to prepare the cache and print where it is.
"""

import dataclasses
import functools
import os
import shutil
from pathlib import Path

import numpy as np

FILE_NAMES = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)
DATASET_DIR_VARIABLE = "FASHION_MNIST_DIR"
SYSTEM_DATASET_DIR = Path("/usr/share/datasets/fashion-mnist")
PACKAGED_DATASET_DIR = Path(__file__).resolve().parent / "fashion-mnist"
DOWNLOAD_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
CACHE_SUBDIR = os.path.join("datasets", "fashion-mnist")

CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
NUM_CLASSES = len(CLASS_NAMES)
IMAGE_SHAPE = (28, 28)
NUM_TRAIN_IMAGES = 60_000
NUM_TEST_IMAGES = 10_000

# The split every notebook makes with
# `train_test_split(x, y, test_size=0.2, random_state=42)`.
VALIDATION_FRACTION = 0.2
SPLIT_SEED = 42


class DatasetUnavailableError(RuntimeError):
    """Raised when Fashion-MNIST can be neither found locally nor downloaded."""


@dataclasses.dataclass(frozen=True)
class FashionMnistSplits:
    """Fashion-MNIST scaled to [0, 1] and split as the notebooks split it.

    Attributes:
        x_train: Images the notebooks train on, shape `(48000, 28, 28)`.
        y_train: Their labels, integers 0 to 9.
        x_val: Validation images, shape `(12000, 28, 28)`.
        y_val: Their labels.
        x_test: The official test set, shape `(10000, 28, 28)`, which
            the grader holds out.
        y_test: Its labels.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def keras_cache_dir():
    """Returns the folder `keras.datasets.fashion_mnist.load_data()` reads.

    It follows Keras's own rule: `$KERAS_HOME`, else `~/.keras`, else
    `/tmp/.keras` when the home folder is not writable.
    """
    keras_home = os.environ.get("KERAS_HOME")
    if keras_home is None:
        home = os.path.expanduser("~")
        base = home if os.access(home, os.W_OK) else "/tmp"
        keras_home = os.path.join(base, ".keras")
    keras_home = os.path.expanduser(keras_home)
    if os.path.isdir(keras_home) and not os.access(keras_home, os.W_OK):
        keras_home = os.path.join("/tmp", ".keras")
    return Path(keras_home) / CACHE_SUBDIR


def local_copy_dirs():
    """Returns the folders searched for a local copy, in search order."""
    folders = []
    if os.environ.get(DATASET_DIR_VARIABLE):
        folders.append(Path(os.environ[DATASET_DIR_VARIABLE]).expanduser())
    if PACKAGED_DATASET_DIR.is_dir():
        folders.append(PACKAGED_DATASET_DIR)
    folders.append(SYSTEM_DATASET_DIR)
    return folders


def ensure_fashion_mnist(search_dirs=None, download=True):
    """Makes sure Keras finds Fashion-MNIST without a network if it can.

    Files missing from Keras's cache are copied there from the first folder
    in `search_dirs` that holds them all; failing that, Keras downloads them.
    Calling it again when the cache is complete does nothing.

    Args:
        search_dirs: Folders to copy the four `.gz` files from. Defaults to
            `None`, meaning `$FASHION_MNIST_DIR` (if set) and then
            `/usr/share/datasets/fashion-mnist`.
        download: Whether to let Keras download files no folder holds.
            Defaults to `True`.

    Returns:
        The cache folder, which then holds all four files.

    Raises:
        DatasetUnavailableError: if the files are in no folder searched and
            cannot be downloaded. The message says how to get them.

    Example:

    >>> from course import data
    >>> data.ensure_fashion_mnist()
    PosixPath('/root/.keras/datasets/fashion-mnist')
    """
    cache_dir = keras_cache_dir()
    missing = [name for name in FILE_NAMES if not (cache_dir / name).is_file()]
    if not missing:
        return cache_dir
    if search_dirs is None:
        search_dirs = local_copy_dirs()
    search_dirs = [Path(folder) for folder in search_dirs]
    for folder in search_dirs:
        if all((folder / name).is_file() for name in missing):
            cache_dir.mkdir(parents=True, exist_ok=True)
            for name in missing:
                partial = cache_dir / (name + ".partial")
                shutil.copyfile(folder / name, partial)
                os.replace(partial, cache_dir / name)
            return cache_dir
    if download:
        try:
            _download(missing)
            return cache_dir
        except Exception as error:  # Keras raises several kinds on no network.
            raise DatasetUnavailableError(
                _unavailable_message(cache_dir, search_dirs, error)
            ) from error
    raise DatasetUnavailableError(_unavailable_message(cache_dir, search_dirs, None))


def _download(names):
    import keras

    for name in names:
        keras.utils.get_file(name, origin=DOWNLOAD_ORIGIN + name, cache_subdir=CACHE_SUBDIR)


def _unavailable_message(cache_dir, search_dirs, download_error):
    searched = "\n".join(f"  - {folder}" for folder in [cache_dir, *search_dirs])
    if download_error is None:
        download_line = "Downloading was not attempted."
    else:
        download_line = f"Downloading failed: {download_error}"
    return (
        "Fashion-MNIST is needed (the four files "
        f"{', '.join(FILE_NAMES)}) but was not found. Looked in:\n"
        f"{searched}\n{download_line}\n"
        "To fix it, do one of:\n"
        "  - on Debian or Ubuntu: sudo apt-get install dataset-fashion-mnist\n"
        f"  - put the four files in a folder and set {DATASET_DIR_VARIABLE}=/that/folder\n"
        f"  - connect to the internet once and run: python -m course.data"
    )


@functools.lru_cache(maxsize=1)
def load_splits():
    """Loads Fashion-MNIST scaled and split exactly as the notebooks do.

    The images are divided by 255; the 60,000 training images are split
    with `train_test_split(test_size=0.2, random_state=42)`; the official
    10,000 test images are kept apart. The arrays are read-only and the
    result is cached, so calling it again costs nothing.

    Returns:
        A `FashionMnistSplits`.

    Raises:
        DatasetUnavailableError: if the data cannot be found or downloaded,
            or the files found do not hold Fashion-MNIST.
    """
    import keras
    from sklearn.model_selection import train_test_split

    cache_dir = ensure_fashion_mnist()
    try:
        (x_full, y_full), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    except (OSError, EOFError, ValueError) as error:
        raise DatasetUnavailableError(
            f"The Fashion-MNIST files in {cache_dir} could not be read ({error}). "
            "They may be truncated: delete that folder and run `python -m course.data` again."
        ) from error
    _check_loaded(x_full, y_full, NUM_TRAIN_IMAGES, "training", cache_dir)
    _check_loaded(x_test, y_test, NUM_TEST_IMAGES, "test", cache_dir)
    x_train, x_val, y_train, y_val = train_test_split(
        x_full / 255.0, y_full, test_size=VALIDATION_FRACTION, random_state=SPLIT_SEED
    )
    splits = FashionMnistSplits(x_train, y_train, x_val, y_val, x_test / 255.0, y_test)
    for field in dataclasses.fields(splits):
        getattr(splits, field.name).flags.writeable = False
    return splits


def _check_loaded(images, labels, expected_count, name, cache_dir):
    expected_shape = (expected_count, *IMAGE_SHAPE)
    if images.shape != expected_shape or labels.shape != (expected_count,):
        raise DatasetUnavailableError(
            f"The Fashion-MNIST {name} set should hold images of shape {expected_shape} "
            f"and labels of shape {(expected_count,)}. Received: images {images.shape}, "
            f"labels {labels.shape}, read from {cache_dir}. Delete that folder and run "
            "`python -m course.data` to copy the files again."
        )
    if labels.min() < 0 or labels.max() >= NUM_CLASSES:
        raise DatasetUnavailableError(
            f"Fashion-MNIST labels must lie in 0..{NUM_CLASSES - 1}. Received: "
            f"{labels.min()}..{labels.max()} in the {name} set read from {cache_dir}."
        )


if __name__ == "__main__":
    import sys

    try:
        print(f"Fashion-MNIST is ready in {ensure_fashion_mnist()}")
    except DatasetUnavailableError as error:
        print(error, file=sys.stderr)
        sys.exit(1)
