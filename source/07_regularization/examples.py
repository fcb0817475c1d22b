"""Chapter 07's wrong and differently written submissions (see `autograder.tools.examples`)."""

from autograder.tools.examples import example

EXAMPLES = [
    example(
        "unregularised_and_halved_penalty",
        "regularized_setup returns the plain wide model with Adam, whose gap on the held-out test images stays "
        "above 0.13; l2_penalty halves the sum of squares, as TensorFlow 1's tf.nn.l2_loss did",
        answers={
            "l2_penalty": '''
                def l2_penalty(model, factor):
                    total = 0.0
                    for layer in model.layers:
                        if isinstance(layer, keras.layers.Dense):
                            total += float(np.sum(keras.ops.convert_to_numpy(layer.kernel) ** 2)) / 2
                    return factor * total
            ''',
            "regularized_setup": '''
                def regularized_setup():
                    return wide_model(), keras.optimizers.Adam()
            ''',
        },
        failing_cells={"l2_penalty_cases", "regularized_model_generalizes"},
    ),
    example(
        "epochs_from_one_and_first_part",
        "make_step_schedule counts epochs from 1, so the rate drops an epoch early (in the cases and in the "
        "scheduled run); validation_part returns the first fraction of the labels; l2_penalty sums model.losses, "
        "which is right only for a model that has L2 regularizers, and the hidden networks have none",
        answers={
            "l2_penalty": '''
                def l2_penalty(model, factor):
                    return float(sum(keras.ops.convert_to_numpy(penalty) for penalty in model.losses))
            ''',
            "validation_part": '''
                def validation_part(labels, validation_split):
                    return np.asarray(labels)[:len(labels) - int(len(labels) * (1 - validation_split))]
            ''',
            "make_step_schedule": '''
                def make_step_schedule(initial_learning_rate, drop_period, drop_factor):
                    def schedule(epoch, learning_rate):
                        return float(initial_learning_rate * drop_factor ** ((epoch + 1) // drop_period))
                    return schedule
            ''',
        },
        failing_cells={"l2_penalty_cases", "validation_part_cases", "step_schedule_cases", "scheduled_training"},
    ),
    example(
        "written_differently",
        "right, written differently: the penalty from get_weights() with np.einsum, a slice counted from the end, "
        "a schedule object that counts completed periods with math.floor, and a functional model with AdamW alone",
        answers={
            "l2_penalty": '''
                def l2_penalty(model, factor):
                    kernels = [layer.get_weights()[0] for layer in model.layers if isinstance(layer, keras.layers.Dense)]
                    return float(factor * sum(np.einsum("ij,ij->", kernel, kernel, dtype="float64") for kernel in kernels))
            ''',
            "validation_part": '''
                import math


                def validation_part(labels, validation_split):
                    labels = np.array(labels)
                    num_validation = len(labels) - math.floor(len(labels) * (1.0 - validation_split))
                    return labels[len(labels) - num_validation:]
            ''',
            "make_step_schedule": '''
                import math


                class StepSchedule:
                    def __init__(self, initial_learning_rate, drop_period, drop_factor):
                        self.initial_learning_rate = initial_learning_rate
                        self.drop_period = drop_period
                        self.drop_factor = drop_factor

                    def __call__(self, epoch, learning_rate=None):
                        completed_periods = math.floor(epoch / self.drop_period)
                        return self.initial_learning_rate * self.drop_factor ** completed_periods


                def make_step_schedule(initial_learning_rate, drop_period, drop_factor):
                    return StepSchedule(initial_learning_rate, drop_period, drop_factor)
            ''',
            "regularized_setup": '''
                def regularized_setup():
                    inputs = keras.Input(shape=(28, 28))
                    hidden = keras.layers.Dense(units=512, activation="relu")(keras.layers.Flatten()(inputs))
                    outputs = keras.layers.Dense(units=10, activation="softmax")(hidden)
                    model = keras.Model(inputs=inputs, outputs=outputs)
                    return model, keras.optimizers.AdamW(learning_rate=0.001, weight_decay=1.0)
            ''',
        },
    ),
]
