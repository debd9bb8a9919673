"""libiscsi's synchronous API through ctypes: log in, REPORT LUNS, READ CAPACITY(16).

Debian's libiscsi7 has the library (QEMU's iscsi driver uses it too) but no
Python binding, and its tools (libiscsi-bin's ``iscsi-ls``) stop at the
first target of a portal that refuses them.  So the few calls libvirt's
iscsi-direct backend makes are made here the same way, and its errors are
libiscsi's own words (``iscsi_get_error``), as libvirt reports them.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pyvirt import constants as C
from pyvirt.errors import report

LIBRARY = "libiscsi.so.7"
SESSION_NORMAL = 2          # enum iscsi_session_type
HEADER_DIGEST_NONE = 0      # enum iscsi_header_digest
STATUS_GOOD = 0             # scsi_task.status (its first field)
_FROM = C.VIR_FROM_STORAGE

_lib: Any = None
_lock = threading.Lock()


class _ReportLuns(ctypes.Structure):
    _fields_ = [("num", ctypes.c_uint32)]          # followed by uint16_t luns[num]


class _ReadCapacity16(ctypes.Structure):
    _fields_ = [("returned_lba", ctypes.c_uint64), ("block_length", ctypes.c_uint32)]


def _load() -> Any:
    global _lib
    with _lock:
        if _lib is None:
            try:
                lib = ctypes.CDLL(LIBRARY)
            except OSError:
                raise report(C.VIR_ERR_NO_SUPPORT, f"{LIBRARY} is not installed (Debian: "
                             "libiscsi7)", _FROM) from None
            vp, cp, ci = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
            for name, res, args in (
                    ("iscsi_create_context", vp, [cp]), ("iscsi_destroy_context", ci, [vp]),
                    ("iscsi_set_targetname", ci, [vp, cp]),
                    ("iscsi_set_session_type", ci, [vp, ci]),
                    ("iscsi_set_header_digest", ci, [vp, ci]),
                    ("iscsi_set_initiator_username_pwd", ci, [vp, cp, cp]),
                    ("iscsi_connect_sync", ci, [vp, cp]), ("iscsi_login_sync", ci, [vp]),
                    ("iscsi_logout_sync", ci, [vp]), ("iscsi_get_error", cp, [vp]),
                    ("iscsi_reportluns_sync", vp, [vp, ci, ci]),
                    ("iscsi_readcapacity16_sync", vp, [vp, ci]),
                    ("scsi_datain_unmarshall", vp, [vp]), ("scsi_free_scsi_task", None, [vp])):
                func = getattr(lib, name)
                func.restype, func.argtypes = res, args
            _lib = lib
        return _lib


class Session:
    """A logged-in session to one target (use :func:`session`)."""

    def __init__(self, lib: Any, ctx: int) -> None:
        self.lib, self.ctx = lib, ctx

    def error(self) -> str:
        """libiscsi's last error message."""
        return (self.lib.iscsi_get_error(self.ctx) or b"").decode(errors="replace")

    def _task(self, task: int | None, what: str) -> int:
        if not task:
            raise report(C.VIR_ERR_INTERNAL_ERROR, f"Failed to {what}: {self.error()}", _FROM)
        if ctypes.c_int.from_address(task).value != STATUS_GOOD:
            self.lib.scsi_free_scsi_task(task)
            raise report(C.VIR_ERR_INTERNAL_ERROR, f"Failed to {what}: {self.error()}", _FROM)
        return task

    def report_luns(self) -> list[int]:
        """The target's LUNs (REPORT LUNS)."""
        task = self._task(self.lib.iscsi_reportluns_sync(self.ctx, 0, 64 * 1024),
                          "reportluns")
        try:
            data = self.lib.scsi_datain_unmarshall(task)
            if not data:
                raise report(C.VIR_ERR_INTERNAL_ERROR, "Failed to unmarshall reportluns: "
                             f"{self.error()}", _FROM)
            count = _ReportLuns.from_address(data).num
            luns = (ctypes.c_uint16 * count).from_address(data + ctypes.sizeof(_ReportLuns))
            return sorted(int(n) for n in luns)
        finally:
            self.lib.scsi_free_scsi_task(task)

    def read_capacity(self, lun: int) -> tuple[int, int] | None:
        """(last block address, block length) of ``lun``; None when it answers none
        (asked twice: the first command to a LUN after a login may get UNIT ATTENTION)."""
        return self._read_capacity(lun) or self._read_capacity(lun)

    def _read_capacity(self, lun: int) -> tuple[int, int] | None:
        task = self.lib.iscsi_readcapacity16_sync(self.ctx, lun)
        if not task:
            return None
        try:
            if ctypes.c_int.from_address(task).value != STATUS_GOOD:
                return None
            data = self.lib.scsi_datain_unmarshall(task)
            if not data:
                return None
            rc = _ReadCapacity16.from_address(data)
            return int(rc.returned_lba), int(rc.block_length)
        finally:
            self.lib.scsi_free_scsi_task(task)


@contextmanager
def session(initiator: str, target: str, portal: str,
            chap: tuple[str, str] | None = None) -> Iterator[Session]:
    """Connect to ``portal`` and log in to ``target`` as ``initiator`` (with CHAP
    ``(user, password)``); libvirt's errors ("Failed to connect: ...", "Failed to
    login: ...") on failure; logged out and freed after."""
    lib = _load()
    ctx = lib.iscsi_create_context(initiator.encode())
    if not ctx:
        raise report(C.VIR_ERR_INTERNAL_ERROR, "Failed to create iscsi context for "
                     f"{initiator}", _FROM)
    sess = Session(lib, ctx)
    logged_in = False
    try:
        for ok, what in (
                (lib.iscsi_set_targetname(ctx, target.encode()), "set target name"),
                (lib.iscsi_set_session_type(ctx, SESSION_NORMAL), "set session type"),
                (lib.iscsi_set_header_digest(ctx, HEADER_DIGEST_NONE), "set header digest")):
            if ok < 0:
                raise report(C.VIR_ERR_INTERNAL_ERROR, f"Failed to {what}: {sess.error()}",
                             _FROM)
        if chap is not None and lib.iscsi_set_initiator_username_pwd(
                ctx, chap[0].encode(), chap[1].encode()) < 0:
            raise report(C.VIR_ERR_INTERNAL_ERROR, "Failed to set credential: "
                         f"{sess.error()}", _FROM)
        if lib.iscsi_connect_sync(ctx, portal.encode()) < 0:
            raise report(C.VIR_ERR_INTERNAL_ERROR, f"Failed to connect: {sess.error()}",
                         _FROM)
        if lib.iscsi_login_sync(ctx) < 0:
            raise report(C.VIR_ERR_INTERNAL_ERROR, f"Failed to login: {sess.error()}", _FROM)
        logged_in = True
        yield sess
    finally:
        if logged_in:
            lib.iscsi_logout_sync(ctx)
        lib.iscsi_destroy_context(ctx)
