"""The durable data path: round trips, real ENOSPC, injected fdatasync failure, abort.

Faults are real wherever they can be: ENOSPC comes from a 1 MiB tmpfs the
test mounts (the tests run as root), a reader error from a TCP reset, a
pipeline failure from gzip fed garbage.  Only the fdatasync failure is
injected, through the writer's ``fsync`` parameter.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import os
import select
import shutil
import socket
import struct
import subprocess
import termios
import threading
import time

import pytest
from waiting import DEADLINE, wait_until

from pyvirt import constants as C
from pyvirt.errors import libvirtError
from pyvirt.util import iohelper
from pyvirt.util.iohelper import DurableWriter, Progress, StreamReader

MiB = 1 << 20
F_GETPIPE_SZ = getattr(fcntl, "F_GETPIPE_SZ", 1032)
OLD = b"an older managed save image\n"


# --- fixtures and helpers ---------------------------------------------------------

def _mount(args: list[str], where: str) -> bool:
    if os.geteuid() != 0:
        return False
    return subprocess.run(["mount", *args, where], capture_output=True, check=False).returncode == 0


def _umount(where: str) -> None:
    if subprocess.run(["umount", where], capture_output=True, check=False).returncode != 0:
        subprocess.run(["umount", "-l", where], capture_output=True, check=False)


@pytest.fixture
def small_fs(tmp_path):
    """A 1 MiB tmpfs: writing more fails with a real ENOSPC."""
    where = tmp_path / "small"
    where.mkdir()
    if not _mount(["-t", "tmpfs", "-o", "size=1m", "tmpfs"], str(where)):
        pytest.skip("cannot mount a tmpfs (needs root)")
    try:
        yield where
    finally:
        _umount(str(where))


def _supports_direct(directory) -> bool:
    probe = os.path.join(directory, ".direct-probe")
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_DIRECT, 0o600)
    except OSError as err:
        if err.errno == errno.EINVAL:
            return False
        raise
    os.close(fd)
    os.unlink(probe)
    return True


@pytest.fixture
def direct_dir(tmp_path):
    """A directory whose file system accepts O_DIRECT (tmp_path, else a loop ext4)."""
    if _supports_direct(tmp_path):
        yield tmp_path
        return
    image, where = tmp_path / "ext4.img", tmp_path / "ext4"
    where.mkdir()
    with open(image, "wb") as f:
        f.truncate(64 * MiB)
    made = subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], capture_output=True,
                          check=False)
    if made.returncode != 0 or not _mount(["-o", "loop"], str(where)):
        pytest.skip("no file system here accepts O_DIRECT")
    try:
        yield where
    finally:
        _umount(str(where))


def feed(data: bytes, *, chunk: int = 65536, hold: threading.Event | None = None) -> int:
    """Return the read end of a pipe a thread writes ``data`` into, then closes.

    With ``hold``, the writer keeps the pipe open after the data until it is set.
    """
    rfd, wfd = os.pipe2(os.O_CLOEXEC)

    def run():
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(wfd, view[:chunk]):]
            if hold is not None:
                hold.wait(30)
        except BrokenPipeError:
            pass
        finally:
            os.close(wfd)

    threading.Thread(target=run, daemon=True).start()
    return rfd


def drain_into(fd: int, out: bytearray) -> threading.Thread:
    def run():
        while chunk := os.read(fd, MiB):
            out.extend(chunk)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def leftovers(directory) -> list[str]:
    return sorted(n for n in os.listdir(directory) if ".pyvirt-tmp-" in n)


def write_through(target, data: bytes, **kwargs) -> DurableWriter:
    writer = DurableWriter(str(target), **kwargs)
    rfd = feed(data)
    try:
        writer.run(rfd)
    finally:
        os.close(rfd)
    writer.commit()
    return writer


def read_back(path, **kwargs) -> bytes:
    reader = StreamReader(str(path), **kwargs)
    rfd, wfd = os.pipe2(os.O_CLOEXEC)
    out = bytearray()
    t = drain_into(rfd, out)
    try:
        reader.run(wfd)
    finally:
        os.close(wfd)
        t.join(30)
        os.close(rfd)
    return bytes(out)


def payload(size: int) -> bytes:
    # half random (incompressible), half text (compressible): both paths are exercised
    return (os.urandom(size // 2) + b"pyvirt " * (size // 14 + 1))[:size]


def assert_error(exc: pytest.ExceptionInfo, code: int, *words: str) -> None:
    err = exc.value
    assert isinstance(err, libvirtError)
    assert err.get_error_code() == code, str(err)
    for word in words:
        assert word in str(err)


# --- round trips --------------------------------------------------------------------------

@pytest.mark.parametrize("size", [0, 1, 4096, 3 * MiB + 123])
def test_pipe_file_pipe(tmp_path, size):
    data = payload(size)
    target = tmp_path / "image"
    writer = write_through(target, data, prefix=b"HEADpart", patches=[(4, b"DONE")])
    on_disk = target.read_bytes()
    assert on_disk == b"HEADDONE" + data
    assert os.stat(target).st_mode & 0o777 == 0o600
    assert writer.progress.processed == size
    assert writer.progress.written == size + 8
    assert leftovers(tmp_path) == []
    assert read_back(target, offset=8) == data


def test_replaces_older_file_only_on_commit(tmp_path):
    target = tmp_path / "image"
    target.write_bytes(OLD)
    writer = DurableWriter(str(target))
    rfd = feed(b"new")
    writer.run(rfd)
    os.close(rfd)
    assert target.read_bytes() == OLD          # copied, not committed yet
    assert len(leftovers(tmp_path)) == 1
    assert leftovers(tmp_path)[0].startswith(".image.pyvirt-tmp-")
    writer.commit()
    assert target.read_bytes() == b"new"
    assert leftovers(tmp_path) == []


def test_discard_keeps_older_file(tmp_path):
    target = tmp_path / "image"
    target.write_bytes(OLD)
    writer = DurableWriter(str(target))
    rfd = feed(b"new")
    writer.run(rfd)
    os.close(rfd)
    writer.discard()
    writer.discard()
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path) == []
    with pytest.raises(libvirtError) as exc:
        writer.commit()
    assert_error(exc, C.VIR_ERR_OPERATION_INVALID)


@pytest.mark.parametrize("program", ["gzip", "zstd", "xz"])
def test_compressed_round_trip(tmp_path, program):
    if shutil.which(program) is None:
        pytest.skip(f"{program} is not installed")
    data = payload(2 * MiB + 5)
    target = tmp_path / "image"
    writer = write_through(target, data, prefix=b"HEAD", pipeline=[[program, "-c"]])
    raw = target.read_bytes()
    assert raw[:4] == b"HEAD"
    assert len(raw) < len(data)                # it was compressed
    assert writer.progress.processed == len(data)
    assert writer.progress.written == len(raw)
    unpacked = subprocess.run([program, "-dc"], input=raw[4:], capture_output=True,
                              check=True).stdout
    assert unpacked == data
    assert read_back(target, offset=4, pipeline=[[program, "-dc"]]) == data


def test_pipeline_of_several_programs(tmp_path):
    data = payload(MiB)
    target = tmp_path / "image"
    write_through(target, data, pipeline=[["gzip", "-c"], ["gzip", "-dc"], ["gzip", "-c"]])
    assert read_back(target, pipeline=[["gzip", "-dc"]]) == data


@pytest.mark.parametrize("size", [100, 4096, 2 * MiB, 3 * MiB + 123])
def test_bypass_cache_round_trip(direct_dir, size):
    data = payload(size)
    target = direct_dir / "image"
    prefix = b"P" * 4187                       # an unaligned prefix, like the save header
    writer = DurableWriter(str(target), prefix=prefix, bypass_cache=True)
    writer.open()
    with open(f"/proc/self/fdinfo/{writer._fd}") as f:
        flags = int(f.read().split("flags:")[1].split()[0], 8)
    assert flags & os.O_DIRECT
    rfd = feed(data, chunk=12345)              # reads of odd sizes from the pipe
    writer.run(rfd)
    os.close(rfd)
    writer.commit()
    assert target.read_bytes() == prefix + data
    assert writer.progress.written == len(prefix) + size
    assert read_back(target, offset=len(prefix), bypass_cache=True) == data
    assert read_back(target, offset=len(prefix) + 4096 - 4187 % 4096, bypass_cache=True) \
        == data[4096 - 4187 % 4096:]


def test_bypass_cache_compressed(direct_dir):
    data = payload(3 * MiB + 7)
    target = direct_dir / "image"
    write_through(target, data, prefix=b"HEAD", bypass_cache=True, pipeline=[["gzip", "-c"]])
    assert read_back(target, offset=4, bypass_cache=True, pipeline=[["gzip", "-dc"]]) == data


def test_bypass_cache_refused(tmp_path):
    if _supports_direct(tmp_path):
        pytest.skip("this file system accepts O_DIRECT")
    writer = DurableWriter(str(tmp_path / "image"), bypass_cache=True)
    with pytest.raises(libvirtError) as exc:
        writer.open()
    assert_error(exc, C.VIR_ERR_SYSTEM_ERROR, "bypass the file system cache")
    assert leftovers(tmp_path) == []


# --- failures: nothing left behind, older file intact --------------------------------------

@pytest.mark.parametrize("kwargs", [
    {}, {"bypass_cache": True}, {"pipeline": [["gzip", "-1", "-c"]]},
], ids=["splice", "direct", "gzip"])
def test_enospc(small_fs, kwargs):
    target = small_fs / "image"
    target.write_bytes(OLD)
    writer = DurableWriter(str(target), prefix=b"HEAD", **kwargs)
    rfd = feed(os.urandom(4 * MiB))
    with pytest.raises(libvirtError) as exc:
        writer.run(rfd)
    os.close(rfd)
    assert_error(exc, C.VIR_ERR_SYSTEM_ERROR, "No space left on device", str(small_fs))
    assert exc.value.get_int1() == errno.ENOSPC
    assert target.read_bytes() == OLD
    assert leftovers(small_fs) == []
    with pytest.raises(libvirtError):
        writer.commit()
    assert target.read_bytes() == OLD


def test_enospc_at_the_prefix(small_fs):
    target = small_fs / "image"
    writer = DurableWriter(str(target), prefix=bytes(2 * MiB))
    rfd = feed(b"x")
    with pytest.raises(libvirtError) as exc:
        writer.run(rfd)
    os.close(rfd)
    assert exc.value.get_int1() == errno.ENOSPC
    assert os.listdir(small_fs) == []


def test_fdatasync_failure(tmp_path):
    def failing_sync(fd: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    target = tmp_path / "image"
    target.write_bytes(OLD)
    writer = DurableWriter(str(target), fsync=failing_sync)
    rfd = feed(payload(MiB))
    writer.run(rfd)
    os.close(rfd)
    with pytest.raises(libvirtError) as exc:
        writer.commit()
    assert_error(exc, C.VIR_ERR_SYSTEM_ERROR, "unable to sync", "Input/output error")
    assert exc.value.get_int1() == errno.EIO
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_reader_side_error(tmp_path):
    """The stream's sender resets the connection: ECONNRESET, nothing kept."""
    target = tmp_path / "image"
    target.write_bytes(OLD)
    server = socket.create_server(("127.0.0.1", 0))
    sender = socket.create_connection(server.getsockname())
    receiver, _ = server.accept()
    server.close()
    sender.sendall(b"x" * 1000)
    writer = DurableWriter(str(target))
    writer.start(receiver.fileno())
    time.sleep(0.1)
    sender.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
    sender.close()                             # RST
    with pytest.raises(libvirtError) as exc:
        writer.wait(10)
    receiver.close()
    assert_error(exc, C.VIR_ERR_SYSTEM_ERROR, "unable to read the data stream",
                 "Connection reset by peer")
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_pipeline_failure(tmp_path):
    target = tmp_path / "image"
    target.write_bytes(OLD)
    writer = DurableWriter(str(target), pipeline=[["gzip", "-dc"]])
    rfd = feed(b"this is not gzip data" * 1000)
    with pytest.raises(libvirtError) as exc:
        writer.run(rfd)
    os.close(rfd)
    assert_error(exc, C.VIR_ERR_OPERATION_FAILED, "'gzip' failed", "not in gzip format")
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_missing_program(tmp_path):
    writer = DurableWriter(str(tmp_path / "image"), pipeline=[["pyvirt-no-such-program"]])
    rfd = feed(b"x")
    with pytest.raises(libvirtError) as exc:
        writer.run(rfd)
    os.close(rfd)
    assert_error(exc, C.VIR_ERR_SYSTEM_ERROR, "cannot run 'pyvirt-no-such-program'")
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("kwargs", [{}, {"bypass_cache": True}, {"pipeline": [["gzip", "-c"]]}],
                         ids=["splice", "direct", "gzip"])
def test_abort_mid_stream(tmp_path, kwargs):
    if kwargs.get("bypass_cache") and not _supports_direct(tmp_path):
        pytest.skip("no O_DIRECT here")
    target = tmp_path / "image"
    target.write_bytes(OLD)
    hold = threading.Event()
    rfd = feed(payload(3 * MiB), hold=hold)   # the sender stalls without closing
    writer = DurableWriter(str(target), **kwargs)
    writer.start(rfd)
    wait_until(lambda: writer.progress.processed >= 3 * MiB, what="3 MiB written", step=0.01)
    assert writer.progress.processed == 3 * MiB
    assert not writer.wait(0.05)              # still waiting for more
    started = time.monotonic()
    writer.abort()
    with pytest.raises(libvirtError) as exc:
        writer.wait(5)
    assert time.monotonic() - started < 1.0
    hold.set()
    os.close(rfd)
    assert_error(exc, C.VIR_ERR_OPERATION_ABORTED, "canceled by client")
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_abort_before_commit(tmp_path):
    target = tmp_path / "image"
    target.write_bytes(OLD)
    writer = DurableWriter(str(target))
    rfd = feed(b"new")
    writer.run(rfd)
    os.close(rfd)
    writer.abort()
    with pytest.raises(libvirtError) as exc:
        writer.commit()
    assert_error(exc, C.VIR_ERR_OPERATION_ABORTED)
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_progress_from_another_thread(tmp_path):
    hold = threading.Event()
    rfd = feed(payload(2 * MiB), hold=hold)
    writer = DurableWriter(str(tmp_path / "image"), progress=Progress(total=4 * MiB))
    writer.start(rfd)
    seen = []
    deadline = time.monotonic() + DEADLINE
    while writer.progress.processed < 2 * MiB and time.monotonic() < deadline:
        seen.append(writer.progress.processed)
        time.sleep(0.001)
    assert seen == sorted(seen)
    assert writer.progress.remaining == 2 * MiB
    hold.set()
    assert writer.wait(10)
    os.close(rfd)
    writer.commit()
    assert writer.progress.processed == 2 * MiB
    assert Progress().remaining is None


# --- restore direction ---------------------------------------------------------------------

def test_restore_progress_and_total(tmp_path):
    target = tmp_path / "image"
    target.write_bytes(b"H" * 100 + bytes(MiB))
    reader = StreamReader(str(target), offset=100)
    assert read_back(target, offset=100) == bytes(MiB)
    rfd, wfd = os.pipe2(os.O_CLOEXEC)
    out = bytearray()
    t = drain_into(rfd, out)
    reader.run(wfd)
    os.close(wfd)
    t.join(10)
    os.close(rfd)
    assert reader.progress.total == MiB
    assert reader.progress.processed == MiB
    assert reader.progress.remaining == 0


@pytest.mark.parametrize("kwargs", [{}, {"pipeline": [["gzip", "-dc"]]}], ids=["raw", "gzip"])
def test_restore_to_closed_reader(tmp_path, kwargs):
    """QEMU went away: the write fails with EPIPE, as a clear error."""
    target = tmp_path / "image"
    data = payload(2 * MiB)
    if kwargs:
        data = subprocess.run(["gzip", "-c"], input=data, capture_output=True,
                              check=True).stdout
    target.write_bytes(data)
    rfd, wfd = os.pipe2(os.O_CLOEXEC)
    os.close(rfd)
    with pytest.raises(libvirtError) as exc:
        StreamReader(str(target), **kwargs).run(wfd)
    os.close(wfd)
    assert_error(exc, C.VIR_ERR_SYSTEM_ERROR, "Broken pipe")


def _unread(fd: int) -> int:
    """The bytes waiting in pipe ``fd``."""
    return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]


def test_restore_abort_while_qemu_does_not_read(tmp_path):
    target = tmp_path / "image"
    target.write_bytes(bytes(8 * MiB))
    rfd, wfd = os.pipe2(os.O_CLOEXEC)          # nobody reads: the pipe fills up
    reader = StreamReader(str(target))
    reader.start(wfd)
    full = fcntl.fcntl(wfd, F_GETPIPE_SZ) - select.PIPE_BUF    # at most a page left
    wait_until(lambda: _unread(rfd) >= full, what="the pipe to fill up")
    assert not reader.wait(0)
    started = time.monotonic()
    reader.abort()
    with pytest.raises(libvirtError) as exc:
        reader.wait(5)
    assert time.monotonic() - started < 1.0
    assert_error(exc, C.VIR_ERR_OPERATION_ABORTED)
    os.close(rfd)
    os.close(wfd)


def test_restore_missing_file(tmp_path):
    rfd, wfd = os.pipe2(os.O_CLOEXEC)
    with pytest.raises(libvirtError) as exc:
        StreamReader(str(tmp_path / "nope")).run(wfd)
    os.close(rfd)
    os.close(wfd)
    assert_error(exc, C.VIR_ERR_SYSTEM_ERROR, "No such file or directory")


# --- as a process -------------------------------------------------------------------------

def test_process_round_trip(tmp_path):
    data = payload(3 * MiB + 1)
    target = tmp_path / "image"
    target.write_bytes(OLD)
    rfd = feed(data)
    helper = iohelper.spawn_writer(str(target), rfd, prefix=b"HEADpart",
                                   patches=[(4, b"DONE")], pipeline=[["gzip", "-c"]])
    os.close(rfd)
    assert helper.wait(30)
    assert helper.progress.processed == len(data)
    assert target.read_bytes() == OLD
    helper.commit()
    assert target.read_bytes()[:8] == b"HEADDONE"
    assert leftovers(tmp_path) == []

    rfd, wfd = os.pipe2(os.O_CLOEXEC)
    out = bytearray()
    t = drain_into(rfd, out)
    reader = iohelper.spawn_reader(str(target), wfd, offset=8, pipeline=[["gzip", "-dc"]])
    os.close(wfd)
    assert reader.wait(30)
    t.join(10)
    os.close(rfd)
    assert bytes(out) == data


def test_process_discard(tmp_path):
    target = tmp_path / "image"
    rfd = feed(b"data")
    helper = iohelper.spawn_writer(str(target), rfd)
    os.close(rfd)
    assert helper.wait(30)
    helper.discard()
    assert os.listdir(tmp_path) == []


def test_process_enospc(small_fs):
    target = small_fs / "image"
    target.write_bytes(OLD)
    rfd = feed(os.urandom(4 * MiB))
    helper = iohelper.spawn_writer(str(target), rfd)
    os.close(rfd)
    with pytest.raises(libvirtError) as exc:
        helper.wait(30)
    assert_error(exc, C.VIR_ERR_SYSTEM_ERROR, "No space left on device")
    assert exc.value.get_int1() == errno.ENOSPC
    assert target.read_bytes() == OLD
    assert leftovers(small_fs) == []


def test_process_abort(tmp_path):
    target = tmp_path / "image"
    hold = threading.Event()
    rfd = feed(b"x" * MiB, hold=hold)
    helper = iohelper.spawn_writer(str(target), rfd)
    wait_until(lambda: helper.progress.processed >= MiB, what="1 MiB written", step=0.01)
    assert helper.progress.processed == MiB
    helper.abort()
    with pytest.raises(libvirtError) as exc:
        helper.wait(10)
    hold.set()
    os.close(rfd)
    assert_error(exc, C.VIR_ERR_OPERATION_ABORTED)
    assert leftovers(tmp_path) == []


def test_no_descriptor_leak(tmp_path):
    """Finished jobs, failed or not, keep no fd (eventfd, temp file, pipeline pipes)."""
    def count() -> int:
        return len(os.listdir("/proc/self/fd"))

    write_through(tmp_path / "warm-up", b"x")
    gc.collect()                               # objects of earlier tests release their fds now
    before = count()
    for i in range(5):
        write_through(tmp_path / f"ok{i}", b"data", pipeline=[["gzip", "-c"]])
        read_back(tmp_path / f"ok{i}", pipeline=[["gzip", "-dc"]])
        writer = DurableWriter(str(tmp_path / f"bad{i}"), pipeline=[["gzip", "-dc"]])
        rfd = feed(b"not gzip")
        with pytest.raises(libvirtError):
            writer.run(rfd)
        os.close(rfd)
    # feeder threads close their ends soon after the jobs end
    wait_until(lambda: count() <= before, what=f"the descriptors to go back to {before}")
