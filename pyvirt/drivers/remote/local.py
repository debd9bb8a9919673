"""Plain local URIs (``qemu:///system``, ``qemu:///session``) through pyvirtd.

As libvirt's remote driver does for a client outside the daemon:

* ``qemu:///system`` goes to the system daemon's socket
  (``/run/pyvirt/libvirt-sock``, the ``unix_sock_dir`` of
  ``/etc/pyvirt/pyvirtd.conf``, or ``$PYVIRT_SYSTEM_SOCKET``) when that
  socket answers; without a daemon the caller serves the URI in-process.
* ``qemu:///session`` of a user other than root starts a per-user pyvirtd
  on demand (socket in ``$XDG_RUNTIME_DIR/pyvirt``, else
  ``~/.cache/pyvirt/run``), which exits after 30 idle seconds, as libvirt
  autostarts ``libvirtd --timeout``.  ``PYVIRT_SESSION_AUTOSTART=1``
  forces this for root, ``=0`` turns it off.

Inside pyvirtd (:data:`inside_daemon`, set by the daemon) the URIs are
always served in-process, or the daemon would connect to itself.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import subprocess
import sys
import time
from typing import Any

from pyvirt import constants as C
from pyvirt.driver.registry import Drivers
from pyvirt.driver.uri import URI
from pyvirt.errors import report

# True in pyvirtd itself (libvirt's remote driver: ``inside_daemon``).
inside_daemon = False

SESSION_TIMEOUT = 30          # seconds an autostarted session daemon waits for clients
_START_WAIT = 20.0            # seconds to wait for its socket


def system_socket() -> str:
    """Return the system pyvirtd's read-write socket path."""
    env = os.environ.get("PYVIRT_SYSTEM_SOCKET")
    if env:
        return env
    from pyvirt.daemon import config as cfgmod
    sock_dir = cfgmod.SYSTEM_SOCK_DIR
    if os.path.exists(cfgmod.SYSTEM_CONFIG):
        try:
            sock_dir = cfgmod.load(cfgmod.SYSTEM_CONFIG).unix_sock_dir
        except (OSError, ValueError):
            pass
    return os.path.join(sock_dir, "libvirt-sock")


def session_dir() -> str:
    """Return the directory of the per-user daemon's sockets."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return os.path.join(runtime, "pyvirt")
    return os.path.join(os.path.expanduser("~"), ".cache", "pyvirt", "run")


def session_autostart() -> bool:
    """True when ``qemu:///session`` should go through a per-user daemon."""
    env = os.environ.get("PYVIRT_SESSION_AUTOSTART", "")
    if env:
        return env not in ("0", "no", "false")
    return os.geteuid() != 0


def answers(path: str) -> bool:
    """True when a daemon accepts connections on unix socket ``path``."""
    if not os.path.exists(path):
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        try:
            s.connect(path)
        except OSError:
            return False
    return True


def _socket(rw_path: str, flags: int) -> str:
    return rw_path + ("-ro" if flags & C.VIR_CONNECT_RO else "")


def _through(uri: URI, sock: str, auth: Any, flags: int) -> Drivers:
    from pyvirt.drivers.remote import open_uri
    via = uri._replace(transport="unix", query={**uri.query, "socket": sock})
    return open_uri(via, auth, flags)


def open_daemon(uri: URI, auth: Any, flags: int) -> Drivers | None:
    """Open a local ``system`` or ``session`` URI through pyvirtd.

    Return None when the URI is to be served in-process: inside the
    daemon, no system daemon running, session autostart off, or another
    path (``/embed``).
    """
    if inside_daemon or uri.is_remote:
        return None
    path = uri.path.rstrip("/")
    if path == "/system":
        sock = _socket(system_socket(), flags)
        return _through(uri, sock, auth, flags) if answers(sock) else None
    if path == "/session" and session_autostart():
        return _through(uri, _socket(ensure_session_daemon(), flags), auth, flags)
    return None


def ensure_session_daemon() -> str:
    """Return the per-user daemon's socket, starting the daemon if none answers.

    A lock file serialises the start, so two clients do not start two
    daemons; raise ``VIR_ERR_SYSTEM_ERROR`` when the daemon does not come up.
    """
    run_dir = session_dir()
    sock = os.path.join(run_dir, "libvirt-sock")
    if answers(sock):
        return sock
    os.makedirs(run_dir, mode=0o700, exist_ok=True)
    lock_fd = os.open(os.path.join(run_dir, "autostart.lock"),
                      os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        if not answers(sock):
            _start_session_daemon(run_dir, sock)
    finally:
        os.close(lock_fd)     # closing releases the lock
    return sock


def _start_session_daemon(run_dir: str, sock: str) -> None:
    config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.join(
        os.path.expanduser("~"), ".config")
    timeout = os.environ.get("PYVIRT_SESSION_TIMEOUT") or str(SESSION_TIMEOUT)
    # -f always: a missing file means defaults, never the system configuration.
    argv = [sys.executable, "-m", "pyvirt.daemon.main", "--daemon", "--timeout", timeout,
            "--unix-sock-dir", run_dir, "--pid-file", os.path.join(run_dir, "pyvirtd.pid"),
            "-f", os.path.join(config_home, "pyvirt", "pyvirtd.conf")]
    with contextlib.suppress(FileNotFoundError):
        os.unlink(sock)       # a stale socket of a daemon that died
    try:
        # --daemon forks: this child returns at once, the daemon lives on.
        subprocess.run(argv, check=False, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=_START_WAIT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise report(C.VIR_ERR_SYSTEM_ERROR, f"Failed to start pyvirtd for the session: {exc}",
                     C.VIR_FROM_REMOTE) from None
    deadline = time.monotonic() + _START_WAIT
    while time.monotonic() < deadline:
        if answers(sock):
            return
        time.sleep(0.05)
    raise report(C.VIR_ERR_SYSTEM_ERROR,
                 f"the session daemon did not create its socket '{sock}'", C.VIR_FROM_REMOTE)
