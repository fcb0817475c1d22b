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
