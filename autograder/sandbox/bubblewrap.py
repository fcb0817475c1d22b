"""The sandbox a student's kernel runs in while nbgrader autogrades it.

`wrap` turns the kernel's command line into one that runs it under
bubblewrap (Debian's `bubblewrap`):

- as the unprivileged user 65534 (`nobody`), with no capabilities;
- with no network (a fresh network namespace) and its own process ids, so
  that killing the sandbox kills everything the kernel started;
- seeing the system read-only, the course's Python environment and
  packages read-only, Fashion-MNIST read-only, and, writable, only a
  scratch copy of the submission and the grader's records folder. The
  course's `source/`, the gradebook, `submitted/` and every other
  student's folders are not there at all;
- with a memory cap and a process cap (a cgroup, when the machine lets
  root make one; otherwise `RLIMIT_AS` and `RLIMIT_NPROC`, which counts
  the processes of all kernels running at once), a file-size
  cap (`RLIMIT_FSIZE`), and a size cap on its `/tmp`.

Wall-clock caps are the executing preprocessor's job
(`autograder.plugins.sandboxed_execute.SandboxedExecute`). Starting a sandbox needs
root (bubblewrap with `setpriv`) or, for a non-root instructor, user
namespaces; `problem()` says why a sandbox cannot start here.
"""

import dataclasses
import fcntl
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

from autograder import record_format

SANDBOX_UID = 65534
SANDBOX_GID = 65534
# The judge runs as a user of its own: not root, not the instructor, not the kernel's.
JUDGE_UID = 65533
JUDGE_GID = 65533
SCRATCH_PREFIX = "autograder-"
_SCRATCH_LOCK = ".grader.lock"
KERNEL_MATPLOTLIB_BACKEND = "module://matplotlib_inline.backend_inline"
SANDBOX_HOME = "/tmp/home"
SANDBOX_KERAS_HOME = "/tmp/home/.keras"  # Keras wants its home writable
GIB = 1024**3


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource caps for one sandboxed kernel.

    Attributes:
        memory_bytes: Memory the kernel and its children may use, files in
            its scratch space included. Defaults to 6 GiB.
        max_processes: Processes and threads. Defaults to 512. `None`
            means no cap.
        max_file_bytes: The largest file it may write. Defaults to 1 GiB.
        tmp_bytes: Size of its `/tmp`. Defaults to 1 GiB.
        cpu_seconds: CPU time it may use (`RLIMIT_CPU`), or `None` for no
            cap. Defaults to `None`: kernels have wall-clock caps instead.
    """

    memory_bytes: int = 6 * GIB
    max_processes: int = 512
    max_file_bytes: int = 1 * GIB
    tmp_bytes: int = 1 * GIB
    cpu_seconds: int = None


# The judge reads records, rebuilds models and predicts on 70,000 images:
# TensorFlow and the data take about 1.5 GiB.
JUDGE_LIMITS = Limits(memory_bytes=4 * GIB, max_processes=256, max_file_bytes=64 * 1024**2,
                      tmp_bytes=256 * 1024**2, cpu_seconds=3600)


@dataclasses.dataclass(frozen=True)
class Layout:
    """What one sandboxed kernel sees.

    Attributes:
        workdir: The kernel's working directory: a scratch copy of the
            submission, writable, shown at `shown_as`.
        shown_as: The path the kernel sees its working directory at (the
            submission's autograded folder, so paths look as they did).
        records_dir: Where hidden tests write records, writable.
        runtime_dir: The connection file and IPC sockets, writable.
        inputs_dir: Where the judge writes the hidden tests' inputs; the
            kernel sees it read-only, so it cannot redirect the judge's
            writes (None: no inputs folder).
        read_only: Host paths shown read-only at the same place.
        hidden: Paths inside `read_only` ones replaced by an empty folder.
        dataset_files: `{file name: host path}` shown read-only in the
            kernel's Keras cache as Fashion-MNIST (`decoy_data`).
        python_path: Folders put on the kernel's `PYTHONPATH`: the parents
            of the course packages the grader imported, so the kernel
            imports the same ones wherever the course folder is.
    """

    workdir: Path
    shown_as: Path
    records_dir: Path
    runtime_dir: Path
    inputs_dir: Path = None
    read_only: tuple = ()
    hidden: tuple = ()
    dataset_files: tuple = ()
    python_path: tuple = ()


def bwrap_path():
    return shutil.which("bwrap")


def problem(limits=Limits()):
    """Returns why a sandbox cannot start on this machine, or None."""
    if sys.platform != "linux":
        return f"the sandbox needs Linux; this is {sys.platform}"
    if bwrap_path() is None:
        return "bubblewrap is not installed (Debian: `apt-get install bubblewrap`, needs root)"
    scratch = Path(scratch_root()) / f"{SCRATCH_PREFIX}probe-{uuid.uuid4().hex}"
    try:
        layout = prepare_layout(scratch, submission_dir=None, read_only=())
        # Without a process cap: RLIMIT_NPROC counts every process of user
        # 65534, so a fork bomb in a kernel graded meanwhile would fail the probe.
        command = wrap(["/bin/true"], layout, dataclasses.replace(limits, max_processes=None), cgroup_procs=())
        result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as error:
        return f"bubblewrap could not run: {error}"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if result.returncode != 0:
        return f"bubblewrap failed (exit {result.returncode}): {result.stderr.strip()[:300]}"
    return None


def scratch_root():
    """Where kernels' scratch folders go: memory-backed where possible."""
    # What the kernel writes there is charged to its memory cap and never
    # reaches the course's disk.
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else "/tmp"


def prepare_layout(scratch, submission_dir, read_only, dataset_files=None, hidden=(), python_path=()):
    """Creates the scratch folders for one kernel and returns its `Layout`.

    Args:
        scratch: A new folder for this kernel alone; removed by `cleanup`.
        submission_dir: The submission's autograded folder, copied into the
            scratch work folder (the original is never written by the
            kernel), or None for an empty one.
        read_only: Host paths the kernel may read.
        dataset_files: `{file name: host path}` of Fashion-MNIST for the
            kernel's Keras cache, or None.
        hidden: Paths under `read_only` to hide.
        python_path: Folders for the kernel's `PYTHONPATH`.
    """
    scratch = Path(scratch)
    workdir, records_dir, runtime_dir = scratch / "work", scratch / "records", scratch / "runtime"
    inputs_dir, judge_dir = scratch / "inputs", scratch / "judge"
    scratch.mkdir(mode=0o700, parents=True, exist_ok=True)
    if submission_dir is not None:
        shutil.copytree(submission_dir, workdir, symlinks=True)
    else:
        workdir.mkdir()
    for folder in (records_dir, runtime_dir, inputs_dir, judge_dir):
        folder.mkdir()
    if os.geteuid() == 0:
        os.chmod(scratch, 0o755)
        for path in [workdir, records_dir, runtime_dir, *workdir.rglob("*")]:
            os.lchown(path, SANDBOX_UID, SANDBOX_GID)
        os.chmod(workdir, 0o700)
        os.chmod(runtime_dir, 0o700)
        # The kernel owns its records; the judge reads them through its group.
        os.chown(records_dir, SANDBOX_UID, JUDGE_GID)
        os.chmod(records_dir, 0o2750)
        # The judge writes the inputs (the kernel reads them, read-only) and its verdicts.
        os.chown(inputs_dir, JUDGE_UID, JUDGE_GID)
        os.chmod(inputs_dir, 0o755)
        os.chown(judge_dir, JUDGE_UID, JUDGE_GID)
        os.chmod(judge_dir, 0o700)
    return Layout(
        workdir=workdir,
        shown_as=Path(submission_dir).resolve() if submission_dir is not None else workdir,
        records_dir=records_dir,
        runtime_dir=runtime_dir,
        inputs_dir=inputs_dir,
        read_only=tuple(Path(path).resolve() for path in read_only),
        hidden=tuple(Path(path).resolve() for path in hidden),
        dataset_files=tuple(sorted((dataset_files or {}).items())),
        python_path=tuple(python_path),
    )


def judge_dir(scratch):
    """The folder the judge writes its verdicts and status to (see `prepare_layout`)."""
    return Path(scratch) / "judge"


def grading_layout(scratch, submission_dir):
    """The layout autograde gives a student's kernel: `prepare_layout` with
    the Python environment and course packages (`default_read_only`) and
    Fashion-MNIST with the decoy test set (`decoy_data`). Nothing in them
    needs hiding: the reference answers, judges and example submissions
    live in `source/`, which the kernel never sees.

    Raises:
        course.data.DatasetUnavailableError: if the grader has no
            Fashion-MNIST (the message names the fix).
    """
    from autograder.sandbox import decoy_data

    return prepare_layout(scratch, submission_dir, default_read_only(), decoy_data.kernel_dataset_files(),
                          python_path=package_parents())


def course_packages():
    """The folders of the `autograder` and `course` packages this process imported."""
    import autograder
    import course

    return tuple(Path(package.__file__).resolve().parent for package in (autograder, course))


def package_parents():
    """The folders holding the course packages, for a sandboxed `PYTHONPATH`."""
    return tuple(dict.fromkeys(str(package.parent) for package in course_packages()))


def default_read_only():
    """The Python installation, the virtualenv and the course's packages."""
    paths = {Path(sys.base_prefix), Path(sys.prefix), *course_packages()}
    return tuple(sorted(path for path in paths if not _is_under(path, "/usr")))


def _is_under(path, parent):
    return Path(path).resolve().is_relative_to(parent)


def wrap(kernel_command, layout, limits, cgroup_procs, zygote_socket=None):
    """Returns `kernel_command` wrapped to run inside the sandbox.

    Args:
        kernel_command: The kernel's argv (paths as on the host).
        layout: The `Layout` from `prepare_layout`.
        limits: The `Limits`.
        cgroup_procs: `cgroup.procs` files the sandbox joins before it
            starts (empty when cgroups are not available).
        zygote_socket: A `kernel_zygote.KernelZygote`'s socket, or None.
            With one, the command is `kernel_stub`'s: the same sandbox,
            into which the zygote forks the kernel with Keras imported
            (a cold kernel when the zygote cannot).
    """
    mounts = [("ro", path, path) for path in layout.read_only]
    mounts += [("tmpfs", path, path) for path in layout.hidden]
    mounts += [("ro", path, f"{SANDBOX_KERAS_HOME}/{data_subdir()}/{name}") for name, path in layout.dataset_files]
    if layout.inputs_dir is not None:
        mounts.append(("ro", layout.inputs_dir, layout.inputs_dir))
    mounts += [("rw", layout.workdir, layout.shown_as), ("rw", layout.records_dir, layout.records_dir),
               ("rw", layout.runtime_dir, layout.runtime_dir)]
    environment = kernel_environment(layout.python_path)
    environment[record_format.RECORDS_DIR_VARIABLE] = str(layout.records_dir)
    if layout.inputs_dir is not None:
        environment[record_format.INPUTS_DIR_VARIABLE] = str(layout.inputs_dir)
    return _sandboxed_or_prepared(kernel_command, mounts, layout.shown_as, environment, SANDBOX_UID, SANDBOX_GID, limits,
                                  cgroup_procs, zygote_socket)


def kernel_environment(python_path):
    """The environment of every sandboxed kernel, but for the folders of
    its own records and inputs (a zygote's, too: `kernel_zygote`)."""
    # Figures show inline, as in JupyterLab, so the instructor sees a
    # submission's plots in formgrader and the student in feedback.
    environment = _environment(python_path, SANDBOX_KERAS_HOME, KERNEL_MATPLOTLIB_BACKEND)
    # The real parent's pid means nothing in the sandbox's pid namespace,
    # where ipykernel would take it for a dead parent and exit; 1 turns
    # its parent polling off.
    environment["JPY_PARENT_PID"] = "1"
    return environment


def wrap_judge(judge_command, scratch, source_dir, limits, cgroup_procs, zygote_socket=None):
    """Returns the judge's command wrapped to run in a sandbox of its own.

    The judge runs as `JUDGE_UID`, never as root or the instructor, with
    no network. It sees the system, the Python environment, the course
    packages, the assignment's source folder and the grader's own
    Fashion-MNIST (with the real test set) read-only, the kernel's records
    read-only, and writes only the inputs folder and its own judge folder.

    Args:
        judge_command: The judge's argv.
        scratch: The kernel's scratch folder (`prepare_layout`).
        source_dir: The assignment's source folder, holding `grading.py`.
        limits: The judge's `Limits`.
        cgroup_procs: `cgroup.procs` files the judge joins, or empty.
        zygote_socket: A zygote's socket (see `wrap`), or None.
    """
    from course import data

    scratch = Path(scratch)
    cache = data.keras_cache_dir()
    mounts = [("ro", path, path) for path in default_read_only()]
    mounts.append(("ro", Path(source_dir).resolve(), Path(source_dir).resolve()))
    if cache.is_dir():
        mounts.append(("ro", cache, f"{SANDBOX_KERAS_HOME}/{data_subdir()}"))
    mounts += [("ro", scratch / "records", scratch / "records"), ("rw", scratch / "inputs", scratch / "inputs"),
               ("rw", judge_dir(scratch), judge_dir(scratch))]
    return _sandboxed_or_prepared(judge_command, mounts, judge_dir(scratch), judge_environment(), JUDGE_UID, JUDGE_GID,
                                  limits, cgroup_procs, zygote_socket)


def judge_environment():
    """The environment of every sandboxed judge (a judges' zygote's, too)."""
    return _environment(package_parents(), SANDBOX_KERAS_HOME)


_IMPORT_PROBE = (
    "import autograder.records, course.data\n"
    "print(autograder.records.__file__)\n"
    "print(course.data.__file__)\n"
)


def kernel_import_problem(layout, sandboxed, limits=Limits()):
    """Returns why a student's kernel could not import the course packages
    the grader uses, or None.

    It runs Python as the kernel will (inside the sandbox with `layout`
    when `sandboxed`) and checks that `autograder` and `course` import from
    the same folders as in this process. Without this, a broken
    environment (a copy of the course graded with another folder's
    editable install, a missing package) would score every cell of every
    student zero.
    """
    import autograder.records
    import course.data

    expected = [str(Path(module.__file__).resolve()) for module in (autograder.records, course.data)]
    command = [sys.executable, "-c", _IMPORT_PROBE]
    if sandboxed:
        command = wrap(command, layout, dataclasses.replace(limits, max_processes=None), cgroup_procs=())
        environment = None
    else:
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(layout.python_path)}
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=layout.workdir, env=environment)
    except (OSError, subprocess.SubprocessError) as error:
        return f"Python could not start as the kernel would: {error}"
    found = [str(Path(line).resolve()) for line in result.stdout.split()]
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        return (f"the kernel cannot import the course's packages ({lines[-1] if lines else f'exit {result.returncode}'}). "
                f"The grader uses {expected}. Reinstall this course into the environment it is graded with "
                f"(`make setup`, or `pip install -e .` from the course folder) and grade again")
    if found != expected:
        return (f"the kernel imports the course's packages from {found}, the grader from {expected}. "
                "Reinstall this course into the environment it is graded with (`pip install -e .` from the "
                "course folder) and grade again")
    return None


def data_subdir():
    from course import data

    return data.CACHE_SUBDIR


def _sandboxed_or_prepared(command, mounts, chdir, environment, uid, gid, limits, cgroup_procs, zygote_socket):
    """`_sandboxed`'s command, or with a zygote, `kernel_stub`'s: the same
    sandbox around a placeholder, into which the zygote forks `command`."""
    if zygote_socket is not None:
        from autograder.sandbox import kernel_stub, kernel_zygote

        request = kernel_zygote.kernel_request(command, environment, chdir, uid, gid, _rlimits(limits, cgroup_procs),
                                               cgroup_procs)
        if request is not None:
            sandbox = _sandboxed([*kernel_stub.PLACEHOLDER, *command], mounts, chdir, environment, uid, gid, limits,
                                 cgroup_procs, info_fd=kernel_stub.INFO_FD)
            return kernel_stub.command(zygote_socket, request, sandbox)
    return _sandboxed(command, mounts, chdir, environment, uid, gid, limits, cgroup_procs)


def _sandboxed(command, mounts, chdir, environment, uid, gid, limits, cgroup_procs, info_fd=None):
    arguments = [bwrap_path(), "--die-with-parent", "--new-session", "--unshare-net", "--unshare-pid",
                 "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "grader"]
    if info_fd is not None:
        arguments += ["--info-fd", str(info_fd)]
    arguments += _system_mounts(limits, use_tmp_size=not cgroup_procs)
    created = set()
    for kind, host, target in mounts:
        if kind == "tmpfs":
            arguments += ["--tmpfs", str(target)]
        else:
            arguments += _parents(Path(target), created) + ["--ro-bind" if kind == "ro" else "--bind", str(host), str(target)]
    arguments += ["--chdir", str(chdir), "--clearenv"]
    for name, value in environment.items():
        arguments += ["--setenv", name, value]
    if os.geteuid() == 0:
        arguments += ["--", "/usr/bin/setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
                      "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    else:
        arguments[1:1] = ["--unshare-user", "--uid", str(uid), "--gid", str(gid), "--disable-userns"]
    arguments += ["--", *command]
    rlimits = [f"--{name.removeprefix('RLIMIT_').lower()}={value}" for name, value in _rlimits(limits, cgroup_procs)]
    wrapped = ["prlimit", *rlimits, "--", *arguments]
    if cgroup_procs:
        # The shell moves itself into the cgroups, then becomes the sandbox,
        # so that nothing the kernel starts can escape the caps.
        join = "; ".join(f'echo $$ > "${index + 1}"' for index in range(len(cgroup_procs)))
        wrapped = ["/bin/sh", "-c", f'{join} && shift {len(cgroup_procs)} && exec "$@"', "sandbox", *map(str, cgroup_procs), *wrapped]
    return wrapped


def _rlimits(limits, cgroup_procs):
    """`[(name in resource, value), ...]`: the sandbox's rlimits."""
    rlimits = [("RLIMIT_FSIZE", limits.max_file_bytes), ("RLIMIT_CORE", 0), ("RLIMIT_NOFILE", 4096)]
    if limits.cpu_seconds is not None:
        rlimits.append(("RLIMIT_CPU", limits.cpu_seconds))
    if not cgroup_procs:
        # RLIMIT_NPROC counts every process of the user, so a fork bomb in one
        # kernel would also starve the kernels graded beside it; the cgroup
        # caps each kernel on its own.
        rlimits.append(("RLIMIT_AS", limits.memory_bytes))
        if limits.max_processes is not None:
            rlimits.append(("RLIMIT_NPROC", limits.max_processes))
    return rlimits


def _system_mounts(limits, use_tmp_size):
    arguments = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc", "--proc", "/proc", "--dev", "/dev",
                 "--perms", "1777", "--tmpfs", "/dev/shm"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            arguments += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            arguments += ["--ro-bind", str(path), str(path)]
    arguments += (["--size", str(limits.tmp_bytes)] if use_tmp_size else []) + ["--perms", "1777", "--tmpfs", "/tmp"]
    arguments += ["--perms", "1777", "--dir", SANDBOX_HOME, "--perms", "1777", "--dir", SANDBOX_KERAS_HOME]
    return arguments


def _parents(path, created):
    """`--dir` arguments for `path`'s missing ancestors, world-readable
    (bubblewrap would otherwise make them readable by root only)."""
    arguments = []
    for parent in reversed(Path(path).parents):
        text = str(parent)
        if text in ("/", "/usr", "/etc", "/tmp", "/dev", "/dev/shm", "/proc", SANDBOX_HOME, SANDBOX_KERAS_HOME) or text in created:
            continue
        created.add(text)
        arguments += ["--perms", "0755", "--dir", text]
    return arguments


def _environment(python_path, keras_home, matplotlib_backend="Agg"):
    from autograder.sandbox import cpu_share

    environment = {
        **cpu_share.grading_thread_environment(),
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": SANDBOX_HOME,
        "LANG": "C.UTF-8",
        "KERAS_HOME": keras_home,
        "MPLBACKEND": matplotlib_backend,
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "PYTHONNOUSERSITE": "1",
        "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
        "CUDA_VISIBLE_DEVICES": "",
    }
    if python_path:
        environment["PYTHONPATH"] = os.pathsep.join(python_path)
    return environment


class Scratch:
    """A new scratch folder for one graded notebook, held while it is used.

    The folder holds a lock file that this process keeps locked (`flock`)
    until `remove()`; `sweep_stale_scratch` removes the folders of graders
    that died (a crash, a kill) without removing their own, so nothing is
    left in memory-backed `/dev/shm` for good.
    """

    def __init__(self):
        self.path = Path(scratch_root()) / f"{SCRATCH_PREFIX}{uuid.uuid4().hex}"
        self.path.mkdir(mode=0o700)
        self._lock = os.open(self.path / _SCRATCH_LOCK, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        fcntl.flock(self._lock, fcntl.LOCK_EX)

    def remove(self):
        """Removes the folder and everything in it, then releases the lock."""
        cleanup(self.path)
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


def sweep_stale_scratch(older_than_seconds=600):
    """Removes scratch folders whose grader is gone; returns how many.

    A folder counts as stale when its lock can be taken (its grader died),
    or, with no lock file at all, when it is older than
    `older_than_seconds` (a folder from before locks, or one whose grader
    died between making it and locking it).
    """
    removed = 0
    for folder in Path(scratch_root()).glob(f"{SCRATCH_PREFIX}*"):
        try:
            if folder.is_symlink() or not folder.is_dir():
                continue
            lock_path = folder / _SCRATCH_LOCK
            if lock_path.is_file():
                descriptor = os.open(lock_path, os.O_RDONLY | os.O_NOFOLLOW)
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # its grader is still at work
                try:
                    cleanup(folder)
                finally:
                    os.close(descriptor)
            elif time.time() - folder.stat().st_mtime > older_than_seconds:
                cleanup(folder)
            else:
                continue
            removed += 1
        except OSError:
            continue  # another grader swept it first
    return removed


def cleanup(scratch):
    """Removes a kernel's scratch folder and everything in it."""
    shutil.rmtree(scratch, ignore_errors=True)
