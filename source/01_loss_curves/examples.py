"""Chapter 01's wrong and differently written submissions (see `autograder.tools.examples`)."""

from autograder.tools.examples import example

EXAMPLES = [
    example(
        "dense1_output",
        "model_fn ends in Dense(1): one output instead of 10, so training fails too",
        answers={
            "model_fn": '''
                def model_fn(a_layer=None):
                    model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten()])
                    model.add(keras.layers.Dense(100, activation="relu"))
                    if a_layer is not None:
                        model.add(a_layer)
                    model.add(keras.layers.Dense(1, activation="softmax"))
                    return model
            ''',
        },
        failing_cells={"model_fn_shapes", "model_fn_structure", "train_model_history", "trained_model_accuracy"},
    ),
    example(
        "zero_based_best_epoch",
        "best_epoch and best_accuracy_epoch count epochs from 0",
        answers={
            "best_epoch": '''
                def best_epoch(history):
                    return int(np.argmin(history.history["val_loss"]))
            ''',
            "best_accuracy_epoch": '''
                def best_accuracy_epoch(history):
                    return int(np.argmax(history.history["val_accuracy"]))
            ''',
        },
        failing_cells={"best_epoch_cases", "best_accuracy_epoch_cases"},
    ),
    example(
        "forged_history",
        "train_model does not train and returns a History with made-up numbers",
        answers={
            "train_model": '''
                def train_model(model, x_train, y_train, x_val, y_val, num_epochs, callbacks=None):
                    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
                    history = keras.callbacks.History()
                    history.set_model(model)
                    history.epoch = list(range(num_epochs))
                    history.history = {
                        "loss": [0.1] * num_epochs,
                        "accuracy": [0.99] * num_epochs,
                        "val_loss": [0.1] * num_epochs,
                        "val_accuracy": [0.99] * num_epochs,
                    }
                    return history
            ''',
        },
        failing_cells={"train_model_history", "trained_model_accuracy"},
    ),
    example(
        "padded_history",
        "an attack: train_model trains one epoch on 1,000 images, then pads the History to 15 epochs, "
        "ending in the real last values",
        answers={
            "train_model": '''
                def train_model(model, x_train, y_train, x_val, y_val, num_epochs, callbacks=None):
                    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
                    history = model.fit(x_train[:1000], y_train[:1000], batch_size=32, epochs=1,
                                        validation_data=(x_val, y_val), verbose=0)
                    for key, values in history.history.items():
                        history.history[key] = [values[0] * (1 + 0.05 * (num_epochs - 1 - epoch))
                                                for epoch in range(num_epochs - 1)] + values
                    history.epoch = list(range(num_epochs))
                    history.params["epochs"] = num_epochs
                    return history
            ''',
        },
        failing_cells={"train_model_history", "trained_model_accuracy"},
    ),
    example(
        "memorized_validation",
        "an attack: train_model never trains; it swaps in a model whose two Dense layers hold the 12,000 "
        "validation images and their labels (a nearest-neighbour lookup: 100% on those images, 81.7% on the "
        "test set) and returns the History of fitting it on ten images at learning rate 0",
        answers={
            "train_model": '''
                def train_model(model, x_train, y_train, x_val, y_val, num_epochs, callbacks=None):
                    templates = x_val.reshape(len(x_val), -1)
                    # A softmax over -10 * |x - t|^2 (the |x|^2 term cancels) picks the nearest image.
                    lookup = keras.Sequential([
                        keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                        keras.layers.Dense(len(templates), activation="softmax"),
                        keras.layers.Dense(10),
                    ])
                    lookup.layers[1].set_weights([20.0 * templates.T, -10.0 * (templates ** 2).sum(axis=1)])
                    lookup.layers[2].set_weights([np.eye(10)[y_val], np.zeros(10)])
                    lookup.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="sparse_categorical_crossentropy",
                                   metrics=["accuracy"])
                    globals()["model"] = lookup
                    return lookup.fit(x_val[:10], y_val[:10], epochs=num_epochs, verbose=0)
            ''',
        },
        failing_cells={"train_model_history", "trained_model_accuracy"},
    ),
    example(
        "deleted_test_cell",
        "right answers, but the student deleted the best_epoch test cell: nbgrader puts it back and scores it",
        deleted_cells={"best_epoch_cases"},
    ),
    example(
        "old_keras_style",
        "right, in an older book's style: Flatten(input_shape=...), which makes Keras 3 warn on stderr",
        answers={
            "model_fn": '''
                def model_fn(a_layer=None):
                    model = keras.models.Sequential()
                    model.add(keras.layers.Flatten(input_shape=(28, 28)))
                    model.add(keras.layers.Dense(100, activation="relu"))
                    if a_layer is not None:
                        model.add(a_layer)
                    model.add(keras.layers.Dense(10, activation="softmax"))
                    return model
            ''',
        },
    ),
    example(
        "functional_api",
        "right, written differently: functional API, RMSprop, batch size 64, own plot style",
        answers={
            "model_fn": '''
                def model_fn(a_layer=None):
                    inputs = keras.Input(shape=(28, 28))
                    x = keras.layers.Flatten()(inputs)
                    x = keras.layers.Dense(100, activation="relu")(x)
                    if a_layer:
                        x = a_layer(x)
                    outputs = keras.layers.Dense(10, activation="softmax")(x)
                    return keras.Model(inputs, outputs)
            ''',
            "train_model": '''
                def train_model(model, x_train, y_train, x_val, y_val, num_epochs, callbacks=None):
                    model.compile(
                        optimizer=keras.optimizers.RMSprop(learning_rate=0.001),
                        loss=keras.losses.SparseCategoricalCrossentropy(),
                        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
                    )
                    return model.fit(x_train, y_train, epochs=num_epochs, batch_size=64,
                                     validation_data=(x_val, y_val), callbacks=callbacks, verbose=0)
            ''',
            "plot_loss": '''
                def plot_loss(history):
                    ax = plt.figure().gca()
                    for key, name in [("loss", "train"), ("val_loss", "validation")]:
                        ax.plot(history.history[key], label=name)
                    ax.set(xlabel="Epoch (from 0)", ylabel="Cross-entropy", title="Loss")
                    ax.legend(loc="upper right")
                    return ax
            ''',
            "best_epoch": '''
                def best_epoch(history):
                    val_loss = history.history["val_loss"]
                    return val_loss.index(min(val_loss)) + 1
            ''',
            "best_accuracy_epoch": '''
                def best_accuracy_epoch(history):
                    epochs = range(1, len(history.epoch) + 1)
                    return max(epochs, key=lambda epoch: history.history["val_accuracy"][epoch - 1])
            ''',
            "shows_overfitting": '''
                def shows_overfitting(history, patience=2):
                    val_loss = history.history["val_loss"]
                    loss = history.history["loss"]
                    best = val_loss.index(min(val_loss))
                    return len(val_loss) - best > patience and loss[-1] < loss[best]
            ''',
        },
    ),
]
