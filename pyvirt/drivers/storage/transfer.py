"""Volume upload and download on virStreams.

An upload binds the stream to a sink that writes what the application
sends into the volume's file from ``offset`` (at most ``length`` bytes when
it is not 0); ``finish`` syncs the file and lets the driver refresh the
volume.  A download runs a thread that reads the file and feeds the
stream, waiting while the application has not taken what was fed (so a
large volume is never all in memory).  While a transfer runs its volume is
in use: it cannot be deleted, wiped or resized.

Both read and write through a :class:`VolumeIO`: a file (:class:`FileIO`)
unless the backend gives its own (an RBD image, for instance).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any, Protocol

from pyvirt import constants as C
from pyvirt.driver.stream import handle_of
from pyvirt.errors import libvirtError, report_system

_FROM = C.VIR_FROM_STORAGE
CHUNK = 256 * 1024
BACKLOG = 16                  # chunks a download may have fed ahead of the reader

_lock = threading.Lock()
_busy: dict[str, int] = {}    # volume path -> transfers running


def in_use(vol: Any) -> bool:
    """Whether a transfer of ``vol`` runs."""
    with _lock:
        return _busy.get(vol.path, 0) > 0


def hold(path: str) -> None:
    """Count one more operation using the volume at ``path``."""
    with _lock:
        _busy[path] = _busy.get(path, 0) + 1


def drop(path: str) -> None:
    """The end of an operation counted by :func:`hold`."""
    with _lock:
        left = _busy.get(path, 0) - 1
        if left > 0:
            _busy[path] = left
        else:
            _busy.pop(path, None)


def _open(path: str, flags: int) -> int:
    try:
        return os.open(path, flags | os.O_CLOEXEC)
    except OSError as exc:
        raise report_system(exc.errno or 0, f"Unable to open stream for '{path}'",
                            _FROM) from None


class VolumeIO(Protocol):
    """Positioned reads and writes on a volume's storage (errors: libvirtError)."""

    def pread(self, size: int, offset: int) -> bytes: ...
    def pwrite(self, data: memoryview, offset: int) -> int: ...
    def sync(self) -> None: ...
    def close(self) -> None: ...


class FileIO:
    """A :class:`VolumeIO` on a volume's file."""

    def __init__(self, path: str, writable: bool) -> None:
        self.path = path
        self.fd = _open(path, os.O_WRONLY if writable else os.O_RDONLY)

    def pread(self, size: int, offset: int) -> bytes:
        try:
            return os.pread(self.fd, size, offset)
        except OSError as exc:
            raise report_system(exc.errno or 0, f"cannot read from file '{self.path}'",
                                _FROM) from None

    def pwrite(self, data: memoryview, offset: int) -> int:
        try:
            return os.pwrite(self.fd, data, offset)
        except OSError as exc:
            raise report_system(exc.errno or 0, f"cannot write to file '{self.path}'",
                                _FROM) from None

    def sync(self) -> None:
        try:
            os.fsync(self.fd)
        except OSError as exc:
            raise report_system(exc.errno or 0, f"cannot sync data to file '{self.path}'",
                                _FROM) from None

    def close(self) -> None:
        os.close(self.fd)


class _UploadSink:
    """Writes the application's bytes into the volume."""

    def __init__(self, path: str, fd: VolumeIO, offset: int, length: int,
                 done: Callable[[], None]) -> None:
        self.path, self.fd, self.pos = path, fd, offset
        self.left = length if length > 0 else None
        self.done = done
        self.closed = False

    def write(self, data: bytes) -> None:
        if self.left is not None:
            data = data[:self.left]
            self.left -= len(data)
        view = memoryview(data)
        while view:
            n = self.fd.pwrite(view, self.pos)
            self.pos += n
            view = view[n:]

    def _close(self) -> bool:
        if self.closed:
            return False
        self.closed = True
        self.fd.close()
        drop(self.path)
        return True

    def finish(self) -> None:
        try:
            self.fd.sync()
        except BaseException:
            self._close()
            raise
        if self._close():
            self.done()

    def abort(self) -> None:
        self._close()


def upload(vol: Any, stream: Any, offset: int, length: int,
           done: Callable[[], None], io: VolumeIO | None = None) -> None:
    """Bind ``stream`` to write into ``vol``'s file (or ``io``); ``done()`` after a clean
    finish."""
    st = handle_of(stream)
    fd = io or FileIO(vol.path, True)
    hold(vol.path)
    try:
        st.bind(_UploadSink(vol.path, fd, offset, length, done))
    except BaseException:
        fd.close()
        drop(vol.path)
        raise


def download(vol: Any, stream: Any, offset: int, length: int,
             io: VolumeIO | None = None) -> None:
    """Feed ``stream`` with ``vol``'s file (or ``io``) from ``offset`` on a thread of its
    own."""
    st = handle_of(stream)
    fd = io or FileIO(vol.path, False)
    hold(vol.path)
    try:
        st.bind(None)
    except BaseException:
        fd.close()
        drop(vol.path)
        raise

    def pump() -> None:
        pos, left = offset, (length if length > 0 else None)
        failure = None
        try:
            while left is None or left > 0:
                want = CHUNK if left is None else min(CHUNK, left)
                data = fd.pread(want, pos)
                if not data:
                    break
                if not st.wait_room(BACKLOG):
                    return                      # the application aborted
                st.feed(data)
                pos += len(data)
                if left is not None:
                    left -= len(data)
        except libvirtError as exc:
            failure = exc
        finally:
            # the volume is free before the application sees the end
            fd.close()
            drop(vol.path)
        if failure is not None:
            st.feed_error(failure)
        else:
            st.feed_eof()

    threading.Thread(target=pump, name="pyvirt-vol-download", daemon=True).start()
