"""An upload in process writes the application's bytes on a thread of its own.

The application's next read and the volume's write then overlap.  What it
sends lands in order whatever the mix of ``bytes`` (written behind) and
buffers it may reuse (written at once, after what waits); a write that
fails is raised by the application's next call, and ``finish()`` raises it
too; an abort leaves the volume free.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from pyvirt import constants as C
from pyvirt.driver.stream import Stream
from pyvirt.drivers.storage import transfer
from pyvirt.errors import libvirtError, report_system


def test_bytes_and_reused_buffers_land_in_order(tmp_path: Path) -> None:
    path = tmp_path / "v.img"
    path.write_bytes(b"")
    done: list[bool] = []
    st = Stream()
    transfer.upload(SimpleNamespace(path=str(path)), st, 0, 0, lambda: done.append(True))
    pieces = [os.urandom(300_000), bytearray(os.urandom(70_000)), os.urandom(5),
              memoryview(os.urandom(1 << 20)), *(os.urandom(200_000) for _ in range(12))]
    for piece in pieces:
        st.send(piece)
    st.finish()
    assert path.read_bytes() == b"".join(bytes(p) for p in pieces)
    assert done == [True] and not transfer.in_use(SimpleNamespace(path=str(path)))


class _FailingIO(transfer.FileIO):
    """A file whose writes fail with ENOSPC after ``room`` bytes."""

    def __init__(self, path: str, room: int) -> None:
        super().__init__(path, True)
        self.room = room

    def pwritev(self, buffers: list[memoryview], offset: int) -> int:
        if offset + sum(len(b) for b in buffers) > self.room:
            raise report_system(errno.ENOSPC, f"cannot write to file '{self.path}'",
                                C.VIR_FROM_STORAGE)
        return super().pwritev(buffers, offset)


def test_a_failed_write_is_raised_by_the_next_call_and_by_finish(tmp_path: Path) -> None:
    path = tmp_path / "v.img"
    path.write_bytes(b"")
    vol = SimpleNamespace(path=str(path))
    st = Stream()
    transfer.upload(vol, st, 0, 0, lambda: None, io=_FailingIO(str(path), 1 << 20))
    with pytest.raises(libvirtError) as exc:
        for _ in range(64):                   # 16 MiB: the failure comes back on the way
            st.send(os.urandom(1 << 18))
    assert exc.value.get_error_code() == C.VIR_ERR_SYSTEM_ERROR
    assert "No space left on device" in str(exc.value)
    with pytest.raises(libvirtError):
        st.finish()
    assert not transfer.in_use(vol)
    assert os.path.getsize(path) <= 1 << 20


def test_an_abort_frees_the_volume(tmp_path: Path) -> None:
    path = tmp_path / "v.img"
    path.write_bytes(b"")
    vol = SimpleNamespace(path=str(path))
    st = Stream()
    transfer.upload(vol, st, 0, 0, lambda: None)
    for _ in range(8):
        st.send(os.urandom(1 << 18))
    assert transfer.in_use(vol)
    st.abort()
    assert not transfer.in_use(vol)
