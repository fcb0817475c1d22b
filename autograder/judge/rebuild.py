"""Rebuilding a recorded model in the grader's process, safely.

A model record is the JSON `keras.saving.serialize_keras_object` made of
the student's model and its weight arrays. Nothing is unpickled and no
student code is loaded: every object in the config must be one of Keras's
own built-in classes, found by name in Keras's public modules, and
everything that can name code (a `Lambda` layer, a custom activation, a
registered custom object) is refused before Keras sees the config.

Nothing the record says is believed before it is checked, and nothing is
allocated before its size is known: the architecture is built without
its variables' values (a `StatelessScope`) and its parameter count checked
first; the weight file's zip directory and each array's `.npy` header are
read and compared with the architecture before any array is.
"""

import json
import math
import struct
import zipfile

import numpy as np

# The largest model in the course (Flatten, Dense(512), Dense(512),
# Dense(10)) has about 670,000 parameters and a config of some 10 KB; each
# bound leaves a wide margin above that and stops a record from making the
# grader allocate gigabytes.
MAX_CONFIG_BYTES = 5_000_000
# On disk and once inflated: 20 million float64 parameters need 160 MB.
MAX_WEIGHT_BYTES = 500_000_000
MAX_PARAMS = 20_000_000
MAX_LAYERS = 100
# np.savez's central directory takes about 100 bytes per array.
_MAX_DIRECTORY_BYTES_PER_ARRAY = 1024

# Keras's public modules by the name serialize_keras_object writes.
_MODULES = {
    "keras": "keras",
    "keras.layers": "keras.layers",
    "keras.initializers": "keras.initializers",
    "keras.regularizers": "keras.regularizers",
    "keras.constraints": "keras.constraints",
    "keras.optimizers": "keras.optimizers",
    "keras.optimizers.schedules": "keras.optimizers.schedules",
    "keras.losses": "keras.losses",
    "keras.metrics": "keras.metrics",
    "keras.src.models.functional": "keras",
    "keras.src.models.sequential": "keras",
}
_MODEL_CLASSES = {"Sequential": "Sequential", "Functional": "Model"}
# Plain data Keras writes without a module (tensors between layers, arrays);
# `__lambda__` and friends are left out on purpose.
_PLAIN_DATA = {"__keras_tensor__", "__tensor__", "__numpy__", "__tuple__", "__ellipsis__", "__slice__"}
# Layers that run or load arbitrary code.
_REFUSED = {"Lambda", "TFSMLayer", "TorchModuleWrapper", "JaxLayer", "FlaxLayer"}


class UnsafeRecord(ValueError):
    """Raised for a model record the grader will not rebuild."""


def check_config(node, path="model"):
    """Raises `UnsafeRecord` unless every object in `node` is a built-in
    Keras class named by its public module."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            check_config(item, f"{path}[{index}]")
        return
    if not isinstance(node, dict):
        return
    if "class_name" in node and "module" in node:
        module, class_name = node["module"], node["class_name"]
        if node.get("registered_name") not in (None, class_name):
            raise UnsafeRecord(f"{path} is a custom object ({node.get('registered_name')!r}); use Keras's built-in layers")
        if class_name in _REFUSED:
            raise UnsafeRecord(f"{path} is a {class_name} layer, which runs code the grader does not load; use built-in layers")
        public = _MODULES.get(module)
        if public is None or not _public_class(public, class_name):
            where = f"{module}.{class_name}" if module else f"a class {class_name} of the notebook's own"
            raise UnsafeRecord(
                f"{path} is {where}, not one of Keras's built-in classes; "
                "custom layers, activations and functions cannot be graded"
            )
    elif node.get("class_name") in _PLAIN_DATA and "module" not in node:
        pass
    elif "class_name" in node or "module" in node:
        raise UnsafeRecord(f"{path} names an object without saying where it comes from: {sorted(node)}")
    for key, item in node.items():
        check_config(item, f"{path}.{key}")


def _public_class(module_name, class_name):
    import importlib

    module = importlib.import_module(module_name)
    if module_name == "keras" and class_name in _MODEL_CLASSES:
        return True
    return isinstance(getattr(module, class_name, None), type)


def rebuild_model(config_path, weights_path):
    """Rebuilds a recorded model with its weights.

    Both files are opened as `open_regular_file` opens a record (no
    symbolic links, regular files of bounded size), then read as
    `rebuild_from` reads them.

    Args:
        config_path: The record's `.json` file, as `autograder.records.model`
            wrote it.
        weights_path: Its `.weights.npz` file.

    Returns:
        An uncompiled `keras.Model`.

    Raises:
        UnsafeRecord: if the config names anything but built-in Keras
            classes, or a file is not a regular file of bounded size.
        ValueError: if the record is malformed, too large, or its weights do
            not fit the architecture.
    """
    with open_regular_file(config_path, MAX_CONFIG_BYTES) as config_file:
        record = json.loads(read_bounded(config_file, MAX_CONFIG_BYTES, config_path))
    with open_regular_file(weights_path, MAX_WEIGHT_BYTES) as weights_file:
        return rebuild_from(record, weights_file)


def rebuild_from(record, weights_file):
    """Rebuilds a model from its parsed record and its open weight file.

    The checks, in order, each before anything they guard is allocated:
    the config names only built-in Keras classes and at most `MAX_LAYERS`
    layers; the architecture, built without its variables' values, has at
    most `MAX_PARAMS` parameters; the weight file's zip directory lists one
    plain (stored or deflated) `.npy` member per weight; each member's
    header gives a numeric dtype and a size that agrees with the zip's, in
    all at most `MAX_WEIGHT_BYTES`; the shapes match the architecture's.
    Only then are the arrays read.

    Args:
        record: The model record, a dict as `autograder.records.model`
            wrote it (with its `config`).
        weights_file: The `.weights.npz` file, open for binary reading and
            seekable.

    Returns:
        An uncompiled `keras.Model`.

    Raises:
        UnsafeRecord: if the config names anything but built-in Keras classes.
        ValueError: if the record is malformed, too large, or its weights do
            not fit the architecture.
    """
    if not isinstance(record, dict) or not isinstance(record.get("config"), dict):
        raise ValueError("a model record must hold the model's `config`. Received a record without one.")
    config = record["config"]
    if config.get("class_name") not in _MODEL_CLASSES:
        raise UnsafeRecord(f"expected a Sequential or functional model; found {config.get('class_name')!r}")
    config = {key: item for key, item in config.items() if key != "compile_config"}
    check_config(config)
    num_layers = _count_layers(config)
    if num_layers > MAX_LAYERS:
        raise ValueError(
            f"a graded model has at most {MAX_LAYERS} layers. Received: {num_layers} layers. "
            "Build the model the assignment asks for."
        )
    model, unallocated = _build_unallocated(config)
    weights = _read_weights(weights_file, [tuple(int(size) for size in weight.shape) for weight in model.weights])
    for variable in unallocated:
        variable._deferred_initialize()  # what leaving a StatelessScope does, now that the size is known
    model.set_weights(weights)
    return model


def _count_layers(node):
    if isinstance(node, list):
        return sum(_count_layers(item) for item in node)
    if not isinstance(node, dict):
        return 0
    own = len(node["layers"]) if isinstance(node.get("layers"), list) else 0
    return own + sum(_count_layers(item) for item in node.values())


def _build_unallocated(config):
    """Builds the architecture with variables that have shapes but no
    values yet, and refuses it if it has more than `MAX_PARAMS` parameters.

    Returns:
        The model, and the variables its build left to initialize.
    """
    import keras
    from keras.src.backend.common import global_state  # Keras has no public API for deferred variables.

    pending = list(global_state.get_global_attribute("uninitialized_variables", None) or [])
    try:
        with keras.StatelessScope(initialize_variables=False):
            model = keras.saving.deserialize_keras_object(config, safe_mode=True)
        num_params = sum(math.prod(int(size) for size in weight.shape) for weight in model.weights)
        if num_params > MAX_PARAMS:
            raise ValueError(
                f"a graded model has at most {MAX_PARAMS:,} parameters. Received: a model with {num_params:,}. "
                "Build the model the assignment asks for."
            )
    finally:
        # Take this build's variables off Keras's list, so that a refused
        # model's are never allocated by a later scope.
        registered = list(global_state.get_global_attribute("uninitialized_variables", None) or [])
        global_state.set_global_attribute("uninitialized_variables", pending)
    known = {id(variable) for variable in pending}
    return model, [variable for variable in registered if id(variable) not in known]


def _read_weights(weights_file, expected):
    """Returns the arrays of `weights_file`, checked against `expected`
    shapes before any is read."""
    try:
        _check_zip_directory(weights_file, len(expected))
        with zipfile.ZipFile(weights_file) as archive:
            members = archive.infolist()
            names = [member.filename for member in members]
            if names != [f"arr_{index}.npy" for index in range(len(expected))]:
                raise ValueError(
                    f"the recorded weights must be the arrays arr_0.npy ... arr_{len(expected) - 1}.npy, one per "
                    f"weight of the architecture. Received: {names[:20]}"
                )
            headers = [_member_header(archive, member) for member in members]
            total = sum(header[3] for header in headers)
            if total > MAX_WEIGHT_BYTES:
                raise ValueError(f"the recorded weights may take at most {MAX_WEIGHT_BYTES:,} bytes. Received: {total:,} bytes.")
            found = [header[0] for header in headers]
            if found != expected:
                raise ValueError(f"the recorded weights have shapes {found}; the architecture needs {expected}")
            return [_member_array(archive, member, header) for member, header in zip(members, headers)]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, struct.error, OSError, NotImplementedError) as error:
        raise ValueError(f"the recorded weights are not a weight file np.savez wrote: {type(error).__name__}: {error}") from None


def _check_zip_directory(weights_file, num_arrays):
    # zipfile reads the whole central directory when it opens an archive;
    # its size comes from the end record, read here the way zipfile reads
    # it (the last 22 bytes, when the archive has no comment).
    weights_file.seek(0, 2)
    size = weights_file.tell()
    if size < 22:
        raise ValueError(f"the recorded weights are not a weight file np.savez wrote: {size} bytes")
    weights_file.seek(size - 22)
    end = weights_file.read(22)
    signature, _, _, _, num_entries, directory_size, _, comment_length = struct.unpack("<4s4H2LH", end)
    zip64 = False
    if size >= 42:
        weights_file.seek(size - 42)
        zip64 = weights_file.read(4) == b"PK\x06\x07"
    weights_file.seek(0)
    if signature != b"PK\x05\x06" or comment_length != 0 or zip64:
        raise ValueError("the recorded weights are not a weight file np.savez wrote (no plain zip end record)")
    if num_entries != num_arrays:
        raise ValueError(f"the recorded weights hold {num_entries} arrays; the architecture needs {num_arrays}")
    if directory_size > _MAX_DIRECTORY_BYTES_PER_ARRAY * max(num_arrays, 1):
        raise ValueError(f"the recorded weights' zip directory takes {directory_size:,} bytes for {num_entries} arrays; np.savez writes about 100 bytes per array")


class _CountingReader:
    def __init__(self, stream):
        self.stream = stream
        self.position = 0

    def read(self, size=-1):
        data = self.stream.read(size)
        self.position += len(data)
        return data


def _member_header(archive, member):
    """Returns `(shape, fortran_order, dtype, num_bytes, header_bytes)` of a
    member, from its `.npy` header, without reading its data."""
    if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or member.flag_bits & 0x1:
        raise ValueError(f"the recorded weight {member.filename} is encrypted or compressed in a way np.savez never writes")
    with archive.open(member) as stream:
        return _read_header(member, stream)


def _read_header(member, stream):
    from numpy.lib import format as npy

    reader = _CountingReader(stream)
    version = npy.read_magic(reader)
    if version == (1, 0):
        shape, fortran_order, dtype = npy.read_array_header_1_0(reader)
    elif version == (2, 0):
        shape, fortran_order, dtype = npy.read_array_header_2_0(reader)
    else:
        raise ValueError(f"the recorded weight {member.filename} is in .npy format {version}; np.savez writes 1.0 or 2.0")
    if dtype.kind not in "biuf" or dtype.fields is not None or dtype.subdtype is not None:
        raise ValueError(f"weights must be numeric arrays. Received: {member.filename} of dtype {dtype}")
    if not all(type(size) is int and size >= 0 for size in shape):
        raise ValueError(f"the recorded weight {member.filename} has an impossible shape {shape}")
    num_bytes = math.prod(shape) * dtype.itemsize
    if member.file_size != reader.position + num_bytes:
        raise ValueError(
            f"the recorded weight {member.filename} claims shape {shape} of {dtype} ({num_bytes:,} bytes) "
            f"but holds {max(member.file_size - reader.position, 0):,} bytes"
        )
    return tuple(shape), fortran_order, dtype, num_bytes, reader.position


def _member_array(archive, member, header):
    shape, fortran_order, dtype, num_bytes, _ = header
    with archive.open(member) as stream:
        if _read_header(member, stream) != header:
            raise ValueError(f"the recorded weight {member.filename} changed while the grader read it")
        data = stream.read(num_bytes)
        if len(data) != num_bytes or stream.read(1):  # reading to the end also checks the CRC
            raise ValueError(f"the recorded weight {member.filename} does not hold the {num_bytes:,} bytes its header says")
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran_order else "C")


def open_regular_file(name, max_bytes, dir_fd=None):
    """Opens a file the student's kernel wrote, trusting nothing about it.

    The kernel owns the records folder, so what is there may be a symbolic
    link to one of the grader's files, a FIFO that never ends, or a file far
    larger than any record. This opens `name` without following a symbolic
    link and without blocking (`O_NOFOLLOW | O_NONBLOCK`), then checks the
    opened file itself (`fstat`), so a file swapped in after the check is
    never read.

    Args:
        name: The file's path, or its name in the folder `dir_fd`.
        max_bytes: The largest size accepted.
        dir_fd: An open folder `name` is relative to. Defaults to `None`
            (`name` is a path).

    Returns:
        A binary file object on the opened file; close it when done.

    Raises:
        FileNotFoundError: if there is no such file.
        UnsafeRecord: if it is a symbolic link, not a regular file, has
            other hard links, or is larger than `max_bytes`.
    """
    import errno
    import os
    import stat

    try:
        descriptor = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise UnsafeRecord(
                f"the grader reads only files the hidden test wrote, never a symbolic link. Received: a symbolic "
                f"link at {str(name)!r}. Leave the records folder to the hidden tests."
            ) from None
        raise
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise UnsafeRecord(
                f"a record must be a regular file. Received: {str(name)!r}, which is a "
                f"{_file_kind(status.st_mode)}. Leave the records folder to the hidden tests."
            )
        if status.st_nlink != 1:
            raise UnsafeRecord(
                f"a record must be a file of its own, with no other hard links. Received: {str(name)!r} with "
                f"{status.st_nlink} links. Leave the records folder to the hidden tests."
            )
        if status.st_size > max_bytes:
            raise UnsafeRecord(
                f"a record file must be at most {max_bytes:,} bytes. Received: {str(name)!r} of "
                f"{status.st_size:,} bytes. Record a smaller value (a summary rather than every prediction)."
            )
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_bounded(file, max_bytes, name):
    """Reads all of an open `file`, refusing it if it holds more than
    `max_bytes` (it may have grown since it was opened).

    Returns:
        The bytes.

    Raises:
        UnsafeRecord: if there are more than `max_bytes`.
    """
    data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UnsafeRecord(f"a record file must be at most {max_bytes:,} bytes. Received: {str(name)!r}, which grew past that while the grader read it.")
    return data


def _file_kind(mode):
    import stat

    for test, kind in ((stat.S_ISFIFO, "FIFO (named pipe)"), (stat.S_ISDIR, "folder"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device")):
        if test(mode):
            return kind
    return "special file"
