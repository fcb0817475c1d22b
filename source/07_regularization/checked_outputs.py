"""What nbval must see printed by each cell of this chapter tagged `nbval-check-output` (README: Writing a chapter)."""

CHECKED_OUTPUTS = {
    "data-shapes": (
        "training:   (48000, 28, 28) (48000,)\n"
        "validation: (12000, 28, 28) (12000,)\n"
    ),
    "penalty-facts": (
        "penalties in model.losses: 2\n"
        "each is factor x the sum of its kernel's squared weights: True\n"
        "reported loss - cross-entropy metric = sum(model.losses): True\n"
    ),
    "compare-facts": (
        "every regulariser narrowed the gap by at least a fifth: True\n"
        "L2 run: reported loss above its cross-entropy at every epoch: True\n"
        "AdamW run: penalties in model.losses: 0\n"
    ),
    "sorted-split": (
        "classes trained on:   [0, 1, 2, 3, 4, 5, 6, 7, 8]\n"
        "classes validated on: [8, 9]\n"
        "val_accuracy below 5%: True\n"
    ),
    "validation-freq": (
        "epochs trained: 6\n"
        "val_loss values in the History: 3\n"
        "epochs with val_loss: [2, 4, 6]\n"
    ),
    "schedule-rates": (
        "learning rate per epoch: ['0.002', '0.002', '0.001', '0.001', '0.0005', '0.0005']\n"
        "the optimizer ends at the last epoch's rate: True\n"
    ),
    "test-below-validation": (
        "the chosen model's test accuracy is below the validation accuracy it was chosen on: True\n"
    ),
}
