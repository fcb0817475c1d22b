"""What nbval must see printed by each cell of this chapter tagged `nbval-check-output` (README: Writing a chapter)."""

CHECKED_OUTPUTS = {
    "data-shapes": (
        "training:   (48000, 28, 28) (48000,)\n"
        "validation: (12000, 28, 28) (12000,)\n"
        "test:       (10000, 28, 28) (10000,)\n"
    ),
    "history-without-validation": (
        "History\n"
        "['accuracy', 'loss']\n"
        "[0, 1]\n"
    ),
    "same-seed-same-run": "same seed, same losses: True\n",
    "overfitting-facts": (
        "the validation loss is lowest before the last epoch: True\n"
        "the training loss kept falling after that epoch: True\n"
        "the gap between the curves is wider at the end than there: True\n"
    ),
    "loss-before-accuracy": "the validation accuracy peaks no earlier than the validation loss bottoms out: True\n",
}
