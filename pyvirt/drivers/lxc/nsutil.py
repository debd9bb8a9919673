"""Linux calls Python 3.11's ``os`` lacks: unshare, setns, mount, pivot_root, prctl.

Thin wrappers over libc through :mod:`ctypes`; each raises :class:`OSError`
with the call's errno and a text naming what was attempted.
"""

from __future__ import annotations

import ctypes
import os

# glibc's soname, named directly: ctypes.util.find_library runs ldconfig (slow)
_libc = ctypes.CDLL("libc.so.6", use_errno=True)

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_MOVE = 8192
MS_REC = 16384
MS_PRIVATE = 1 << 18
MS_SLAVE = 1 << 19
MNT_DETACH = 2

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36

_SYS_PIVOT_ROOT = 155          # x86_64

#: the namespaces of a container, as named under /proc/PID/ns, in setns order
NAMESPACES = ("user", "ipc", "uts", "net", "pid", "mnt")
NS_FLAGS = {"user": CLONE_NEWUSER, "ipc": CLONE_NEWIPC, "uts": CLONE_NEWUTS,
            "net": CLONE_NEWNET, "pid": CLONE_NEWPID, "mnt": CLONE_NEWNS}


def _check(ret: int, what: str) -> int:
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return ret


def unshare(flags: int) -> None:
    """unshare(2) the namespaces in ``flags``."""
    _check(_libc.unshare(ctypes.c_int(flags)), "cannot unshare namespaces")


def setns(fd: int, nstype: int = 0) -> None:
    """setns(2): join the namespace open on ``fd``."""
    _check(_libc.setns(ctypes.c_int(fd), ctypes.c_int(nstype)), "cannot enter namespace")


def mount(source: str | None, target: str, fstype: str | None, flags: int = 0,
          data: str | None = None) -> None:
    """mount(2)."""
    def enc(s: str | None) -> bytes | None:
        return s.encode() if s is not None else None
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags),
                       enc(data)),
           f"cannot mount {source or fstype} on {target}")


def umount(target: str, flags: int = 0) -> None:
    """umount2(2)."""
    _check(_libc.umount2(target.encode(), ctypes.c_int(flags)), f"cannot unmount {target}")


def pivot_root(new_root: str, put_old: str) -> None:
    """pivot_root(2)."""
    _check(_libc.syscall(ctypes.c_long(_SYS_PIVOT_ROOT), new_root.encode(), put_old.encode()),
           f"cannot pivot root to {new_root}")


def sethostname(name: str) -> None:
    """sethostname(2) (socket.sethostname without importing socket)."""
    raw = name.encode()
    _check(_libc.sethostname(raw, ctypes.c_size_t(len(raw))), "cannot set hostname")


def prctl(option: int, arg: int) -> None:
    """prctl(2) with one argument."""
    _check(_libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg), ctypes.c_ulong(0),
                       ctypes.c_ulong(0), ctypes.c_ulong(0)), "prctl failed")
