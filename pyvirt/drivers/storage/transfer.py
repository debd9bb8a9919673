"""Volume upload and download on virStreams.

An upload binds the stream to a sink that writes what the application
sends into the volume's file from ``offset`` (at most ``length`` bytes when
it is not 0); ``finish`` syncs the file and lets the driver refresh the
volume.  A download runs a thread that feeds the stream with regions of
the file, read when taken (by the application's recv() on its own thread,
or by pyvirtd's sendfile), or with the bytes a backend's own storage
reads, waiting while the application has not taken what was fed (so a
large volume is never all in memory); once it has fed the end it leaves,
and the file its regions are read from is released by whoever meets the
end (or finishes or aborts the stream first).  The thread is one of
:data:`_PUMPS`, which an earlier download may have left idle.  As in libvirt
9.0, a running transfer does not keep its volume in use (libvirt marks it
only while the transfer is set up; here the storage driver's lock covers
that setup): the volume may be downloaded again, uploaded to or deleted
while one runs.

Both read and write through a :class:`VolumeIO`: a file (:class:`FileIO`)
unless the backend gives its own (an RBD image, for instance).

Sparse transfers (libvirt's VIR_STORAGE_VOL_UPLOAD/DOWNLOAD_SPARSE_STREAM)
keep holes holes: a download finds them with SEEK_DATA/SEEK_HOLE and sends
them as stream holes, an upload punches the holes it is sent into the file
(zeros on a block device) instead of writing zeros.  A backend's own
:class:`VolumeIO` has no holes to find: its downloads send all data, and
the holes uploaded into it are written as zeros.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import stat
import threading
from collections.abc import Callable
from typing import Any, Protocol

from pyvirt import constants as C
from pyvirt.driver.stream import LOCAL_CHUNK, Region, Stream, handle_of
from pyvirt.errors import libvirtError, report_system
from pyvirt.util.spare_threads import SpareThreads

_FROM = C.VIR_FROM_STORAGE
_IOV_MAX = 1024
_PAGE = 4096                  # the upload's file writes end on these boundaries
_WRITEBACK = 16 << 20         # an upload asks the kernel to start writing each such run
BACKLOG = 4                   # chunks a download may have fed ahead of the reader

# the threads downloads feed their streams from (one each, kept for the next)
_PUMPS = SpareThreads("pyvirt-vol-download")
_lock = threading.Lock()
_busy: dict[str, int] = {}    # volume path -> long jobs using it (libvirt's in_use)
_built: dict[str, int] = {}   # volume path -> builds making it (libvirt's building)
_LIBC: list[Any] = []
_SYNC_FILE_RANGE_WRITE = 2


def _libc() -> Any:
    """The C library, with the prototypes of the calls Python's os module lacks."""
    if not _LIBC:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
        libc.sync_file_range.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64,
                                         ctypes.c_uint]
        _LIBC.append(libc)
    return _LIBC[0]


def in_use(vol: Any) -> bool:
    """Whether a long job (a wipe, a resize, a clone reading it) uses ``vol``: libvirt's
    ``in_use``.  A transfer does not count, as in libvirt: a volume is marked in use
    only while its upload or download is set up, so it may be downloaded twice at
    once, uploaded to, or deleted (the transfer keeps its open file) while one runs."""
    with _lock:
        return _busy.get(vol.path, 0) > 0


def building(vol: Any) -> bool:
    """Whether ``vol`` is being made (created or cloned): libvirt's ``building``."""
    with _lock:
        return _built.get(vol.path, 0) > 0


def busy(vol: Any) -> bool:
    """Whether a long job uses ``vol`` or makes it (its pool may not stop meanwhile)."""
    return in_use(vol) or building(vol)


def hold(path: str, build: bool = False) -> None:
    """Count one more long job using (``build``: making) the volume at ``path``."""
    counts = _built if build else _busy
    with _lock:
        counts[path] = counts.get(path, 0) + 1


def drop(path: str, build: bool = False) -> None:
    """The end of a job counted by :func:`hold`."""
    counts = _built if build else _busy
    with _lock:
        left = counts.get(path, 0) - 1
        if left > 0:
            counts[path] = left
        else:
            counts.pop(path, None)


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
        self.lock = threading.Lock()     # regions of a download read under it

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

    def pwritev(self, buffers: list[memoryview], offset: int) -> int:
        """Write ``buffers`` in order at ``offset`` with one system call."""
        try:
            return os.pwritev(self.fd, buffers[:_IOV_MAX], offset)
        except OSError as exc:
            raise report_system(exc.errno or 0, f"cannot write to file '{self.path}'",
                                _FROM) from None

    def start_writeback(self, offset: int, length: int) -> None:
        """Have the kernel start writing [offset, offset + length) to the disk, not
        waiting for it (sync_file_range's WRITE): the data of a long upload goes to
        the disk while more arrives, and the sync at its finish has less left to do."""
        _libc().sync_file_range(self.fd, offset, length, _SYNC_FILE_RANGE_WRITE)

    def sync(self) -> None:
        try:
            os.fsync(self.fd)
        except OSError as exc:
            raise report_system(exc.errno or 0, f"cannot sync data to file '{self.path}'",
                                _FROM) from None

    def close(self) -> None:
        with self.lock:
            fd, self.fd = self.fd, -1
        if fd >= 0:
            os.close(fd)


class _UploadSink:
    """Writes the application's bytes into the volume.

    The writes into a file end on page boundaries: up to a page's worth of the
    bytes sent last waits in ``tail`` (a copy) until more comes, a hole, a splice,
    the finish or an abort (writes that end inside a page cost the kernel several
    times more to put into the page cache, and applications send pieces of any
    size: 262,120 bytes from libvirt-python's sendAll, for one)."""

    def __init__(self, path: str, fd: VolumeIO, offset: int, length: int,
                 done: Callable[[], None]) -> None:
        self.path, self.fd, self.pos = path, fd, offset
        self.left = length if length > 0 else None
        self.done = done
        self.closed = False
        self.tail = b""           # bytes sent after the last page boundary, not written
        self.unstarted = offset   # the bytes from here to pos are not being written back

    def write(self, data: bytes) -> None:
        self.write_vector([data])

    def write_vector(self, buffers: list[Any]) -> None:
        """Write ``buffers`` one after the other (one ``pwritev`` on a file)."""
        views = [memoryview(b) for b in buffers]
        if self.left is not None:
            kept = []
            for v in views:
                v = v[:self.left]
                self.left -= len(v)
                kept.append(v)
            views = kept
        if self.tail:
            views.insert(0, memoryview(self.tail))
            self.tail = b""
        if isinstance(self.fd, FileIO):
            total = sum(len(v) for v in views)
            keep = min((self.pos + total) % _PAGE, total)
            if keep:
                # the last ``keep`` bytes wait for the rest of their page
                held: list[memoryview] = []
                while keep:
                    last = views.pop()
                    take = min(keep, len(last))
                    held.insert(0, last[len(last) - take:])
                    if take < len(last):
                        views.append(last[:len(last) - take])
                    keep -= take
                self.tail = b"".join(held)
        self._write_views(views)

    @property
    def end(self) -> int:
        """Where the next byte sent goes (past the bytes held back)."""
        return self.pos + len(self.tail)

    def flush(self) -> None:
        """Write the bytes held back (before a hole, a splice, the end)."""
        if self.tail:
            tail, self.tail = self.tail, b""
            self._write_views([memoryview(tail)])

    def _write_views(self, views: list[memoryview]) -> None:
        views = [v for v in views if len(v)]
        pwritev = getattr(self.fd, "pwritev", None)
        while views:
            if pwritev is not None:
                n = pwritev(views, self.pos)
            else:
                n = self.fd.pwrite(views[0], self.pos)
            self.pos += n
            while views and n >= len(views[0]):
                n -= len(views[0])
                views.pop(0)
            if n:
                views[0] = views[0][n:]
        self._start_writeback()

    def _start_writeback(self) -> None:
        """Once :data:`_WRITEBACK` bytes were written since the last start, start their
        disk writes (a file's)."""
        if self.pos - self.unstarted < _WRITEBACK:
            return
        if isinstance(self.fd, FileIO):
            self.fd.start_writeback(self.unstarted, self.pos - self.unstarted)
        self.unstarted = self.pos

    def can_splice(self) -> bool:
        """Whether :meth:`write_spliced` may be used (a file, still open)."""
        return isinstance(self.fd, FileIO) and not self.closed

    def write_spliced(self, pipe: int, count: int) -> None:
        """Move ``count`` bytes waiting in ``pipe`` into the volume at the upload's
        position with splice(2), never through memory (pyvirtd's uploads; the caller
        checked ``left`` has room)."""
        assert isinstance(self.fd, FileIO)
        self.flush()
        while count:
            try:
                n = os.splice(pipe, self.fd.fd, count, offset_dst=self.pos,
                              flags=os.SPLICE_F_MOVE)
            except OSError as exc:
                raise report_system(exc.errno or 0, f"cannot write to file '{self.path}'",
                                    _FROM) from None
            if n <= 0:
                raise report_system(errno.EIO, f"cannot write to file '{self.path}'", _FROM)
            self.pos += n
            count -= n
            if self.left is not None:
                self.left -= n
        self._start_writeback()

    def _close(self) -> bool:
        if self.closed:
            return False
        self.closed = True
        self.fd.close()
        return True

    def finish(self) -> None:
        try:
            if not self.closed:
                self.flush()
            self.fd.sync()
        except BaseException:
            self._close()
            raise
        if self._close():
            self.done()

    def abort(self) -> None:
        # what was sent before the abort is in the volume, as without the holdback
        if not self.closed:
            with contextlib.suppress(libvirtError):
                self.flush()
        self._close()


_PUNCH_HOLE = 0x01 | 0x02          # FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE


def punch_hole(fd: int, offset: int, length: int) -> None:
    """Deallocate [offset, offset + length) of a file (it reads as zeros after)."""
    if _libc().fallocate(fd, _PUNCH_HOLE, offset, length) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


class _SparseUploadSink(_UploadSink):
    """An upload that also takes holes: punched into a file, zeros on a device."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        # the file's descriptor; None for a backend's own storage (holes become zeros)
        self.raw: int | None = self.fd.fd if isinstance(self.fd, FileIO) else None
        self.block = True
        self.size = 0
        if self.raw is not None:
            st = os.fstat(self.raw)
            self.block = stat.S_ISBLK(st.st_mode)
            self.size = os.lseek(self.raw, 0, os.SEEK_END) if self.block else st.st_size

    def write_hole(self, length: int) -> None:
        self.flush()
        if self.left is not None:
            length = min(length, self.left)
            self.left -= length
        try:
            if self.block:
                zeros = memoryview(bytes(min(length, 1 << 20)))
                end = self.pos + length
                while self.pos < end:
                    self.pos += self.fd.pwrite(zeros[:end - self.pos], self.pos)
                return
            assert self.raw is not None
            inside = min(length, max(0, self.size - self.pos))
            if inside:
                punch_hole(self.raw, self.pos, inside)
            self.pos += length
        except OSError as exc:
            raise report_system(exc.errno or 0, f"cannot write to file '{self.path}'",
                                _FROM) from None

    def finish(self) -> None:
        if (self.raw is not None and not self.block and not self.closed
                and self.end > os.fstat(self.raw).st_size):
            os.ftruncate(self.raw, self.end)     # a hole at the end still counts
        super().finish()


def _local_pieces(st: Stream) -> None:
    """Page-sized pieces on a stream whose application is in this process (not a
    daemon's, whose pieces are whole wire messages)."""
    if not st.on_wire:
        st.piece = LOCAL_CHUNK


def upload(vol: Any, stream: Any, offset: int, length: int,
           done: Callable[[], None], io: VolumeIO | None = None,
           sparse: bool = False) -> None:
    """Bind ``stream`` to write into ``vol``'s file (or ``io``); ``done()`` after a clean
    finish."""
    st = handle_of(stream)
    _local_pieces(st)
    fd = io or FileIO(vol.path, True)
    try:
        sink = (_SparseUploadSink if sparse else _UploadSink)(vol.path, fd, offset, length,
                                                               done)
        st.bind(sink)
    except BaseException:
        fd.close()
        raise


def _sections(fd: int, pos: int, end: int) -> tuple[bool, int]:
    """(in data, where the section that starts at ``pos`` ends), by SEEK_DATA/SEEK_HOLE."""
    try:
        data = os.lseek(fd, pos, os.SEEK_DATA)
    except OSError as exc:
        if exc.errno == errno.ENXIO:             # only a hole from here to the end
            return False, end
        return True, end                         # no SEEK_DATA here: all data
    if data > pos:
        return False, min(data, end)
    try:
        return True, min(os.lseek(fd, pos, os.SEEK_HOLE), end)
    except OSError:
        return True, end


def download(vol: Any, stream: Any, offset: int, length: int,
             io: VolumeIO | None = None, sparse: bool = False) -> None:
    """Feed ``stream`` with ``vol``'s file (or ``io``) from ``offset`` on a thread of its
    own (a file's holes as stream holes when ``sparse``)."""
    st = handle_of(stream)
    _local_pieces(st)
    piece = st.piece
    fd = io or FileIO(vol.path, False)
    raw = fd.fd if isinstance(fd, FileIO) else None
    sparse = sparse and raw is not None
    try:
        st.bind(None)
    except BaseException:
        fd.close()
        raise

    def release() -> None:
        # the file is closed before the application sees the end
        fd.close()

    def pump() -> None:
        pos, left = offset, (length if length > 0 else None)
        failure = None
        fed = False                          # file regions were fed
        try:
            end = size = 0
            if raw is not None:
                size = os.lseek(raw, 0, os.SEEK_END)
                end = size if left is None else min(size, offset + left)
            section = (True, pos)            # (in data, section end): none read yet
            while left is None or left > 0:
                if sparse:
                    if pos >= end:
                        break
                    if pos >= section[1]:
                        assert raw is not None
                        section = _sections(raw, pos, end)
                if sparse and not section[0]:
                    if not st.wait_room(BACKLOG):
                        break
                    st.feed_hole(section[1] - pos)
                    if left is not None:
                        left -= section[1] - pos
                    pos = section[1]
                    continue
                # regions while the consumer reads or sends from the file (the
                # application in process, pyvirtd's producer; not pyvirtd's loop
                # while its client lags: that reads memory, not files)
                regions = raw is not None and st.takes_regions
                want = piece if left is None else min(piece, left)
                if sparse:
                    want = min(want, section[1] - pos)
                    if want <= 0:
                        break
                if regions:
                    # a file's data is read when taken: by recv() on the
                    # application's thread, or by pyvirtd's sendfile to its client
                    want = min(want, max(0, size - pos))
                    if not want or not st.wait_room(BACKLOG):
                        break
                    st.feed_region(Region(fd, pos, want))
                    fed = True
                else:
                    data = fd.pread(want, pos)
                    if not data or not st.wait_room(BACKLOG):
                        break
                    st.feed(data)
                    want = len(data)
                pos += want
                if left is not None:
                    left -= want
        except libvirtError as exc:
            failure = exc
        except BaseException:
            release()
            raise
        if failure is not None:
            release()
            st.feed_error(failure)
        elif fed:
            # the regions fed are read before the end is met: whoever meets it
            # releases the file then (no wait here for them to be taken)
            st.feed_eof(release)
        else:
            release()
            st.feed_eof()

    _PUMPS.run(pump)
