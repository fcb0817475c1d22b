"""Real Unix accounts for a test, and running commands as them, as a JupyterHub does.

Each account is made with `useradd` (its own group, a private home under
the test's folder) and removed with `userdel -r` when the test ends, even
if it fails. Commands run through `setpriv` with the account's uid, gid and
groups, in a clean environment: `HOME`, `USER`, `JUPYTERHUB_USER`, the
virtualenv's `bin` first on `PATH`, and what the caller adds (a hub's
`JUPYTER_CONFIG_PATH`), as a hub's spawner sets them.
"""

import dataclasses
import json
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import needs

# Commands the accounts need, and the package that has them on Debian.
TOOLS = {"useradd": "passwd", "userdel": "passwd", "setpriv": "util-linux"}
# Tries each (action, path) and prints {path: "ok" or the error's class name}, in one process.
_PROBE = """\
import json, os, sys
results = {}
for action, path in json.loads(sys.argv[1]):
    try:
        if action == "list":
            os.listdir(path)
        else:
            with open(path, "rb") as opened:
                opened.read(1)
        results[path] = "ok"
    except OSError as error:
        results[path] = type(error).__name__
print(json.dumps(results))
"""
_IMPORTS = "import nbgrader, autograder, course"


def require_accounts():
    """Skips the calling test, or fails it under CI, unless it can make real accounts here."""
    if os.geteuid() != 0:
        needs.missing("root", "making Unix accounts needs root (run the test as root, as CI does)")
    for tool, package in TOOLS.items():
        if shutil.which(tool) is None:
            needs.missing(tool, f"Debian package {package}")


@dataclasses.dataclass(frozen=True)
class Account:
    """A Unix account made for the test."""

    name: str
    home: Path

    @property
    def uid(self):
        return pwd.getpwnam(self.name).pw_uid

    @property
    def gid(self):
        return pwd.getpwnam(self.name).pw_gid


class Accounts:
    """Makes accounts named `kt<role><suffix>` with homes in `homes`; `remove()` deletes them all.

    Args:
        homes: The folder their homes go in (it must let them pass: o+x).
        environment: Variables every command gets (for example the hub's
            `JUPYTER_CONFIG_PATH`).
    """

    def __init__(self, homes, environment=None):
        self.homes = Path(homes)
        self.environment = dict(environment or {})
        self.suffix = secrets.token_hex(3)
        self.made = []

    def add(self, role):
        """Makes the account `kt<role><suffix>`, with a home only it can read (0700)."""
        name = f"kt{role}{self.suffix}"
        home = self.homes / name
        # HOME_MODE 0700 as a hub's /etc/login.defs should have it: Debian's
        # default (UMASK 022) makes every home readable by every user.
        subprocess.run(["useradd", "--create-home", "--home-dir", str(home), "--user-group",
                        "--shell", "/bin/sh", "--key", "HOME_MODE=0700", name],
                       check=True, capture_output=True, text=True)
        account = Account(name, home)
        self.made.append(account)
        return account

    def remove(self):
        """`userdel -r` every account made; returns the errors, if any, as text."""
        problems = []
        for account in self.made:
            completed = subprocess.run(["userdel", "--remove", account.name], capture_output=True, text=True)
            # 12: the home could not be removed (userdel says why); the rest is removed by the caller.
            if completed.returncode not in (0, 12):
                problems.append(f"userdel {account.name} (exit {completed.returncode}): {completed.stderr.strip()}")
        self.made = []
        return problems

    def command(self, account, *argv):
        """Returns `argv` as a command line that runs as `account`."""
        return ["setpriv", f"--reuid={account.name}", f"--regid={account.gid}", "--init-groups", "--", *argv]

    def env(self, account):
        bin_dir = str(Path(sys.executable).parent)
        return {
            "PATH": os.pathsep.join([bin_dir, "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": str(account.home),
            "USER": account.name,
            "LOGNAME": account.name,
            "JUPYTERHUB_USER": account.name,
            "SHELL": "/bin/sh",
            "LANG": "C.UTF-8",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            **self.environment,
        }

    def run(self, account, *argv, cwd=None, check=True):
        """Runs `argv` as `account`, in `cwd` (its home by default); returns the CompletedProcess.

        Raises:
            AssertionError: if `check` and the command fails; the message
                holds its output.
        """
        completed = subprocess.run(self.command(account, *argv), cwd=cwd or account.home, env=self.env(account),
                                   capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if check and completed.returncode != 0:
            tail = "\n".join((completed.stdout + completed.stderr).splitlines()[-30:])
            raise AssertionError(f"`{' '.join(argv)}` as {account.name} failed (exit {completed.returncode}):\n{tail}")
        return completed

    def nbgrader(self, account, *args, cwd=None, check=True):
        """Runs the virtualenv's `nbgrader *args` as `account`."""
        return self.run(account, str(Path(sys.executable).parent / "nbgrader"), *args, cwd=cwd, check=check)

    def python(self, account, code, *args, cwd=None, check=True):
        """Runs the virtualenv's Python on `code` as `account`."""
        return self.run(account, sys.executable, "-c", code, *args, cwd=cwd, check=check)

    def probe(self, account, checks):
        """Tries each `(action, path)` as `account`, where action is `"list"` (a folder) or
        `"read"` (a file); returns `{str(path): "ok" or the error's class name}`."""
        checks = [(action, str(path)) for action, path in checks]
        completed = self.python(account, _PROBE, json.dumps(checks), cwd="/")
        return json.loads(completed.stdout)


def probe_as_root(checks):
    """What `Accounts.probe` returns, tried as root (this process's user)."""
    checks = [(action, str(path)) for action, path in checks]
    completed = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(checks)], cwd="/", capture_output=True,
                               text=True, check=True)
    return json.loads(completed.stdout)


def environment_paths():
    """The virtualenv, the Python it runs and the folder holding the course packages."""
    import autograder

    return [Path(sys.prefix), Path(sys.executable).resolve(), Path(autograder.__file__).resolve().parent.parent]


def let_others_pass(paths):
    """Adds "others may pass" (o+x, not o+r) to each folder above `paths` that lacks it.

    For CI machines whose Python lives in root's private home (a pyenv under
    /root, mode 0700): a hub's accounts must be able to run the environment,
    and the machine is thrown away after the run. Undo with `restore_modes`.

    Returns:
        `(folder, mode)` for each folder changed, with its mode before.
    """
    changed = {}
    for path in paths:
        for folder in [*reversed(path.parents), path]:
            mode = stat.S_IMODE(os.stat(folder).st_mode)
            if folder.is_dir() and not mode & stat.S_IXOTH and folder not in changed:
                changed[folder] = mode
                os.chmod(folder, mode | stat.S_IXOTH)
    return list(changed.items())


def restore_modes(changed):
    """Puts back the modes `let_others_pass` changed."""
    for folder, mode in reversed(changed):
        os.chmod(folder, mode)


def reachability_problem(accounts, account):
    """Returns why `account` cannot run this virtualenv's nbgrader with the course packages, or None.

    The accounts run the same virtualenv as the test, so it, its Python and
    the course's packages must be readable by other users: a clone in a
    private home (mode 0700) is not.
    """
    # Through a shell and `alembic`, as nbgrader starts it: `setpriv` itself has been
    # seen to start a Python that the account's own processes cannot start again.
    alembic = Path(sys.executable).parent / "alembic"
    completed = accounts.run(account, "/bin/sh", "-c", f'"$0" -c "{_IMPORTS}" && "$1" --help >/dev/null',
                             sys.executable, str(alembic), check=False)
    if completed.returncode == 0:
        return None
    modes = []
    for path in environment_paths():
        for folder in [*reversed(path.parents), path]:
            mode = stat.S_IMODE(os.stat(folder).st_mode)
            if folder.is_dir() and not mode & stat.S_IXOTH:
                modes.append(f"{folder} is mode {mode:04o} (others cannot pass)")
    return (f"Expected other users to run this virtualenv's nbgrader. Received: user {account.name} cannot run "
            f"{sys.executable} (which is {Path(sys.executable).resolve()}) with nbgrader, the course packages and "
            f"alembic: {completed.stderr.strip()[-600:]}\n" + "\n".join(dict.fromkeys(modes))
            + "\nThe exchange test runs nbgrader as new Unix users, as a hub does: make the virtualenv from a Python "
            "every user can run (Debian's /usr/bin/python3.11), and keep the clone and its .venv where they can "
            "read them (`chmod o+rx` on each folder above, or clone under /srv or /opt).")
