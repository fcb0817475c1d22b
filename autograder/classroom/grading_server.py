"""A grading process kept for the life of a worker: nbgrader starts once, not once per student.

    server = grading_server.for_course(course_root)  # This process's server for that course.
    failure = server.grade("01_loss_curves", "ann", settings=["--CourseDirectory.db_url=..."], fingerprint="...")

Each server is a `python -m autograder.classroom.grade_one --serve`
process in the course folder (see `grade_one.serve`), started the first
time a worker's thread grades a student of that course and kept while it
lives (one per thread: a request and its reply are never interleaved).
It dies with the thread that started it (`--pdeathsig`, as every nbgrader
the class grader runs), and when its standard input closes. A server that
died is reported as that student's failure and replaced on the next
request; nothing it held (the student's lock) outlives it.
"""

import json
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from autograder.classroom import nbgrader_course

_SERVERS = {}
_SERVERS_LOCK = threading.Lock()
_LOG_TAIL_LINES = 30


class GradingServer:
    """One `grade_one --serve` process for one course folder.

    Args:
        course_root: The course folder; the server runs there.
    """

    def __init__(self, course_root):
        self.course_root = Path(course_root).resolve()
        self.log = tempfile.TemporaryFile(mode="w+", prefix="grading-server-")
        command = [*nbgrader_course.DIE_WITH_PARENT, sys.executable, "-m", "autograder.classroom.grade_one", "--serve"]
        self.process = subprocess.Popen(command, cwd=self.course_root, env=nbgrader_course.nbgrader_environment(),
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True)

    def alive(self):
        return self.process.poll() is None

    def grade(self, assignment, student, settings=(), fingerprint=None):
        """Grades one student (`grade_one.grade_student`) and waits for it.

        Returns:
            `None` on success, else the failure's text (nbgrader's, or the
            server's own last output if it died while grading).
        """
        request = {"assignment": assignment, "student": student, "settings": list(settings), "fingerprint": fingerprint}
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            reply = self.process.stdout.readline()
        except (BrokenPipeError, OSError):
            reply = ""
        if not reply:
            self.stop()
            return f"the grading process ended while grading {student}'s {assignment} (exit {self.process.returncode}):\n{self._log_tail()}"
        return json.loads(reply)["failure"]

    def stop(self):
        """Ends the server: closes its input, then kills it if it does not end."""
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _log_tail(self):
        self.log.seek(0)
        return "\n".join(self.log.read().splitlines()[-_LOG_TAIL_LINES:])


def for_course(course_root):
    """Returns this thread's running `GradingServer` for `course_root`, starting one if needed."""
    key = Path(course_root).resolve(), threading.get_ident()
    with _SERVERS_LOCK:
        server = _SERVERS.get(key)
        if server is None or not server.alive():
            server = _SERVERS[key] = GradingServer(key[0])
        return server
