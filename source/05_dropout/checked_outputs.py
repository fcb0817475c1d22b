"""What nbval must see printed by each cell of this chapter tagged `nbval-check-output` (README: Writing a chapter)."""

CHECKED_OUTPUTS = {
    "layer-facts": (
        "shape in: (1000, 100)  shape out: (1000, 100)\n"
        "weights of the layer: 0\n"
        "fraction set to zero in training: 0.30\n"
        "value of every kept output: 1.4286; 1 / (1 - rate) = 1.4286\n"
        "mean output in training: 1.00 (mean input: 1.00)\n"
        "at inference the output is the input: True\n"
    ),
    "data-shapes": (
        "training:   (48000, 28, 28) (48000,)\n"
        "validation: (12000, 28, 28) (12000,)\n"
    ),
    "gap-facts": (
        "measured with evaluate(), the gap is narrower with dropout: True\n"
        "with dropout, fit()'s training loss is above evaluate()'s: True\n"
        "so fit()'s figures make the gap with dropout look narrower than it is: True\n"
    ),
    "determinism-demo": (
        "training=False, two calls agree: True\n"
        "training=True, two calls agree:  False\n"
        "predict() twice agrees:          True\n"
    ),
}
