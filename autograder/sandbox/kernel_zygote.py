"""Prepared kernels: a student's kernel forked from a process that has
already imported Keras, inside that student's own sandbox.

A cold kernel spends about 5.5 s of every graded notebook importing
TensorFlow, Keras and matplotlib, and its judge as long. A zygote (a
grading process keeps one for kernels and one for judges, each with its
sandbox's environment) imports them once. For each student, `kernel_stub` starts the sandbox as
before (`bubblewrap.wrap`: namespaces, mounts, cgroup, rlimits, user
65534), with a placeholder inside it, and asks the zygote for the kernel.
The zygote forks a child that joins the placeholder's namespaces (mount,
process ids, network, IPC, host name, cgroup) and its cgroups, and that
child forks the kernel, which sets the sandbox's rlimits, drops to user
65534 with no capabilities and `no_new_privs` (`linux.become_unprivileged`),
takes the sandbox's environment and working folder, closes every
descriptor but the stub's standard streams, and runs ipykernel.

The kernel thus sees exactly what a cold kernel in that sandbox sees; only
its memory starts with the libraries loaded. The zygote never reads a
student's files, a judge or a reference answer, so that memory holds
nothing of anyone's. It runs as root in a mount namespace of its own (its
`/tmp` private), accepts requests from root only, on a socket in a folder
only root can open, which no sandbox shows, and refuses to join namespaces
that are its own (a kernel would then run outside any sandbox). It ends
when its grading process does (its standard input closes).

Protocol (`SOCK_SEQPACKET`, one JSON object per message):

    stub -> zygote   the request (`kernel_request`), with the stub's
                     stdin, stdout and stderr attached
    zygote -> stub   {"started": pid} or {"error": why}
    stub -> zygote   {"signal": number}, passed on to the kernel
    zygote -> stub   {"exit": code} once the kernel has ended
"""

import json
import os
import selectors
import signal
import socket
import subprocess
import sys
from pathlib import Path

# What every graded notebook imports first (the kernel itself, Keras with
# TensorFlow, NumPy, matplotlib). pyplot is left out: its inline backend
# hooks into the IPython shell the kernel creates.
PRELOADED_MODULES = ("numpy", "keras", "matplotlib", "matplotlib.figure", "ipykernel.kernelapp", "ipykernel.ipkernel")
NAMESPACES = ("cgroup", "ipc", "uts", "net", "pid", "mnt")  # mnt last: /proc/<pid> is gone after it
MESSAGE_BYTES = 1 << 20
SOCKET_NAME = "zygote.socket"
READY_LINE = "ready"
START_SECONDS = 120


def send(connection, message, descriptors=()):
    """Sends one protocol message, with `descriptors` attached."""
    socket.send_fds(connection, [json.dumps(message).encode()], list(descriptors))


def receive(connection, max_descriptors=0):
    """Returns `(message, descriptors)`, or `(None, [])` once the other end has closed."""
    data, descriptors, _, _ = socket.recv_fds(connection, MESSAGE_BYTES, max_descriptors)
    if not data:
        for descriptor in descriptors:
            os.close(descriptor)
        return None, []
    return json.loads(data), descriptors


def kernel_request(kernel_command, environment, chdir, uid, gid, rlimits, cgroup_procs):
    """The request for one kernel, or None when `kernel_command` is not one
    a zygote can run (`python -m <module> ...` with this Python).

    Args:
        kernel_command: The kernel's argv, as jupyter_client made it.
        environment: The kernel's whole environment.
        chdir: Its working folder (as the sandbox shows it).
        uid, gid: Whom it runs as.
        rlimits: `[(name in resource, value), ...]`.
        cgroup_procs: `cgroup.procs` files to join.
    """
    if len(kernel_command) < 3 or kernel_command[1] != "-m" or os.path.realpath(kernel_command[0]) != os.path.realpath(sys.executable):
        return None
    return {"module": kernel_command[2], "arguments": list(kernel_command[3:]), "environment": dict(environment),
            "chdir": str(chdir), "uid": uid, "gid": gid, "rlimits": [list(item) for item in rlimits],
            "cgroup_procs": [str(path) for path in cgroup_procs]}


class KernelZygote:
    """A zygote process for this grading process's kernels.

    Starting returns at once; `ready()` waits for the imports to finish.
    """

    def __init__(self, environment):
        from autograder.sandbox import bubblewrap

        self._scratch = bubblewrap.Scratch()
        self.socket_path = self._scratch.path / SOCKET_NAME
        self._process = subprocess.Popen([sys.executable, "-m", __name__, str(self.socket_path)], env=environment,
                                         cwd=self._scratch.path, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self._ready = None

    def ready(self, timeout=START_SECONDS):
        """Waits for the zygote's imports; returns whether it can take requests."""
        if self._ready is None:
            selector = selectors.DefaultSelector()
            selector.register(self._process.stdout, selectors.EVENT_READ)
            self._ready = bool(selector.select(timeout)) and self._process.stdout.readline().strip() == READY_LINE
            selector.close()
        return self._ready and self.alive()

    @property
    def pid(self):
        """The zygote's process id."""
        return self._process.pid

    def alive(self):
        """Whether the zygote process is still running."""
        return self._process.poll() is None

    def stop(self):
        """Ends the zygote (its kernels live on until their sandboxes end) and removes its folder."""
        if self.alive():
            self._process.kill()
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            stream.close()
        self._scratch.remove()


_ZYGOTES = {}


def shared(environment):
    """This process's zygote for kernels with `environment`, started on
    first use (and again if it died), or None where none can run (only
    root can put a process into another's namespaces)."""
    if os.geteuid() != 0 or not sys.platform.startswith("linux"):
        return None
    key = tuple(sorted(environment.items()))
    zygote = _ZYGOTES.get(key)
    if zygote is None or not zygote.alive():
        if zygote is not None:
            zygote.stop()
        if not _ZYGOTES:
            import atexit

            atexit.register(stop_all)
        zygote = _ZYGOTES[key] = KernelZygote(environment)
    return zygote


def stop_all():
    """Stops every zygote this process started."""
    while _ZYGOTES:
        _ZYGOTES.popitem()[1].stop()


# The zygote process itself.

def serve(socket_path):
    """Imports `PRELOADED_MODULES`, then forks a kernel for each request
    until standard input closes."""
    import importlib

    _private_tmp()
    for module in PRELOADED_MODULES:
        importlib.import_module(module)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(str(socket_path))
    os.chmod(socket_path, 0o600)
    listener.listen(16)
    print(READY_LINE, flush=True)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(sys.stdin, selectors.EVENT_READ)
    while True:
        for key, _ in selector.select(timeout=5):
            if key.fileobj is sys.stdin:
                if not sys.stdin.readline():
                    return
            else:
                _accept(listener)
        _reap_children()


def _private_tmp():
    """Gives the zygote a /tmp of its own, where Keras and matplotlib write
    their settings and caches on import (the host's /tmp is anyone's to
    plant a `keras.json` in). The Python environment and the course's
    packages, when they live under /tmp, are bound back at their places."""
    from autograder.sandbox import linux

    needed = sorted({os.path.realpath(path) for path in [sys.prefix, sys.base_prefix, *sys.path] if path}, key=len)
    under_tmp = []
    for path in needed:
        if Path(path).is_relative_to("/tmp") and path != "/tmp" and not any(Path(path).is_relative_to(kept) for kept in under_tmp):
            under_tmp.append(path)
    linux.unshare(linux.CLONE_NEWNS)
    linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
    host_tmp = os.open("/tmp", os.O_PATH | os.O_DIRECTORY)  # in this namespace: a bind's source must be
    linux.mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777,size=64m")
    for path in under_tmp:
        if os.path.isdir(f"/proc/self/fd/{host_tmp}/{Path(path).relative_to('/tmp')}"):
            os.makedirs(path, exist_ok=True)
            linux.mount(f"/proc/self/fd/{host_tmp}/{Path(path).relative_to('/tmp')}", path, None, linux.MS_BIND | linux.MS_REC)
    os.close(host_tmp)


def _accept(listener):
    connection, _ = listener.accept()
    try:
        _, uid, _ = socket_credentials(connection)
        if uid != 0:
            send(connection, {"error": f"only root may ask for a kernel; the caller is user {uid}"})
            return
        request, stdio = receive(connection, max_descriptors=3)
        if request is None:
            return
        threads = len(os.listdir("/proc/self/task"))
        if threads != 1 or len(stdio) != 3:
            why = f"the zygote has {threads} threads" if threads != 1 else f"{len(stdio)} standard streams came, not 3"
            send(connection, {"error": f"cannot fork a kernel safely: {why}"})
            for descriptor in stdio:
                os.close(descriptor)
            return
        if os.fork() == 0:
            try:
                _serve_one(listener, connection, request, stdio)
            finally:
                os._exit(1)
        for descriptor in stdio:
            os.close(descriptor)
    finally:
        connection.close()


def socket_credentials(connection):
    """The connected peer's `(pid, uid, gid)` (`SO_PEERCRED`)."""
    import struct

    return struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))


def _reap_children():
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def _serve_one(listener, connection, request, stdio):
    """In the zygote's child: joins the sandbox, forks the kernel, passes
    signals on to it and reports its exit."""
    listener.close()
    try:
        sandbox_pid = int(request["sandbox_pid"])
        namespaces = [(name, os.open(f"/proc/{sandbox_pid}/ns/{name}", os.O_RDONLY)) for name in NAMESPACES]
        for name, descriptor in namespaces:
            if os.fstat(descriptor).st_ino == os.stat(f"/proc/self/ns/{name}").st_ino:
                raise RuntimeError(f"process {sandbox_pid} shares the zygote's {name} namespace: it is not a sandbox")
        for procs in request["cgroup_procs"]:
            Path(procs).write_text("0")
        from autograder.sandbox import linux

        for _, descriptor in namespaces:
            linux.setns(descriptor)
            os.close(descriptor)
    except (OSError, RuntimeError, KeyError, ValueError) as error:
        send(connection, {"error": f"could not join the sandbox: {error}"})
        return
    kernel = os.fork()  # the first process in the sandbox's process-id namespace
    if kernel == 0:
        _become_kernel(connection, request, stdio)
    for descriptor in stdio:
        os.close(descriptor)
    send(connection, {"started": kernel})
    ended = os.pidfd_open(kernel)
    selector = selectors.DefaultSelector()
    selector.register(connection, selectors.EVENT_READ)
    selector.register(ended, selectors.EVENT_READ)
    while True:
        for key, _ in selector.select():
            if key.fileobj == ended:
                _, status = os.waitpid(kernel, 0)
                send(connection, {"exit": os.waitstatus_to_exitcode(status)})
                return
            message, _ = receive(connection)
            if message is None:  # the stub is gone: so is the kernel
                os.kill(kernel, signal.SIGKILL)
            elif isinstance(message.get("signal"), int):
                os.kill(kernel, message["signal"])


def _become_kernel(connection, request, stdio):
    """In the kernel process, still root: becomes the sandbox's kernel and
    runs it; never returns."""
    import resource
    import runpy
    import traceback

    try:
        connection.detach()  # the stub's end stays with the parent; this number is closed below
        os.setsid()
        for number, descriptor in enumerate(stdio):
            os.dup2(descriptor, number)
        os.closerange(3, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        for name, value in request["rlimits"]:
            resource.setrlimit(getattr(resource, name), (value, value))
        from autograder.sandbox import linux

        linux.become_unprivileged(request["uid"], request["gid"])
        os.chdir(request["chdir"])
        os.environ.clear()
        os.environ.update(request["environment"], PWD=request["chdir"])  # bubblewrap's --chdir sets PWD
        sys.path[0] = request["chdir"]  # as `python -m` started in that folder has it
        sys.argv = [request["module"], *request["arguments"]]
        runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    except BaseException:
        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code)


if __name__ == "__main__":
    serve(sys.argv[1])
