"""Memory and process caps for one sandboxed kernel, as a Linux cgroup.

Works with cgroup v2 (`/sys/fs/cgroup/cgroup.controllers`) and with v1's
`memory` and `pids` hierarchies. Making a cgroup needs root; where it
cannot be made, `KernelCgroup.create` returns None and the sandbox falls
back to per-process rlimits.
"""

import time
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PARENT_NAME = "course-autograder"


class KernelCgroup:
    """The cgroup(s) one kernel runs in."""

    def __init__(self, folders, version):
        self.folders = folders
        self.version = version

    @classmethod
    def create(cls, name, memory_bytes, max_processes):
        """Makes the cgroup with its caps, or returns None where it cannot."""
        try:
            if (CGROUP_ROOT / "cgroup.controllers").is_file():
                return cls._create_v2(name, memory_bytes, max_processes)
            if (CGROUP_ROOT / "memory" / "memory.limit_in_bytes").is_file() and (CGROUP_ROOT / "pids").is_dir():
                return cls._create_v1(name, memory_bytes, max_processes)
        except OSError:
            return None
        return None

    @classmethod
    def _create_v1(cls, name, memory_bytes, max_processes):
        memory = CGROUP_ROOT / "memory" / PARENT_NAME / name
        pids = CGROUP_ROOT / "pids" / PARENT_NAME / name
        memory.mkdir(parents=True)
        pids.mkdir(parents=True)
        (memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
        swap = memory / "memory.memsw.limit_in_bytes"
        if swap.exists():
            swap.write_text(str(memory_bytes))
        (pids / "pids.max").write_text(str(max_processes))
        return cls([memory, pids], 1)

    @classmethod
    def _create_v2(cls, name, memory_bytes, max_processes):
        parent = CGROUP_ROOT / PARENT_NAME
        parent.mkdir(exist_ok=True)
        enabled = (CGROUP_ROOT / "cgroup.subtree_control").read_text().split()
        if not {"memory", "pids"} <= set(enabled):
            (CGROUP_ROOT / "cgroup.subtree_control").write_text("+memory +pids")
        (parent / "cgroup.subtree_control").write_text("+memory +pids")
        folder = parent / name
        folder.mkdir()
        (folder / "memory.max").write_text(str(memory_bytes))
        swap = folder / "memory.swap.max"
        if swap.exists():
            swap.write_text("0")
        (folder / "pids.max").write_text(str(max_processes))
        return cls([folder], 2)

    @property
    def procs_files(self):
        return [folder / "cgroup.procs" for folder in self.folders]

    def ran_out_of_memory(self):
        """Whether the kernel hit the memory cap and something was killed."""
        memory = self.folders[0]
        events = memory / ("memory.events" if self.version == 2 else "memory.oom_control")
        try:
            for line in events.read_text().splitlines():
                name, _, count = line.partition(" ")
                if name == "oom_kill" and int(count) > 0:
                    return True
            if self.version == 1:
                return int((memory / "memory.failcnt").read_text()) > 0 and not self._alive()
        except (OSError, ValueError):
            return False
        return False

    def peak_memory_bytes(self):
        """The most memory the kernel used at once, or None if unknown."""
        name = "memory.peak" if self.version == 2 else "memory.max_usage_in_bytes"
        try:
            return int((self.folders[0] / name).read_text())
        except (OSError, ValueError):
            return None

    def _alive(self):
        return any(folder.joinpath("cgroup.procs").read_text().strip() for folder in self.folders)

    def kill_all(self):
        """Kills every process left in the cgroup."""
        import os
        import signal

        for folder in self.folders:
            try:
                pids = folder.joinpath("cgroup.procs").read_text().split()
            except OSError:
                continue
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass

    def remove(self, wait_seconds=10):
        """Kills what is left and removes the cgroup folders."""
        deadline = time.monotonic() + wait_seconds
        for folder in self.folders:
            while folder.exists():
                self.kill_all()
                try:
                    folder.rmdir()
                except OSError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.1)
