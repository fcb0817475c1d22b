"""The process jupyter_client starts for a prepared kernel (`kernel_zygote`).

    python -m autograder.sandbox.kernel_stub SOCKET REQUEST -- SANDBOX...

`SANDBOX` is the student's sandbox (`bubblewrap.wrap`) around
`PLACEHOLDER`, which says when the sandbox is ready and then either waits
(the zygote puts the kernel in) or, told `cold`, runs the kernel itself,
as a sandbox without a zygote does. The stub asks the zygote at `SOCKET`
for the kernel `REQUEST` describes, passes signals on to it, and exits
with its exit code. It goes cold whenever the zygote cannot serve, so a
broken zygote costs time, never a student's grade.

Killing the stub kills the sandbox (bubblewrap's `--die-with-parent`), and
with it every process inside, the prepared kernel included.
"""

import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import threading

from autograder.sandbox import kernel_zygote

INFO_FD = 3  # bubblewrap writes the sandbox's process id here (`--info-fd`)
READY_FD = 4  # the placeholder says here that the sandbox is set up
PLACEHOLDER = ["/bin/sh", "-c", f'echo ready >&{READY_FD}; exec {READY_FD}>&-; read how; '
               f'if [ "$how" = cold ]; then exec "$@"; fi; exec cat >/dev/null', "placeholder"]
READY_SECONDS = 60
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)


def command(socket_path, request, sandbox_command):
    """The stub's command line."""
    return [sys.executable, "-m", __name__, str(socket_path), json.dumps(request), "--", *sandbox_command]


def main(arguments):
    socket_path, request, separator, *sandbox_command = arguments
    assert separator == "--", arguments
    info = _pipe_writing_to(INFO_FD)
    ready = _pipe_writing_to(READY_FD)
    sandbox = subprocess.Popen(sandbox_command, stdin=subprocess.PIPE, pass_fds=(INFO_FD, READY_FD), start_new_session=True)
    os.close(INFO_FD)
    os.close(READY_FD)
    if not _read_ready(ready):
        print(f"kernel stub: the sandbox did not start (exit {sandbox.wait()})", file=sys.stderr)
        return 1
    request = {**json.loads(request), "sandbox_pid": _sandbox_pid(info)}
    connection, why = _ask_zygote(socket_path, request)
    if connection is None:
        print(f"kernel stub: no prepared kernel ({why}); starting a cold one", file=sys.stderr)
        return _run_cold(sandbox)
    sandbox.stdin.write(b"prepared\n")
    sandbox.stdin.flush()
    for number in FORWARDED_SIGNALS:
        signal.signal(number, lambda number, _: kernel_zygote.send(connection, {"signal": number}))
    code = 1
    while True:
        message, _ = kernel_zygote.receive(connection)
        if message is None or "exit" in message:
            code = message["exit"] if message else code
            break
    sandbox.stdin.close()
    try:
        sandbox.wait(timeout=5)
    except subprocess.TimeoutExpired:
        sandbox.kill()
        sandbox.wait()
    return code


def _pipe_writing_to(number):
    """A pipe whose write end is descriptor `number`; returns its read end."""
    read_end, write_end = os.pipe()
    if write_end != number:
        if read_end == number:
            read_end = os.dup(read_end)
        os.dup2(write_end, number)
        os.close(write_end)
    return read_end


def _read_ready(descriptor):
    selector = selectors.DefaultSelector()
    selector.register(descriptor, selectors.EVENT_READ)
    said = os.read(descriptor, 64) if selector.select(READY_SECONDS) else b""
    selector.close()
    os.close(descriptor)
    return said.strip() == b"ready"


def _sandbox_pid(descriptor):
    text = b""
    while True:
        chunk = os.read(descriptor, 4096)
        text += chunk
        try:
            info = json.loads(text)
            break
        except ValueError:
            if not chunk:
                raise
    os.close(descriptor)
    return info["child-pid"]


def _ask_zygote(socket_path, request):
    """Returns `(connection, None)` once the zygote has started the kernel, or `(None, why)`."""
    try:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        connection.connect(socket_path)
        kernel_zygote.send(connection, request, (0, 1, 2))
        answer, _ = kernel_zygote.receive(connection)
    except OSError as error:
        return None, f"the zygote at {socket_path} did not answer: {error}"
    if not answer or "started" not in answer:
        connection.close()
        return None, (answer or {}).get("error", "the zygote closed the connection")
    return connection, None


def _run_cold(sandbox):
    for number in FORWARDED_SIGNALS:
        signal.signal(number, lambda number, _: sandbox.send_signal(number))
    sandbox.stdin.write(b"cold\n")
    sandbox.stdin.flush()
    threading.Thread(target=_pass_on_stdin, args=(sandbox.stdin,), daemon=True).start()
    return sandbox.wait()


def _pass_on_stdin(pipe):
    """Copies the stub's standard input to the cold kernel's (the judge reads its grade ids there)."""
    try:
        shutil.copyfileobj(sys.stdin.buffer, pipe)
        pipe.close()
    except OSError:
        pass  # the kernel has ended


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
