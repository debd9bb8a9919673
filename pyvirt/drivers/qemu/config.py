"""Where a QEMU driver keeps its state, and the lock that makes it one process's.

=====================  ==============================================================
URI                    directories
=====================  ==============================================================
qemu:///embed?root=D   D/etc/qemu, D/run/qemu, D/lib/qemu, D/log/qemu, D/cache/qemu
qemu:///system         /etc/pyvirt/qemu, /run/pyvirt/qemu, /var/lib/pyvirt/qemu,
                       /var/log/pyvirt/qemu, /var/cache/pyvirt/qemu
qemu:///session        $XDG_CONFIG_HOME/pyvirt/qemu, $XDG_RUNTIME_DIR/pyvirt/qemu,
                       $XDG_DATA_HOME/pyvirt/qemu, $XDG_CACHE_HOME/pyvirt/qemu/{log,...}
=====================  ==============================================================

Under ``config_dir`` are the persistent definitions (``NAME.xml``) and
``autostart/``; under ``state_dir`` the live status (``NAME.xml``), pid
files and one ``domain-ID-NAME/`` per running guest (its monitor socket);
``log_dir`` has ``NAME.log`` (QEMU's stderr); ``cache_dir/capabilities``
the probed binaries.

One process at a time drives a root: :class:`RootLock` holds an ``flock``
on ``state_dir/driver.pid`` for as long as the driver is open.
"""

from __future__ import annotations

import errno
import fcntl
import os
from dataclasses import dataclass

from pyvirt import constants as C
from pyvirt.errors import report

_FROM = C.VIR_FROM_QEMU


@dataclass(frozen=True)
class DriverConfig:
    """The directories of one driver instance and its URI path."""

    uri_path: str            # '/embed', '/system' or '/session'
    root: str | None         # the embed root, else None
    config_dir: str
    state_dir: str
    lib_dir: str
    log_dir: str
    cache_dir: str
    driver: str = "qemu"     # the URI scheme and directory name ('lxc' for the LXC driver)

    @property
    def autostart_dir(self) -> str:
        """Where autostart links live."""
        return os.path.join(self.config_dir, "autostart")

    @property
    def caps_cache_dir(self) -> str:
        """Where probed capabilities are cached."""
        return os.path.join(self.cache_dir, "capabilities")

    def uri(self) -> str:
        """The URI that names this driver instance."""
        if self.root is not None:
            return f"{self.driver}:///embed?root={self.root}"
        return f"{self.driver}://{self.uri_path}"

    def make_dirs(self) -> None:
        """Create every directory (mode 0700 for state, 0755 otherwise)."""
        for d in (self.config_dir, self.autostart_dir, self.lib_dir, self.log_dir,
                  self.cache_dir, self.caps_cache_dir):
            os.makedirs(d, mode=0o755, exist_ok=True)
        os.makedirs(self.state_dir, mode=0o700, exist_ok=True)

    @classmethod
    def embed(cls, root: str, driver: str = "qemu") -> DriverConfig:
        """The layout under an embed root (libvirt's embedded driver layout)."""
        root = os.path.abspath(root)
        return cls("/embed", root, os.path.join(root, "etc", driver),
                   os.path.join(root, "run", driver), os.path.join(root, "lib", driver),
                   os.path.join(root, "log", driver), os.path.join(root, "cache", driver),
                   driver)

    @classmethod
    def system(cls, driver: str = "qemu") -> DriverConfig:
        """The host-wide layout of qemu:///system (lxc:///system with ``driver='lxc'``)."""
        return cls("/system", None, f"/etc/pyvirt/{driver}", f"/run/pyvirt/{driver}",
                   f"/var/lib/pyvirt/{driver}", f"/var/log/pyvirt/{driver}",
                   f"/var/cache/pyvirt/{driver}", driver)

    @classmethod
    def session(cls) -> DriverConfig:
        """The per-user layout of qemu:///session (XDG base directories)."""
        home = os.path.expanduser("~")
        cfg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
        data = os.environ.get("XDG_DATA_HOME") or os.path.join(home, ".local", "share")
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache")
        run = os.environ.get("XDG_RUNTIME_DIR") or os.path.join(cache, "pyvirt", "run")
        return cls("/session", None, os.path.join(cfg, "pyvirt", "qemu"),
                   os.path.join(run, "pyvirt", "qemu"), os.path.join(data, "pyvirt", "qemu"),
                   os.path.join(cache, "pyvirt", "qemu", "log"),
                   os.path.join(cache, "pyvirt", "qemu"))


class RootLock:
    """An exclusive ``flock`` on ``state_dir/driver.pid`` holding our pid."""

    def __init__(self, cfg: DriverConfig) -> None:
        self.path = os.path.join(cfg.state_dir, "driver.pid")
        self.fd: int | None = None
        self.cfg = cfg
        self.what = cfg.root or cfg.uri()

    def acquire(self) -> None:
        """Take the lock or raise VIR_ERR_RESOURCE_BUSY naming the holder."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                raise report(C.VIR_ERR_RESOURCE_BUSY,
                             f"the {self.cfg.driver.upper()} driver state in '{self.what}' "
                             f"is in use by process "
                             f"{holder}{busy_hint(holder, self.cfg)}", _FROM) from None
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self.fd = fd

    def release(self) -> None:
        """Drop the lock (closing the file releases the flock)."""
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)


def busy_hint(holder: str, cfg: DriverConfig) -> str:
    """What to tell the user whose open found the state held by process ``holder``.

    One process at a time drives a driver state: when the holder is a
    daemon listening on a ``libvirt-sock``, name the URI (and for
    ``qemu:///system`` the ``PYVIRT_SYSTEM_SOCKET`` setting) that reaches
    the state through it; otherwise say what holds it.
    """
    if not holder.isdigit():
        return ""
    try:
        with open(f"/proc/{holder}/cmdline", "rb") as f:
            argv = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return ""
    command = " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(argv[:4]))
    sock = _listening_socket(holder)
    if sock is None:
        return (f" ({command}); one process at a time drives it: close that connection "
                "or end that process, or serve the state from one pyvirtd and connect "
                "through it")
    if cfg.root is not None:
        via = f"{cfg.driver}+unix:///embed?root={cfg.root}&socket={sock}"
    else:
        via = f"{cfg.driver}+unix://{cfg.uri_path}?socket={sock}"
    hint = f" ({command}, a daemon listening on {sock}); connect through it: {via}"
    if cfg.uri_path == "/system":
        hint += f", or set PYVIRT_SYSTEM_SOCKET={sock} and use {cfg.driver}:///system"
    return hint


def _listening_socket(pid: str) -> str | None:
    """The ``libvirt-sock`` unix socket process ``pid`` listens on, if any."""
    inodes = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
        with open("/proc/net/unix") as f:
            rows = [line.split() for line in f.readlines()[1:]]
    except OSError:
        return None
    for fd in fds:
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:           # closed meanwhile
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    for row in rows:          # Num RefCount Protocol Flags Type St Inode Path
        if len(row) >= 8 and row[6] in inodes and row[7].endswith("/libvirt-sock"):
            return row[7]
    return None


def config_for_uri(path: str, query: dict[str, str],
                   driver: str = "qemu") -> DriverConfig | None:
    """The config for a qemu (or ``driver``) URI's path and query; None if the
    path is not ours (the LXC driver has no session root)."""
    if path == "/embed":
        root = query.get("root")
        if not root:
            raise report(C.VIR_ERR_INVALID_ARG,
                         f"URI must be {driver}:///embed?root=/some/dir", _FROM)
        if not os.path.isabs(root):
            raise report(C.VIR_ERR_INVALID_ARG,
                         f"root path '{root}' must be absolute", _FROM)
        return DriverConfig.embed(root, driver)
    if path in ("/system", "/system/"):
        return DriverConfig.system(driver)
    if path in ("/session", "/session/") and driver == "qemu":
        return DriverConfig.session()
    return None
