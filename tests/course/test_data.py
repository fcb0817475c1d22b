"""Fashion-MNIST set-up: the offline copy, the error when there is none, and the split."""

import re

import keras
import nbformat
import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from course import data


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    """An empty Keras home, so tests never touch the real cache."""
    home = tmp_path / "keras-home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


@pytest.fixture
def local_copy(tmp_path):
    """A folder holding four stand-in dataset files with distinct contents."""
    folder = tmp_path / "local-copy"
    folder.mkdir()
    for name in data.FILE_NAMES:
        (folder / name).write_bytes(name.encode() * 3)
    return folder


def test_cache_dir_follows_keras_home(keras_home):
    assert data.keras_cache_dir() == keras_home / "datasets" / "fashion-mnist"


def test_missing_files_are_copied_from_a_local_folder(keras_home, local_copy):
    cache = data.ensure_fashion_mnist(search_dirs=[local_copy], download=False)
    assert sorted(path.name for path in cache.iterdir()) == sorted(data.FILE_NAMES)
    for name in data.FILE_NAMES:
        assert (cache / name).read_bytes() == (local_copy / name).read_bytes()


def test_a_complete_cache_is_left_as_it_is(keras_home, local_copy):
    cache = data.ensure_fashion_mnist(search_dirs=[local_copy], download=False)
    (cache / data.FILE_NAMES[0]).write_bytes(b"kept")
    assert data.ensure_fashion_mnist(search_dirs=[], download=False) == cache
    assert (cache / data.FILE_NAMES[0]).read_bytes() == b"kept"


def test_only_missing_files_are_copied(keras_home, local_copy):
    cache = data.keras_cache_dir()
    cache.mkdir(parents=True)
    (cache / data.FILE_NAMES[0]).write_bytes(b"already here")
    data.ensure_fashion_mnist(search_dirs=[local_copy], download=False)
    assert (cache / data.FILE_NAMES[0]).read_bytes() == b"already here"
    assert (cache / data.FILE_NAMES[1]).read_bytes() == (local_copy / data.FILE_NAMES[1]).read_bytes()


def test_a_folder_missing_a_file_is_skipped(keras_home, local_copy, tmp_path):
    incomplete = tmp_path / "incomplete"
    incomplete.mkdir()
    (incomplete / data.FILE_NAMES[0]).write_bytes(b"partial")
    cache = data.ensure_fashion_mnist(search_dirs=[incomplete, local_copy], download=False)
    assert (cache / data.FILE_NAMES[0]).read_bytes() == (local_copy / data.FILE_NAMES[0]).read_bytes()


def test_no_copy_and_no_download_says_how_to_get_the_data(keras_home, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(data.DatasetUnavailableError) as error:
        data.ensure_fashion_mnist(search_dirs=[empty], download=False)
    message = str(error.value)
    assert "apt-get install dataset-fashion-mnist" in message
    assert data.DATASET_DIR_VARIABLE in message
    assert str(empty) in message and str(data.keras_cache_dir()) in message


def test_a_failed_download_is_reported_with_the_fix(keras_home, tmp_path, monkeypatch):
    def no_network(names):
        raise OSError("network is unreachable")

    monkeypatch.setattr(data, "_download", no_network)
    with pytest.raises(data.DatasetUnavailableError, match="Downloading failed: network is unreachable"):
        data.ensure_fashion_mnist(search_dirs=[tmp_path])


def test_the_environment_variable_folder_is_searched_first(monkeypatch, tmp_path):
    monkeypatch.setenv(data.DATASET_DIR_VARIABLE, str(tmp_path))
    assert data.local_copy_dirs() == [tmp_path, data.SYSTEM_DATASET_DIR]


def test_splits_have_the_documented_shapes_and_scale():
    splits = data.load_splits()
    assert splits.x_train.shape == (48_000, 28, 28) and splits.y_train.shape == (48_000,)
    assert splits.x_val.shape == (12_000, 28, 28) and splits.y_val.shape == (12_000,)
    assert splits.x_test.shape == (10_000, 28, 28) and splits.y_test.shape == (10_000,)
    assert 0.0 <= splits.x_train.min() and splits.x_train.max() <= 1.0
    assert set(np.unique(splits.y_val)) == set(range(10))


def test_splits_cannot_be_changed_by_whoever_reads_them():
    with pytest.raises(ValueError):
        data.load_splits().y_val[0] = 3


def test_splits_equal_the_split_the_books_make():
    (x_full, y_full), _ = keras.datasets.fashion_mnist.load_data()
    x_train, x_val, y_train, y_val = train_test_split(x_full / 255.0, y_full, test_size=0.2, random_state=42)
    splits = data.load_splits()
    np.testing.assert_array_equal(splits.x_val, x_val)
    np.testing.assert_array_equal(splits.y_train, y_train)


def test_every_notebook_splits_as_the_grader_does(course_root):
    """The grader measures on its own validation split, so notebooks must make the same one."""
    pattern = re.compile(r"train_test_split\([^)]*test_size=([\d.]+),\s*random_state=(\d+)")
    notebooks = sorted((course_root / "source").rglob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        source = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
        found = pattern.findall(source)
        assert found, f"{path} loads no data with train_test_split(..., test_size=..., random_state=...)"
        for test_size, random_state in found:
            assert (float(test_size), int(random_state)) == (data.VALIDATION_FRACTION, data.SPLIT_SEED), path
