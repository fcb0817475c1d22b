"""The Fashion-MNIST a student's kernel sees while it is graded.

The grader measures accuracy on the official 10,000 test images
(`performance`, split `"held_out"`), so the kernel must never hold them:
a model that memorised them (or the validation images, which are part of
the training files every notebook needs) would otherwise score as if it
generalised. During grading the kernel's Keras cache holds the real
training files and, in place of the two `t10k-*` test files, a decoy:
10,000 images (with their labels) taken from the training part of the
notebooks' split, so `keras.datasets.fashion_mnist.load_data()` still
returns a test set of the usual shape and a plausible accuracy.

The decoy is written once per machine next to the grader's own cache
(`decoy_dir()`), atomically, and only read after that.
"""

import gzip
import os
import tempfile

import numpy as np

from course import data

DECOY_SUBDIR = "fashion-mnist-grading-decoy"
TEST_FILES = ("t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")
TRAIN_FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz")
_LABELS_MAGIC, _IMAGES_MAGIC = 2049, 2051
DECOY_SEED = 20261202


def decoy_dir():
    """Returns the folder holding the decoy test files (next to Keras's cache)."""
    return data.keras_cache_dir().parent / DECOY_SUBDIR


def kernel_dataset_files():
    """Returns `{file name: host path}` for the kernel's Fashion-MNIST folder.

    The training files are the grader's own; the test files are the decoy,
    made first if this machine has none yet.

    Raises:
        course.data.DatasetUnavailableError: if the grader's own copy is
            missing or unreadable (the message says how to fix it).
    """
    cache = data.ensure_fashion_mnist(download=False)
    folder = decoy_dir()
    if not all((folder / name).is_file() for name in TEST_FILES):
        _write_decoy(cache, folder)
    return {**{name: cache / name for name in TRAIN_FILES}, **{name: folder / name for name in TEST_FILES}}


def read_idx(path):
    """Reads a gzipped IDX file of labels or images as a uint8 array."""
    with gzip.open(path, "rb") as stream:
        raw = stream.read()
    magic = int.from_bytes(raw[:4], "big")
    if magic == _LABELS_MAGIC:
        return np.frombuffer(raw, np.uint8, offset=8)
    if magic == _IMAGES_MAGIC:
        count, rows, columns = (int.from_bytes(raw[offset:offset + 4], "big") for offset in (4, 8, 12))
        return np.frombuffer(raw, np.uint8, offset=16).reshape(count, rows, columns)
    raise data.DatasetUnavailableError(
        f"{path} is not an IDX file of labels or images (magic number {magic}; expected {_LABELS_MAGIC} or "
        f"{_IMAGES_MAGIC}). Delete it and run `python -m course.data` to copy the files again."
    )


def _idx_bytes(array):
    magic = _LABELS_MAGIC if array.ndim == 1 else _IMAGES_MAGIC
    header = magic.to_bytes(4, "big") + b"".join(size.to_bytes(4, "big") for size in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def _write_decoy(cache, folder):
    from sklearn.model_selection import train_test_split

    labels = read_idx(cache / TRAIN_FILES[0])
    images = read_idx(cache / TRAIN_FILES[1])
    # Only images the notebooks train on: none of the validation split.
    train_index, _ = train_test_split(np.arange(len(labels)), test_size=data.VALIDATION_FRACTION,
                                      random_state=data.SPLIT_SEED)
    chosen = np.random.default_rng(DECOY_SEED).choice(train_index, size=data.NUM_TEST_IMAGES, replace=False)
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in zip(TEST_FILES, (labels[chosen], images[chosen])):
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{name}.", delete=False) as partial:
            partial.write(gzip.compress(_idx_bytes(array), compresslevel=6, mtime=0))
        os.chmod(partial.name, 0o644)
        os.replace(partial.name, folder / name)
