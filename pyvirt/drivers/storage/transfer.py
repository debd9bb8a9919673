"""Volume upload and download on virStreams.

An upload binds the stream to a sink that writes what the application
sends into the volume's file from ``offset`` (at most ``length`` bytes when
it is not 0); ``finish`` syncs the file and lets the driver refresh the
volume.  A download runs a thread that reads the file and feeds the
stream, waiting while the application has not taken what was fed (so a
large volume is never all in memory).  While a transfer runs its volume is
in use: it cannot be deleted, wiped or resized.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

from pyvirt import constants as C
from pyvirt.driver.stream import handle_of
from pyvirt.errors import report_system

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


class _UploadSink:
    """Writes the application's bytes into the file."""

    def __init__(self, path: str, fd: int, offset: int, length: int,
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
        try:
            while view:
                n = os.pwrite(self.fd, view, self.pos)
                self.pos += n
                view = view[n:]
        except OSError as exc:
            raise report_system(exc.errno or 0, f"cannot write to file '{self.path}'",
                                _FROM) from None

    def _close(self) -> bool:
        if self.closed:
            return False
        self.closed = True
        os.close(self.fd)
        drop(self.path)
        return True

    def finish(self) -> None:
        try:
            os.fsync(self.fd)
        except OSError as exc:
            self._close()
            raise report_system(exc.errno or 0, f"cannot sync data to file '{self.path}'",
                                _FROM) from None
        if self._close():
            self.done()

    def abort(self) -> None:
        self._close()


def upload(vol: Any, stream: Any, offset: int, length: int,
           done: Callable[[], None]) -> None:
    """Bind ``stream`` to write into ``vol``'s file; ``done()`` after a clean finish."""
    st = handle_of(stream)
    fd = _open(vol.path, os.O_WRONLY)
    hold(vol.path)
    try:
        st.bind(_UploadSink(vol.path, fd, offset, length, done))
    except BaseException:
        os.close(fd)
        drop(vol.path)
        raise


def download(vol: Any, stream: Any, offset: int, length: int) -> None:
    """Feed ``stream`` with ``vol``'s file from ``offset`` on a thread of its own."""
    st = handle_of(stream)
    fd = _open(vol.path, os.O_RDONLY)
    hold(vol.path)
    try:
        st.bind(None)
    except BaseException:
        os.close(fd)
        drop(vol.path)
        raise

    def pump() -> None:
        pos, left = offset, (length if length > 0 else None)
        failure = None
        try:
            while left is None or left > 0:
                want = CHUNK if left is None else min(CHUNK, left)
                data = os.pread(fd, want, pos)
                if not data:
                    break
                if not st.wait_room(BACKLOG):
                    return                      # the application aborted
                st.feed(data)
                pos += len(data)
                if left is not None:
                    left -= len(data)
        except OSError as exc:
            failure = report_system(exc.errno or 0, f"cannot read from file '{vol.path}'",
                                    _FROM)
        finally:
            # the volume is free before the application sees the end
            os.close(fd)
            drop(vol.path)
        if failure is not None:
            st.feed_error(failure)
        else:
            st.feed_eof()

    threading.Thread(target=pump, name="pyvirt-vol-download", daemon=True).start()
