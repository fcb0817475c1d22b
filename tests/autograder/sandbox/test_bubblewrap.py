"""The sandbox a student's kernel runs in, tried with real bubblewrap."""

import hashlib
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from autograder.sandbox import bubblewrap, cgroups, decoy_data
from course import data

import needs


@pytest.fixture(autouse=True, scope="module")
def sandbox_works():
    needs.sandbox()


def _run_inside(tmp_path, course_root, code, limits=bubblewrap.Limits()):
    submission = tmp_path / "autograded" / "student" / "assignment"
    submission.mkdir(parents=True)
    (submission / "answer.txt").write_text("mine")
    layout = bubblewrap.grading_layout(tmp_path / "scratch", submission)
    command = bubblewrap.wrap([sys.executable, "-c", textwrap.dedent(code)], layout, limits, cgroup_procs=())
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=60), layout
    finally:
        bubblewrap.cleanup(tmp_path / "scratch")


def test_the_kernel_runs_as_nobody_without_network_or_the_course(tmp_path, course_root):
    # What holds reference answers: each chapter's notebook, judges and example submissions.
    chapter_files = sorted(str(path) for name in ("*.ipynb", "grading.py", "examples.py")
                           for path in (course_root / "source").glob(f"*/{name}"))
    assert {Path(path).name for path in chapter_files} >= {"grading.py", "examples.py"}
    digests = sorted({hashlib.sha256(Path(path).read_bytes()).hexdigest() for path in chapter_files})
    finished, _ = _run_inside(tmp_path, course_root, f"""
        import hashlib, os, socket
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
        print("readable chapter files", [path for path in {chapter_files!r} if os.path.exists(path)])
        copies = []
        for package in (autograder, course):
            for folder, _, names in os.walk(os.path.dirname(package.__file__)):
                for name in names:
                    with open(os.path.join(folder, name), "rb") as stream:
                        if hashlib.sha256(stream.read()).hexdigest() in {digests!r}:
                            copies.append(os.path.join(folder, name))
        print("copies in the packages", copies)
    """)
    assert finished.returncode == 0, finished.stderr
    assert "uid 65534" in finished.stdout
    assert "answer mine" in finished.stdout
    assert "source False" in finished.stdout
    assert "network" in finished.stdout and "packages ok" in finished.stdout
    assert "train-images-idx3-ubyte.gz" in finished.stdout, "Keras's Fashion-MNIST cache is visible"
    assert "readable chapter files []" in finished.stdout, "no notebook, grading.py or examples.py of source/ is readable"
    assert "copies in the packages []" in finished.stdout, "the packages the kernel reads hold no chapter file"


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
    limits = bubblewrap.Limits(max_file_bytes=1_000_000)
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
        needs.missing("a cgroup", "this machine does not let root make cgroups")
    try:
        layout = bubblewrap.prepare_layout(tmp_path / "scratch", None, bubblewrap.default_read_only())
        code = "blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 1024**2))"
        command = bubblewrap.wrap([sys.executable, "-c", code], layout, bubblewrap.Limits(), group.procs_files)
        finished = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert finished.returncode != 0
        assert group.ran_out_of_memory() or "MemoryError" in finished.stderr
    finally:
        group.remove()
        bubblewrap.cleanup(tmp_path / "scratch")


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
        needs.missing("a cgroup", "this machine does not let root make cgroups")
    processes = []
    try:
        for name, code in (("bomb", THREAD_BOMB), ("neighbour", NEIGHBOUR)):
            layout = bubblewrap.prepare_layout(tmp_path / name, None, bubblewrap.default_read_only())
            limits = bubblewrap.Limits(max_processes=caps[name])
            command = bubblewrap.wrap([sys.executable, "-c", code], layout, limits, groups[name].procs_files)
            processes.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
        time.sleep(3)  # The bomb has used up its threads; the neighbour has not started its own yet.
        assert bubblewrap.problem(bubblewrap.Limits(max_processes=caps["neighbour"])) is None, (
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
            bubblewrap.cleanup(tmp_path / name)


def _digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_the_kernel_gets_the_training_files_and_a_decoy_for_the_test_set(tmp_path, course_root):
    finished, _ = _run_inside(tmp_path, course_root, """
        import hashlib, os
        folder = os.path.join(os.environ["KERAS_HOME"], "datasets", "fashion-mnist")
        for name in sorted(os.listdir(folder)):
            print(name, hashlib.sha256(open(os.path.join(folder, name), "rb").read()).hexdigest())
        from course import data
        data.load_splits()
        print("loaded")
    """)
    seen = dict(line.split() for line in finished.stdout.splitlines() if line.endswith(tuple("0123456789abcdef")) and " " in line)
    real = data.keras_cache_dir()
    assert "loaded" in finished.stdout, finished.stderr
    for name in decoy_data.TRAIN_FILES:
        assert seen[name] == _digest(real / name)
    for name in decoy_data.TEST_FILES:
        assert seen[name] != _digest(real / name), f"the kernel holds the real {name}"
        assert seen[name] == _digest(decoy_data.decoy_dir() / name)
    decoy_labels = decoy_data.read_idx(decoy_data.decoy_dir() / decoy_data.TEST_FILES[0])
    assert decoy_labels.shape == (data.NUM_TEST_IMAGES,) and set(decoy_labels) == set(range(10))


def test_the_kernel_reads_the_inputs_but_cannot_write_or_replace_them(tmp_path, course_root):
    finished, layout = _run_inside(tmp_path, course_root, """
        import os, shutil
        folder = os.environ["AUTOGRADER_INPUTS_DIR"]
        print("listed", os.listdir(folder))
        for attempt in (lambda: open(os.path.join(folder, "forged.json"), "w"),
                        lambda: os.symlink("/tmp", os.path.join(folder, "link")),
                        lambda: shutil.rmtree(folder)):
            try:
                attempt()
                print("WROTE")
            except OSError as error:
                print("refused", type(error).__name__)
    """)
    assert "listed []" in finished.stdout, finished.stderr
    assert "WROTE" not in finished.stdout and finished.stdout.count("refused") == 3


def test_the_judge_runs_as_its_own_user_reading_records_read_only(tmp_path, course_root):
    scratch = tmp_path / "scratch"
    layout = bubblewrap.prepare_layout(scratch, None, bubblewrap.default_read_only())
    (layout.records_dir / "cell").mkdir()
    (layout.records_dir / "cell" / "model.json").write_text("{}")
    source = course_root / "source" / "01_loss_curves"
    code = textwrap.dedent(f"""
        import os
        print("uid", os.getuid())
        print("reads", open({str(layout.records_dir / "cell" / "model.json")!r}).read())
        print("grading", os.path.exists({str(source / "grading.py")!r}))
        print("gradebook", os.path.exists({str(course_root / "nbgrader_config.py")!r}))
        for folder in ({str(layout.records_dir)!r}, {str(layout.inputs_dir)!r}, {str(bubblewrap.judge_dir(scratch))!r}):
            try:
                open(os.path.join(folder, "written"), "w").close()
                print("wrote", os.path.basename(folder))
            except OSError as error:
                print("refused", os.path.basename(folder))
    """)
    command = bubblewrap.wrap_judge([sys.executable, "-c", code], scratch, source, bubblewrap.JUDGE_LIMITS, cgroup_procs=())
    try:
        finished = subprocess.run(command, capture_output=True, text=True, timeout=60)
    finally:
        bubblewrap.cleanup(scratch)
    lines = finished.stdout.splitlines()
    assert f"uid {bubblewrap.JUDGE_UID}" in lines, finished.stderr
    assert "reads {}" in lines and "grading True" in lines and "gradebook False" in lines
    assert "refused records" in lines and "wrote inputs" in lines and "wrote judge" in lines


def test_a_kernel_that_cannot_import_the_course_is_the_graders_problem(tmp_path):
    layout = bubblewrap.prepare_layout(tmp_path / "scratch", None, read_only=(sys.prefix, sys.base_prefix))
    try:
        problem = bubblewrap.kernel_import_problem(layout, sandboxed=True)
    finally:
        bubblewrap.cleanup(tmp_path / "scratch")
    assert problem is not None and "cannot import the course's packages" in problem and "pip install -e ." in problem
    layout = bubblewrap.prepare_layout(tmp_path / "scratch", None, bubblewrap.default_read_only(), python_path=bubblewrap.package_parents())
    try:
        assert bubblewrap.kernel_import_problem(layout, sandboxed=True) is None
    finally:
        bubblewrap.cleanup(tmp_path / "scratch")


def test_scratch_of_a_grader_that_died_is_swept_and_a_live_one_is_kept(tmp_path):
    live = bubblewrap.Scratch()
    dead = bubblewrap.Scratch()
    (dead.path / "big").write_bytes(b"x" * 1000)
    os_close = __import__("os").close
    os_close(dead._lock)  # the grader died: its lock is gone with it
    dead._lock = None
    try:
        assert bubblewrap.sweep_stale_scratch() >= 1
        assert not dead.path.exists() and live.path.exists()
    finally:
        live.remove()
    assert not live.path.exists()
