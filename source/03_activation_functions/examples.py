"""Chapter 03's wrong and differently written submissions (see `autograder.tools.examples`)."""

from autograder.tools.examples import example

EXAMPLES = [
    # One submission with four mistakes: each notebook run costs CI most of a minute.
    example(
        "four_mistakes_overflow_bias_activation_any_image",
        "sigmoid is the textbook formula 1 / (1 + np.exp(-x)): right values, but np.exp overflows for x below -710; "
        "collapse_linear_layers adds the two biases: b1 + b2 instead of sending b1 through w2; "
        "model_fn ignores its activation and always builds ReLU, so the trained 'ELU' model is not one; "
        "dead_units counts the units that output 0 for any image (np.any) instead of for every image",
        answers={
            "model_fn": '''
                def model_fn(activation):
                    return keras.Sequential([
                        keras.Input(shape=(28, 28)),
                        keras.layers.Flatten(),
                        keras.layers.Dense(100, activation="relu"),
                        keras.layers.Dense(10, activation="softmax"),
                    ])
            ''',
            "sigmoid": '''
                def sigmoid(x):
                    return 1 / (1 + np.exp(-x))
            ''',
            "collapse_linear_layers": '''
                def collapse_linear_layers(w1, b1, w2, b2):
                    return w1 @ w2, b1 + b2
            ''',
            "dead_units": '''
                def dead_units(model, x):
                    hidden = keras.Model(model.inputs, model.layers[-2].output).predict(x, verbose=0)
                    return int(np.any(hidden == 0, axis=0).sum())
            ''',
        },
        failing_cells={"sigmoid_stability", "collapse_linear_layers_cases", "elu_model_accuracy", "dead_units_cases"},
    ),
    example(
        "written_differently",
        "right, written differently: a clipped sigmoid, tanh from sigmoid, ReLU as x * (x > 0), np.maximum, "
        "np.dot, a list for (w, b), and dead units counted from the kernel and bias with NumPy, and the functional API",
        answers={
            "sigmoid": '''
                def sigmoid(x):
                    # e^500 is far below the largest float, and 1 / (1 + e^500) is 0 to 217 decimal places.
                    return 1.0 / (1.0 + np.exp(-np.clip(x, -500, 500)))
            ''',
            "tanh": '''
                def tanh(x):
                    return 2 * sigmoid(2 * np.asarray(x)) - 1
            ''',
            "relu": '''
                def relu(x):
                    return x * (np.asarray(x) > 0)
            ''',
            "leaky_relu": '''
                def leaky_relu(x, alpha=0.01):
                    return np.maximum(x, alpha * np.asarray(x))  # right for 0 <= alpha <= 1
            ''',
            "elu": '''
                def elu(x, alpha=1.0):
                    x = np.asarray(x, dtype=np.float64)
                    negative = np.minimum(x, 0)
                    return np.where(x > 0, x, alpha * (np.exp(negative) - 1))
            ''',
            "collapse_linear_layers": '''
                def collapse_linear_layers(w1, b1, w2, b2):
                    w = np.dot(w1, w2)
                    b = np.dot(b1, w2) + b2
                    return [w, b]
            ''',
            "dead_units": '''
                def dead_units(model, x):
                    kernel, bias = model.layers[-2].get_weights()
                    inputs = np.reshape(x, (len(x), -1)) @ kernel + bias
                    alive_somewhere = (relu(inputs) > 0).any(axis=0)
                    return len(alive_somewhere) - int(alive_somewhere.sum())
            ''',
            "model_fn": '''
                def model_fn(activation):
                    inputs = keras.Input(shape=(28, 28))
                    flat = keras.layers.Flatten()(inputs)
                    hidden = keras.layers.Dense(units=100, activation=activation)(flat)
                    outputs = keras.layers.Dense(units=10, activation="softmax")(hidden)
                    return keras.Model(inputs=inputs, outputs=outputs)
            ''',
        },
    ),
    example(
        "impostor_activation",
        "an attack: model_fn(\"elu\") uses a function of its own named elu that computes ReLU, which Keras saves "
        "as \"elu\" and the grader would rebuild as Keras's ELU",
        answers={
            "model_fn": '''
                def model_fn(activation):
                    def elu(x):
                        return keras.activations.relu(x)

                    return keras.Sequential([
                        keras.Input(shape=(28, 28)),
                        keras.layers.Flatten(),
                        keras.layers.Dense(100, activation=elu if activation == "elu" else activation),
                        keras.layers.Dense(10, activation="softmax"),
                    ])
            ''',
        },
        failing_cells={"elu_model_accuracy"},
    ),
]
