"""Chapter 05's wrong and differently written submissions (see `autograder.tools.examples`)."""

from autograder.tools.examples import example

EXAMPLES = [
    example(
        "linear_hidden_layer_and_predict",
        "the hidden Dense layer has no activation, so the network is linear and stays below 86% accuracy; "
        "same_outputs_twice compares two predict() calls, which always run at inference, so it says True in training; "
        "measured_gap takes the training loss as fit() does, with dropout on (model(x, training=True)): right for a "
        "model without dropout and for the visible test's model, whose dropout changes nothing, wrong for a trained "
        "model with dropout, which only the hidden test has",
        answers={
            "dropout_model": '''
                def dropout_model(rate=0.3):
                    return keras.Sequential([
                        keras.Input(shape=(28, 28)),
                        keras.layers.Flatten(),
                        keras.layers.Dense(512),
                        keras.layers.Dropout(rate),
                        keras.layers.Dense(10, activation="softmax"),
                    ])
            ''',
            "same_outputs_twice": '''
                def same_outputs_twice(model, x, training):
                    first = model.predict(x, verbose=0)
                    second = model.predict(x, verbose=0)
                    return bool(np.array_equal(first, second))
            ''',
            "measured_gap": '''
                def measured_gap(model, x_train, y_train, x_val, y_val):
                    loss = keras.losses.SparseCategoricalCrossentropy()
                    train_loss = float(loss(y_train, model(x_train, training=True)))
                    val_loss = model.evaluate(x_val, y_val, verbose=0, return_dict=True)["loss"]
                    return float(val_loss - train_loss)
            ''',
        },
        failing_cells={"dropout_model_layers", "same_outputs_twice_cases", "dropout_model_accuracy", "measured_gap_cases"},
    ),
    example(
        "written_differently",
        "right, written differently: the functional API with keyword arguments, and outputs turned into "
        "arrays with np.asarray and compared with ==, and measured_gap from evaluate()'s list, validation first, "
        "with np.subtract",
        answers={
            "dropout_model": '''
                def dropout_model(rate=0.3):
                    inputs = keras.Input(shape=(28, 28))
                    flat = keras.layers.Flatten()(inputs)
                    hidden = keras.layers.Dense(units=512, activation="relu")(flat)
                    dropped = keras.layers.Dropout(rate=rate)(hidden)
                    outputs = keras.layers.Dense(units=10, activation="softmax")(dropped)
                    return keras.Model(inputs=inputs, outputs=outputs)
            ''',
            "same_outputs_twice": '''
                def same_outputs_twice(model, x, training):
                    outputs = [np.asarray(model(x, training=training)) for _ in range(2)]
                    return bool((outputs[0] == outputs[1]).all())
            ''',
            "measured_gap": '''
                def measured_gap(model, x_train, y_train, x_val, y_val):
                    losses = [model.evaluate(x, y, batch_size=512, verbose=0)[0] for x, y in ((x_val, y_val), (x_train, y_train))]
                    return float(np.subtract(*losses))
            ''',
        },
    ),
    example(
        "impostor_dropout",
        "an attack: dropout_model() uses a subclass of Keras's Dropout, named Dropout, whose call() never drops",
        answers={
            "dropout_model": '''
                class Dropout(keras.layers.Dropout):
                    def call(self, inputs, training=False):
                        return inputs


                def dropout_model(rate=0.3):
                    return keras.Sequential([
                        keras.Input(shape=(28, 28)),
                        keras.layers.Flatten(),
                        keras.layers.Dense(512, activation="relu"),
                        Dropout(rate),
                        keras.layers.Dense(10, activation="softmax"),
                    ])
            ''',
        },
        failing_cells={"dropout_model_layers", "dropout_model_accuracy"},
    ),
]
