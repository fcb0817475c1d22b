"""A student's environment: the student bundle installed in a fresh virtualenv.

Built once per test session (`shared`, from whichever thread asks first:
the grading test builds it in the background while examples are graded),
by `StudentEnvironment.create`: the bundle from
`python -m autograder bundle`, a new virtualenv, and `pip install -r
requirements.txt <wheel>` from the package registry, as a student would.
Commands then run in it as on a student's laptop: a fresh home (an empty
Keras cache, no Jupyter config of their own), no `PYTHONPATH`, nothing of
the repository on the path, and, where the machine allows (root), no
network at all (bubblewrap's `--unshare-net`: a network namespace of its
own with only a loopback, which Jupyter's kernels need).
"""

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from autograder.sandbox import cpu_share
from autograder.tools import bundle

# What the lab's Validate button does, called as the lab's server calls it:
# nbgrader's own handler method, with its config loading.
VALIDATE_AS_THE_LAB_DOES = """
import json, logging, sys
from nbgrader.server_extensions.validate_assignment.handlers import ValidateAssignmentHandler

class Server:
    root_dir = "/"
    log = logging.getLogger("validate")
    load_config = ValidateAssignmentHandler.load_config

result = ValidateAssignmentHandler.validate_notebook(Server(), sys.argv[1])
print("VALIDATE-RESULT " + json.dumps(result))
"""


@dataclasses.dataclass(frozen=True)
class StudentEnvironment:
    """A virtualenv with the student bundle installed.

    Attributes:
        bundle: The bundle's folder.
        prefix: The virtualenv.
        offline: Whether commands run without a network.
    """

    bundle: Path
    prefix: Path
    offline: bool

    @classmethod
    def create(cls, course_root, folder):
        """Builds the bundle into `folder`/bundle and installs it into `folder`/venv."""
        folder = Path(folder)
        built = bundle.build_bundle(course_root, folder / "bundle")
        prefix = folder / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(prefix)], check=True)
        subprocess.run(
            [str(prefix / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "-r", str(built / "requirements.txt"), str(bundle.wheel_of(built))],
            check=True, env=_clean_environment(folder),
        )
        return cls(built, prefix, offline=os.geteuid() == 0 and shutil.which("bwrap") is not None)

    def run(self, arguments, home, cwd=None, timeout=900, threads=None):
        """Runs `arguments` (the first one a program of the virtualenv) as a student would.

        `threads`, if given, caps TensorFlow's and BLAS's threads, as the class
        grader does for tasks that share the cores.

        Returns:
            The `subprocess.CompletedProcess`, output captured as text.
        """
        command = [str(self.prefix / "bin" / arguments[0]), *arguments[1:]]
        if self.offline:
            command = ["bwrap", "--dev-bind", "/", "/", "--unshare-net", "--die-with-parent", "--", *command]
        Path(home).mkdir(parents=True, exist_ok=True)
        environment = _clean_environment(home, self.prefix)
        if threads:
            environment.update(cpu_share.thread_environment(threads))
        return subprocess.run(command, cwd=cwd or home, env=environment, capture_output=True, text=True, timeout=timeout)

    def python(self, code, home, *arguments, **kwargs):
        """Runs Python `code` in the environment (see `run`)."""
        return self.run(["python", "-c", code, *arguments], home, **kwargs)

    def validate(self, notebook, home, threads=None):
        """Validates `notebook` as the lab's Validate button does (`threads`: see `run`).

        Returns:
            The handler's answer: `{"success": bool, "value": ...}`, where
            `value` is nbgrader's `Validator.validate` result (its `failed`
            list holds each failed cell's `source` and `error`).

        Raises:
            RuntimeError: if the validation itself could not run.
        """
        finished = self.python(VALIDATE_AS_THE_LAB_DOES, home, str(notebook), cwd=Path(notebook).parent, threads=threads)
        for line in finished.stdout.splitlines():
            if line.startswith("VALIDATE-RESULT "):
                return json.loads(line.removeprefix("VALIDATE-RESULT "))
        raise RuntimeError(f"Validate did not answer (exit {finished.returncode}):\n{finished.stdout[-3000:]}\n{finished.stderr[-5000:]}")


_SHARED = {}
_SHARED_LOCK = threading.Lock()


def shared(course_root, tmp_path_factory):
    """Returns the session's one `StudentEnvironment` and the seconds it took to build,
    building it on the first call; safe to call from several threads."""
    with _SHARED_LOCK:
        if "environment" not in _SHARED:
            start = time.perf_counter()
            _SHARED["environment"] = StudentEnvironment.create(course_root, tmp_path_factory.mktemp("student"))
            _SHARED["seconds"] = time.perf_counter() - start
        return _SHARED["environment"], _SHARED["seconds"]


def _clean_environment(home, prefix=None):
    """A student's environment variables: none of the grader's, no PYTHONPATH."""
    path = [str(Path(prefix) / "bin")] if prefix else []
    environment = {
        "HOME": str(home),
        "PATH": os.pathsep.join([*path, "/usr/local/bin", "/usr/bin", "/bin"]),
        "LANG": "C.UTF-8",
        "TMPDIR": tempfile.gettempdir(),
    }
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CONFIG_FILE", "PIP_CACHE_DIR",
                 "XDG_CACHE_HOME"):
        if name in os.environ:
            environment[name] = os.environ[name]
    if "PIP_CACHE_DIR" not in environment:
        # The grader's pip cache, so installing TensorFlow again does not download it again.
        environment["PIP_CACHE_DIR"] = str(Path.home() / ".cache" / "pip")
    return environment
