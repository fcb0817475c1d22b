"""Prepared kernels (`kernel_zygote`, `kernel_stub`), tried with real bubblewrap:
a kernel forked from the zygote sees exactly what a cold one in the same
sandbox sees, and nothing of the zygote or of the kernel before it."""

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from autograder.sandbox import bubblewrap, kernel_zygote

import needs

# What a process can learn of itself and its sandbox; the same for a cold and a prepared one.
PROBE = """
import json, os, resource, socket, sys
status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\\t" in line)
try:
    socket.create_connection(("127.0.0.1", 9), timeout=2)
    network = "reached"
except OSError as error:
    network = type(error).__name__
view = {
    "ids": [os.getresuid(), os.getresgid(), os.getgroups()],
    "capabilities": {name: status[name].strip() for name in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs")},
    "cwd": os.getcwd(), "path0": sys.path[0], "root": sorted(os.listdir("/")), "tmp": sorted(os.listdir("/tmp")),
    "processes": len([name for name in os.listdir("/proc") if name.isdigit()]),
    "descriptors": sorted(os.listdir("/proc/self/fd")), "host": os.uname().nodename, "network": network,
    "environment": dict(os.environ), "session leader": os.getsid(0) == os.getpid(),
    "rlimits": {name: resource.getrlimit(getattr(resource, name)) for name in
                ("RLIMIT_FSIZE", "RLIMIT_CORE", "RLIMIT_NOFILE", "RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_CPU")},
    "stdin": sys.stdin.read(),
}
print(json.dumps(view))
print("preloaded" if "keras" in sys.modules else "cold", file=sys.stderr)
"""


@pytest.fixture(scope="module")
def zygotes():
    needs.sandbox()
    if os.geteuid() != 0:
        needs.missing("root", "prepared kernels join other processes' namespaces, which only root may do")
    made = {"kernel": kernel_zygote.KernelZygote(bubblewrap.kernel_environment(bubblewrap.package_parents())),
            "judge": kernel_zygote.KernelZygote(bubblewrap.judge_environment())}
    assert all(zygote.ready() for zygote in made.values())
    yield made
    for zygote in made.values():
        zygote.stop()


@pytest.fixture
def layout(tmp_path):
    submission = tmp_path / "autograded" / "student" / "assignment"
    submission.mkdir(parents=True)
    (submission / "probe.py").write_text(PROBE)
    (submission / "run_stdin.py").write_text("import sys\nexec(sys.stdin.read())\n")
    made = bubblewrap.grading_layout(tmp_path / "scratch", submission)
    yield made
    bubblewrap.cleanup(tmp_path / "scratch")


def _kernel(layout, module, zygote=None, stdin=""):
    command = bubblewrap.wrap([sys.executable, "-m", module], layout, bubblewrap.Limits(), cgroup_procs=(),
                              zygote_socket=zygote.socket_path if zygote else None)
    return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=120)


def test_a_prepared_kernel_sees_what_a_cold_one_sees(zygotes, layout):
    cold = _kernel(layout, "probe", stdin="from the grader")
    prepared = _kernel(layout, "probe", zygotes["kernel"], stdin="from the grader")
    assert cold.returncode == 0 and prepared.returncode == 0, prepared.stderr[-3000:]
    assert cold.stderr.strip().endswith("cold") and prepared.stderr.strip().endswith("preloaded"), prepared.stderr
    prepared_view = _same_view(json.loads(prepared.stdout), json.loads(cold.stdout))
    assert prepared_view["ids"] == [[65534] * 3, [65534] * 3, []]
    assert set(prepared_view["capabilities"].values()) == {"0000000000000000", "1"}
    assert prepared_view["descriptors"] == ["0", "1", "2", "3"]  # 3: the listing's own
    assert prepared_view["network"] != "reached" and prepared_view["stdin"] == "from the grader"


def _same_view(prepared, cold):
    """Asserts that the two views differ only where they must; returns `prepared`."""
    # The placeholder the zygote's process joined is one process more; that process leads a session of its own.
    assert prepared["processes"] == cold["processes"] + 1 and prepared["session leader"]
    assert {**prepared, "processes": 0, "session leader": 0} == {**cold, "processes": 0, "session leader": 0}
    return prepared


def test_a_prepared_judge_sees_what_a_cold_one_sees(zygotes, tmp_path, course_root):
    scratch = tmp_path / "scratch"
    bubblewrap.prepare_layout(scratch, None, bubblewrap.default_read_only())
    (bubblewrap.judge_dir(scratch) / "probe.py").write_text(PROBE)
    views = []
    for zygote in (None, zygotes["judge"]):
        command = bubblewrap.wrap_judge([sys.executable, "-m", "probe"], scratch, course_root / "source" / "01_loss_curves",
                                        bubblewrap.JUDGE_LIMITS, cgroup_procs=(), zygote_socket=zygote and zygote.socket_path)
        finished = subprocess.run(command, input="", capture_output=True, text=True, timeout=120)
        assert finished.returncode == 0, finished.stderr[-3000:]
        views.append(json.loads(finished.stdout))
        assert finished.stderr.strip().endswith("preloaded" if zygote else "cold")
    bubblewrap.cleanup(scratch)
    assert _same_view(views[1], views[0])["ids"][0] == [bubblewrap.JUDGE_UID] * 3


def test_a_prepared_kernel_cannot_reach_its_zygote_nor_what_the_zygote_wrote(zygotes, layout):
    zygote = zygotes["kernel"]
    code = textwrap.dedent(f"""
        import os, socket
        print("socket visible", os.path.exists({str(zygote.socket_path)!r}))
        try:
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            connection.connect({str(zygote.socket_path)!r})
            print("connected")
        except OSError as error:
            print("refused", type(error).__name__)
        print("matplotlib cache", os.path.exists("/tmp/matplotlib"), "keras settings", os.path.exists("/tmp/home/.keras/keras.json"))
        try:
            os.kill({zygote.pid}, 0)
            print("zygote signalled")
        except OSError as error:
            print("no such process", type(error).__name__)
        print("zygote's socket listed", {str(zygote.socket_path)!r} in open("/proc/net/unix").read())
    """)
    finished = _kernel(layout, "run_stdin", zygote, stdin=code)
    lines = finished.stdout.splitlines()
    assert "socket visible False" in lines and "refused FileNotFoundError" in lines, finished.stderr[-3000:]
    assert "matplotlib cache False keras settings False" in lines  # the zygote wrote both in its own /tmp
    assert "no such process ProcessLookupError" in lines
    assert "zygote's socket listed False" in lines


def test_a_process_a_kernel_leaves_behind_dies_with_its_sandbox(zygotes, layout):
    code = textwrap.dedent("""
        import os, subprocess
        subprocess.Popen(["sleep", "1234"], start_new_session=True)
        if os.fork() == 0:
            os.setsid()
            os.execvp("sleep", ["sleep", "1235"])
        print("left two behind")
    """)
    finished = _kernel(layout, "run_stdin", zygotes["kernel"], stdin=code)
    assert "left two behind" in finished.stdout, finished.stderr[-3000:]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _running("sleep 123"):
        time.sleep(0.2)
    assert not _running("sleep 123")
    after = json.loads(_kernel(layout, "probe", zygotes["kernel"]).stdout)
    assert after["processes"] == json.loads(_kernel(layout, "probe").stdout)["processes"] + 1  # + the placeholder


def _running(command_line):
    listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout.splitlines()
    return [line for line in listing if line.startswith(command_line)]


def test_killing_the_stub_kills_the_prepared_kernel(zygotes, layout):
    beat = layout.records_dir / "beat"
    code = f"import time\nwhile True:\n    open({str(beat)!r}, 'a').write('.')\n    time.sleep(0.05)\n"
    command = bubblewrap.wrap([sys.executable, "-m", "run_stdin"], layout, bubblewrap.Limits(), cgroup_procs=(),
                              zygote_socket=zygotes["kernel"].socket_path)
    stub = subprocess.Popen(command, stdin=subprocess.PIPE, text=True)
    stub.stdin.write(code)
    stub.stdin.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (beat.exists() and beat.stat().st_size > 5):
        time.sleep(0.1)
    assert beat.stat().st_size > 5, "the kernel never ran"
    stub.send_signal(signal.SIGKILL)
    stub.wait()
    time.sleep(1)
    size = beat.stat().st_size
    time.sleep(1)
    assert beat.stat().st_size == size, "the kernel lived on after its stub was killed"


def test_without_its_zygote_the_kernel_starts_cold(layout):
    needs.sandbox()
    gone = kernel_zygote.KernelZygote(bubblewrap.kernel_environment(bubblewrap.package_parents()))
    gone.stop()
    finished = _kernel(layout, "probe", gone)
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert "no prepared kernel" in finished.stderr and finished.stderr.strip().endswith("cold")
    assert json.loads(finished.stdout)["ids"][0] == [65534] * 3


def test_the_zygote_serves_root_only_and_never_its_own_namespaces(zygotes):
    zygote = zygotes["kernel"]
    folder = zygote.socket_path.parent
    assert folder.stat().st_uid == 0 and folder.stat().st_mode & 0o077 == 0
    attempt = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c",
                              f"import socket; socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET).connect({str(zygote.socket_path)!r})"],
                             capture_output=True, text=True, timeout=60)
    assert attempt.returncode != 0 and "PermissionError" in attempt.stderr
    request = kernel_zygote.kernel_request([sys.executable, "-m", "probe"], {}, "/", 65534, 65534, [], [])
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    connection.connect(str(zygote.socket_path))
    kernel_zygote.send(connection, {**request, "sandbox_pid": os.getpid()}, (0, 1, 2))
    answer, _ = kernel_zygote.receive(connection)
    assert "error" in answer and "is not a sandbox" in answer["error"], answer
