"""The attack suite: submissions that try to fool or break grading, graded
with real `nbgrader autograde` inside the sandbox.

Every attack (see `catalog.py`) is the honest wrong answer plus one
attempt; two are graded at once, as a class is on two workers. It must
score what the honest wrong answer scores (or, where it wrecks its own
work first, not more), finish within the caps, and change nothing
outside its own autograded folder: `source/`, `release/`, every
submission, the other students' autograded folders and their gradebook
rows are hashed before and after each attack.
"""

import concurrent.futures
import fcntl
import hashlib
import html
import importlib.util
import json
import os
import queue
import re
import shutil
import socket
import sqlite3
import struct
import subprocess
import sys
import sysconfig
import threading
import time
from pathlib import Path

import nbformat
import pytest

from autograder.classroom import gradebook, nbgrader_course
from autograder.sandbox import bubblewrap

import attack_catalog as catalog
import machine_speed
import needs

ASSIGNMENT = "attack_target"
HERE = Path(__file__).parent
CELL_TIMEOUT = 60
NOTEBOOK_TIMEOUT = 120
LANES = 2  # attacks graded at once
# Grading beyond the caps: start-up, judging, and the other lane's attack
# slowing this one (the honest answer's time is measured alone); more on a
# slower host (`machine_speed`): a fork bomb took 115 s there against
# 29 + 60 for the honest answer and the cell cap.
OVERHEAD_SECONDS = 20
GRADING_FILE_CANARY = "5f0c1e9a"
CAPS = f"""
# The attack suite's caps: small, so that attacks that run until stopped end soon.
c.SandboxedExecute.sandbox_mode = "required"
c.SandboxedExecute.timeout = {CELL_TIMEOUT}
c.SandboxedExecute.notebook_timeout = {NOTEBOOK_TIMEOUT}
c.SandboxedExecute.memory_bytes = 3 * 1024**3
c.SandboxedExecute.max_processes = 256
c.SandboxedExecute.max_file_bytes = 256 * 1024**2
"""

@pytest.fixture(autouse=True, scope="module")
def sandbox_works():
    needs.sandbox()


class LoopbackServer:
    """A TCP server on the host's 127.0.0.1 that counts connections."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.5)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self):
        self.running = False
        self.thread.join(timeout=5)
        self.socket.close()


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _entry(path):
    """What a snapshot keeps of one path: a link's target, or a file's content hash."""
    if path.is_symlink():
        return f"-> {os.readlink(path)}"
    if path.is_dir():
        return "<folder>"
    return _digest(path)


# What grading an attacker changes in its lane's course folder itself:
# nbgrader's log, the gradebook (whose other students' rows are compared
# instead), the attacker's autograded folder, and its submission, which
# the suite places between the snapshots.
NBGRADER_WRITES = (".nbgrader.log",)


def _course_entries(course, attacker):
    """Every file, link and folder under the lane's course folder but what grading `attacker` changes."""
    entries = {}
    own = {course / "autograded" / attacker, course / "submitted" / attacker}
    for path in sorted(course.rglob("*")):
        relative = path.relative_to(course)
        if relative.parts[0].startswith("gradebook.db") or str(relative) in NBGRADER_WRITES:
            continue
        if any(path == folder or folder in path.parents for folder in own):
            continue
        entries[str(path)] = _entry(path)
    return entries


def _package_folders():
    """The `autograder` and `course` packages the grader imports (the repository's)."""
    # By a module of each: `autograder` and `course` alone may be the test
    # folders of those names (`tests/autograder/`, `tests/attacks/course/`),
    # namespace packages without a `__file__`.
    from autograder import records
    from course import data

    return [Path(records.__file__).resolve().parent, Path(data.__file__).resolve().parent]


def _site_packages():
    return Path(sysconfig.get_paths()["purelib"])


def _environment_entries():
    """The virtualenv: path, size, mtime and mode of every file (a content
    hash of 2 GB per attack would be too slow), and content hashes of what
    decides which course code runs: site-packages' `autograder*`,
    `course*` and `*.pth`."""
    entries = {}
    for folder, folders, files in os.walk(sys.prefix):
        for name in files + [name for name in folders if os.path.islink(os.path.join(folder, name))]:
            path = os.path.join(folder, name)
            status = os.lstat(path)
            entries[path] = (status.st_size, status.st_mtime_ns, status.st_mode)
    site = _site_packages()
    for path in site.iterdir():
        if path.name.startswith(("autograder", "course", "__editable__")) or path.suffix == ".pth":
            for item in [path] if not path.is_dir() else sorted(path.rglob("*")):
                if item.is_file() or item.is_symlink():
                    entries[f"{item} (content)"] = _entry(item)
    return entries


def _data_entries():
    """Content hashes of the grader's Fashion-MNIST (and the decoy beside it)."""
    from course import data

    datasets = data.keras_cache_dir().parent
    entries = {}
    for folder in sorted(datasets.glob("fashion-mnist*")) if datasets.is_dir() else []:
        for path in [folder, *sorted(folder.rglob("*"))]:
            entries[str(path)] = _entry(path)
    return entries


def snapshot(course, attacker):
    """What an attacker must not change: every entry of its lane's course
    folder outside its own folders, the course packages, the virtualenv,
    the grader's Fashion-MNIST, and the other students' gradebook rows."""
    files = _course_entries(course, attacker)
    for folder in _package_folders():
        for path in [folder, *sorted(folder.rglob("*"))]:
            files[str(path)] = _entry(path)
    files.update(_environment_entries())
    files.update(_data_entries())
    with sqlite3.connect(course / "gradebook.db") as database:
        rows = database.execute(
            "select s.student_id, n.id, g.* from grade g join submitted_notebook n on g.notebook_id = n.id "
            "join submitted_assignment s on n.assignment_id = s.id where s.student_id != ? order by g.id",
            (attacker,),
        ).fetchall()
    return files, rows


def _interpreter_cache(name):
    """Whether `name` is a `__pycache__` file (or folder) Python itself writes:
    bytecode whose header matches its source as it is now."""
    path = Path(name.removesuffix(" (content)"))
    if path.name == "__pycache__":
        return True
    if path.parent.name != "__pycache__" or path.suffix != ".pyc":
        return False
    source = path.parent.parent / (path.name.split(".")[0] + ".py")
    try:
        header = path.read_bytes()[:16]
        status = source.stat()
    except OSError:
        return False
    flags, mtime, size = struct.unpack("<III", header[4:16]) if len(header) == 16 else (None, None, None)
    return (header[:4] == importlib.util.MAGIC_NUMBER and flags == 0
            and mtime == int(status.st_mtime) & 0xFFFFFFFF and size == status.st_size & 0xFFFFFFFF)


def _scratch_folders():
    return {path.name for path in Path(bubblewrap.scratch_root()).glob(f"{bubblewrap.SCRATCH_PREFIX}*")}


def _abandoned(name):
    """Whether the scratch folder `name` is left over: no grader holds its lock."""
    folder = Path(bubblewrap.scratch_root()) / name
    lock = folder / getattr(bubblewrap, "_SCRATCH_LOCK", ".lock")
    if not folder.is_dir():
        return False
    try:
        descriptor = os.open(lock, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return folder.is_dir()
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)


def _host_canaries(suffixes=("",)):
    """Entries of the host's /tmp and /dev/shm named after the attackers'
    canary (followed by one of `suffixes`: `-tmp`, `-inputs`, ...)."""
    return sorted(str(path) for folder in ("/tmp", "/dev/shm") for path in Path(folder).glob(f"*{catalog.ATTACKER_CANARY}*")
                  if any(path.name.endswith(f"{catalog.ATTACKER_CANARY}{suffix}") for suffix in suffixes)
                  or suffixes == ("",))


def _remove_host_canaries(suffixes=("",)):
    for name in _host_canaries(suffixes):
        path = Path(name)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def place_submission(course, student, submission, file_name=None):
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    path = folder / (file_name or f"{ASSIGNMENT}.ipynb")
    if isinstance(submission, bytes):
        path.write_bytes(submission)
    else:
        nbformat.write(submission, path)
    return path


def auto_score(course, student):
    (score,) = gradebook.read_scores(course, ASSIGNMENT, student)
    return score


@pytest.fixture(scope="module")
def attack_course(course_root, tmp_path_factory, record_timing):
    """The attack assignment released, with the honest wrong answer, a witness and the reference graded."""
    course = tmp_path_factory.mktemp("attack-course")
    shutil.copy2(course_root / "nbgrader_config.py", course / "nbgrader_config.py")
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(CAPS)
    shutil.copytree(HERE / "course" / "source", course / "source")
    nbgrader_course.generate_assignment(course, ASSIGNMENT)
    release = nbformat.read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    source = nbformat.read(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    place_submission(course, "reference", source)
    honest = catalog.build(catalog.Attack("honest_wrong", "the honest wrong answer"), release, {})
    times = {}
    for student, notebook in (("honest_wrong", honest), ("witness", honest)):
        place_submission(course, student, notebook)
    for student in ("reference", "honest_wrong", "witness"):
        times[student] = nbgrader_course.autograde(course, ASSIGNMENT, student)
        record_timing(f"autograde attack_target / {student}", times[student])
    return {"course": course, "release": release, "times": times}


def test_the_reference_gets_full_marks_inside_the_sandbox(attack_course):
    course = attack_course["course"]
    score = auto_score(course, "reference")
    assert score.auto_score == score.auto_max_score == 4
    graded = nbformat.read(course / "autograded" / "reference" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    noted = graded.metadata["autograder"]
    assert (noted["sandboxed"], noted["stopped"]) == (True, None)
    assert set(noted["seconds"]) == {"prepare", "kernel_start", "cells", "judge"}


def test_the_honest_wrong_answer_earns_only_the_model_shapes(attack_course):
    score = auto_score(attack_course["course"], "honest_wrong")
    assert score.failed == {"scale_cases", "trained_accuracy"}
    assert score.auto_score == 1


def test_regrading_gives_identical_scores(attack_course):
    course = attack_course["course"]
    before = auto_score(course, "reference")
    nbgrader_course.autograde(course, ASSIGNMENT, "reference")
    assert auto_score(course, "reference") == before


@pytest.fixture(scope="module")
def attack_results(attack_course, tmp_path_factory, record_timing):
    """Grades every attack, with a snapshot before and after each.

    Attacks are graded `LANES` at a time, each lane in a copy of the graded
    course of its own, so that the snapshots of one lane see only its own
    attacks. The attacks that run until a cap stops them go first.
    """
    courses = [attack_course["course"]]
    for lane in range(1, LANES):
        courses.append(tmp_path_factory.mktemp(f"attack-course-lane{lane}") / "course")
        shutil.copytree(courses[0], courses[-1], symlinks=True)
    from course import data

    _remove_host_canaries()  # from an earlier run, so that what is found is this run's
    packages = dict(zip(("autograder_package", "course_package"), _package_folders()))
    aims = {**packages, "site_packages": _site_packages(), "venv": sys.prefix,
            "keras_cache": data.keras_cache_dir(), "host_keras": data.keras_cache_dir().parent.parent}
    server = LoopbackServer()
    waiting = queue.SimpleQueue()
    for attack in sorted(catalog.ATTACKS, key=lambda attack: not attack.runs_out_the_notebook):
        waiting.put(attack)
    results = {}

    def grade_lane(course):
        context = {"course": course, "witness": "witness", "port": server.port, "canary": catalog.ATTACKER_CANARY, **aims}
        while True:
            try:
                attack = waiting.get_nowait()
            except queue.Empty:
                return
            submission = catalog.build(attack, attack_course["release"], context)
            before = snapshot(course, attack.name)
            scratch_before = _scratch_folders()
            place_submission(course, attack.name, submission, attack.file_name)
            start = time.perf_counter()
            try:
                nbgrader_course.autograde(course, ASSIGNMENT, attack.name)
                error = None
            except nbgrader_course.NbgraderError as raised:
                error = str(raised)
            seconds = time.perf_counter() - start
            after = snapshot(course, attack.name)
            leaked = sorted(name for name in _scratch_folders() - scratch_before if _abandoned(name))
            record_timing(f"attack {attack.name}", seconds)
            results[attack.name] = {"course": course, "before": before, "after": after, "seconds": seconds, "error": error,
                                    "leaked_scratch": leaked}

    try:
        with concurrent.futures.ThreadPoolExecutor(LANES) as lanes:
            list(lanes.map(grade_lane, courses))  # Re-raises a lane's exception.
    finally:
        server.close()
    return {"results": results, "connections": server.connections, "aims": aims}


def _course_of(attack_results, name):
    """The copy of the course that the attack `name` was graded in (skips
    the test when `ATTACKS` left that attack out)."""
    if name not in attack_results["results"]:
        pytest.skip(f"{name} is not among the attacks graded (ATTACKS={os.environ.get('ATTACKS')})")
    return attack_results["results"][name]["course"]


def _graded_notebook_text(course, student):
    folder = course / "autograded" / student / ASSIGNMENT
    return "\n".join(path.read_text() for path in folder.glob("*.ipynb"))


@pytest.mark.parametrize("attack", catalog.ATTACKS, ids=[attack.name for attack in catalog.ATTACKS])
def test_an_attack_scores_no_more_than_the_honest_wrong_answer(attack_results, attack):
    course = _course_of(attack_results, attack.name)
    error = attack_results["results"][attack.name]["error"]
    assert (error is not None) == attack.nbgrader_reports_error, error
    honest = auto_score(course, "honest_wrong").auto_score
    score = auto_score(course, attack.name)
    if attack.expected == catalog.SAME:
        assert score.auto_score == honest, f"{attack.description}: failed {score.failed}"
    else:
        assert score.auto_score <= honest, f"{attack.description}: failed {score.failed}"
    assert not [cell.grade_id for cell in score.cells if cell.needs_manual_grade]


@pytest.mark.parametrize("name", ["renamed_notebook", "invalid_json", "empty_file"])
def test_a_broken_or_renamed_file_scores_exactly_zero(attack_results, name):
    score = auto_score(_course_of(attack_results, name), name)
    assert score.auto_score == 0 and len(score.cells) == 3, score
    assert not [cell.grade_id for cell in score.cells if cell.needs_manual_grade]


@pytest.mark.parametrize("attack", catalog.ATTACKS, ids=[attack.name for attack in catalog.ATTACKS])
def test_an_attack_changes_nothing_outside_its_own_folder(attack_results, attack):
    result = attack_results["results"][attack.name]
    files_before, rows_before = result["before"]
    files_after, rows_after = result["after"]
    changed = sorted(name for name in files_before if files_after.get(name) != files_before[name]
                     and not (name in files_after and _interpreter_cache(name)))
    created = sorted(name for name in files_after if name not in files_before and not _interpreter_cache(name))
    assert not changed, f"{attack.description} changed {changed}"
    assert not created, f"{attack.description} created {created}"
    assert rows_after == rows_before, f"{attack.description} changed other students' gradebook rows"


@pytest.mark.parametrize("attack", catalog.ATTACKS, ids=[attack.name for attack in catalog.ATTACKS])
def test_an_attack_costs_at_most_the_caps_plus_20_seconds(attack_course, attack_results, attack):
    seconds = attack_results["results"][attack.name]["seconds"]
    cap = NOTEBOOK_TIMEOUT if attack.runs_out_the_notebook else attack_course["times"]["honest_wrong"] + CELL_TIMEOUT
    limit = cap + machine_speed.scaled(OVERHEAD_SECONDS)
    assert seconds <= limit, f"{attack.description} took {seconds:.0f} s (limit {limit:.0f} s)"


def test_no_attack_reached_the_network(attack_results):
    assert attack_results["connections"] == 0


def _printed(course, student, grade_id):
    path = course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    (cell,) = [cell for cell in nbformat.read(path, as_version=4).cells
               if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    return "".join(output.get("text", "") for output in cell.outputs)


def test_no_attack_could_read_the_course(attack_results):
    course = _course_of(attack_results, "reads_course_files")
    printed = _printed(course, "reads_course_files", "scratch_space")
    own_folder = str(course / "autograded" / "reads_course_files")
    read = [line.split()[1] for line in printed.splitlines() if line.startswith("READ ")]
    assert all(path.startswith(own_folder) for path in read), read
    assert "LISTDIR ['autograded']" in printed, "only the attacker's own folder exists in the sandbox"
    assert GRADING_FILE_CANARY not in printed and "SQLite format" not in printed


@pytest.mark.parametrize("name, reason", [
    ("os_exit", "the kernel died in cell"),
    ("segfault", "the kernel died in cell"),
    ("allocates_100_gb", "ran out of memory"),
    ("ignores_interrupts", "ran past its limit"),
    ("fork_bomb", "ran past its limit"),
    ("slow_in_every_cell", f"the notebook used up its {NOTEBOOK_TIMEOUT} s"),
])
def test_a_stopped_kernel_is_reported_in_the_notebook(attack_results, name, reason):
    assert reason in _graded_notebook_text(_course_of(attack_results, name), name)


def test_huge_output_is_cut(attack_results):
    folder = _course_of(attack_results, "prints_100_mb") / "autograded" / "prints_100_mb" / ASSIGNMENT
    (path,) = folder.glob("*.ipynb")
    assert path.stat().st_size < 2_000_000


def test_no_attack_could_write_the_packages_the_environment_or_the_data(attack_results):
    """`writes_everywhere` was refused everywhere but its own /tmp and /dev/shm, which are not the host's."""
    course = _course_of(attack_results, "writes_everywhere")
    printed = _printed(course, "writes_everywhere", "scratch_space")
    try:
        tried = {line.split()[1]: line for line in printed.splitlines() if line.startswith(("WROTE ", "REFUSED "))}
        assert set(tried) == {*catalog.WRITES_EVERYWHERE_TARGETS, *catalog.WRITES_EVERYWHERE_EXISTING}, printed
        wrote = [line for name, line in tried.items() if line.startswith("WROTE ") and name not in catalog.WRITES_ALLOWED_INSIDE]
        assert not wrote, wrote
        assert not _host_canaries(("-tmp", "-shm")), "the sandbox's /tmp or /dev/shm is the host's"
    finally:
        _remove_host_canaries(("-tmp", "-shm"))
        for target in catalog.WRITES_EVERYWHERE_TARGETS.values():
            path = Path(catalog._aimed(target, {**attack_results["aims"], "canary": catalog.ATTACKER_CANARY})).expanduser()
            if catalog.ATTACKER_CANARY in path.name and path.is_file():
                path.unlink()  # a write that got through: do not leave it in the shared environment


def test_a_10_gb_file_is_stopped_by_the_file_size_cap(attack_results):
    printed = _printed(_course_of(attack_results, "writes_10_gb"), "writes_10_gb", "scratch_space")
    match = re.search(r"STOPPED at (\d+) bytes: .*File too large", printed)
    assert match, f"expected the file-size cap (EFBIG, 'File too large') to stop the write; printed: {printed[:2000]!r}"
    assert int(match.group(1)) <= 256 * 1024**2


def test_a_stream_of_text_lists_is_graded_and_leaves_no_scratch(attack_results):
    """nbgrader's LimitOutput used to crash on valid outputs holding lists, leaving no score record."""
    course = _course_of(attack_results, "stream_text_list")
    assert auto_score(course, "stream_text_list").auto_score == auto_score(course, "honest_wrong").auto_score
    assert not attack_results["results"]["stream_text_list"]["leaked_scratch"]
    printed = _printed(course, "stream_text_list", "scratch_space")
    assert "a\nb\n" in printed, printed


def test_many_large_outputs_are_cut(attack_results):
    folder = _course_of(attack_results, "many_large_outputs") / "autograded" / "many_large_outputs" / ASSIGNMENT
    (path,) = folder.glob("*.ipynb")
    assert path.stat().st_size < 2_000_000


def _hidden_test_lines():
    """The source notebook's hidden test lines worth looking for: at least 12
    characters long, and not also in its visible code."""
    source = nbformat.read(HERE / "course" / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    hidden, visible = set(), set()
    for cell in source.cells:
        if cell.cell_type != "code":
            continue
        inside = False
        for line in cell.source.splitlines():
            stripped = line.strip()
            if stripped.startswith("### BEGIN HIDDEN TESTS"):
                inside = True
            elif stripped.startswith("### END HIDDEN TESTS"):
                inside = False
            else:
                (hidden if inside else visible).add(stripped)
    return sorted(line for line in hidden - visible if len(line) >= 12)


def _notebook_text(path):
    """Every cell's source and every output's text, as a student would read them."""
    parts = []
    for cell in nbformat.read(path, as_version=4).cells:
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts.append(str(output.get("text", "")))
            parts.extend(str(value) for value in output.get("data", {}).values())
            parts.append(str(output.get("evalue", "")))
            parts.extend(str(line) for line in output.get("traceback", []))
    return "\n".join(parts)


def test_an_input_transformer_cannot_show_the_hidden_tests(attack_results):
    course = _course_of(attack_results, "prints_hidden_source")
    lines = _hidden_test_lines()
    assert len(lines) >= 3, lines
    (graded,) = (course / "autograded" / "prints_hidden_source" / ASSIGNMENT).glob("*.ipynb")
    shown = _notebook_text(graded)
    assert "get_ipython().input_transformers_cleanup" in shown  # the attack's own code is there, as submitted
    nbgrader_course.run_nbgrader(course, "generate_feedback", ASSIGNMENT, "--student", "prints_hidden_source", "--force")
    (feedback,) = (course / "feedback" / "prints_hidden_source" / ASSIGNMENT).glob("*.html")
    feedback_text = html.unescape(re.sub(r"<[^>]+>", "", feedback.read_text()))
    for where, text in (("the autograded notebook", shown), ("the feedback", feedback_text)):
        leaked = [line for line in lines if line in text]
        assert not leaked, f"{where} shows hidden test lines: {leaked}"


def test_a_memorized_lookup_earns_nothing_for_accuracy(attack_results):
    score = auto_score(_course_of(attack_results, "memorizes_validation"), "memorizes_validation")
    assert "trained_accuracy" in score.failed


def test_a_linked_inputs_folder_leads_nowhere_on_the_host(attack_results):
    _course_of(attack_results, "symlinked_inputs")
    assert not _host_canaries(("-inputs",)), "the judge wrote through the kernel's link"


def test_feedback_names_hidden_tests_without_their_code(attack_course, attack_results):
    course = attack_course["course"]
    nbgrader_course.run_nbgrader(course, "generate_feedback", ASSIGNMENT, "--student", "honest_wrong", "--force")
    (html,) = (course / "feedback" / "honest_wrong" / ASSIGNMENT).glob("*.html")
    text = html.read_text()
    assert "records.calls" not in text and "records.model" not in text
    assert "Hidden tests of trained_accuracy (2 points) ran outside your notebook" in text
    assert "Hidden tests of scale_cases (1 point) ran outside your notebook" in text
    assert "GradingFailed" in text and "scale" in text
    assert json.dumps(catalog.ATTACKER_CANARY) not in text


def test_without_bubblewrap_grading_still_works_and_warns_loudly(attack_course, attack_results):
    """Run last: it grades one more honest wrong answer with `bwrap` off the PATH."""
    course = attack_course["course"]
    place_submission(course, "no_sandbox", catalog.build(catalog.Attack("no_sandbox", ""), attack_course["release"], {}))
    environment = nbgrader_course.nbgrader_environment()
    environment["PATH"] = str(Path(sys.executable).parent)  # no /usr/bin, so no bwrap
    completed = subprocess.run(
        [sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, "--student", "no_sandbox", "--force",
         "--SandboxedExecute.sandbox_mode=auto"],  # the suite's config requires the sandbox
        cwd=course, env=environment, capture_output=True, text=True,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "GRADING WITHOUT THE SANDBOX: bubblewrap is not installed" in completed.stderr
    assert auto_score(course, "no_sandbox").auto_score == auto_score(course, "honest_wrong").auto_score
    graded = nbformat.read(course / "autograded" / "no_sandbox" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    assert graded.metadata["autograder"]["sandboxed"] is False
