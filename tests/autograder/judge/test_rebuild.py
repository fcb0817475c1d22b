"""Rebuilding recorded models in the grader without loading student code."""

import json
import time
import zipfile

import keras
import numpy as np
import pytest

from autograder import record_format, records
from autograder.judge import cell_records, rebuild


def _record(tmp_path, monkeypatch, model):
    monkeypatch.setenv(record_format.RECORDS_DIR_VARIABLE, str(tmp_path))
    records.model("cell", "model", model)
    return tmp_path / "cell" / "model.json", tmp_path / "cell" / "model.weights.npz"


def test_a_model_comes_back_with_the_same_predictions(tmp_path, monkeypatch):
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    config_path, weights_path = _record(tmp_path, monkeypatch, model)
    rebuilt = rebuild.rebuild_model(config_path, weights_path)
    images = np.random.default_rng(0).random((4, 28, 28)).astype("float32")
    assert np.allclose(rebuilt.predict(images, verbose=0), model.predict(images, verbose=0), atol=1e-6)


def test_a_functional_model_comes_back(tmp_path, monkeypatch):
    inputs = keras.Input((28, 28))
    outputs = keras.layers.Dense(10)(keras.layers.Flatten()(inputs))
    config_path, weights_path = _record(tmp_path, monkeypatch, keras.Model(inputs, outputs))
    assert rebuild.rebuild_model(config_path, weights_path).output_shape == (None, 10)


def test_a_lambda_layer_is_refused(tmp_path, monkeypatch):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda x: x * 2)])
    config_path, weights_path = _record(tmp_path, monkeypatch, model)
    with pytest.raises(rebuild.UnsafeRecord, match="Lambda"):
        rebuild.rebuild_model(config_path, weights_path)


def test_a_custom_activation_is_refused(tmp_path, monkeypatch):
    """A record naming a function of the notebook's (`records.model` itself refuses to write one)."""
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="relu")])
    config_path, weights_path = _record(tmp_path, monkeypatch, model)
    forged = json.loads(config_path.read_text())
    forged["config"]["config"]["layers"][1]["config"]["activation"] = {
        "module": "__main__", "class_name": "function", "config": "my_activation", "registered_name": "my_activation"}
    config_path.write_text(json.dumps(forged))
    with pytest.raises(rebuild.UnsafeRecord):
        rebuild.rebuild_model(config_path, weights_path)


@pytest.mark.parametrize("nested", [False, True], ids=["layer", "layer of a nested model"])
def test_an_activation_of_the_students_own_named_like_keras_is_refused_when_recorded(tmp_path, monkeypatch, nested):
    def elu(x):  # relu, named elu: Keras would save it as "elu", and the grader rebuild Keras's ELU
        return keras.activations.relu(x)

    body = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation=elu)])
    model = keras.Sequential([keras.Input((4,)), body, keras.layers.Dense(2)]) if nested else body
    _record(tmp_path, monkeypatch, model)
    with pytest.raises(cell_records.RecordProblem, match="activation .*elu is a function defined outside Keras"):
        cell_records.CellRecords(tmp_path, "cell").model("model")
    import tensorflow as tf

    for keras_own in ("elu", keras.activations.elu, tf.nn.elu):  # tf.nn.elu is saved as "elu" too, and computes the same
        _record(tmp_path, monkeypatch, keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation=keras_own)]))
        assert cell_records.CellRecords(tmp_path, "cell").model("model").layers[0].activation is keras.activations.elu


def test_a_forged_module_path_is_refused(tmp_path, monkeypatch):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    config_path, weights_path = _record(tmp_path, monkeypatch, model)
    record = json.loads(config_path.read_text())
    record["config"]["config"]["layers"][1]["module"] = "os"
    record["config"]["config"]["layers"][1]["class_name"] = "system"
    config_path.write_text(json.dumps(record))
    with pytest.raises(rebuild.UnsafeRecord, match="os.system"):
        rebuild.rebuild_model(config_path, weights_path)


def test_weights_that_do_not_fit_are_refused(tmp_path, monkeypatch):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    config_path, weights_path = _record(tmp_path, monkeypatch, model)
    np.savez(weights_path, np.zeros((3, 3)), np.zeros(2))
    with pytest.raises(ValueError, match="shapes"):
        rebuild.rebuild_model(config_path, weights_path)


def _write_npz(path, arrays, compression=zipfile.ZIP_STORED, zeros=0):
    """Writes `arrays` as np.savez does; the first member then claims
    `zeros` extra zero bytes of data, streamed so the test never holds them."""
    with zipfile.ZipFile(path, "w", compression) as archive:
        for index, array in enumerate(arrays):
            with archive.open(f"arr_{index}.npy", "w", force_zip64=True) as member:
                if zeros and index == 0:
                    header = {"descr": "<f4", "fortran_order": False, "shape": (zeros // 4,)}
                    np.lib.format.write_array_header_1_0(member, header)
                    for _ in range(zeros // 1_000_000):
                        member.write(bytes(1_000_000))
                else:
                    np.lib.format.write_array(member, np.asarray(array), allow_pickle=True)


@pytest.fixture
def no_np_load(monkeypatch):
    """Fails the test if anything materialises the weights with `np.load`."""
    def refuse(*args, **kwargs):
        raise AssertionError("np.load was called before the weights were checked")

    monkeypatch.setattr(np, "load", refuse)


def test_a_zip_bomb_of_zeros_is_refused_before_it_inflates(tmp_path, monkeypatch, no_np_load):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    config_path, weights_path = _record(tmp_path, monkeypatch, model)
    _write_npz(weights_path, [None, np.zeros(2)], zipfile.ZIP_DEFLATED, zeros=20_000_000)
    assert weights_path.stat().st_size < 100_000
    monkeypatch.setattr(rebuild, "MAX_WEIGHT_BYTES", 1_000_000)
    with pytest.raises(ValueError, match="at most 1,000,000 bytes"):
        rebuild.rebuild_model(config_path, weights_path)


def test_an_object_array_among_the_weights_is_refused(tmp_path, monkeypatch, no_np_load):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    config_path, weights_path = _record(tmp_path, monkeypatch, model)
    _write_npz(weights_path, [np.array([[1, "a"]] * 4, dtype=object), np.zeros(2)])
    with pytest.raises(ValueError, match="numeric arrays. Received: arr_0.npy of dtype object"):
        rebuild.rebuild_model(config_path, weights_path)


def test_weights_whose_headers_do_not_fit_are_refused_before_loading(tmp_path, monkeypatch, no_np_load):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    config_path, weights_path = _record(tmp_path, monkeypatch, model)
    _write_npz(weights_path, [np.zeros((3, 3)), np.zeros(2)])
    with pytest.raises(ValueError, match=r"shapes \[\(3, 3\), \(2,\)\]; the architecture needs \[\(4, 2\), \(2,\)\]"):
        rebuild.rebuild_model(config_path, weights_path)


def test_a_header_that_claims_more_than_the_member_holds_is_refused(tmp_path, monkeypatch, no_np_load):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    config_path, weights_path = _record(tmp_path, monkeypatch, model)
    _write_npz(weights_path, [None, np.zeros(2)], zeros=1_000_000)  # claims 1 MB, holds 1 MB: consistent
    with zipfile.ZipFile(weights_path) as archive:
        assert archive.getinfo("arr_0.npy").file_size > 1_000_000
    with pytest.raises(ValueError, match="shapes"):
        rebuild.rebuild_model(config_path, weights_path)
    with zipfile.ZipFile(weights_path, "w") as archive:  # a header for 8 floats, data for 2
        with archive.open("arr_0.npy", "w") as member:
            np.lib.format.write_array_header_1_0(member, {"descr": "<f4", "fortran_order": False, "shape": (4, 2)})
            member.write(bytes(8))
        with archive.open("arr_1.npy", "w") as member:
            np.lib.format.write_array(member, np.zeros(2, dtype="float32"))
    with pytest.raises(ValueError, match="claims shape"):
        rebuild.rebuild_model(config_path, weights_path)


def test_an_architecture_with_too_many_parameters_is_refused_before_it_is_allocated(tmp_path, monkeypatch):
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(8), keras.layers.Dense(10)])
    config_path, weights_path = _record(tmp_path, monkeypatch, model)
    record = json.loads(config_path.read_text())
    layers = record["config"]["config"]["layers"]
    layers[2]["config"]["units"] = 1_000_000  # 785 million parameters: 3 GB if allocated
    layers[3]["build_config"]["input_shape"] = [None, 1_000_000]
    config_path.write_text(json.dumps(record))
    started = time.monotonic()
    with pytest.raises(ValueError, match="at most 20,000,000 parameters"):
        rebuild.rebuild_model(config_path, weights_path)
    assert time.monotonic() - started < 5, "allocating the variables takes over 10 s"
    assert rebuild.rebuild_model(*_record(tmp_path, monkeypatch, model)).count_params() == model.count_params()


def test_a_model_with_too_many_layers_is_refused(tmp_path, monkeypatch):
    model = keras.Sequential([keras.Input((4,)), *[keras.layers.Dense(2) for _ in range(100)]])  # and its InputLayer
    config_path, weights_path = _record(tmp_path, monkeypatch, model)
    with pytest.raises(ValueError, match="at most 100 layers. Received: 101 layers"):
        rebuild.rebuild_model(config_path, weights_path)


def test_a_symlinked_weights_file_is_refused(tmp_path, monkeypatch):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    config_path, weights_path = _record(tmp_path, monkeypatch, model)
    elsewhere = tmp_path / "grader_owned.npz"
    weights_path.rename(elsewhere)
    weights_path.symlink_to(elsewhere)
    with pytest.raises(rebuild.UnsafeRecord, match="symbolic link"):
        rebuild.rebuild_model(config_path, weights_path)
