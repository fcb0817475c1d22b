"""What nbval must see printed by each cell of this chapter tagged `nbval-check-output` (README: Writing a chapter)."""

CHECKED_OUTPUTS = {
    "dead-units-check": (
        "more than 90% of the hidden units dead at 1.0: True\n"
        "more units alive at 0.01 than at 1.0:         True\n"
    ),
    "diverged-on-runs": (
        "learning rate 1.0 diverged:  True\n"
        "learning rate 0.01 diverged: False\n"
    ),
    "sweep-check": (
        "1.0 diverged: True\n"
        "0.1 diverged: False   its validation loss is the highest of the rest: True\n"
        "lowest validation loss at 0.01 or 0.001: True\n"
        "0.0001 still falling at the last epoch: True\n"
        "0.0001 at least 0.15 above the best rate: True\n"
    ),
    "iterations-check": (
        "Keras ran 15 iterations; your function says 15\n"
        "100 epochs would make 1500 updates\n"
    ),
    "nan-run-check": (
        "epochs run: 1  training loss is NaN: True\n"
        "diverged: True\n"
    ),
    "nan-rescue": (
        "diverged: False\n"
        "validation accuracy above 60%: True\n"
    ),
    "capacity-check": (
        "no hidden layer: validation loss within 0.1 of training loss at the end: True\n"
        "bigger model: lowest validation loss below the no-hidden-layer model's: True\n"
        "bigger model: lowest validation loss before the last epoch: True\n"
        "bigger model: training loss still fell after that epoch: True\n"
    ),
    "no-hidden-layer-bar": (
        "lowest validation loss within 0.01 of 0.417: True\n"
        "improved by less than 0.005 over the last 10 epochs: True\n"
    ),
}
