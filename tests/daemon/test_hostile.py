"""pyvirtd under hostile clients: bounded memory, no file reads for strangers,
no stuck workers, and a well-behaved client served meanwhile.

Each attack runs against a real pyvirtd for a few seconds while a
well-behaved client connects, opens ``test:///default`` and calls
``getVersion`` over and over; the bounds are generous (a busy 2-core
machine holds them) yet far below what the attacks did before the daemon
applied back-pressure (900 MB and 8 s for the flood of non-reading
clients).  What libvirtd 9.0 does in each case is in the README's
security section.
"""

from __future__ import annotations

import asyncio
import errno
import os
import shutil
import stat
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import daemons
import hostile
import pytest
from hostile import RawConn

import pyvirt
from pyvirt import constants as C
from pyvirt.daemon.flow import WorkerPool
from pyvirt.rpc import protocol as P
from pyvirt.rpc import remote_protocol as R

SECRET = "hostile-secret-marker-7f3a"
MB = 1024


@pytest.fixture
def world(request):
    """A directory every user may enter (for non-root clients), removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix="pyvirt-hostile-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def daemon(world):
    """pyvirtd with test_driver_dir set to ``world/allowed``."""
    allowed = world / "allowed"
    allowed.mkdir(mode=0o755)
    # private system directories: test_nul_bytes_get_libvirt_errors opens the
    # default URI, qemu:///system for root
    d = daemons.start_private_pyvirtd(world, world / "state",
                                      config=f'test_driver_dir = "{allowed}"\n')
    d.allowed = allowed
    hostile.wait_read_only(d)
    yield d
    status = d.stop()
    log = d.log.read_text()
    assert status == 0, log[-3000:]
    assert "Traceback" not in log, log[-3000:]


def _error(msg: P.Message | None) -> tuple[int, str]:
    assert msg is not None, "the daemon closed the connection"
    assert msg.status == P.ERROR
    err = P.decode_error(msg.body)
    return err.get_error_code(), str(err)


def _attack_and_measure(d, attack: hostile.Attack, seconds: float) -> tuple[list[float], int]:
    """Probe a well-behaved client during ``attack``; return (latencies, RSS growth KiB)."""
    pid = d.proc.pid
    before = hostile.rss_kb(pid)
    peak = before
    times = []
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            times.append(hostile.served_in(d.sock, timeout=10))
            peak = max(peak, hostile.rss_kb(pid))
            time.sleep(0.05)
    finally:
        attack.stop()
    peak = max(peak, hostile.rss_kb(pid))
    return times, peak - before


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


# --- clients that never read their replies -----------------------------------------

def test_clients_that_never_read_do_not_exhaust_memory(daemon):
    attack = hostile.flood_without_reading(daemon.sock_ro, clients=20)
    times, growth = _attack_and_measure(daemon, attack, 3.0)
    assert attack.count > 2000, "the attack did not get going"
    # Before back-pressure: +870 MB in 4 s and a client waiting 8 s.
    assert growth < 120 * MB, f"pyvirtd grew by {growth // MB} MB"
    assert _median(times) < 0.5 and max(times) < 3, times
    assert hostile.served_in(daemon.sock) < 2


def test_daemon_wide_output_ceiling(world):
    """With per-client room for 64 MiB of replies, max_output still holds the total
    (without it, these 10 clients grew pyvirtd by 509 MB)."""
    ceiling = 4 * 1024 * 1024
    d = daemons.start_pyvirtd(world, tcp=False, config=(
        f"max_client_output = {64 * 1024 * 1024}\nmax_client_buffer = {128 * 1024 * 1024}\n"
        f"max_output = {ceiling}\n"))
    try:
        hostile.wait_read_only(d)
        attack = hostile.flood_without_reading(d.sock_ro, clients=10)
        times, growth = _attack_and_measure(d, attack, 3.0)
        assert growth < 120 * MB, f"pyvirtd grew by {growth // MB} MB"
        assert _median(times) < 0.5, times
    finally:
        assert d.stop() == 0


def test_flooding_clients_that_read_leave_others_served(daemon):
    """Clients pipelining calls as fast as they can (and reading the replies)."""
    attack = hostile.Attack()

    def flood(att: hostile.Attack) -> None:
        conn = RawConn(daemon.sock_ro)
        try:
            conn.open()
            batch = P.frame(P.REMOTE_PROGRAM, 1, hostile.GET_CAPS, P.CALL, 1, P.OK) * 50
            while not att.stopping.is_set():
                conn.send(batch)
                for _ in range(50):
                    if conn.recv() is None:
                        return
                att.add(50)
        finally:
            conn.close()
    for _ in range(10):
        attack.spawn(flood)
    times, growth = _attack_and_measure(daemon, attack, 2.5)
    assert attack.count > 500
    assert growth < 120 * MB
    assert _median(times) < 0.5 and max(times) < 3, times


def test_slow_clients_leave_others_served(daemon):
    attack = hostile.slow_clients(daemon.sock_ro, clients=50)
    times, growth = _attack_and_measure(daemon, attack, 2.0)
    assert growth < 60 * MB
    assert _median(times) < 0.5 and max(times) < 3, times


# --- the test driver's files --------------------------------------------------------

def test_dev_zero_is_refused_at_once(daemon):
    before = hostile.rss_kb(daemon.proc.pid)
    conn = RawConn(daemon.sock_ro)
    start = time.monotonic()
    code, _text = _error(conn.open("test:///dev/zero"))
    assert time.monotonic() - start < 2
    assert code == C.VIR_ERR_OPERATION_DENIED
    conn.close()
    # Even from the configured directory and as root, a device is never read.
    (daemon.allowed / "zero").symlink_to("/dev/zero")
    os.mknod(daemon.allowed / "null", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    for name in ("zero", "null"):
        conn = RawConn(daemon.sock)
        code, _text = _error(conn.open(f"test://{daemon.allowed}/{name}"))
        assert code in (C.VIR_ERR_OPERATION_DENIED, C.VIR_ERR_XML_ERROR)
        conn.close()
    assert hostile.rss_kb(daemon.proc.pid) - before < 20 * MB


def test_in_process_test_driver_reads_only_small_regular_files(tmp_path):
    start = time.monotonic()
    with pytest.raises(pyvirt.libvirtError) as err:
        pyvirt.open("test:///dev/zero")
    assert "not a regular file" in str(err.value)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(pyvirt.libvirtError) as err:
        pyvirt.open(f"test://{fifo}")
    assert err.value.get_error_code() == C.VIR_ERR_XML_ERROR
    big = tmp_path / "big.xml"
    with open(big, "wb") as fh:
        fh.truncate(11 * 1024 * 1024)
    with pytest.raises(pyvirt.libvirtError) as err:
        pyvirt.open(f"test://{big}")
    assert "larger than 10485760 bytes" in str(err.value)
    assert time.monotonic() - start < 5


def _secret_file(directory: Path) -> Path:
    path = directory / "shadow"
    path.write_text(f"{SECRET}:$6$salt$hash:19000:0:99999:7:::\nsecond line\n")
    path.chmod(0o600)
    return path


_STRANGER = """
import socket, struct, sys
def frame(proc, body, serial):
    return struct.pack(">IIIiiIi", 28 + len(body), 0x20008086, 1, proc, 0, serial, 0) + body
def xstr(s):
    b = s.encode(); return struct.pack(">I", len(b)) + b + b"\\0" * (-len(b) % 4)
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
s.sendall(frame(1, struct.pack(">I", 1) + xstr(sys.argv[2]) + struct.pack(">I", 1), 1))
data = b""
while len(data) < 4 or len(data) < struct.unpack(">I", data[:4])[0]:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
sys.stdout.buffer.write(data)
"""


def _as_nobody(sock: str, uri: str) -> bytes:
    res = subprocess.run([daemons.REAL_PYTHON, "-c", _STRANGER, sock, uri], user=65534,
                         group=65534, capture_output=True, timeout=30, check=False)
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_strangers_cannot_make_the_daemon_read_files(daemon):
    secret = _secret_file(daemon.sockdir.parent)
    inside = _secret_file(daemon.allowed)
    # A non-root peer on the world-accessible read-only socket.
    for path in (secret, inside):
        reply = _as_nobody(daemon.sock_ro, f"test://{path}")
        msg = P.parse_frame(reply[4:])
        assert msg.status == P.ERROR
        assert P.decode_error(msg.body).get_error_code() == C.VIR_ERR_OPERATION_DENIED
        assert SECRET.encode() not in reply
    # Root, but outside test_driver_dir (directly or through a symbolic link).
    (daemon.allowed / "link.xml").symlink_to(secret)
    for uri in (f"test://{secret}", f"test://{daemon.allowed}/link.xml",
                f"test://{daemon.allowed}/../shadow", "test:///etc/shadow"):
        conn = RawConn(daemon.sock_ro)
        code, text = _error(conn.open(uri))
        assert code == C.VIR_ERR_OPERATION_DENIED, text
        assert SECRET not in text
        conn.close()


def test_parse_errors_never_quote_the_file(daemon):
    inside = _secret_file(daemon.allowed)
    conn = RawConn(daemon.sock)
    code, text = _error(conn.open(f"test://{inside}"))
    assert code == C.VIR_ERR_XML_ERROR
    assert text == f"XML error: failed to parse xml document '{inside}'"
    conn.close()
    # The details are in the daemon's log, for the administrator.
    assert "Start tag expected" in daemon.log.read_text()


def test_root_opens_node_files_from_test_driver_dir(daemon):
    node = daemon.allowed / "node.xml"
    node.write_text("<node><domain type='test'><name>fromfile</name><memory>1024</memory>"
                    "<os><type>hvm</type></os></domain></node>")
    conn = pyvirt.open(f"test+unix://{node}?socket={daemon.sock}")
    try:
        assert conn.lookupByName("fromfile").name() == "fromfile"
    finally:
        conn.close()


def test_fifo_never_stalls_the_workers(daemon):
    fifos = [daemon.allowed / "fifo", daemon.sockdir.parent / "fifo"]
    for fifo in fifos:
        os.mkfifo(fifo)
    attack = hostile.Attack()
    for i in range(25):
        attack.spawn(hostile._open_repeatedly, daemon.sock if i % 2 else daemon.sock_ro,
                     f"test://{fifos[i % 2]}")
    times, _growth = _attack_and_measure(daemon, attack, 2.0)
    try:
        assert _median(times) < 0.5 and max(times) < 3, times
        assert attack.count > 25
        # Nobody holds a FIFO open for reading (a blocked open would).
        for fifo in fifos:
            with pytest.raises(OSError) as err:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            assert err.value.errno == errno.ENXIO
    finally:
        for fifo in fifos:     # release any reader still blocked, so the daemon can stop
            try:
                os.close(os.open(fifo, os.O_RDWR | os.O_NONBLOCK))
            except OSError:
                pass


def test_one_procedure_never_takes_every_worker():
    """Blocked calls of one procedure leave workers to the others."""
    loop = asyncio.new_event_loop()
    release = threading.Event()
    pool = WorkerPool(loop, "test", 4)

    async def scenario() -> tuple[int, float]:
        stuck = [pool.submit("SLOW", release.wait, 30) for _ in range(10)]
        start = time.monotonic()
        await asyncio.wait_for(pool.submit("QUICK", time.monotonic), 5)
        quick = time.monotonic() - start
        held = pool.holding["SLOW"]
        release.set()
        await asyncio.wait_for(asyncio.gather(*stuck), 10)
        return held, quick
    try:
        held, quick = loop.run_until_complete(scenario())
    finally:
        release.set()
        pool.shutdown()
        loop.close()
    assert held == 2 and quick < 2


# --- bytes no C client could send ------------------------------------------------------

def test_nul_bytes_get_libvirt_errors(daemon):
    # A string ends at its first NUL, as libvirtd's C decoder reads it: what
    # is left is then judged like any other name.
    for uri, want in (("test:///def\0ault", C.VIR_ERR_OPERATION_DENIED),   # test:///def
                      ("\0", None)):                      # '': the default URI
        conn = RawConn(daemon.sock_ro)
        reply = conn.open(uri)
        if want is None:
            assert reply.status == P.OK
        else:
            assert _error(reply)[0] == want
        conn.close()
    conn = RawConn(daemon.sock_ro)
    assert conn.open().status == P.OK
    lookup = R.PROGRAM["DOMAIN_LOOKUP_BY_NAME"]
    conn.call(lookup.number, lookup.encode_args(("te\0st",)), serial=5)
    code, text = _error(conn.recv())
    assert code == C.VIR_ERR_NO_DOMAIN, text
    conn.close()
    log = daemon.log.read_text()
    assert "null byte" not in log and "Traceback" not in log


def test_embedded_roots_only_for_root_peers(daemon):
    root = daemon.sockdir.parent / "embedroot"
    # A non-root peer on the world-accessible read-only socket: refused, nothing made.
    reply = _as_nobody(daemon.sock_ro, f"qemu:///embed?root={root}")
    msg = P.parse_frame(reply[4:])
    assert msg.status == P.ERROR
    assert P.decode_error(msg.body).get_error_code() == C.VIR_ERR_OPERATION_DENIED
    assert not root.exists()
