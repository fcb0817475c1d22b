"""What nbval must see printed by each cell of this chapter tagged `nbval-check-output` (README: Writing a chapter)."""

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
    "stopping-epoch-vs-keras": (
        "val_losses=[0.9, 0.7, 0.6, 0.62, 0.65, 0.7], patience=2: Keras gives (5, 3), stopping_epoch agrees: True\n"
        "val_losses=[0.9, 0.6, 0.6, 0.6, 0.5], patience=2: Keras gives (4, 2), stopping_epoch agrees: True\n"
        "val_losses=[0.8, 0.5, 0.7, 0.6, 0.45], patience=2: Keras gives (4, 2), stopping_epoch agrees: True\n"
        "val_losses=[1.0, 0.8, 0.85, 0.7, 0.72, 0.6], patience=2: Keras gives (6, 6), stopping_epoch agrees: True\n"
        "val_losses=[0.5, 0.6, 0.4], patience=1: Keras gives (2, 1), stopping_epoch agrees: True\n"
        "on the run of exercise 1, stopping_epoch gives its epochs and its best epoch: True\n"
    ),
}
