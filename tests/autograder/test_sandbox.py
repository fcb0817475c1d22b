"""The sandbox a student's kernel runs in, tried with real bubblewrap."""

import subprocess
import sys
import textwrap
import time

import pytest

from autograder import cgroups, sandbox

pytestmark = pytest.mark.skipif(sandbox.problem() is not None, reason=f"no sandbox here: {sandbox.problem()}")


def _run_inside(tmp_path, course_root, code, limits=sandbox.Limits()):
    submission = tmp_path / "autograded" / "student" / "assignment"
    submission.mkdir(parents=True)
    (submission / "answer.txt").write_text("mine")
    layout = sandbox.grading_layout(tmp_path / "scratch", submission)
    command = sandbox.wrap([sys.executable, "-c", textwrap.dedent(code)], layout, limits, cgroup_procs=())
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=60), layout
    finally:
        sandbox.cleanup(tmp_path / "scratch")


def test_the_kernel_runs_as_nobody_without_network_or_the_course(tmp_path, course_root):
    finished, _ = _run_inside(tmp_path, course_root, f"""
        import os, socket
        print("uid", os.getuid())
        print("answer", open("answer.txt").read())
        print("source", os.path.exists({str(course_root / "source")!r}))
        try:
            socket.create_connection(("127.0.0.1", 9), timeout=2)
        except OSError as error:
            print("network", type(error).__name__)
        import autograder, course
        print("packages ok")
        from course import data
        print("dataset", sorted(path.name for path in data.keras_cache_dir().iterdir()))
        print("examples", os.listdir(os.path.join(os.path.dirname(autograder.__file__), "examples")))
    """)
    assert finished.returncode == 0, finished.stderr
    assert "uid 65534" in finished.stdout
    assert "answer mine" in finished.stdout
    assert "source False" in finished.stdout
    assert "network" in finished.stdout and "packages ok" in finished.stdout
    assert "train-images-idx3-ubyte.gz" in finished.stdout, "Keras's Fashion-MNIST cache is visible"
    assert "examples []" in finished.stdout, "the example submissions (reference answers) are hidden"


def test_writes_land_in_the_scratch_copy_not_the_submission(tmp_path, course_root):
    finished, layout = _run_inside(tmp_path, course_root, """
        open("answer.txt", "w").write("changed")
        open("new.txt", "w").write("new")
    """)
    assert finished.returncode == 0, finished.stderr
    submission = tmp_path / "autograded" / "student" / "assignment"
    assert (submission / "answer.txt").read_text() == "mine"
    assert not (submission / "new.txt").exists()


def test_a_file_larger_than_the_cap_cannot_be_written(tmp_path, course_root):
    limits = sandbox.Limits(max_file_bytes=1_000_000)
    finished, _ = _run_inside(tmp_path, course_root, """
        try:
            open("big.bin", "wb").write(bytes(2_000_000))
        except OSError as error:
            print("refused", error.errno)
    """, limits)
    assert "refused" in finished.stdout, finished.stderr


def test_a_cgroup_caps_memory_where_the_machine_allows_it(tmp_path):
    group = cgroups.KernelCgroup.create(f"test-{tmp_path.name}", 200 * 1024**2, 64)
    if group is None:
        pytest.skip("this machine does not let root make cgroups")
    try:
        layout = sandbox.prepare_layout(tmp_path / "scratch", None, sandbox.default_read_only(), None)
        code = "blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 1024**2))"
        command = sandbox.wrap([sys.executable, "-c", code], layout, sandbox.Limits(), group.procs_files)
        finished = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert finished.returncode != 0
        assert group.ran_out_of_memory() or "MemoryError" in finished.stderr
    finally:
        group.remove()
        sandbox.cleanup(tmp_path / "scratch")


THREAD_BOMB = """
import threading, time
started = 0
try:
    while True:
        threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
        started += 1
except RuntimeError:
    print("bomb stopped at", started, flush=True)
time.sleep(20)
"""
NEIGHBOUR = """
import threading, time
time.sleep(5)
threads = [threading.Thread(target=time.sleep, args=(1,)) for _ in range(50)]
for thread in threads:
    thread.start()
print("started 50 threads")
"""


def test_a_thread_bomb_cannot_starve_a_kernel_graded_beside_it_nor_the_sandbox_check(tmp_path):
    caps = {"bomb": 128, "neighbour": 64}
    groups = {name: cgroups.KernelCgroup.create(f"test-{name}-{tmp_path.name}", 1024**3, cap) for name, cap in caps.items()}
    if None in groups.values():
        pytest.skip("this machine does not let root make cgroups")
    processes = []
    try:
        for name, code in (("bomb", THREAD_BOMB), ("neighbour", NEIGHBOUR)):
            layout = sandbox.prepare_layout(tmp_path / name, None, sandbox.default_read_only(), None)
            limits = sandbox.Limits(max_processes=caps[name])
            command = sandbox.wrap([sys.executable, "-c", code], layout, limits, groups[name].procs_files)
            processes.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
        time.sleep(3)  # The bomb has used up its threads; the neighbour has not started its own yet.
        assert sandbox.problem(sandbox.Limits(max_processes=caps["neighbour"])) is None, (
            "the check before each grading still finds a working sandbox")
        bomb, neighbour = (process.communicate(timeout=60)[0] for process in processes)
        assert "bomb stopped at" in bomb, bomb
        assert int(bomb.split("bomb stopped at")[1].split()[0]) < caps["bomb"], "the bomb's own cap holds"
        assert "started 50 threads" in neighbour, neighbour
    finally:
        for process in processes:
            process.kill()
        for name, group in groups.items():
            group.remove()
            sandbox.cleanup(tmp_path / name)
