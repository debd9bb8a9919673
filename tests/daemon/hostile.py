"""Hostile clients for daemon tests: raw frames, floods, slow and non-reading peers.

Everything here speaks libvirt's framing over a bare socket, so it works
against pyvirtd and libvirtd alike.  Run as a script to compare the two:

    hostile.py SOCKET PID ATTACK [SECONDS]

prints one JSON line (RSS before/after, latency of a well-behaved client
during the attack); ATTACK is ``noread``, ``devzero``, ``fifo`` or ``slow``.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time

from pyvirt.rpc import protocol as P
from pyvirt.rpc import remote_protocol as R

OPEN = R.PROGRAM["CONNECT_OPEN"]
GET_VERSION = R.PROGRAM["CONNECT_GET_VERSION"].number
GET_CAPS = R.PROGRAM["CONNECT_GET_CAPABILITIES"].number


class RawConn:
    """A bare socket speaking frames, for sending what no client would."""

    def __init__(self, path: str, timeout: float = 10) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.reader = P.FrameReader()
        self.frames: list[bytes] = []

    def send(self, data: bytes) -> None:
        """Send raw bytes."""
        self.sock.sendall(data)

    def call(self, proc: int, body: bytes = b"", serial: int = 1, prog: int = P.REMOTE_PROGRAM,
             vers: int = 1, mtype: int = P.CALL, status: int = P.OK) -> None:
        """Send one message."""
        self.send(P.frame(prog, vers, proc, mtype, serial, status, body))

    def recv(self) -> P.Message | None:
        """Return the next message, or None when the daemon closed the connection."""
        while not self.frames:
            try:
                data = self.sock.recv(65536)
            except (TimeoutError, ConnectionResetError):
                return None
            if not data:
                return None
            self.frames.extend(self.reader.feed(data))
        return P.parse_frame(self.frames.pop(0))

    def open(self, uri: str = "test:///default", flags: int = 0) -> P.Message | None:
        """Send CONNECT_OPEN and return its reply."""
        self.call(OPEN.number, OPEN.encode_args((uri, flags)), serial=100)
        return self.recv()

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()


def wait_read_only(daemon, timeout: float = 60) -> None:
    """Wait for a daemon's read-only socket (created after the read-write one)."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(daemon.sock_ro) and time.monotonic() < deadline:
        time.sleep(0.02)


def rss_kb(pid: int) -> int:
    """Resident memory of process ``pid`` in KiB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def served_in(path: str, timeout: float = 10) -> float:
    """Seconds a fresh, well-behaved client needs to connect, open and get the
    version; ``timeout`` when it is not served in time."""
    start = time.monotonic()
    try:
        conn = RawConn(path, timeout)
        try:
            msg = conn.open()
            if msg is None or msg.status != P.OK:
                return timeout
            conn.call(GET_VERSION, serial=7)
            msg = conn.recv()
            if msg is None or msg.status != P.OK:
                return timeout
        finally:
            conn.close()
    except OSError:
        return timeout
    return min(time.monotonic() - start, timeout)


class Attack:
    """Attacker threads running until stop(); ``count`` is what they sent."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.count = 0
        self.errors: list[str] = []
        self._lock = threading.Lock()

    def spawn(self, target, *args) -> None:
        """Start one attacker thread running ``target(self, *args)``."""
        t = threading.Thread(target=self._run, args=(target, *args), daemon=True)
        t.start()
        self.threads.append(t)

    def _run(self, target, *args) -> None:
        try:
            target(self, *args)
        except OSError as exc:
            self.errors.append(repr(exc))

    def add(self, n: int) -> None:
        """Count ``n`` more messages sent."""
        with self._lock:
            self.count += n

    def stop(self) -> None:
        """Stop every attacker and wait for it."""
        self.stopping.set()
        for t in self.threads:
            t.join(15)


def _flood_without_reading(attack: Attack, path: str, uri: str) -> None:
    conn = RawConn(path)
    try:
        if conn.open(uri) is None:
            return
        batch = P.frame(P.REMOTE_PROGRAM, 1, GET_CAPS, P.CALL, 1, P.OK) * 256
        conn.sock.settimeout(0.2)
        while not attack.stopping.is_set():
            try:
                sent = conn.sock.send(batch)
            except TimeoutError:
                continue          # the daemon stopped reading us: keep pushing
            attack.add(sent // 28)
    finally:
        conn.close()


def flood_without_reading(path: str, clients: int = 20, uri: str = "test:///default") -> Attack:
    """``clients`` connections send CONNECT_GET_CAPABILITIES as fast as they can
    and never read a reply."""
    attack = Attack()
    for _ in range(clients):
        attack.spawn(_flood_without_reading, path, uri)
    return attack


def _trickle(attack: Attack, path: str) -> None:
    conn = RawConn(path)
    try:
        data = P.frame(P.REMOTE_PROGRAM, 1, GET_VERSION, P.CALL, 1, P.OK, b"x" * 4000)
        while not attack.stopping.is_set():
            for i in range(len(data)):
                if attack.stopping.wait(0.02):
                    return
                conn.send(data[i:i + 1])
                attack.add(1)
    finally:
        conn.close()


def slow_clients(path: str, clients: int = 50) -> Attack:
    """``clients`` connections that send a frame one byte every 20 ms."""
    attack = Attack()
    for _ in range(clients):
        attack.spawn(_trickle, path)
    return attack


def _open_repeatedly(attack: Attack, path: str, uri: str) -> None:
    while not attack.stopping.is_set():
        conn = RawConn(path, timeout=30)
        try:
            conn.open(uri)
            attack.add(1)
        finally:
            conn.close()


def open_repeatedly(path: str, uri: str, clients: int = 25) -> Attack:
    """``clients`` connections each opening ``uri`` over and over."""
    attack = Attack()
    for _ in range(clients):
        attack.spawn(_open_repeatedly, path, uri)
    return attack


def latencies_during(path: str, seconds: float, timeout: float = 10) -> list[float]:
    """Serve a well-behaved client repeatedly for ``seconds``; return the times."""
    out = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        out.append(served_in(path, timeout))
        time.sleep(0.05)
    return out


def main() -> None:
    """Run one attack against a daemon and print what happened (for comparisons)."""
    sock, pid, what = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 8.0
    before = rss_kb(pid)
    start = time.monotonic()
    if what == "noread":
        attack = flood_without_reading(sock)
    elif what == "slow":
        attack = slow_clients(sock)
    elif what == "fifo":
        fifo = f"/tmp/hostile-fifo-{os.getpid()}"
        os.mkfifo(fifo)
        attack = open_repeatedly(sock, f"test://{fifo}")
    else:
        attack = open_repeatedly(sock, "test:///dev/zero", clients=1)
    times = latencies_during(sock, seconds)
    peak = rss_kb(pid)
    attack.stopping.set()
    if what == "fifo":
        fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)   # release blocked readers
        attack.stop()
        os.close(fd)
        os.unlink(fifo)
    else:
        attack.stop()
    print(json.dumps({"attack": what, "sent": attack.count, "rss_before_kb": before,
                      "rss_peak_kb": peak, "seconds": round(time.monotonic() - start, 2),
                      "latency_max": round(max(times), 4),
                      "latency_median": round(sorted(times)[len(times) // 2], 4),
                      "probes": len(times), "errors": attack.errors[:3]}))


if __name__ == "__main__":
    main()
