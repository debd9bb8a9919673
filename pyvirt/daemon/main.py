"""``pyvirtd``: the command line of the daemon (libvirtd's options where they exist).

    pyvirtd [-f FILE] [-l] [-t SECONDS] [-p PIDFILE] [-d] [-v]
            [--unix-sock-dir DIR] [--set KEY=VALUE ...]

SIGTERM and SIGINT stop the daemon; SIGHUP re-reads the configuration's
logging settings.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import logging
import logging.handlers
import os
import signal
import sys
from typing import Any

from pyvirt import errors
from pyvirt.daemon import config as cfgmod
from pyvirt.daemon.server import Daemon

log = logging.getLogger("pyvirt.daemon")

_LEVELS = {1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING, 4: logging.ERROR}


def setup_logging(cfg: cfgmod.Config, verbose: bool) -> None:
    """Configure logging from log_level / log_outputs ('LEVEL:stderr', 'LEVEL:file:PATH',
    'LEVEL:syslog:NAME', space separated)."""
    root = logging.getLogger("pyvirt")
    for h in list(root.handlers):
        root.removeHandler(h)
    level = logging.DEBUG if verbose else _LEVELS.get(cfg.log_level, logging.WARNING)
    fmt = logging.Formatter("%(asctime)s %(process)d: %(levelname)s : %(name)s: %(message)s")
    outputs = cfg.log_outputs.split() or [f"{cfg.log_level}:stderr"]
    lowest = logging.CRITICAL
    for out in outputs:
        lvl, _, rest = out.partition(":")
        kind, _, arg = rest.partition(":")
        handler: logging.Handler
        if kind == "file" and arg:
            os.makedirs(os.path.dirname(arg) or ".", exist_ok=True)
            handler = logging.FileHandler(arg)
        elif kind == "syslog":
            handler = logging.handlers.SysLogHandler("/dev/log")
        else:
            handler = logging.StreamHandler(sys.stderr)
        hlevel = logging.DEBUG if verbose else _LEVELS.get(int(lvl or 3), logging.WARNING)
        handler.setLevel(hlevel)
        handler.setFormatter(fmt)
        root.addHandler(handler)
        lowest = min(lowest, hlevel)
    root.setLevel(min(level, lowest))


class PidFile:
    """A pid file held with a lock, so that a second daemon refuses to start."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd = -1

    def acquire(self) -> None:
        """Lock and write the file; raise SystemExit when another daemon holds it."""
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.lockf(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise SystemExit(f"pyvirtd: another daemon holds {self.path}") from None
        os.ftruncate(self.fd, 0)
        os.write(self.fd, f"{os.getpid()}\n".encode())
        os.fsync(self.fd)

    def release(self) -> None:
        """Remove the file."""
        if self.fd >= 0:
            try:
                os.unlink(self.path)
            except OSError:
                pass
            os.close(self.fd)
            self.fd = -1


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    p = argparse.ArgumentParser(prog="pyvirtd", description="pyvirt's management daemon, "
                                "speaking libvirt's RPC protocol")
    p.add_argument("-f", "--config", help="configuration file (libvirtd.conf syntax)")
    p.add_argument("-l", "--listen", action="store_true",
                   help="listen for TCP/TLS connections as the configuration says")
    p.add_argument("-t", "--timeout", type=int, default=0,
                   help="exit after this many seconds without clients")
    p.add_argument("-p", "--pid-file", help="write the daemon's pid here")
    p.add_argument("-d", "--daemon", action="store_true", help="run in the background")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    p.add_argument("--unix-sock-dir", help="directory of libvirt-sock and libvirt-sock-ro")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a configuration setting")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    return p.parse_args(argv)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"pyvirtd: --set needs KEY=VALUE, got '{item}'")
        out[key.strip()] = cfgmod._parse_value(value.strip(), "--set") if value.strip()[:1] in \
            '"[' or value.strip().lstrip("-").isdigit() else value.strip()
    if args.unix_sock_dir:
        out["unix_sock_dir"] = args.unix_sock_dir
    return out


def _daemonize() -> None:
    if os.fork():
        os._exit(0)
    os.setsid()
    if os.fork():
        os._exit(0)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)


def main(argv: list[str] | None = None) -> int:
    """Run the daemon; return its exit status."""
    args = parse_args(argv)
    if args.version:
        import pyvirt
        print(f"pyvirtd (pyvirt) {pyvirt.__version__}, libvirt protocol "
              f"{pyvirt.LIBVIRT_VERSION}")
        return 0
    path = args.config or (cfgmod.SYSTEM_CONFIG if os.geteuid() == 0 else None)
    try:
        cfg = cfgmod.load(path, _overrides(args))
    except ValueError as exc:
        print(f"pyvirtd: {exc}", file=sys.stderr)
        return 1
    if args.daemon:
        _daemonize()
    setup_logging(cfg, args.verbose)
    # Driver errors become replies; libvirt's default stderr printer would only add noise.
    errors.registerErrorHandler(lambda _ctx, err: log.debug("error: %s", err[2]), None)
    pid_path = args.pid_file or (os.path.join(cfg.unix_sock_dir, "pyvirtd.pid")
                                 if cfg.unix_sock_dir == cfgmod.SYSTEM_SOCK_DIR else None)
    pidfile = PidFile(pid_path) if pid_path else None
    if pidfile:
        pidfile.acquire()
    try:
        asyncio.run(_run(cfg, args, path))
    finally:
        if pidfile:
            pidfile.release()
    return 0


async def _run(cfg: cfgmod.Config, args: argparse.Namespace, path: str | None) -> None:
    loop = asyncio.get_running_loop()
    daemon = Daemon(cfg, loop)

    def reload() -> None:
        log.info("SIGHUP: reloading the configuration's logging settings")
        try:
            fresh = cfgmod.load(path, _overrides(args))
        except ValueError as exc:
            log.error("reload failed: %s", exc)
            return
        cfg.log_level, cfg.log_outputs = fresh.log_level, fresh.log_outputs
        setup_logging(cfg, args.verbose)

    loop.add_signal_handler(signal.SIGTERM, daemon.stopping.set)
    loop.add_signal_handler(signal.SIGINT, daemon.stopping.set)
    loop.add_signal_handler(signal.SIGHUP, reload)
    await daemon.start(listen=args.listen)
    log.warning("pyvirtd ready (pid %d)", os.getpid())
    await daemon.serve(args.timeout)


if __name__ == "__main__":
    sys.exit(main())
