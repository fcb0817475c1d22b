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
import hashlib
import json
import queue
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from autograder import nbgrader_course, sandbox
import attack_catalog as catalog

ASSIGNMENT = "attack_target"
HERE = Path(__file__).parent
CELL_TIMEOUT = 20
NOTEBOOK_TIMEOUT = 60
LANES = 2  # attacks graded at once
# Grading beyond the caps: start-up, judging, and the other lane's attack
# slowing this one (the honest answer's time is measured alone).
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

pytestmark = pytest.mark.skipif(sandbox.problem() is not None, reason=f"no sandbox here: {sandbox.problem()}")


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


def snapshot(course, attacker):
    """Hashes of everything an attacker must not change, and the other students' gradebook rows."""
    files = {}
    for top in ("source", "release", "submitted", "autograded", "nbgrader_config.py"):
        root = course / top
        paths = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in paths:
            relative = path.relative_to(course)
            if path.is_file() and not (relative.parts[0] == "autograded" and relative.parts[1] == attacker):
                files[str(relative)] = _digest(path)
    with sqlite3.connect(course / "gradebook.db") as database:
        rows = database.execute(
            "select s.student_id, n.id, g.* from grade g join submitted_notebook n on g.notebook_id = n.id "
            "join submitted_assignment s on n.assignment_id = s.id where s.student_id != ? order by g.id",
            (attacker,),
        ).fetchall()
    return files, rows


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
    (score,) = nbgrader_course.read_scores(course, ASSIGNMENT, student)
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
    assert graded.metadata["autograder"] == {"sandboxed": True, "stopped": None}


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
    server = LoopbackServer()
    waiting = queue.SimpleQueue()
    for attack in sorted(catalog.ATTACKS, key=lambda attack: not attack.runs_out_the_notebook):
        waiting.put(attack)
    results = {}

    def grade_lane(course):
        context = {"course": course, "witness": "witness", "port": server.port, "canary": catalog.ATTACKER_CANARY}
        while True:
            try:
                attack = waiting.get_nowait()
            except queue.Empty:
                return
            submission = catalog.build(attack, attack_course["release"], context)
            before = snapshot(course, attack.name)
            place_submission(course, attack.name, submission, attack.file_name)
            start = time.perf_counter()
            try:
                nbgrader_course.autograde(course, ASSIGNMENT, attack.name)
                error = None
            except nbgrader_course.NbgraderError as raised:
                error = str(raised)
            seconds = time.perf_counter() - start
            after = snapshot(course, attack.name)
            record_timing(f"attack {attack.name}", seconds)
            results[attack.name] = {"course": course, "before": before, "after": after, "seconds": seconds, "error": error}

    try:
        with concurrent.futures.ThreadPoolExecutor(LANES) as lanes:
            list(lanes.map(grade_lane, courses))  # Re-raises a lane's exception.
    finally:
        server.close()
    return {"results": results, "connections": server.connections}


def _course_of(attack_results, name):
    """The copy of the course that the attack `name` was graded in."""
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
    assert not [cell.grade_id for cell in score.auto_cells if cell.needs_manual_grade]


@pytest.mark.parametrize("attack", catalog.ATTACKS, ids=[attack.name for attack in catalog.ATTACKS])
def test_an_attack_changes_nothing_outside_its_own_folder(attack_results, attack):
    result = attack_results["results"][attack.name]
    files_before, rows_before = result["before"]
    files_after, rows_after = result["after"]
    changed = sorted(name for name in files_before if files_after.get(name) != files_before[name])
    assert not changed, f"{attack.description} changed {changed}"
    assert rows_after == rows_before, f"{attack.description} changed other students' gradebook rows"


@pytest.mark.parametrize("attack", catalog.ATTACKS, ids=[attack.name for attack in catalog.ATTACKS])
def test_an_attack_costs_at_most_the_caps_plus_20_seconds(attack_course, attack_results, attack):
    seconds = attack_results["results"][attack.name]["seconds"]
    cap = NOTEBOOK_TIMEOUT if attack.runs_out_the_notebook else attack_course["times"]["honest_wrong"] + CELL_TIMEOUT
    limit = cap + OVERHEAD_SECONDS
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
