"""A throw-away PostgreSQL server for tests: Debian's `postgresql`, on 127.0.0.1.

`make test` installs the package; `PostgresServer` makes a cluster of its
own in a temporary folder (`initdb`), starts it on a free port, and
removes it all on `stop()`. PostgreSQL refuses to run as root, so as
root it runs as the `postgres` user the package creates.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PACKAGE = "postgresql"


def binaries_dir():
    """Returns the folder of `initdb` and `pg_ctl`, or None if PostgreSQL is not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda path: int(path.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """A running PostgreSQL cluster; `url(database)` names a database on it."""

    def __init__(self):
        self.bin = binaries_dir()
        if self.bin is None:
            raise FileNotFoundError(f"Expected PostgreSQL's binaries under /usr/lib/postgresql/*/bin "
                                    f"(Debian package {PACKAGE}, installed by `make test`). Received: none there.")
        self.folder = Path(tempfile.mkdtemp(prefix="autograder-postgres-"))
        self.user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        self.port = _free_port()
        self._run("initdb", "--pgdata", str(self.folder / "data"), "--username", self.user,
                  "--auth", "trust", "--encoding", "UTF8", "--no-instructions")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off"
        self._run("pg_ctl", "--pgdata", str(self.folder / "data"), "--log", str(self.folder / "server.log"),
                  "--options", options, "--wait", "start")

    def _run(self, program, *arguments):
        command = [str(self.bin / program), *arguments]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        completed = subprocess.run(command, capture_output=True, text=True, cwd=self.folder)
        if completed.returncode != 0:
            log = self.folder / "server.log"
            raise RuntimeError(f"{program} failed (exit {completed.returncode}): {completed.stdout}{completed.stderr}"
                               + (log.read_text()[-2000:] if log.exists() else ""))
        return completed

    def create_database(self, name):
        """Creates database `name` and returns its SQLAlchemy URL."""
        self._run("createdb", "--host", "127.0.0.1", "--port", str(self.port), "--username", self.user, name)
        return self.url(name)

    def url(self, database):
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def stop(self):
        """Stops the server at once and removes its folder."""
        try:
            self._run("pg_ctl", "--pgdata", str(self.folder / "data"), "--mode", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
