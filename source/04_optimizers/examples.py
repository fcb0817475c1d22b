"""Chapter 04's wrong and differently written submissions (see `autograder.tools.examples`)."""

from autograder.tools.examples import EVERY_TEST_CELL, example

EXAMPLES = [
    example(
        "mixed_up_steps",
        "momentum_step moves by the old velocity; nesterov_step looks ahead along the old velocity; "
        "the valley's settings take gradient descent's learning rate of 0.09 with momentum 0.8, where Nesterov blows up; "
        "compile_with_sgd forgets nesterov=True; results keeps the training loss and accuracy; "
        "models is filled after the loop, so every entry is the last (AdaGrad) model",
        answers={
            "momentum_step": '''
                def momentum_step(w, gradient, velocity, learning_rate, momentum):
                    w = w + velocity
                    velocity = momentum * velocity - learning_rate * gradient
                    return w, velocity
            ''',
            "nesterov_step": '''
                def nesterov_step(w, gradient, velocity, learning_rate, momentum):
                    new_velocity = momentum * velocity - learning_rate * gradient
                    return w + momentum * velocity - learning_rate * gradient, new_velocity
            ''',
            "tuned_settings": '''
                TUNED_LEARNING_RATE = VALLEY_LEARNING_RATE
                TUNED_MOMENTUM = VALLEY_MOMENTUM
            ''',
            "compile_with_sgd": '''
                def compile_with_sgd(model):
                    model.compile(
                        optimizer=keras.optimizers.SGD(learning_rate=0.02, momentum=0.9),
                        loss="sparse_categorical_crossentropy",
                        metrics=["accuracy"],
                    )
            ''',
            "compare_optimizers": '''
                models = {}
                runs = {}
                results = {}
                for name in OPTIMIZER_NAMES:
                    model, history = train(name)
                    runs[name] = history
                    results[name] = {"loss": history.history["loss"][-1], "accuracy": history.history["accuracy"][-1]}
                models = {name: model for name in OPTIMIZER_NAMES}
            ''',
        },
        failing_cells=EVERY_TEST_CELL,
    ),
    example(
        "written_differently",
        "right, written differently: NumPy functions and a list for (new_w, new_velocity), Nesterov in Sutskever's "
        "form on top of momentum_step, the valley's settings picked by a search over a grid with the student's own "
        "nesterov_step (NumPy floats), positional SGD arguments with loss and metric objects, and the runs in a "
        "list first with float() results",
        answers={
            "momentum_step": '''
                def momentum_step(w, gradient, velocity, learning_rate, momentum):
                    velocity = np.multiply(momentum, velocity) - np.multiply(learning_rate, gradient)
                    return [np.add(w, velocity), velocity]
            ''',
            "nesterov_step": '''
                def nesterov_step(w, gradient, velocity, learning_rate, momentum):
                    _, new_velocity = momentum_step(w, gradient, velocity, learning_rate, momentum)
                    # w + momentum * new_velocity - learning_rate * gradient, with -learning_rate * gradient
                    # written as new_velocity - momentum * velocity.
                    return w + (1 + momentum) * new_velocity - momentum * velocity, new_velocity
            ''',
            "tuned_settings": '''
                candidates = [(learning_rate, momentum) for learning_rate in np.arange(0.01, 0.1, 0.01)
                              for momentum in (0.5, 0.6, 0.7, 0.8, 0.9)]
                with np.errstate(over="ignore", invalid="ignore"):
                    TUNED_LEARNING_RATE, TUNED_MOMENTUM = min(candidates, key=lambda settings: loss_at(
                        path_of(nesterov_step, learning_rate=settings[0], momentum=settings[1])[-1]))
            ''',
            "compile_with_sgd": '''
                def compile_with_sgd(model):
                    model.compile(
                        keras.optimizers.SGD(0.02, 0.9, True),
                        keras.losses.SparseCategoricalCrossentropy(),
                        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
                    )
            ''',
            "compare_optimizers": '''
                models = {}
                runs = {}
                results = {}
                trained = [train(name) for name in OPTIMIZER_NAMES]
                for name, (model, history) in zip(OPTIMIZER_NAMES, trained):
                    models[name], runs[name] = model, history
                    results[name] = {key: float(np.asarray(history.history[key])[-1]) for key in ("val_loss", "val_accuracy")}
            ''',
        },
    ),
    example(
        "swinging_past_the_minimum",
        "the valley's settings keep the notebook's learning rate of 0.05 and raise the momentum to 0.9: the path "
        "swings past the minimum and ends near 7e-2, far above 1e-4",
        answers={
            "tuned_settings": '''
                TUNED_LEARNING_RATE = 0.05
                TUNED_MOMENTUM = 0.9
            ''',
        },
        failing_cells={"tuned_valley_loss"},
    ),
    example(
        "forged_runs",
        "an attack: the runs train as asked, then each History and the score table are replaced by made-up "
        "numbers that agree with each other, Adam's the best",
        answers={
            "compare_optimizers": '''
                models = {}
                runs = {}
                results = {}
                for rank, name in enumerate(OPTIMIZER_NAMES):
                    model, history = train(name)
                    models[name], runs[name] = model, history
                    claimed = 0.2 if name == "adam" else 0.3 + 0.05 * rank
                    history.history["val_loss"] = [claimed + 0.1 * (NUM_EPOCHS - epoch) for epoch in range(NUM_EPOCHS - 1)] + [claimed]
                    history.history["val_accuracy"] = [0.8] * (NUM_EPOCHS - 1) + [0.95 - claimed / 2]
                    results[name] = {"val_loss": history.history["val_loss"][-1], "val_accuracy": history.history["val_accuracy"][-1]}
            ''',
        },
        failing_cells={"comparison_results"},
    ),
    example(
        "swapped_optimizer",
        "an attack: the \"adam\" run trains with SGD, then a new Adam optimizer is put on its model so that it "
        "reports Adam",
        answers={
            "compare_optimizers": '''
                models = {}
                runs = {}
                results = {}
                for name in OPTIMIZER_NAMES:
                    model, history = train("sgd" if name == "adam" else name)
                    if name == "adam":
                        model.optimizer = make_optimizer("adam")
                    models[name], runs[name] = model, history
                    results[name] = {"val_loss": history.history["val_loss"][-1], "val_accuracy": history.history["val_accuracy"][-1]}
            ''',
        },
        failing_cells={"comparison_results", "adam_accuracy"},
    ),
    example(
        "impostor_optimizer",
        "an attack: the \"adam\" run trains with a subclass of SGD named Adam, so that the optimizer's class "
        "name and every run and result are consistent",
        answers={
            "compare_optimizers": '''
                class Adam(keras.optimizers.SGD):
                    """The course's SGD, named Adam."""


                course_make_optimizer = make_optimizer


                def make_optimizer(name):
                    if name == "adam":
                        return Adam(learning_rate=0.02, momentum=0.9, nesterov=True)
                    return course_make_optimizer(name)


                models, runs, results = {}, {}, {}
                for name in OPTIMIZER_NAMES:
                    models[name], runs[name] = train(name)
                    results[name] = {"val_loss": runs[name].history["val_loss"][-1],
                                     "val_accuracy": runs[name].history["val_accuracy"][-1]}
            ''',
        },
        failing_cells={"adam_accuracy"},
    ),
]
