"""The Linux calls a prepared kernel needs that Python 3.11's `os` lacks.

`setns`, `unshare` and `mount` arrived in `os` only in Python 3.12 (and
`mount` not at all); dropping every capability for good needs `prctl` and
`capset`. Each function raises `OSError` with the call's errno.
"""

import ctypes
import os
from pathlib import Path

CLONE_NEWNS = 0x00020000
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
_PR_CAPBSET_DROP = 24
_PR_SET_NO_NEW_PRIVS = 38
_PR_CAP_AMBIENT = 47
_PR_CAP_AMBIENT_CLEAR_ALL = 4
_LINUX_CAPABILITY_VERSION_3 = 0x20080522

_libc = ctypes.CDLL(None, use_errno=True)


def _checked(result, call):
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{call}: {os.strerror(error)}")


def setns(descriptor):
    """Moves this process into the namespace `descriptor` (an open `/proc/<pid>/ns/<kind>`) refers to."""
    _checked(_libc.setns(descriptor, 0), "setns")


def unshare(flags):
    """Gives this process new namespaces of the kinds in `flags` (`CLONE_*`)."""
    _checked(_libc.unshare(flags), "unshare")


def mount(source, target, filesystem, flags, options=None):
    """mount(2); strings may be None."""
    encoded = [value.encode() if value is not None else None for value in (source, target, filesystem, options)]
    _checked(_libc.mount(encoded[0], encoded[1], encoded[2], ctypes.c_ulong(flags), encoded[3]), f"mount {target}")


class _CapabilityHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapabilityData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def become_unprivileged(uid, gid):
    """Turns this root process into `uid`:`gid` with no supplementary groups,
    no capabilities of any kind (effective, permitted, inheritable, ambient,
    bounding) and `no_new_privs`, as `setpriv --reuid --regid --clear-groups
    --inh-caps=-all --bounding-set=-all --no-new-privs` does before an exec."""
    last = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    for capability in range(last + 1):
        _checked(_libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0), "prctl(PR_CAPBSET_DROP)")
    _checked(_libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "prctl(PR_CAP_AMBIENT)")
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    header = _CapabilityHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    nothing = (_CapabilityData * 2)()
    _checked(_libc.capset(ctypes.byref(header), nothing), "capset")
    _checked(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")
