"""The attack suite's submissions: each is the honest wrong answer plus one attack.

The honest wrong answer to `course/source/attack_target` gets `scale`
wrong and does not really train, so it earns only `model_shapes` (1 of 4
points). An attack adds code at the top of the first answer cell
(`early`, to change how every later cell runs), in the last answer cell
(`late`, after all the graded work, so that breaking the kernel there
costs nothing honest), or changes the notebook or the file itself
(`transform`). Each must score what the honest wrong answer scores
(`SAME`), or, where the attack destroys its own work before anything is
recorded, less and never more (`NOT_ABOVE`), and change nothing outside
its own autograded folder.
"""

import dataclasses
import json

import nbformat

SAME = "same"
NOT_ABOVE = "not above"
ATTACKER_CANARY = "attacker-was-here-31d7"

HONEST_WRONG = {
    "scale": "def scale(values, factor):\n    return [value + factor for value in values]",
    "build_model": (
        "def build_model():\n"
        "    return keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),\n"
        "                             keras.layers.Dense(10, activation='softmax')])"
    ),
    "train": (
        "def train(model, images, labels):\n"
        "    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])\n"
        "    return model.fit(images[:1], labels[:1], epochs=1, verbose=0)"
    ),
    "scratch_space": "pass",
}


@dataclasses.dataclass(frozen=True)
class Attack:
    """One attack on grading.

    Attributes:
        name: Used as the student id.
        description: What it tries.
        early: Code run before the answers (top of the first answer cell).
        late: Code run after all graded cells (the last answer cell).
        transform: A function `(notebook, context) -> notebook or bytes`
            applied to the finished submission.
        expected: `SAME` or `NOT_ABOVE` the honest wrong answer's score.
        file_name: The submitted file's name, if not the assignment's.
        nbgrader_reports_error: Whether `nbgrader autograde` ends with an
            error for it (after recording its scores).
        runs_out_the_notebook: Whether it is meant to use up the whole
            notebook's time limit rather than one cell's.
    """

    name: str
    description: str
    early: str = ""
    late: str = ""
    transform: object = None
    expected: str = SAME
    file_name: str = None
    nbgrader_reports_error: bool = False
    runs_out_the_notebook: bool = False


def _with_answers(notebook, answers):
    notebook = nbformat.from_dict(json.loads(json.dumps(notebook)))
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return notebook


def build(attack, release_notebook, context):
    """Returns the submission for `attack`: a NotebookNode, or bytes for a broken file.

    Args:
        attack: The `Attack`.
        release_notebook: The student's notebook as released.
        context: Paths and ports the attack code may aim at, substituted
            into it where it says `{course}`, `{witness}`, `{port}` or `{canary}`.
    """
    answers = dict(HONEST_WRONG)
    if attack.early:
        answers["scale"] = _aimed(attack.early, context) + "\n\n" + answers["scale"]
    if attack.late:
        answers["scratch_space"] = _aimed(attack.late, context)
    notebook = _with_answers(release_notebook, answers)
    return attack.transform(notebook, context) if attack.transform else notebook


def _aimed(code, context):
    for key, value in context.items():
        code = code.replace("{" + key + "}", str(value))
    return code


def _cell(notebook, grade_id):
    return next(cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _edit_grade_cell(notebook, context):
    _cell(notebook, "scale_cases").source = "# all good\npass"
    _cell(notebook, "trained_accuracy").source = "print('accuracy: 100%')"
    return notebook


def _delete_grade_cells(notebook, context):
    notebook.cells = [cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("grade_id") not in ("scale_cases", "trained_accuracy")]
    return notebook


def _duplicate_grade_cell(notebook, context):
    cell = _cell(notebook, "model_shapes")
    index = notebook.cells.index(cell)
    for number in (1, 2):
        copy = nbformat.from_dict(json.loads(json.dumps(cell)))
        copy["id"] = f"copy-{number}"  # JupyterLab gives a copied cell a new id
        notebook.cells.insert(index, copy)
    return notebook


def _retype_grade_cell(notebook, context):
    for grade_id in ("scale_cases", "trained_accuracy"):
        cell = _cell(notebook, grade_id)
        index = notebook.cells.index(cell)
        notebook.cells[index] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
    return notebook


def _edit_points(notebook, context):
    _cell(notebook, "model_shapes").metadata.nbgrader["points"] = 100
    trained = _cell(notebook, "trained_accuracy").metadata.nbgrader
    trained["grade"] = False
    scale = _cell(notebook, "scale_cases").metadata.nbgrader
    scale["grade_id"] = "model_shapes_bonus"
    return notebook


def _invalid_json(notebook, context):
    return nbformat.writes(notebook)[:-200].encode()


def _empty_file(notebook, context):
    return b""


def _old_nbformat(notebook, context):
    return nbformat.writes(nbformat.convert(notebook, 3)).encode()


ATTACKS = [
    Attack("input_transformer_drops_checks", "an IPython input transformer deletes every `require(...)` line",
           early=("def _drop_checks(lines):\n"
                  "    return [line for line in lines if not line.lstrip().startswith('require(')]\n"
                  "get_ipython().input_transformers_cleanup.append(_drop_checks)")),
    Attack("input_transformer_blanks_cells", "an input transformer turns every later cell into nothing",
           early="get_ipython().input_transformers_cleanup.append(lambda lines: [])", expected=NOT_ABOVE),
    Attack("post_run_cell_hides_errors", "a post_run_cell hook clears each cell's error",
           early=("def _forget_errors(result):\n    result.error_in_exec = None\n"
                  "get_ipython().events.register('post_run_cell', _forget_errors)")),
    Attack("pre_run_cell_patches_checks", "a pre_run_cell hook makes every check pass before each cell",
           early=("import autograder.checks, autograder.results\n"
                  "def _all_pass(*args, **kwargs):\n"
                  "    return autograder.results.CheckResult('patched', True, 'ok')\n"
                  "def _patch(info):\n"
                  "    for name in ('function_cases', 'input_shape', 'output_shape', 'minimum_accuracy', 'finite_loss'):\n"
                  "        setattr(autograder.checks, name, _all_pass)\n"
                  "get_ipython().events.register('pre_run_cell', _patch)")),
    Attack("custom_exception_handler", "set_custom_exc swallows every exception",
           early="get_ipython().set_custom_exc((BaseException,), lambda shell, etype, evalue, tb, tb_offset=None: None)"),
    Attack("showtraceback_patched", "showtraceback patched to show nothing",
           early="get_ipython().showtraceback = lambda *args, **kwargs: None\nget_ipython()._showtraceback = lambda *args, **kwargs: None"),
    Attack("numpy_patched", "NumPy's comparisons patched to always agree",
           early="np.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True"),
    Attack("math_patched", "math.isclose patched to always agree",
           early="import math\nmath.isclose = lambda *a, **k: True"),
    Attack("keras_evaluate_patched", "keras.Model.evaluate and predict patched to report a perfect model",
           early=("import keras\n"
                  "keras.Model.evaluate = lambda self, *a, **k: [0.0, 1.0]\n"
                  "_predict = keras.Model.predict\n"
                  "def _perfect(self, x, *a, **k):\n"
                  "    from course import data as _data\n"
                  "    labels = _data.load_splits().y_val\n"
                  "    return np.eye(10)[labels[: len(x)]] if len(x) == len(labels) else _predict(self, x, *a, **k)\n"
                  "keras.Model.predict = _perfect")),
    Attack("autograder_patched", "the autograder's own checks and require replaced by ones that always pass",
           early=("import autograder, autograder.checks\n"
                  "from autograder.results import CheckResult\n"
                  "for _name in dir(autograder.checks):\n"
                  "    if not _name.startswith('_') and callable(getattr(autograder.checks, _name)):\n"
                  "        setattr(autograder.checks, _name, lambda *a, **k: CheckResult('patched', True, 'ok'))\n"
                  "autograder.require = lambda *results: None")),
    Attack("records_forged", "the recording functions replaced by ones that write made-up outcomes",
           early=("import json, os\nfrom autograder import codec, records\n"
                  "def _forged_calls(grade_id, function, key='calls'):\n"
                  "    folder = records.records_dir() / grade_id\n"
                  "    folder.mkdir(parents=True, exist_ok=True)\n"
                  "    outcomes = [{'value': codec.encode([3, 6])}] * 4\n"
                  "    (folder / f'{key}.json').write_text(json.dumps({'kind': 'calls', 'callable': True, 'outcomes': outcomes}))\n"
                  "records.calls = _forged_calls")),
    Attack("forged_history", "train() returns a made-up History claiming 99% accuracy instead of training",
           transform=lambda notebook, context: _replace_answer(notebook, "train", (
               "def train(model, images, labels):\n"
               "    history = keras.callbacks.History()\n"
               "    history.history = {'loss': [0.01, 0.01], 'accuracy': [0.99, 0.99]}\n"
               "    history.epoch, history.params, history.model = [0, 1], {'epochs': 2}, model\n"
               "    return history"))),
    Attack("always_equal_object", "scale() returns an object whose == is always True",
           transform=lambda notebook, context: _replace_answer(notebook, "scale", "class _AlwaysEqual(list):\n    def __eq__(self, other):\n        return True\n\ndef scale(values, factor):\n    return _AlwaysEqual()")),
    Attack("reads_course_files", "reads source/, grading.py, gradebook.db and other submissions and prints them",
           late=("import glob, os\n"
                 "for _pattern in ('{course}/source/*/*', '{course}/gradebook.db', '{course}/submitted/*/*/*', '{course}/autograded/*/*/*', '{course}/release/*/*'):\n"
                 "    for _path in glob.glob(_pattern):\n"
                 "        try:\n"
                 "            print('READ', _path, open(_path, 'rb').read()[:100000])\n"
                 "        except OSError as error:\n"
                 "            print('REFUSED', _path, error)\n"
                 "print('LISTDIR', sorted(os.listdir('{course}')) if os.path.isdir('{course}') else None)")),
    Attack("writes_gradebook", "writes to the gradebook: raises every score with SQL, then appends garbage",
           late=("import sqlite3\n"
                  "try:\n"
                  "    _db = sqlite3.connect('{course}/gradebook.db')\n"
                  "    _db.execute('update grade set manual_score = 100, auto_score = 100')\n"
                  "    _db.commit()\n"
                  "except Exception as error:\n"
                  "    print('gradebook', error)\n"
                  "try:\n"
                  "    open('{course}/gradebook.db', 'ab').write(b'{canary}')\n"
                  "except OSError as error:\n"
                  "    print('gradebook', error)")),
    Attack("writes_other_students", "writes into another student's submitted and autograded folders, and into source/ and release/",
           late=("import glob, os\n"
                  "for _pattern in ('{course}/submitted/{witness}/*/*', '{course}/autograded/{witness}/*/*', '{course}/source/*/*', '{course}/release/*/*'):\n"
                  "    for _path in glob.glob(_pattern) or [_pattern.replace('*', 'x')]:\n"
                  "        try:\n"
                  "            with open(_path, 'a') as _file:\n"
                  "                _file.write('{canary}')\n"
                  "        except OSError as error:\n"
                  "            print('cannot write', _path, error)")),
    Attack("network", "opens a connection to a server the test runs on the host's loopback",
           late=("import socket\n"
                  "try:\n"
                  "    socket.create_connection(('127.0.0.1', {port}), timeout=3).sendall(b'{canary}')\n"
                  "    print('connected')\n"
                  "except OSError as error:\n"
                  "    print('no network:', error)")),
    Attack("sys_exit", "calls sys.exit()", late="import sys\nsys.exit(3)"),
    Attack("os_exit", "calls os._exit(0), ending the kernel", late="import os\nos._exit(0)"),
    Attack("os_exit_first", "calls os._exit(0) before any answer is defined", early="import os\nos._exit(0)", expected=NOT_ABOVE),
    Attack("segfault", "dereferences a null pointer with ctypes", late="import ctypes\nctypes.string_at(0)"),
    Attack("allocates_100_gb", "allocates 100 GB, a gigabyte at a time",
           late="_blocks = []\nwhile len(_blocks) < 100:\n    _blocks.append(np.ones(10**9 // 8))"),
    Attack("fork_bomb", "forks until the machine runs out of processes",
           late="import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"),
    Attack("writes_10_gb", "writes a 10 GB file",
           late="with open('big.bin', 'wb') as _file:\n    for _ in range(10_000):\n        _file.write(bytes(10**6))"),
    Attack("prints_100_mb", "prints 100 MB", late="print('x' * 100_000_000)"),
    Attack("ignores_interrupts", "an infinite loop with SIGINT ignored",
           late="import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"),
    Attack("slow_in_every_cell", "a pre_run_cell hook sleeps 15 s before every cell, each under the cell limit",
           early="import time\nget_ipython().events.register('pre_run_cell', lambda info: time.sleep(15))",
           expected=NOT_ABOVE, runs_out_the_notebook=True),
    Attack("edited_grade_cells", "replaces two grade cells' tests with `pass` and a print", transform=_edit_grade_cell),
    Attack("deleted_grade_cells", "deletes two grade cells", transform=_delete_grade_cells),
    Attack("duplicated_grade_cell", "duplicates a grade cell twice", transform=_duplicate_grade_cell),
    Attack("retyped_grade_cells", "turns two grade cells into markdown", transform=_retype_grade_cell),
    Attack("edited_cell_metadata", "sets a cell's points to 100, un-grades another and renames a third", transform=_edit_points),
    Attack("renamed_notebook", "submits the notebook under another name", file_name="my_submission.ipynb",
           expected=NOT_ABOVE, nbgrader_reports_error=True),
    Attack("invalid_json", "submits a truncated file that is not valid JSON", transform=_invalid_json, expected=NOT_ABOVE),
    Attack("empty_file", "submits an empty file", transform=_empty_file, expected=NOT_ABOVE),
    Attack("old_nbformat", "submits the notebook in nbformat 3", transform=_old_nbformat),
]


def _replace_answer(notebook, grade_id, source):
    _cell(notebook, grade_id).source = source
    return notebook
