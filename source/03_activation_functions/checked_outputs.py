"""What nbval must see printed by each cell of this chapter tagged `nbval-check-output` (README: Writing a chapter)."""

CHECKED_OUTPUTS = {
    "keras-comparison": (
        "sigmoid                same as Keras: True\n"
        "tanh                   same as Keras: True\n"
        "relu                   same as Keras: True\n"
        "leaky_relu, alpha=0.2  same as Keras: True\n"
        "elu                    same as Keras: True\n"
    ),
    "saturation-facts": (
        "sigmoid:    slope at 0 is 0.2500; below 0.01 wherever |x| >= 5: True\n"
        "tanh:       slope at 0 is 1.0000; below 0.01 wherever |x| >= 3: True\n"
        "ReLU:       slope exactly 0 for every negative x: True; 1 for every positive x: True\n"
        "Leaky ReLU: slope alpha = 0.1 for every negative x: True\n"
        "ELU:        slope above 0 for every negative x: True; below 0.01 wherever x <= -5: True\n"
    ),
    "linear-demo": (
        "two linear layers, same outputs as one layer: True\n"
        "ReLU between them, same outputs as one layer: False\n"
    ),
    "data-shapes": (
        "training:   (48000, 28, 28) (48000,)\n"
        "validation: (12000, 28, 28) (12000,)\n"
    ),
    "dead-units-demo": (
        "relu: the 10 units' weights are exactly as they were: True; the other units' weights changed: True\n"
        "relu: dead units on the validation images after training, at least the 10: True\n"
        "elu: the 10 units' weights are exactly as they were: False; the other units' weights changed: True\n"
    ),
    "same-seed-same-run": "same seed, same losses to the last digit: True\n",
}
