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
(`autograder.preprocessors.SandboxedExecute`). Starting a sandbox needs
root (bubblewrap with `setpriv`) or, for a non-root instructor, user
namespaces; `problem()` says why a sandbox cannot start here.
"""

import dataclasses
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

SANDBOX_UID = 65534
SANDBOX_GID = 65534
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
    """

    memory_bytes: int = 6 * GIB
    max_processes: int = 512
    max_file_bytes: int = 1 * GIB
    tmp_bytes: int = 1 * GIB


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
        read_only: Host paths shown read-only at the same place.
        hidden: Paths inside `read_only` ones replaced by an empty folder.
        keras_datasets: The host's Keras `datasets` folder, shown read-only
            under `SANDBOX_KERAS_HOME`, or None.
    """

    workdir: Path
    shown_as: Path
    records_dir: Path
    runtime_dir: Path
    read_only: tuple = ()
    hidden: tuple = ()
    keras_datasets: Path = None


def bwrap_path():
    return shutil.which("bwrap")


def problem(limits=Limits()):
    """Returns why a sandbox cannot start on this machine, or None."""
    if sys.platform != "linux":
        return f"the sandbox needs Linux; this is {sys.platform}"
    if bwrap_path() is None:
        return "bubblewrap is not installed (Debian: `apt-get install bubblewrap`, needs root)"
    scratch = Path(scratch_root()) / f"autograder-probe-{uuid.uuid4().hex}"
    try:
        layout = prepare_layout(scratch, submission_dir=None, read_only=(), keras_datasets=None)
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


def prepare_layout(scratch, submission_dir, read_only, keras_datasets, hidden=()):
    """Creates the scratch folders for one kernel and returns its `Layout`.

    Args:
        scratch: A new folder for this kernel alone; removed by `cleanup`.
        submission_dir: The submission's autograded folder, copied into the
            scratch work folder (the original is never written by the
            kernel), or None for an empty one.
        read_only: Host paths the kernel may read.
        keras_datasets: The host's Keras `datasets` folder, or None.
        hidden: Paths under `read_only` to hide.
    """
    scratch = Path(scratch)
    workdir, records_dir, runtime_dir = scratch / "work", scratch / "records", scratch / "runtime"
    scratch.mkdir(mode=0o700, parents=True)
    if submission_dir is not None:
        shutil.copytree(submission_dir, workdir, symlinks=True)
    else:
        workdir.mkdir()
    records_dir.mkdir()
    runtime_dir.mkdir()
    if os.geteuid() == 0:
        for folder in (scratch, workdir, records_dir, runtime_dir):
            os.chmod(folder, 0o755 if folder == scratch else 0o700)
        for path in [workdir, records_dir, runtime_dir, *workdir.rglob("*")]:
            os.lchown(path, SANDBOX_UID, SANDBOX_GID)
    return Layout(
        workdir=workdir,
        shown_as=Path(submission_dir).resolve() if submission_dir is not None else workdir,
        records_dir=records_dir,
        runtime_dir=runtime_dir,
        read_only=tuple(Path(path).resolve() for path in read_only),
        hidden=tuple(Path(path).resolve() for path in hidden),
        keras_datasets=keras_datasets,
    )


def grading_layout(scratch, submission_dir):
    """The layout autograde gives a student's kernel: `prepare_layout` with
    the Python environment and course packages (`default_read_only`),
    Keras's Fashion-MNIST cache, and the example submissions (which hold
    reference answers) hidden."""
    from course import data

    examples = Path(__file__).resolve().parent / "examples"
    return prepare_layout(scratch, submission_dir, default_read_only(), data.keras_cache_dir().parent, hidden=[examples])


def default_read_only():
    """The Python installation, the virtualenv and the course's packages."""
    import autograder
    import course

    paths = {Path(sys.base_prefix), Path(sys.prefix)}
    paths.update(Path(package.__file__).resolve().parent for package in (autograder, course))
    return tuple(sorted(path for path in paths if not _is_under(path, "/usr")))


def _is_under(path, parent):
    return Path(path).resolve().is_relative_to(parent)


def wrap(kernel_command, layout, limits, cgroup_procs):
    """Returns `kernel_command` wrapped to run inside the sandbox.

    Args:
        kernel_command: The kernel's argv (paths as on the host).
        layout: The `Layout` from `prepare_layout`.
        limits: The `Limits`.
        cgroup_procs: `cgroup.procs` files the sandbox joins before it
            starts (empty when cgroups are not available).
    """
    arguments = [bwrap_path(), "--die-with-parent", "--new-session", "--unshare-net", "--unshare-pid",
                 "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "grader"]
    arguments += _system_mounts(limits, use_tmp_size=not cgroup_procs)
    created = set()
    for path in layout.read_only:
        arguments += _parents(path, created) + ["--ro-bind", str(path), str(path)]
    for path in layout.hidden:
        arguments += ["--tmpfs", str(path)]
    if layout.keras_datasets is not None and Path(layout.keras_datasets).is_dir():
        target = f"{SANDBOX_KERAS_HOME}/datasets"
        arguments += _parents(Path(target), created) + ["--ro-bind", str(layout.keras_datasets), target]
    for path, shown_as in ((layout.workdir, layout.shown_as), (layout.records_dir, layout.records_dir), (layout.runtime_dir, layout.runtime_dir)):
        arguments += _parents(Path(shown_as), created) + ["--bind", str(path), str(shown_as)]
    arguments += ["--chdir", str(layout.shown_as), "--clearenv"]
    for name, value in _environment(layout).items():
        arguments += ["--setenv", name, value]
    if os.geteuid() == 0:
        arguments += ["--", "/usr/bin/setpriv", f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_GID}", "--clear-groups",
                      "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    else:
        arguments[1:1] = ["--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_GID), "--disable-userns"]
    arguments += ["--", *kernel_command]
    rlimits = [f"--fsize={limits.max_file_bytes}", "--core=0", "--nofile=4096"]
    if not cgroup_procs:
        # RLIMIT_NPROC counts every process of the user, so a fork bomb in one
        # kernel would also starve the kernels graded beside it; the cgroup
        # caps each kernel on its own.
        rlimits.append(f"--as={limits.memory_bytes}")
        if limits.max_processes is not None:
            rlimits.append(f"--nproc={limits.max_processes}")
    command = ["prlimit", *rlimits, "--", *arguments]
    if cgroup_procs:
        # The shell moves itself into the cgroups, then becomes the sandbox,
        # so that nothing the kernel starts can escape the caps.
        join = "; ".join(f'echo $$ > "${index + 1}"' for index in range(len(cgroup_procs)))
        command = ["/bin/sh", "-c", f'{join} && shift {len(cgroup_procs)} && exec "$@"', "sandbox", *map(str, cgroup_procs), *command]
    return command


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


def _environment(layout):
    from autograder import cpu_share, records

    threads = {name: os.environ[name] for name in cpu_share.THREAD_VARIABLES if name in os.environ}
    return {
        **threads,
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": SANDBOX_HOME,
        "LANG": "C.UTF-8",
        "KERAS_HOME": SANDBOX_KERAS_HOME,
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "PYTHONNOUSERSITE": "1",
        "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
        "CUDA_VISIBLE_DEVICES": "",
        records.RECORDS_DIR_VARIABLE: str(layout.records_dir),
        # The real parent's pid means nothing in the sandbox's pid namespace,
        # where ipykernel would take it for a dead parent and exit; 1 turns
        # its parent polling off.
        "JPY_PARENT_PID": "1",
    }


def cleanup(scratch):
    """Removes a kernel's scratch folder and everything in it."""
    shutil.rmtree(scratch, ignore_errors=True)
