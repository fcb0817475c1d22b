"""A real browser and real Jupyter servers for the end-to-end browser tests.

Debian's Chromium (`/usr/bin/chromium`, installed by `make browser`) is driven
by Playwright; `playwright install` is never needed. Without Chromium or
Playwright the `chromium` fixture skips the test, and fails it under
`CI=true` (`needs.missing`).

Import the fixture into a test module (`from browser import chromium`) to use it.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from autograder.classroom import nbgrader_course

import needs

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "build" / "browser"


def browser_problem():
    """Why the browser cannot run here, with the fix; `None` when it can."""
    if not CHROMIUM.exists():
        return f"no {CHROMIUM}: install Debian's chromium (make browser, or apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        return f"playwright is not installed ({error}): pip install -r requirements.txt"
    return None


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium under Playwright. Missing, it skips the test, and fails it under CI=true."""
    problem = browser_problem()
    if problem:
        needs.missing("a browser", problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class JupyterServer:
    """A Jupyter server (`jupyter server` or `jupyter lab`) on 127.0.0.1 with a token.

    Use as a context manager: entering starts it and waits until its API
    answers; leaving stops it. Its log is written to `log_path`.

    Args:
        app: `"server"` or `"lab"`.
        root_dir: The folder it serves.
        log_path: Where its output goes.
        cwd: The folder it runs in. Defaults to `root_dir`.
        environment: The whole environment. Defaults to
            `nbgrader_course.nbgrader_environment()`.
        arguments: More command-line arguments.
        launcher: The command that starts it, before the options; it must
            give the server `root_dir` (and `--allow-root` as root) itself,
            as `python -m course.lab FOLDER` does. Defaults to `None`,
            meaning `python -m jupyter APP --ServerApp.root_dir=ROOT_DIR`.
        start_timeout: Seconds to wait for it to answer.
    """

    def __init__(self, app, root_dir, log_path, cwd=None, environment=None, arguments=(), launcher=None,
                 start_timeout=90):
        self.port, self.token = free_port(), uuid.uuid4().hex
        self.base = f"http://127.0.0.1:{self.port}"
        self.root_dir, self.log_path = Path(root_dir), Path(log_path)
        self.cwd = Path(cwd or root_dir)
        self.environment = environment if environment is not None else nbgrader_course.nbgrader_environment()
        if launcher is None:
            launcher = [sys.executable, "-m", "jupyter", app, f"--ServerApp.root_dir={self.root_dir}"]
            if os.geteuid() == 0:
                launcher.append("--allow-root")
        self.command = [*launcher, "--no-browser", f"--port={self.port}", "--ip=127.0.0.1",
                        f"--IdentityProvider.token={self.token}", "--ServerApp.port_retries=0", *arguments]
        self.app = app
        self.start_timeout = start_timeout
        self.process = None

    def url(self, path=""):
        """The URL of `path` (starting with `/`) with the token."""
        separator = "&" if "?" in path else "?"
        return f"{self.base}{path}{separator}token={self.token}"

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self):
        self._log_file = open(self.log_path, "w")
        self.process = subprocess.Popen(self.command, cwd=self.cwd, stdout=self._log_file, stderr=subprocess.STDOUT,
                                        env=self.environment, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                urllib.request.urlopen(self.url("/api/status"), timeout=2)
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.__exit__(None, None, None)
                    raise RuntimeError(f"Jupyter {self.app} did not start ({' '.join(self.command)}):\n{self.log()}")
                time.sleep(0.5)

    def __exit__(self, *exc_info):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log_file.close()


class Screenshots:
    """Numbered screenshots in one folder, so that they read as a story: `01_opened.png`, ...

    The folder is emptied first, so that no picture of an earlier run is mistaken for this one's.
    """

    def __init__(self, folder):
        self.folder = Path(folder)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.taken = []

    def take(self, page, name, full_page=False):
        """Saves a screenshot of `page` as `NN_name.png` and returns its path."""
        path = self.folder / f"{len(self.taken) + 1:02d}_{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        self.taken.append(path)
        return path
