"""Typed JSON between the student's kernel and the grader."""

import json
import math

import numpy as np
import pytest

from autograder import codec, synthetic


@pytest.mark.parametrize("value", [None, True, 3, 2.5, "text", [1, 2.0, True], (1, "a"), {"a": [1, None]},
                                   np.float32(1.5), np.int64(7), np.bool_(False), np.arange(6.0).reshape(2, 3)])
def test_plain_values_come_back_with_their_types(value):
    decoded = codec.decode(json.loads(json.dumps(codec.encode(value))))
    assert type(decoded) is type(value)
    if isinstance(value, np.ndarray):
        assert decoded.dtype == value.dtype and np.array_equal(decoded, value)
    else:
        assert decoded == value


def test_non_finite_floats_survive_json():
    decoded = codec.decode(json.loads(json.dumps(codec.encode([float("nan"), float("inf")]))))
    assert math.isnan(decoded[0]) and decoded[1] == float("inf")


def test_an_object_that_equals_everything_cannot_be_encoded():
    class AlwaysEqual(list):
        def __eq__(self, other):
            return True

    with pytest.raises(codec.NotEncodable, match="AlwaysEqual"):
        codec.encode(AlwaysEqual())
    with pytest.raises(codec.NotEncodable):
        codec.encode({"key": object()})


def test_a_history_comes_back_as_a_history():
    history = synthetic.make_history(loss=[0.9, 0.5], val_loss=[0.8, 0.7])
    decoded = codec.decode(json.loads(json.dumps(codec.encode(history))))
    assert decoded.history == history.history and decoded.epoch == [0, 1]


def test_an_axes_comes_back_with_its_lines_labels_and_legend():
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots()
    axes.plot([1, 2], [0.5, 0.4], label="training loss")
    axes.set_xlabel("epoch")
    axes.legend()
    plt.close(figure)
    decoded = codec.decode(json.loads(json.dumps(codec.encode(axes))))
    assert decoded.get_xlabel() == "epoch"
    assert [text.get_text() for text in decoded.get_legend().get_texts()] == ["training loss"]
    assert np.allclose(decoded.get_lines()[0].get_ydata(), [0.5, 0.4])


def test_a_malformed_record_is_refused():
    with pytest.raises(ValueError):
        codec.decode({"value": 3})
    with pytest.raises(ValueError):
        codec.decode({"type": "int", "value": "3"})
    with pytest.raises(ValueError):
        codec.decode({"type": "ndarray", "dtype": "object", "shape": [1], "value": [1]})


def test_an_ndarray_claiming_a_huge_shape_is_refused_before_it_is_built(monkeypatch):
    record = {"type": "ndarray", "dtype": "float64", "shape": [100_000, 100_000], "value": [1.0, 2.0, 3.0, 4.0]}

    def refuse(*args, **kwargs):
        raise AssertionError("np.asarray was called before the shape was checked")

    monkeypatch.setattr(np, "asarray", refuse)
    with pytest.raises(ValueError, match=r"shape \(100000, 100000\) must hold 10000000000 items, at most 1000000; the record holds 4"):
        codec.decode(record)


@pytest.mark.parametrize("shape", [[-1, -4], [2.0, 2], [True, 4], "4", [1] * 33])
def test_an_ndarray_shape_that_is_not_a_list_of_sizes_is_refused(shape):
    with pytest.raises(ValueError, match="shape must be a list"):
        codec.decode({"type": "ndarray", "dtype": "float64", "shape": shape, "value": [1.0, 2.0, 3.0, 4.0]})


def test_decode_keeps_the_bounds_encode_keeps(monkeypatch):
    monkeypatch.setattr(codec, "MAX_ITEMS", 3)
    with pytest.raises(ValueError, match="at most 3 items"):
        codec.decode({"type": "list", "value": [{"type": "none"}] * 4})
    with pytest.raises(ValueError, match="at most 3 items"):
        codec.decode({"type": "dict", "value": {str(index): {"type": "none"} for index in range(4)}})
    nested = {"type": "none"}
    for _ in range(codec.MAX_DEPTH + 2):
        nested = {"type": "list", "value": [nested]}
    with pytest.raises(ValueError, match="nested more than 20 levels"):
        codec.decode(nested)


def test_an_axes_summary_with_too_many_lines_or_points_is_refused():
    line = {"label": "loss", "x": codec.encode(np.arange(3.0)), "y": codec.encode(np.arange(3.0))}
    axes = {"type": "axes", "xlabel": "epoch", "ylabel": "loss", "title": "", "legend": None}
    with pytest.raises(ValueError, match="at most 50 lines"):
        codec.decode({**axes, "lines": [line] * 51})
    long_line = {**line, "x": codec.encode(np.arange(100_001.0)), "y": codec.encode(np.arange(100_001.0))}
    with pytest.raises(ValueError, match="at most 100000 points"):
        codec.decode({**axes, "lines": [long_line]})


def test_a_history_summary_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="dict of lists"):
        codec.decode({"type": "history", "history": codec.encode({"loss": 3}), "epoch": codec.encode([]), "params": codec.encode({})})
