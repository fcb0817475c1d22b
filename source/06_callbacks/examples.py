"""Chapter 06's wrong and differently written submissions (see `autograder.tools.examples`)."""

from autograder.tools.examples import example

EXAMPLES = [
    example(
        "defaults_training_accuracy_and_rises",
        "callbacks left at their defaults (a checkpoint every epoch, no restored weights), StopAtAccuracy reads "
        "the training accuracy with `>`, the fixed cell keeps the legacy best_model.h5 name, and stopping_epoch "
        "stops after `patience` rises in a row, each epoch's loss against the epoch before, instead of after "
        "`patience` epochs without a new lowest value",
        answers={
            "make_callbacks": '''
                def make_callbacks(checkpoint_path):
                    return [
                        keras.callbacks.ModelCheckpoint(checkpoint_path),
                        keras.callbacks.EarlyStopping(patience=2),
                    ]
            ''',
            "StopAtAccuracy": '''
                class StopAtAccuracy(keras.callbacks.Callback):
                    def __init__(self, target):
                        super().__init__()
                        self.target = target

                    def on_epoch_end(self, epoch, logs=None):
                        if logs["accuracy"] > self.target:
                            self.model.stop_training = True
            ''',
            "fix_the_bugs": '''
                keras.utils.set_random_seed(7)
                quick_checkpoint_path = checkpoint_dir / "best_model.h5"
                quick_model = build_model()
                quick_model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                                    steps_per_execution=32)
                checkpoint_cb = keras.callbacks.ModelCheckpoint(quick_checkpoint_path, save_best_only=True)
                early_stopping_cb = keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)
                quick_history = quick_model.fit(x_train[:5000], y_train[:5000], epochs=2, batch_size=128,
                                                validation_data=(x_val, y_val),
                                                callbacks=[checkpoint_cb, early_stopping_cb], verbose=0)
            ''',
            "stopping_epoch": '''
                def stopping_epoch(val_losses, patience):
                    rises = 0
                    for epoch in range(2, len(val_losses) + 1):
                        rises = rises + 1 if val_losses[epoch - 1] > val_losses[epoch - 2] else 0
                        if rises >= patience:
                            return epoch, val_losses.index(min(val_losses[:epoch])) + 1
                    return len(val_losses), val_losses.index(min(val_losses)) + 1
            ''',
        },
        failing_cells={"callback_settings", "early_stopping_checkpoint", "stop_at_accuracy", "fixed_training", "stopping_epoch_cases"},
    ),
    example(
        "impostor_callbacks",
        "an attack: make_callbacks returns callbacks of its own named EarlyStopping and ModelCheckpoint, with "
        "every setting the exercise asks for, that do nothing",
        answers={
            "make_callbacks": '''
                class ModelCheckpoint(keras.callbacks.Callback):
                    def __init__(self, filepath, **settings):
                        super().__init__()
                        self.filepath = str(filepath)
                        self.__dict__.update(settings)


                class EarlyStopping(keras.callbacks.Callback):
                    def __init__(self, **settings):
                        super().__init__()
                        self.__dict__.update(settings)


                def make_callbacks(checkpoint_path):
                    return [
                        ModelCheckpoint(checkpoint_path, monitor="val_loss", save_best_only=True),
                        EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True),
                    ]
            ''',
        },
        failing_cells={"callback_settings", "early_stopping_checkpoint"},
    ),
    example(
        "edited_callbacks",
        "an attack: make_callbacks builds Keras's own callbacks with every setting the exercise asks for, then "
        "replaces EarlyStopping's on_train_end so that it never restores the best weights",
        answers={
            "make_callbacks": '''
                def make_callbacks(checkpoint_path):
                    early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2,
                                                                   restore_best_weights=True)
                    early_stopping.on_train_end = lambda logs=None: None
                    return [
                        keras.callbacks.ModelCheckpoint(checkpoint_path, monitor="val_loss", save_best_only=True),
                        early_stopping,
                    ]
            ''',
        },
        failing_cells={"callback_settings", "early_stopping_checkpoint"},
    ),
    example(
        "written_differently",
        "right, written differently: a tuple of callbacks in the other order with every setting spelled out, "
        "stopping_epoch from np.argmin of the losses so far, a callback that reads logs defensively, and a string path "
        "built with os.path",
        answers={
            "make_callbacks": '''
                def make_callbacks(checkpoint_path):
                    early_stopping = keras.callbacks.EarlyStopping(
                        monitor="val_loss", mode="min", patience=2, restore_best_weights=True, verbose=0
                    )
                    checkpoint = keras.callbacks.ModelCheckpoint(
                        filepath=str(checkpoint_path), monitor="val_loss", mode="min", save_best_only=True
                    )
                    return early_stopping, checkpoint
            ''',
            "stopping_epoch": '''
                import numpy as np


                def stopping_epoch(val_losses, patience):
                    losses = np.asarray(val_losses, dtype=float)
                    for epoch in range(1, len(losses) + 1):
                        seen = losses[:epoch]
                        best = int(np.argmin(seen))  # the first of equal lowest values
                        if epoch - 1 - best >= patience:  # epochs since the best one
                            return epoch, best + 1
                    return len(losses), int(np.argmin(losses)) + 1
            ''',
            "StopAtAccuracy": '''
                class StopAtAccuracy(keras.callbacks.Callback):
                    def __init__(self, target=0.9):
                        super().__init__()
                        self.target = float(target)

                    def on_epoch_end(self, epoch, logs=None):
                        accuracy = (logs or {}).get("val_accuracy")
                        if accuracy is not None and not accuracy < self.target:
                            print(f"Reached {accuracy:.1%} at epoch {epoch + 1}: stopping.")
                            self.model.stop_training = True
            ''',
            "fix_the_bugs": '''
                import os

                keras.utils.set_random_seed(7)
                quick_checkpoint_path = os.path.join(checkpoint_dir, "best_model.keras")
                quick_model = build_model()
                quick_model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                                    metrics=["accuracy"], steps_per_execution=32)
                checkpoint_cb = keras.callbacks.ModelCheckpoint(quick_checkpoint_path, save_best_only=True)
                early_stoping_cb = keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)
                quick_history = quick_model.fit(x_train[:5000], y_train[:5000], epochs=2, batch_size=128,
                                                validation_data=(x_val, y_val),
                                                callbacks=[checkpoint_cb, early_stoping_cb], verbose=0)
            ''',
        },
    ),
]
