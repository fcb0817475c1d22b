"""The outputs nbval checks in this chapter's notebook (`tests/end_to_end/test_notebooks.py`).

Notebooks are committed without outputs: the expected stdout of each cell
tagged `nbval-check-output` is kept here, under the cell's id. Never released.
"""

CHECKED_OUTPUTS = {
    "call-tracer": (
        "on_train_begin\n"
        "  on_epoch_begin(epoch=0)\n"
        "    on_train_batch_end(batch=0)\n"
        "    on_test_end: the validation data has been evaluated\n"
        "  on_epoch_end(epoch=0), logs holds ['accuracy', 'loss', 'val_accuracy', 'val_loss']\n"
        "  on_epoch_begin(epoch=1)\n"
        "    on_train_batch_end(batch=0)\n"
        "    on_test_end: the validation data has been evaluated\n"
        "  on_epoch_end(epoch=1), logs holds ['accuracy', 'loss', 'val_accuracy', 'val_loss']\n"
        "on_train_end\n"
    ),
    "data-shapes": (
        "training:   (48000, 28, 28) (48000,)\n"
        "validation: (12000, 28, 28) (12000,)\n"
    ),
    "same-weights": "the checkpoint and the restored model have the same weights: True\n",
}
