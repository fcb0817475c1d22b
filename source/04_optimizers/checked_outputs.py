"""What nbval must see printed by each cell of this chapter tagged `nbval-check-output` (README: Writing a chapter)."""

CHECKED_OUTPUTS = {
    "gradient-descent-bounces": (
        "steps at which w2 changes sign: 30 of 30\n"
        "each step multiplies w2 by 1 - 20 * 0.09 = -0.8: True\n"
        "w1 after 30 steps, as a fraction of where it started: 0.059\n"
    ),
    "momentum-paths-facts": (
        "lowest after 30 steps: Nesterov\n"
        "momentum ends lower than gradient descent: True\n"
        "Nesterov at learning rate 0.09 ends above where it started: True\n"
        "momentum at learning rate 0.09 ends below where it started: True\n"
    ),
    "keras-comparison": (
        "momentum_step,  1 step(s): same as Keras: True\n"
        "momentum_step, 30 step(s): same as Keras: True\n"
        "nesterov_step,  1 step(s): same as Keras: True\n"
        "nesterov_step, 30 step(s): same as Keras: True\n"
    ),
    "adaptive-first-step": (
        "SGD, learning rate 0.09  first step: w1 +0.360, w2 -1.800\n"
        "Adagrad                  first step: w1 +0.299, w2 -0.300\n"
        "RMSprop                  first step: w1 +0.949, w2 -0.949\n"
        "Adam                     first step: w1 +0.300, w2 -0.300\n"
        "Nadam                    first step: w1 +0.319, w2 -0.319\n"
    ),
    "compile-default": "RMSprop with learning rate 0.001\n",
    "longer-run-facts": (
        "each run stopped before the epoch limit: True\n"
        "each run's best epoch came after epoch 4: True\n"
        "Adam's lowest val_loss is below RMSprop's: True\n"
    ),
    "data-shapes": (
        "training:   (48000, 28, 28) (48000,)\n"
        "validation: (12000, 28, 28) (12000,)\n"
    ),
}
