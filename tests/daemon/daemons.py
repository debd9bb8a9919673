"""Start and stop pyvirtd and libvirtd for tests and benchmarks.

Each test gets its own pyvirtd on a temporary unix socket (and a TCP port
on 127.0.0.1).  A real libvirtd (with its virtlogd) runs in a private mount
namespace with empty libvirt directories of its own, so it neither depends
on nor disturbs a libvirt of the system: only its sockets, in a temporary
directory, are shared with the test.  This is the one way the tests and
benchmarks get a reference libvirtd (tests/conftest.py: ``reference_libvirtd``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REAL_PYTHON = "/usr/bin/python3"      # Debian's python, with libvirt-python
VIRSH = shutil.which("virsh") or "/usr/bin/virsh"


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_socket(path: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"daemon exited ({proc.returncode}): {log.read_text()[-2000:]}")
        if os.path.exists(path):
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(path)
                return
            except OSError:
                pass
        time.sleep(0.05)
    raise RuntimeError(f"daemon did not create {path}: {log.read_text()[-2000:]}")


class RunningDaemon:
    """A daemon started by a test: its sockets, its TCP port, its process."""

    def __init__(self, sockdir: Path, proc: subprocess.Popen, log: Path,
                 tcp_port: int | None = None) -> None:
        self.sockdir = sockdir
        self.sock = str(sockdir / "libvirt-sock")
        self.sock_ro = str(sockdir / "libvirt-sock-ro")
        self.proc = proc
        self.log = log
        self.tcp_port = tcp_port

    def uri(self, transport: str = "unix", driver: str = "test", path: str = "/default",
            readonly: bool = False) -> str:
        """Return a client URI for this daemon."""
        if transport == "unix":
            return f"{driver}+unix://{path}?socket={self.sock_ro if readonly else self.sock}"
        return f"{driver}+{transport}://127.0.0.1:{self.tcp_port}{path}"

    def virsh(self, *args: str, uri: str | None = None, timeout: float = 60,
              check: bool = True, input: str | None = None,
              quiet: bool = True) -> subprocess.CompletedProcess:
        """Run the real virsh against this daemon (``quiet``: with -q)."""
        res = subprocess.run([VIRSH, *(["-q"] if quiet else []), "-c", uri or self.uri(), *args],
                             check=False, capture_output=True,
                             text=True, timeout=timeout, input=input)
        if check and res.returncode != 0:
            raise AssertionError(f"virsh {' '.join(args)} failed: {res.stderr}")
        return res

    def alive(self) -> bool:
        """True while the daemon process runs."""
        return self.proc.poll() is None

    def stop(self) -> int:
        """SIGTERM the daemon, wait, kill if needed; return its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


def start_pyvirtd(workdir: Path, tcp: bool = True, extra: list[str] | None = None,
                  config: str | None = None, netns: str | None = None) -> RunningDaemon:
    """Start pyvirtd with its sockets under ``workdir`` (in network namespace ``netns``,
    through ``ip netns exec``, when given)."""
    sockdir = workdir / "run"
    sockdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "pyvirtd.log"
    argv = [sys.executable, "-m", "pyvirt.daemon.main", "--unix-sock-dir", str(sockdir),
            "--pid-file", str(workdir / "pyvirtd.pid")]
    port = None
    if tcp:
        port = free_port()
        # Plain TCP without authentication must be asked for: libvirtd's
        # defaults are TLS when listening and SASL on TCP.
        argv += ["--listen", "--set", "listen_tcp=1", "--set", f"tcp_port={port}",
                 "--set", "listen_addr=127.0.0.1", "--set", "listen_tls=0",
                 "--set", "auth_tcp=none"]
    if config:
        cfg = workdir / "pyvirtd.conf"
        cfg.write_text(config)
        argv += ["--config", str(cfg)]
    argv += extra or []
    if netns:
        argv = ["ip", "netns", "exec", netns, *argv]
    with open(log, "wb") as fh:
        proc = subprocess.Popen(argv, stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)
    daemon = RunningDaemon(sockdir, proc, log, port)
    try:
        _wait_socket(daemon.sock, proc, log)
        if tcp:
            _wait_tcp(port, proc, log)
    except BaseException:
        daemon.stop()
        raise
    return daemon


#: pyvirt's system directories (qemu:///system's state), which tests bind to their own
SYSTEM_DIRS = ("/etc/pyvirt", "/run/pyvirt", "/var/lib/pyvirt", "/var/log/pyvirt",
               "/var/cache/pyvirt")


def private_system(state: Path, autostart: bool = False) -> str:
    """Shell commands, for a private mount namespace, that bind directories under
    ``state`` (made when missing, kept across calls) over pyvirt's system directories
    (their mount points made when missing: a fresh host has none).

    Unless ``autostart``, the network driver's mark of this boot's autostart is set
    first: a qemu:///system opened there shares the host's network namespace, and
    its ``default`` network (a bridge, NAT rules and a dnsmasq, which outlive the
    process) must not start in it.  A test in a network namespace of its own may
    let it start."""
    prelude = ""
    for d in SYSTEM_DIRS:
        src = state / d.strip("/").replace("/", "_")
        src.mkdir(parents=True, exist_ok=True)
        prelude += f"mkdir -p '{d}' && mount --bind '{src}' '{d}' || exit 1; "
    if not autostart:
        marks = state / "run_pyvirt" / "network"
        marks.mkdir(parents=True, exist_ok=True)
        (marks / "autostarted").write_text("")
    return prelude


def unshared(prelude: str) -> list[str]:
    """The start of an argv that runs the rest of it in a private mount namespace after
    the shell commands ``prelude``."""
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", prelude + 'exec "$@"',
            "sh"]


def spawn_pyvirtd_unshared(prelude: str, args: list[str], log: Path) -> subprocess.Popen:
    """pyvirtd run by ``sh -c`` in a private mount namespace after the shell
    commands ``prelude`` (mounts of its own), its output appended to ``log``."""
    with open(log, "ab") as out:
        return subprocess.Popen([*unshared(prelude), sys.executable, "-m", "pyvirt.daemon.main",
                                 *args], stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def start_private_pyvirtd(workdir: Path, state: Path, config: str | None = None) -> RunningDaemon:
    """pyvirtd (unix sockets under ``workdir``, the settings ``config`` when given)
    in a private mount namespace whose pyvirt system directories are bound from
    ``state`` (:func:`private_system`: kept across restarts, no ``default`` network
    started on the host), for tests that open qemu:///system through it (or the
    default URI, which is qemu:///system for root)."""
    sockdir = workdir / "run"
    sockdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "pyvirtd.log"
    args = ["--unix-sock-dir", str(sockdir), "--pid-file", str(workdir / "pyvirtd.pid")]
    if config:
        cfg = workdir / "pyvirtd.conf"
        cfg.write_text(config)
        args += ["--config", str(cfg)]
    proc = spawn_pyvirtd_unshared(private_system(state), args, log)
    daemon = RunningDaemon(sockdir, proc, log)
    try:
        _wait_socket(daemon.sock, proc, log)
    except BaseException:
        daemon.stop()
        raise
    return daemon


def _wait_tcp(port: int, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"daemon exited: {log.read_text()[-2000:]}") from None
            time.sleep(0.05)
    raise RuntimeError(f"daemon does not listen on port {port}")


def libvirtd_available() -> str | None:
    """Return why a private libvirtd cannot run here, or None when it can."""
    if os.geteuid() != 0:
        return "a private libvirtd needs root (mount namespace)"
    for tool in ("libvirtd", "virtlogd", "unshare"):
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            return f"{tool} is not installed"
    return None


# Debian's libvirtd as the tests' reference: QEMU runs as root, no security
# driver and no relabelling, so guests read the tests' files as they are.
QEMU_CONF = """user = "root"
group = "root"
security_driver = "none"
dynamic_ownership = 0
remember_owner = 0
"""
# libvirt's state directories, each replaced by an empty tmpfs in the daemon's namespace.
PRIVATE_DIRS = ("/etc/libvirt", "/run/libvirt", "/var/lib/libvirt", "/var/log/libvirt",
                "/var/cache/libvirt")


# Prefix of the short socket directories made when the work directory is too deep.
SHORT_SOCKDIR = "pyvirt-lv-"


class LibvirtDaemon(RunningDaemon):
    """A private libvirtd with its own virtlogd (one process group, one mount namespace)."""

    def qemu_pids(self) -> list[int]:
        """The pids of the QEMU processes this libvirtd runs (from its private /run)."""
        run = Path(f"/proc/{self.proc.pid}/root/run/libvirt/qemu")
        pids = []
        try:
            for pidfile in run.glob("*.pid"):
                if pidfile.name == "driver.pid":              # libvirtd's own
                    continue
                try:
                    pids.append(int(pidfile.read_text().strip()))
                except (OSError, ValueError):
                    pass
        except OSError:
            pass
        return pids

    def stop(self) -> int:
        """Stop libvirtd and virtlogd, then kill the guests it left; return libvirtd's status."""
        guests = self.qemu_pids() if self.proc.poll() is None else []
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(self.proc.pid, signal.SIGTERM)      # libvirtd and its virtlogd
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        with contextlib.suppress(OSError):
            os.killpg(self.proc.pid, signal.SIGKILL)          # a virtlogd that outlived it
        for pid in guests:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        if self.sockdir.name.startswith(SHORT_SOCKDIR):
            shutil.rmtree(self.sockdir, ignore_errors=True)
        return self.proc.returncode


def start_libvirtd(workdir: Path, tcp: bool = False, qemu_conf: str = QEMU_CONF,
                   tmpfs: dict[str, str] | None = None,
                   netns: str | None = None) -> LibvirtDaemon:
    """Start a real libvirtd (and its virtlogd) private to the caller.

    It runs in its own mount namespace where /etc/libvirt, /run/libvirt,
    /var/lib/libvirt, /var/log/libvirt and /var/cache/libvirt are empty
    tmpfs mounts (its qemu.conf is :data:`QEMU_CONF`): it neither sees nor
    changes a libvirt of the system, which may run or not.  (Those of the
    five directories that do not exist yet are created, empty, as mount
    points; nothing is written into them.)  Only its
    sockets, in ``workdir/run``, are shared; its URIs are
    ``daemon.uri(driver="qemu", path="/system")`` (real QEMU guests) and
    ``daemon.uri()`` (its test driver).  Without TCP it also gets a network
    namespace of its own (its network driver's bridges and firewall stay
    there).  ``qemu_conf`` is its QEMU driver's configuration; ``tmpfs``
    mounts more there (an existing directory -> tmpfs mount options, or
    ``bind:SRC`` to bind-mount the directory SRC).  ``netns`` runs it in that
    existing network namespace (``ip netns exec``, which also gives it that
    namespace's /sys) instead of a new one.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    sockdir = workdir / "run"
    # libvirtd also makes libvirt-admin-sock there: a unix socket path has at
    # most 107 bytes, which deep pytest-xdist temporary paths exceed.
    if len(str(sockdir / "libvirt-admin-sock")) > 100:
        sockdir = Path(tempfile.mkdtemp(prefix=SHORT_SOCKDIR))     # removed by stop()
    sockdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "libvirtd.log"
    conf = workdir / "libvirtd.conf"
    (workdir / "qemu.conf").write_text(qemu_conf)
    (workdir / "virtlogd.conf").write_text('log_outputs = "3:stderr"\n')
    port = free_port() if tcp else None
    lines = [f'unix_sock_dir = "{sockdir}"', 'auth_unix_rw = "none"', 'auth_unix_ro = "none"',
             'unix_sock_rw_perms = "0700"', 'log_outputs = "3:stderr"']
    if tcp:
        lines += ["listen_tcp = 1", "listen_tls = 0", f'tcp_port = "{port}"',
                  'listen_addr = "127.0.0.1"', 'auth_tcp = "none"']
    conf.write_text("\n".join(lines) + "\n")
    libvirtd = shutil.which("libvirtd") or "/usr/sbin/libvirtd"
    virtlogd = shutil.which("virtlogd") or "/usr/sbin/virtlogd"
    # Inside the namespace: private directories, virtlogd in the background
    # (same process group), then libvirtd once virtlogd's socket is there.
    script = (f"for d in {' '.join(PRIVATE_DIRS)}; do "
              "mkdir -p $d && mount -t tmpfs -o mode=0755 tmpfs $d || exit 1; done; "
              + "".join(f"mount --bind '{opts[5:]}' '{path}' || exit 1; "
                        if opts.startswith("bind:") else
                        f"mkdir -p '{path}' && "
                        f"mount -t tmpfs -o '{opts or 'mode=0755'}' tmpfs '{path}' || exit 1; "
                        for path, opts in (tmpfs or {}).items())
              + f"cp {workdir / 'qemu.conf'} /etc/libvirt/qemu.conf || exit 1; "
              f"{virtlogd} -f {workdir / 'virtlogd.conf'} -p {workdir / 'virtlogd.pid'} & "
              "i=0; while [ ! -S /run/libvirt/virtlogd-sock ] && [ $i -lt 300 ]; do "
              "sleep 0.1; i=$((i+1)); done; "
              f"exec {libvirtd} {'--listen ' if tcp else ''}-f {conf} "
              f"-p {workdir / 'libvirtd.pid'}")
    namespaces = ["-m"] if tcp or netns else ["-m", "-n"]
    enter = ["ip", "netns", "exec", netns] if netns else []
    with open(log, "wb") as fh:
        proc = subprocess.Popen([*enter, "unshare", *namespaces, "--propagation", "private", "sh", "-c",
                                 script],
                                stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    daemon = LibvirtDaemon(sockdir, proc, log, port)
    try:
        _wait_socket(daemon.sock, proc, log, timeout=60)
        if tcp:
            _wait_tcp(port, proc, log)
    except BaseException:
        daemon.stop()
        raise
    return daemon


def run_real_python(code_or_file: list[str], env_uri: str, timeout: float = 60,
                    cwd: str | None = None) -> subprocess.CompletedProcess:
    """Run Debian's python3 (real libvirt-python) with LIBVIRT_DEFAULT_URI set."""
    env = dict(os.environ, LIBVIRT_DEFAULT_URI=env_uri)
    env.pop("PYTHONPATH", None)
    return subprocess.run([REAL_PYTHON, *code_or_file], check=False, capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=cwd)


@contextmanager
def event_loop_thread() -> Iterator[None]:
    """Run pyvirt's default event loop on a thread for the block (callbacks, events)."""
    import pyvirt
    pyvirt.virEventRegisterDefaultImpl()
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            pyvirt.virEventRunDefaultImpl()
    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        # a timer due at once ends the thread's wait; removed after, or every
        # other thread running the loop would spin on it for the rest of the process
        wake = pyvirt.virEventAddTimeout(0, lambda *_: None, None)
        thread.join(5)
        pyvirt.virEventRemoveTimeout(wake)
