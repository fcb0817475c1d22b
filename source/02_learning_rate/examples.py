"""Chapter 02's wrong and differently written submissions (see `autograder.tools.examples`)."""

from autograder.tools.examples import example

EXAMPLES = [
    # One submission with four mistakes: each notebook run costs CI a minute and a half.
    example(
        "floor_division_nan_only_no_clipping_no_hidden_layer",
        "iterations with // (drops the last, smaller batch); diverged() looks for NaN in the training loss only; "
        "the 'clipped' SGD has no clipping, so it stays at chance; bigger_model() has no hidden layer",
        answers={
            "iterations": '''
                def iterations_per_epoch(num_samples, batch_size):
                    return num_samples // batch_size


                def total_updates(num_samples, batch_size, num_epochs):
                    return iterations_per_epoch(num_samples, batch_size) * num_epochs
            ''',
            "diverged": '''
                def diverged(history):
                    return bool(np.isnan(history.history["loss"]).any())
            ''',
            "make_clipped_optimizer": '''
                def make_clipped_optimizer(learning_rate):
                    return keras.optimizers.SGD(learning_rate=learning_rate)
            ''',
            "bigger_model": '''
                def bigger_model():
                    return keras.Sequential([
                        keras.Input(shape=(28, 28)),
                        keras.layers.Flatten(),
                        keras.layers.Dense(10, activation="softmax"),
                    ])
            ''',
        },
        failing_cells={
            "iterations_per_epoch_cases",
            "total_updates_cases",
            "diverged_cases",
            "clipped_optimizer",
            "clipped_training",
            "bigger_model_structure",
            "bigger_model_val_loss",
        },
    ),
    example(
        "impostor_clipping",
        "an attack: make_clipped_optimizer returns a subclass of SGD, named SGD, that keeps clipnorm=0.3 in its "
        "settings but never clips",
        answers={
            "make_clipped_optimizer": '''
                class SGD(keras.optimizers.SGD):
                    def _clip_gradients(self, grads):
                        return grads


                def make_clipped_optimizer(learning_rate):
                    return SGD(learning_rate=learning_rate, clipnorm=0.3)
            ''',
        },
        failing_cells={"clipped_optimizer", "clipped_training"},
    ),
    example(
        "written_differently",
        "right, written differently: loss and metric objects, positional fit() arguments, "
        "NumPy checks, integer ceiling division, global_clipnorm, a functional model",
        answers={
            "compile_and_train": '''
                def compile_and_train(model, optimizer, x, y, num_epochs, batch_size=128, callbacks=None):
                    model.compile(
                        optimizer,
                        keras.losses.SparseCategoricalCrossentropy(),
                        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
                        steps_per_execution=32,
                    )
                    return model.fit(x, y, batch_size, num_epochs, verbose=0, callbacks=callbacks or [],
                                     validation_data=(x_val, y_val))
            ''',
            "diverged": '''
                def diverged(history):
                    h = history.history
                    for key in ("loss", "val_loss"):
                        if key in h and not np.all(np.isfinite(h[key])):
                            return True
                    last_accuracy = h.get("val_accuracy", h.get("accuracy"))[-1]
                    return last_accuracy <= 0.15
            ''',
            "iterations": '''
                def iterations_per_epoch(num_samples, batch_size):
                    return -(-num_samples // batch_size)


                def total_updates(num_samples, batch_size, num_epochs):
                    return num_epochs * -(-num_samples // batch_size)
            ''',
            "make_clipped_optimizer": '''
                def make_clipped_optimizer(learning_rate):
                    return keras.optimizers.SGD(learning_rate, global_clipnorm=0.5)
            ''',
            "bigger_model": '''
                def bigger_model():
                    inputs = keras.Input(shape=(28, 28))
                    x = keras.layers.Flatten()(inputs)
                    x = keras.layers.Dense(300, activation="relu")(x)
                    x = keras.layers.Dense(100, activation="relu")(x)
                    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))
            ''',
        },
    ),
]
