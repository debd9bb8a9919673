"""The durable data path of save, managed save and restore.

Save: QEMU writes its migration stream into a pipe; :class:`DurableWriter`
copies it, after a prefix (the save image header), into a temporary file
beside the target (``.NAME.pyvirt-tmp-XXXXXXXX``), optionally through a
compression pipeline.  :meth:`DurableWriter.commit` then patches the
prefix (the 'complete' magic), ``fdatasync``s the file, renames it over
the target and ``fsync``s the directory; only then does it return.  Any
failure, or :meth:`abort` from another thread, removes the temporary file
and leaves an older file at the target as it was.

Restore: :class:`StreamReader` streams a file from an offset (past the
header), optionally through a decompression pipeline, into an fd QEMU
reads with ``-incoming fd:N`` or ``migrate-incoming``.

Both run in the calling thread (:meth:`run`), in a thread of their own
(:meth:`start` / :meth:`wait`), or in a process of their own
(:func:`spawn`, ``python3 -m pyvirt.util.iohelper``).  Threads are the
fast path: the copy is ``splice(2)`` (no copy through user space) or
``readv``/``write`` with the GIL released, and a process costs ~150 ms
of interpreter start-up here.  :attr:`progress` counts bytes as they
move; :meth:`abort` wakes the copy loop through an eventfd.

``bypass_cache`` uses O_DIRECT with page-aligned (mmap'd) buffers of whole
4 KiB blocks; the unaligned tail is written after turning O_DIRECT off
with ``fcntl``, as libvirt's iohelper does.

Errors (``libvirtError``, raised in the thread that calls run/wait/commit)::

    an OS call failed (ENOSPC, EIO, EPIPE, fdatasync ...) -> VIR_ERR_SYSTEM_ERROR
        "unable to write 'PATH': No space left on device" (int1 = errno)
    a (de)compression program failed                    -> VIR_ERR_OPERATION_FAILED
    abort()                                             -> VIR_ERR_OPERATION_ABORTED
"""

from __future__ import annotations

import abc
import argparse
import errno
import fcntl
import json
import mmap
import os
import select
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import typing
from collections.abc import Callable, Sequence

from pyvirt import constants as C
from pyvirt.errors import libvirtError, report
from pyvirt.util.fileutil import fsync_dir

_FROM = C.VIR_FROM_NONE

BLOCK = 4096            # O_DIRECT alignment of buffers, sizes and offsets
CHUNK = 1 << 20         # bytes moved per system call
PIPE_SIZE = 1 << 20     # asked of pipes we read (fewer wake-ups than 64 KiB)

Pipeline = Sequence[Sequence[str]]
_POLLIN = select.POLLIN | select.POLLHUP | select.POLLERR
_POLLOUT = select.POLLOUT | select.POLLERR | select.POLLHUP


class _Failure(Exception):
    """A failure inside a copy loop, turned into a libvirtError by the caller's thread.

    The error is reported (thread-local last error, error handler) only in
    the thread that receives it, never in a worker thread.
    """

    def __init__(self, code: int, detail: str, errno_: int = -1) -> None:
        super().__init__(detail)
        self.code, self.detail, self.errno = code, detail, errno_

    @classmethod
    def system(cls, err: OSError, action: str) -> _Failure:
        num = err.errno or errno.EIO
        return cls(C.VIR_ERR_SYSTEM_ERROR, f"{action}: {os.strerror(num)}", num)

    def report(self) -> libvirtError:
        return report(self.code, self.detail, _FROM, int1=self.errno)


class Progress:
    """Bytes moved so far, readable from any thread or (shared) process.

    ``processed`` counts bytes of the uncompressed stream (save: read from
    QEMU; restore: read from the file); ``written`` counts bytes written
    to the destination.  ``total`` is set by whoever knows it (the guest's
    RAM for a save, the file size for a restore).
    """

    _LAYOUT = struct.Struct("=QQ")

    def __init__(self, total: int | None = None, shared_fd: int | None = None) -> None:
        self._mem = mmap.mmap(-1 if shared_fd is None else shared_fd, self._LAYOUT.size)
        self.total = total

    @property
    def processed(self) -> int:
        return self._LAYOUT.unpack_from(self._mem)[0]

    @property
    def written(self) -> int:
        return self._LAYOUT.unpack_from(self._mem)[1]

    @property
    def remaining(self) -> int | None:
        """``total - processed`` (never negative), or None when the total is unknown."""
        return None if self.total is None else max(self.total - self.processed, 0)

    def _set(self, processed: int, written: int) -> None:
        self._LAYOUT.pack_into(self._mem, 0, processed, written)


class Canceller:
    """An abort flag that also wakes a thread blocked in ``poll`` (an eventfd)."""

    def __init__(self) -> None:
        self._fd = os.eventfd(0, os.EFD_CLOEXEC | os.EFD_NONBLOCK)
        self._lock = threading.RLock()  # re-entrant: abort() may run in a signal handler
        self.cancelled = False

    def fileno(self) -> int:
        return self._fd

    def abort(self) -> None:
        """Ask the copy loop to stop; safe from any thread, any number of times."""
        with self._lock:
            self.cancelled = True
            if self._fd >= 0:
                os.eventfd_write(self._fd, 1)

    def check(self, what: str) -> None:
        if self.cancelled:
            raise _Failure(C.VIR_ERR_OPERATION_ABORTED, f"{what}: canceled by client")

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


# --- low-level helpers -------------------------------------------------------

def set_direct(fd: int, on: bool) -> None:
    """Turn O_DIRECT on or off for ``fd``; raise ``OSError`` (EINVAL: not supported)."""
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    new = flags | os.O_DIRECT if on else flags & ~os.O_DIRECT
    if new != flags:
        fcntl.fcntl(fd, fcntl.F_SETFL, new)


def _set_nonblock(fd: int) -> int:
    """Make ``fd`` non-blocking; return its old flags."""
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)
    return flags


def _is_stream(fd: int) -> bool:
    mode = os.fstat(fd).st_mode
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def _grow_pipe(fd: int) -> None:
    if stat.S_ISFIFO(os.fstat(fd).st_mode):
        try:
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
        except OSError:
            pass  # above /proc/sys/fs/pipe-max-size for an unprivileged user: keep 64 KiB


def pwrite_all(fd: int, data: bytes | memoryview, offset: int) -> None:
    """``pwrite`` all of ``data`` at ``offset``, retrying short writes; raise ``OSError``."""
    view = memoryview(data)
    while view:
        n = os.pwrite(fd, view, offset)
        view, offset = view[n:], offset + n


def _free(view: memoryview, buf: mmap.mmap) -> None:
    """Unmap a copy buffer now, or (while a traceback still holds a slice) at collection."""
    view.release()
    try:
        buf.close()
    except BufferError:
        pass


class _Waiter:
    """``poll`` on one fd plus the canceller; raises the abort failure when woken by it."""

    def __init__(self, canceller: Canceller, what: str) -> None:
        self.canceller, self.what = canceller, what

    def wait(self, fds: Sequence[tuple[int, int]]) -> dict[int, int]:
        poller = select.poll()
        poller.register(self.canceller.fileno(), select.POLLIN)
        for fd, events in fds:
            poller.register(fd, events)
        ready = dict(poller.poll())
        self.canceller.check(self.what)
        return ready


class _Sink:
    """The destination of a copy: reads land in its (page-aligned) buffer.

    Plain: every commit is written out at once.  Direct (O_DIRECT): data is
    kept until a whole buffer (whole blocks) is full; :meth:`finish` writes
    the aligned part, then turns O_DIRECT off for the tail.  Writes to a
    non-blocking fd (a pipe to QEMU) wait in ``poll`` so abort stays prompt.
    """

    def __init__(self, fd: int, waiter: _Waiter, action: str, direct: bool = False) -> None:
        self.fd, self.waiter, self.action, self.direct = fd, waiter, action, direct
        self._buf = mmap.mmap(-1, CHUNK)
        self._mv = memoryview(self._buf)
        self.fill = 0
        self.written = 0

    def space(self) -> memoryview:
        return self._mv[self.fill:]

    def commit(self, n: int) -> None:
        self.fill += n
        if not self.direct or self.fill == CHUNK:
            self._flush(self.fill)

    def put(self, data: bytes | memoryview) -> None:
        view = memoryview(data)
        while view:
            space = self.space()
            n = min(len(space), len(view))
            space[:n] = view[:n]
            view = view[n:]
            self.commit(n)

    def finish(self) -> None:
        aligned = self.fill - self.fill % BLOCK
        if aligned:
            self._flush(aligned)
        if self.fill:
            self._direct_off()
            self._flush(self.fill)

    def close(self) -> None:
        _free(self._mv, self._buf)

    def _direct_off(self) -> None:
        if self.direct:
            try:
                set_direct(self.fd, False)
            except OSError as err:
                raise _Failure.system(err, self.action) from None
            self.direct = False

    def _flush(self, n: int) -> None:
        done = 0
        while done < n:
            try:
                w = os.write(self.fd, self._mv[done:n])
            except BlockingIOError:
                self.waiter.wait([(self.fd, _POLLOUT)])
                continue
            except OSError as err:
                raise _Failure.system(err, self.action) from None
            done += w
            self.written += w
            if done < n:
                # a short write (disk nearly full): carry on unaligned, without O_DIRECT,
                # so the next write reports the real error (ENOSPC), not EINVAL
                self._direct_off()
        rest = self.fill - n
        if rest:
            self._mv[:rest] = self._mv[n:self.fill]
        self.fill = rest


# --- copy loops ----------------------------------------------------------------

def _pump_splice(src: int, dst: int, wait_fd: int, wait_events: int, waiter: _Waiter,
                 progress: Progress, base: tuple[int, int], action: str) -> tuple[int, int]:
    """Move src -> dst with splice(2) (one of them a pipe) until EOF."""
    processed, written = base
    flags = os.SPLICE_F_MOVE | os.SPLICE_F_NONBLOCK
    while True:
        waiter.wait([(wait_fd, wait_events)])
        try:
            n = os.splice(src, dst, CHUNK, flags=flags)
        except BlockingIOError:
            continue
        except OSError as err:
            raise _Failure.system(err, action) from None
        if n == 0:
            return processed, written
        processed += n
        written += n
        progress._set(processed, written)


def _pump_read(src: int, sink: _Sink, waiter: _Waiter, progress: Progress,
               read_action: str, processed: int = 0) -> int:
    """Read src into the sink's buffer until EOF; return ``processed`` + the bytes read."""
    while True:
        waiter.wait([(src, _POLLIN)])
        try:
            n = os.readv(src, [sink.space()])
        except BlockingIOError:
            continue
        except OSError as err:
            raise _Failure.system(err, read_action) from None
        if n == 0:
            return processed
        processed += n
        sink.commit(n)
        progress._set(processed, sink.written)


class _Pipeline:
    """Programs chained stdout -> stdin; we hold the first stdin and the last stdout.

    Each program's stderr goes to a temporary file (a pipe could fill up and
    stall it), quoted when it fails.
    """

    def __init__(self, pipeline: Pipeline) -> None:
        self.procs: list[subprocess.Popen] = []
        self.errs: list[typing.IO[bytes]] = []
        self.names = [str(argv[0]) for argv in pipeline]
        try:
            for argv in pipeline:
                self.errs.append(tempfile.TemporaryFile())  # noqa: SIM115 - closed by close()
                stdin = self.procs[-1].stdout if self.procs else subprocess.PIPE
                self.procs.append(subprocess.Popen(list(argv), stdin=stdin,
                                                   stdout=subprocess.PIPE,
                                                   stderr=self.errs[-1], close_fds=True))
                if len(self.procs) > 1:
                    self.procs[-2].stdout.close()  # type: ignore[union-attr]  # the child has it
        except OSError as err:
            self.kill()
            raise _Failure.system(err, f"cannot run '{argv[0]}'") from None
        self.stdin = self.procs[0].stdin.fileno()  # type: ignore[union-attr]
        self.stdout = self.procs[-1].stdout.fileno()  # type: ignore[union-attr]

    def close_stdin(self) -> None:
        self.procs[0].stdin.close()  # type: ignore[union-attr]

    def check(self, broken: bool) -> None:
        """Wait for every program; fail if one failed or the first quit reading early."""
        for p, err, name in zip(self.procs, self.errs, self.names):
            status = p.wait()
            if status != 0 or (broken and p is self.procs[0]):
                err.seek(0)
                text = err.read(2000).decode(errors="replace").strip()
                why = f"exit status {status}" if status else "it stopped reading its input"
                raise _Failure(C.VIR_ERR_OPERATION_FAILED,
                               f"'{name}' failed ({why})" + (f": {text}" if text else ""))

    def kill(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.kill()
        for p in self.procs:
            p.wait()

    def close(self) -> None:
        for p in self.procs:
            for f in (p.stdin, p.stdout):
                if f is not None:
                    f.close()
        for err in self.errs:
            err.close()


def _pump_pipeline(src: int, sink: _Sink, pipeline: Pipeline, waiter: _Waiter,
                   progress: Progress, read_action: str, initial: bytes = b"") -> int:
    """Feed ``initial``, then src, through ``pipeline`` into the sink until its output ends."""
    pipe = _Pipeline(pipeline)
    _set_nonblock(pipe.stdin)
    buf = mmap.mmap(-1, CHUNK)  # page-aligned: src may be O_DIRECT
    readmv = memoryview(buf)
    pending = memoryview(initial)
    processed, src_eof, stdin_open, broken = len(initial), False, True, False
    try:
        while True:
            fds = [(pipe.stdout, _POLLIN)]
            if pending:
                fds.append((pipe.stdin, _POLLOUT))
            elif not src_eof:
                fds.append((src, _POLLIN))
            ready = waiter.wait(fds)
            if src in ready and not pending and not src_eof:
                try:
                    n = os.readv(src, [readmv])
                except BlockingIOError:
                    n = -1
                except OSError as err:
                    raise _Failure.system(err, read_action) from None
                if n == 0:
                    src_eof = True
                elif n > 0:
                    pending = readmv[:n]
                    processed += n
            if pending and pipe.stdin in ready:
                try:
                    pending = pending[os.write(pipe.stdin, pending):]
                except BlockingIOError:
                    pass
                except BrokenPipeError:
                    pending, src_eof, broken = readmv[:0], True, True
            if src_eof and not pending and stdin_open:
                pipe.close_stdin()
                stdin_open = False
            if pipe.stdout in ready:
                try:
                    n = os.readv(pipe.stdout, [sink.space()])
                except OSError as err:
                    raise _Failure.system(
                        err, f"cannot read from '{pipe.names[-1]}'") from None
                if n == 0:
                    break
                sink.commit(n)
            progress._set(processed, sink.written)
        pipe.check(broken)
    except BaseException:
        pipe.kill()
        raise
    finally:
        pending.release()
        _free(readmv, buf)
        pipe.close()
    return processed


# --- jobs ----------------------------------------------------------------------

class _Job(abc.ABC):
    """A copy that runs here (:meth:`run`) or in a thread (:meth:`start`, :meth:`wait`)."""

    what = "I/O"

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress if progress is not None else Progress()
        self._canceller = Canceller()
        self._waiter = _Waiter(self._canceller, self.what)
        self._thread: threading.Thread | None = None
        self._failure: _Failure | None = None

    def abort(self) -> None:
        """Stop the copy promptly (from any thread); it then fails with OPERATION_ABORTED."""
        self._canceller.abort()

    def run(self, fd: int) -> None:
        """Copy until the end of the stream, in this thread; raise ``libvirtError``."""
        try:
            self._run(fd)
        except _Failure as failure:
            raise failure.report() from None
        finally:
            self._canceller.close()  # abort() now only sets the flag commit() checks

    def start(self, fd: int) -> None:
        """Start the copy in a thread of its own; collect its outcome with :meth:`wait`."""
        self._thread = threading.Thread(target=self._thread_main, args=(fd,),
                                        name=f"pyvirt-iohelper-{self.what}", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the thread; return False on timeout, raise its error if it failed."""
        assert self._thread is not None, "start() was not called"
        self._thread.join(timeout)
        if self._thread.is_alive():
            return False
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure.report()
        return True

    def _thread_main(self, fd: int) -> None:
        try:
            self._run(fd)
        except _Failure as failure:
            self._failure = failure
        except BaseException as exc:  # noqa: BLE001 - carried to wait()
            self._failure = _Failure(C.VIR_ERR_INTERNAL_ERROR, f"{self.what} failed: {exc!r}")
        finally:
            self._canceller.close()

    @abc.abstractmethod
    def _run(self, fd: int) -> None:
        """The copy itself; each kind of job (writer, reader) defines it."""


class DurableWriter(_Job):
    """Write ``prefix`` + a stream to a temporary file; :meth:`commit` puts it in place.

    ``path``: the target; an existing file there is replaced only by a
    successful commit.  ``patches``: (offset, bytes) written over the
    prefix just before the final sync (the save image's 'complete' magic).
    ``pipeline``: argv lists the stream is piped through (compression).
    ``fsync``: the flush before rename (``os.fdatasync``; tests inject faults).
    """

    what = "save"

    def __init__(self, path: str, *, prefix: bytes = b"",
                 patches: Sequence[tuple[int, bytes]] = (), bypass_cache: bool = False,
                 pipeline: Pipeline | None = None,
                 fsync: Callable[[int], None] = os.fdatasync, mode: int = 0o600,
                 progress: Progress | None = None) -> None:
        super().__init__(progress)
        self.path = os.path.abspath(path)
        self.prefix, self.patches = prefix, list(patches)
        self.bypass_cache, self.pipeline = bypass_cache, pipeline
        self.fsync, self.mode = fsync, mode
        self.tmp_path: str | None = None
        self._fd = -1
        self._copied = False

    def open(self) -> None:
        """Create the temporary file (done by run/start if not yet); raise ``libvirtError``."""
        try:
            self._open()
        except _Failure as failure:
            raise failure.report() from None

    def _open(self) -> None:
        if self._fd >= 0:
            return
        directory, name = os.path.split(self.path)
        try:
            self._fd, self.tmp_path = tempfile.mkstemp(prefix=f".{name}.pyvirt-tmp-",
                                                       dir=directory)
            os.fchmod(self._fd, self.mode)
        except OSError as err:
            raise _Failure.system(err, f"cannot create a file in '{directory}'") from None
        if self.bypass_cache:
            try:
                set_direct(self._fd, True)
            except OSError as err:
                self._discard()
                raise _Failure.system(
                    err, f"cannot bypass the file system cache for '{self.path}'") from None

    def _run(self, fd: int) -> None:
        try:
            self._open()
            _grow_pipe(fd)
            action = f"unable to write '{self.path}'"
            read_action = f"unable to read the data stream for '{self.path}'"
            sink = _Sink(self._fd, self._waiter, action, direct=self.bypass_cache)
            try:
                sink.put(self.prefix)
                if self.pipeline:
                    processed = _pump_pipeline(fd, sink, self.pipeline, self._waiter,
                                               self.progress, read_action)
                elif not self.bypass_cache and stat.S_ISFIFO(os.fstat(fd).st_mode):
                    processed, sink.written = _pump_splice(
                        fd, self._fd, fd, _POLLIN, self._waiter, self.progress,
                        (0, sink.written), action)
                else:
                    processed = _pump_read(fd, sink, self._waiter, self.progress, read_action)
                sink.finish()
                self.progress._set(processed, sink.written)
            finally:
                sink.close()
            self._canceller.check(self.what)
            self._copied = True
        except BaseException:
            self._discard()
            raise

    def commit(self) -> None:
        """Patch, ``fdatasync``, rename over the target, ``fsync`` the directory.

        Raises ``libvirtError``; on failure before the rename the temporary
        file is removed and the target is untouched.
        """
        try:
            self._commit()
        except _Failure as failure:
            raise failure.report() from None

    def _commit(self) -> None:
        if not self._copied or self._fd < 0:
            raise _Failure(C.VIR_ERR_OPERATION_INVALID, f"{self.what}: nothing to commit")
        try:
            self._canceller.check(self.what)
            action = f"unable to write '{self.path}'"
            try:
                set_direct(self._fd, False)
                for offset, data in self.patches:
                    pwrite_all(self._fd, data, offset)
            except OSError as err:
                raise _Failure.system(err, action) from None
            try:
                self.fsync(self._fd)
            except OSError as err:
                raise _Failure.system(err, f"unable to sync '{self.path}'") from None
            fd, self._fd = self._fd, -1
            try:
                os.close(fd)
            except OSError as err:
                raise _Failure.system(err, f"unable to close '{self.path}'") from None
            self._canceller.check(self.what)
            try:
                os.rename(self.tmp_path, self.path)  # type: ignore[arg-type]
            except OSError as err:
                raise _Failure.system(err, f"unable to rename '{self.tmp_path}' "
                                           f"to '{self.path}'") from None
        except BaseException:
            self._discard()
            raise
        self.tmp_path = None
        self._canceller.close()
        try:
            fsync_dir(os.path.dirname(self.path))
        except OSError as err:
            # the image is in place, but the rename may not survive a crash: say so
            raise _Failure.system(
                err, f"unable to sync directory of '{self.path}'").report() from None

    def discard(self) -> None:
        """Remove the temporary file (the target is never touched); idempotent."""
        self._discard()

    def _discard(self) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            try:
                os.close(fd)
            except OSError:
                pass
        if self.tmp_path is not None:
            try:
                os.unlink(self.tmp_path)
            except FileNotFoundError:
                pass
            self.tmp_path = None
        self._copied = False


class StreamReader(_Job):
    """Stream ``path`` from ``offset`` on, optionally decompressed, into an fd (restore).

    ``progress.total`` is set to the bytes to read from the file.  When
    QEMU closes its end early, the write fails with EPIPE (SYSTEM_ERROR).
    """

    what = "restore"

    def __init__(self, path: str, *, offset: int = 0, bypass_cache: bool = False,
                 pipeline: Pipeline | None = None, progress: Progress | None = None) -> None:
        super().__init__(progress)
        self.path, self.offset = path, offset
        self.bypass_cache, self.pipeline = bypass_cache, pipeline

    def _run(self, fd: int) -> None:
        read_action = f"unable to read '{self.path}'"
        action = f"unable to write the data stream of '{self.path}'"
        try:
            src = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as err:
            raise _Failure.system(err, f"cannot open '{self.path}'") from None
        old_flags = None
        sink = _Sink(fd, self._waiter, action)
        try:
            size = os.fstat(src).st_size
            self.progress.total = max(size - self.offset, 0)
            head = b""
            start = self.offset
            if self.bypass_cache:
                # the unaligned bytes up to the next block boundary, through the cache
                start = -(-self.offset // BLOCK) * BLOCK
                try:
                    head = os.pread(src, start - self.offset, self.offset)
                    set_direct(src, True)
                except OSError as err:
                    raise _Failure.system(err, read_action) from None
            os.lseek(src, start, os.SEEK_SET)
            if _is_stream(fd):
                old_flags = _set_nonblock(fd)
            progress = self.progress
            if self.pipeline:
                _pump_pipeline(src, sink, self.pipeline, self._waiter, progress, read_action,
                               initial=head)
            elif not self.bypass_cache and stat.S_ISFIFO(os.fstat(fd).st_mode):
                _pump_splice(src, fd, fd, _POLLOUT, self._waiter, progress, (0, 0), action)
            else:
                sink.put(head)
                _pump_read(src, sink, self._waiter, progress, read_action, len(head))
            self._canceller.check(self.what)
        finally:
            sink.close()
            os.close(src)
            if old_flags is not None:
                fcntl.fcntl(fd, fcntl.F_SETFL, old_flags)


# --- as a process of its own -----------------------------------------------------

class HelperProcess:
    """A :class:`DurableWriter` or :class:`StreamReader` run by ``python3 -m pyvirt.util.iohelper``.

    Same interface as the thread form: ``progress`` (shared memory),
    :meth:`abort` (SIGTERM), :meth:`wait`, and for a writer :meth:`commit` /
    :meth:`discard`.  The child reports on its stdout, one JSON object a
    line: ``copied`` (writer: stream ended, waiting for commit/discard on
    its stdin), ``done``, ``discarded`` or ``error`` (code, detail, errno).
    """

    def __init__(self, args: list[str], pass_fds: Sequence[int], what: str) -> None:
        self.what = what
        mfd = os.memfd_create("pyvirt-iohelper-progress", os.MFD_CLOEXEC)
        try:
            os.ftruncate(mfd, Progress._LAYOUT.size)
            self.progress = Progress(shared_fd=mfd)
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "pyvirt.util.iohelper", *args, "--progress-fd", str(mfd)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, pass_fds=(*pass_fds, mfd),
                close_fds=True)
        finally:
            os.close(mfd)
        self._lines: list[dict] = []
        self._partial = b""
        self._state = "running"

    def abort(self) -> None:
        """Stop the child's copy promptly; it fails with OPERATION_ABORTED."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def _next(self, timeout: float | None) -> dict | None:
        fd = self.proc.stdout.fileno()  # type: ignore[union-attr]
        while not self._lines:
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                return None
            data = os.read(fd, 65536)
            if not data:
                status = self.proc.wait()
                return {"event": "error", "code": C.VIR_ERR_INTERNAL_ERROR, "errno": -1,
                        "detail": f"{self.what} helper exited with status {status}"}
            *lines, self._partial = (self._partial + data).split(b"\n")
            self._lines.extend(json.loads(line) for line in lines if line)
        return self._lines.pop(0)

    def _expect(self, timeout: float | None) -> str | None:
        msg = self._next(timeout)
        if msg is None:
            return None
        if msg["event"] == "error":
            self._finish()
            raise _Failure(msg["code"], msg["detail"], msg["errno"]).report()
        return msg["event"]

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the stream to end; return False on timeout, raise the child's error."""
        if self._state != "running":
            return True
        event = self._expect(timeout)
        if event is None:
            return False
        self._state = event
        if event == "done":
            self._finish()
        return True

    def _send(self, command: str) -> str:
        self.proc.stdin.write(command.encode() + b"\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        try:
            return self._expect(None) or ""
        finally:
            self._finish()

    def commit(self) -> None:
        """Tell the child to commit (sync, rename, sync the directory); raise its error."""
        self._send("commit")

    def discard(self) -> None:
        """Tell the child to remove its temporary file."""
        if self.proc.poll() is None:
            try:
                self._send("discard")
            except (libvirtError, BrokenPipeError):
                pass
        self._finish()

    def _finish(self) -> None:
        for f in (self.proc.stdin, self.proc.stdout):
            if f is not None and not f.closed:
                try:
                    f.close()
                except BrokenPipeError:
                    pass
        self.proc.wait()


def spawn_writer(path: str, in_fd: int, *, prefix: bytes = b"",
                 patches: Sequence[tuple[int, bytes]] = (), bypass_cache: bool = False,
                 pipeline: Pipeline | None = None, mode: int = 0o600) -> HelperProcess:
    """Run a :class:`DurableWriter` reading ``in_fd`` in a child process."""
    pfd = os.memfd_create("pyvirt-iohelper-prefix", os.MFD_CLOEXEC)
    try:
        pwrite_all(pfd, prefix, 0)
        args = ["write", path, "--fd", str(in_fd), "--prefix-fd", str(pfd),
                "--mode", oct(mode)]
        args += [f"--patch={off}:{data.hex()}" for off, data in patches]
        args += _common_args(bypass_cache, pipeline)
        return HelperProcess(args, (in_fd, pfd), DurableWriter.what)
    finally:
        os.close(pfd)


def spawn_reader(path: str, out_fd: int, *, offset: int = 0, bypass_cache: bool = False,
                 pipeline: Pipeline | None = None) -> HelperProcess:
    """Run a :class:`StreamReader` writing into ``out_fd`` in a child process."""
    args = ["read", path, "--fd", str(out_fd), "--offset", str(offset)]
    return HelperProcess(args + _common_args(bypass_cache, pipeline), (out_fd,),
                         StreamReader.what)


def _common_args(bypass_cache: bool, pipeline: Pipeline | None) -> list[str]:
    args = ["--bypass-cache"] if bypass_cache else []
    if pipeline:
        args += ["--pipeline", json.dumps([list(a) for a in pipeline])]
    return args


def _say(event: str, **fields: object) -> None:
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """The child side of :class:`HelperProcess` (not a user command)."""
    parser = argparse.ArgumentParser(prog="python3 -m pyvirt.util.iohelper")
    parser.add_argument("direction", choices=["write", "read"])
    parser.add_argument("path")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--prefix-fd", type=int)
    parser.add_argument("--patch", action="append", default=[])
    parser.add_argument("--mode", type=lambda s: int(s, 0), default=0o600)
    parser.add_argument("--bypass-cache", action="store_true")
    parser.add_argument("--pipeline", type=json.loads)
    parser.add_argument("--progress-fd", type=int)
    opts = parser.parse_args(argv)
    progress = Progress(shared_fd=opts.progress_fd) if opts.progress_fd is not None else None
    job: DurableWriter | StreamReader
    if opts.direction == "write":
        prefix = b""
        if opts.prefix_fd is not None:
            with os.fdopen(opts.prefix_fd, "rb") as f:
                prefix = f.read()
        patches = [(int(o), bytes.fromhex(h)) for o, h in (p.split(":") for p in opts.patch)]
        job = DurableWriter(opts.path, prefix=prefix, patches=patches, mode=opts.mode,
                            bypass_cache=opts.bypass_cache, pipeline=opts.pipeline,
                            progress=progress)
    else:
        job = StreamReader(opts.path, offset=opts.offset, bypass_cache=opts.bypass_cache,
                           pipeline=opts.pipeline, progress=progress)
    signal.signal(signal.SIGTERM, lambda _sig, _frame: job.abort())
    try:
        job._run(opts.fd)
        os.close(opts.fd)
        if isinstance(job, DurableWriter):
            _say("copied")
            command = sys.stdin.readline().strip()
            if command != "commit":
                job.discard()
                _say("discarded")
                return 0
            job._commit()
        _say("done")
        return 0
    except _Failure as failure:
        _say("error", code=failure.code, detail=failure.detail, errno=failure.errno)
        return 1


if __name__ == "__main__":
    sys.exit(main())
