"""pyvirtd's server: listeners, worker pools, shared drivers and the idle timer.

One asyncio loop (the process's main thread) accepts clients on a
read-write and a read-only unix socket and, when configured, on TCP and
TLS; every client is a :class:`pyvirt.daemon.connection.ClientConnection`.
Drivers are opened once per URI and shared by the clients that open it,
so every client sees the same state; they close after their last client,
as in libvirtd (``hold_drivers`` keeps a driver's state for the daemon's
lifetime).
"""

from __future__ import annotations

import asyncio
import grp
import logging
import os
import stat
import threading
import time
from dataclasses import dataclass
from typing import Any

from pyvirt import constants as C
from pyvirt.daemon import fdpass
from pyvirt.daemon.config import Config
from pyvirt.daemon.connection import ClientConnection
from pyvirt.daemon.flow import OutputMeter, WorkerPool
from pyvirt.driver import registry
from pyvirt.driver import uri as urimod
from pyvirt.errors import report

log = logging.getLogger("pyvirt.daemon")


@dataclass
class Listener:
    """One listening socket and what its clients may do."""

    kind: str               # "unix", "unix-ro", "tcp", "tls"
    readonly: bool
    auth: str               # "none", "sasl", "polkit"
    address: str
    server: asyncio.AbstractServer | None = None


class Daemon:
    """The daemon's state: configuration, listeners, clients, pools and drivers."""

    def __init__(self, config: Config, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.config = config
        self.loop = loop or asyncio.get_event_loop()
        # Local URIs (qemu:///system) are served here, never sent back to a daemon.
        from pyvirt.drivers.remote import local
        local.inside_daemon = True
        self.pool = WorkerPool(self.loop, "pyvirtd-worker", config.max_workers,
                               config.max_requests)
        self.prio_pool = WorkerPool(self.loop, "pyvirtd-prio", config.prio_workers)
        self.output = OutputMeter(self.loop, config.max_output)
        self.listeners: list[Listener] = []
        self.clients: set[ClientConnection] = set()
        self._drivers: dict[str, list[Any]] = {}     # uri -> [Drivers, users]
        self._drivers_lock = threading.Lock()
        self._closing: dict[str, threading.Event] = {}  # uri -> set once its close ends
        self.last_activity = time.monotonic()
        self.stopping = asyncio.Event()

    # -- listeners -------------------------------------------------------------------
    async def listen_unix(self, path: str, readonly: bool, mode: int) -> Listener:
        """Listen on a unix socket at ``path`` with permissions ``mode``."""
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        if os.path.exists(path) and stat.S_ISSOCK(os.stat(path).st_mode):
            os.unlink(path)
        auth = self.config.auth_unix_ro if readonly else self.config.auth_unix_rw
        if auth == "polkit":
            log.warning("auth 'polkit' on %s: pyvirtd has no polkit, so only root clients "
                        "(whom libvirtd admits without asking polkit) are accepted", path)
        lst = Listener("unix-ro" if readonly else "unix", readonly, auth, path)
        # clients may send descriptors with their calls: see fdpass
        lst.server = await self.loop.create_unix_server(
            lambda: ClientConnection(self, lst), sock=fdpass.listening_socket(path))
        os.chmod(path, mode)
        if self.config.unix_sock_group:
            try:
                os.chown(path, -1, grp.getgrnam(self.config.unix_sock_group).gr_gid)
            except (KeyError, PermissionError) as exc:
                log.warning("cannot give %s to group '%s': %s", path,
                            self.config.unix_sock_group, exc)
        self.listeners.append(lst)
        log.info("listening on %s (%s)", path, "read-only" if readonly else "read-write")
        return lst

    async def listen_tcp(self, host: str, port: int, tls: bool = False) -> Listener:
        """Listen on TCP (with TLS when ``tls``); return the listener (port 0: any)."""
        ssl_ctx = None
        if tls:
            from pyvirt.rpc import tls as tlsmod
            cfg = self.config
            ssl_ctx = tlsmod.server_context(cfg.cert_file, cfg.key_file, cfg.ca_file,
                                            verify_client=not cfg.tls_no_verify_certificate,
                                            crl=cfg.crl_file or None)
        auth = self.config.auth_tls if tls else self.config.auth_tcp
        lst = Listener("tls" if tls else "tcp", False, auth, f"{host}:{port}")
        lst.server = await self.loop.create_server(
            lambda: ClientConnection(self, lst), host, port, ssl=ssl_ctx, reuse_address=True)
        sock = lst.server.sockets[0]
        host_, port_ = sock.getsockname()[:2]
        lst.address = f"{host_}:{port_}"
        self.listeners.append(lst)
        log.info("listening on %s %s", lst.kind, lst.address)
        return lst

    async def start(self, listen: bool = False) -> None:
        """Open the configured listeners (TCP/TLS only with ``listen``, as libvirtd)."""
        cfg = self.config
        rw, ro = cfg.socket_paths()
        await self.listen_unix(rw, False, int(cfg.unix_sock_rw_perms, 8))
        await self.listen_unix(ro, True, int(cfg.unix_sock_ro_perms, 8))
        if listen and cfg.listen_tcp:
            await self.listen_tcp(cfg.listen_addr, int(cfg.tcp_port), tls=False)
        if listen and cfg.listen_tls:
            await self.listen_tcp(cfg.listen_addr, int(cfg.tls_port), tls=True)

    # -- clients ---------------------------------------------------------------------
    def admit(self, conn: ClientConnection) -> bool:
        """Accept a new client unless max_clients (or, for a client that must
        still authenticate, max_anonymous_clients) is reached."""
        if len(self.clients) >= self.config.max_clients:
            log.warning("refusing client %s: max_clients (%d) reached", conn.identity,
                        self.config.max_clients)
            return False
        if not conn.authenticated:
            anonymous = sum(1 for c in self.clients if not c.authenticated)
            if anonymous >= self.config.max_anonymous_clients:
                log.warning("refusing client %s: max_anonymous_clients (%d) reached",
                            conn.identity, self.config.max_anonymous_clients)
                return False
        self.clients.add(conn)
        self.last_activity = time.monotonic()
        return True

    def forget(self, conn: ClientConnection) -> None:
        """A client went away."""
        self.clients.discard(conn)
        self.last_activity = time.monotonic()

    # -- drivers ---------------------------------------------------------------------
    def open_drivers(self, text: str) -> Any:
        """Return the (shared) drivers for URI ``text`` (runs on a worker)."""
        parsed = urimod.parse(text)
        if parsed.is_remote:
            raise report(C.VIR_ERR_NO_CONNECT,
                         f"{text}: the daemon does not open remote connections",
                         C.VIR_FROM_REMOTE)
        with self._drivers_lock:
            closing = self._closing.get(text)
        if closing is not None:
            # The last client's close still runs: the new drivers need the state root.
            closing.wait(60)
        with self._drivers_lock:
            entry = self._drivers.get(text)
            if entry is None:
                entry = [registry.open_drivers(parsed, None, 0), 0]
                self._drivers[text] = entry
            entry[1] += 1
            return entry[0]

    def release_drivers(self, text: str | None) -> None:
        """A client closed its connection to ``text``.

        As in libvirtd, the drivers close after their last client (the test
        driver's default state then resets), unless ``hold_drivers`` names
        the URI's driver.
        """
        with self._drivers_lock:
            entry = self._drivers.get(text or "")
            if entry is None:
                return
            entry[1] -= 1
            if entry[1] > 0 or urimod.parse(text or "").driver in self.config.hold_drivers:
                return
            del self._drivers[text or ""]
            closing = threading.Event()
            self._closing[text or ""] = closing
        drivers = entry[0]

        def close() -> None:
            try:
                drivers.close()
            finally:
                with self._drivers_lock:
                    if self._closing.get(text or "") is closing:
                        del self._closing[text or ""]
                closing.set()
        # Memory drivers close at once, as libvirtd does before it answers
        # CONNECT_CLOSE: the next client must find the state reset.  Others
        # close on a worker; an open of the same URI waits for that close.
        if (urimod.parse(text or "").driver in self.config.inline_drivers
                or self.stopping.is_set()):
            close()
        else:
            self.prio_pool.submit("CONNECT_CLOSE", close)

    def close_drivers(self) -> None:
        """Close every driver (at shutdown)."""
        with self._drivers_lock:
            entries = list(self._drivers.values())
            self._drivers.clear()
        for drivers, _users in entries:
            try:
                drivers.close()
            except Exception:
                log.debug("closing drivers failed", exc_info=True)

    # -- run -----------------------------------------------------------------------------
    async def serve(self, timeout: int = 0) -> None:
        """Serve until stop() (or ``timeout`` seconds without any client)."""
        while not self.stopping.is_set():
            try:
                await asyncio.wait_for(self.stopping.wait(), 1.0)
            except TimeoutError:
                pass
            if timeout and not self.clients and \
                    time.monotonic() - self.last_activity >= timeout:
                log.info("no client for %d seconds: exiting", timeout)
                break
        await self.shutdown()

    def stop(self) -> None:
        """Ask serve() to return (thread-safe)."""
        self.loop.call_soon_threadsafe(self.stopping.set)

    async def shutdown(self) -> None:
        """Close the listeners and the clients, stop the pools, close the drivers."""
        for lst in self.listeners:
            if lst.server is not None:
                lst.server.close()
            if lst.kind.startswith("unix"):
                try:
                    os.unlink(lst.address)
                except OSError:
                    pass
        for conn in list(self.clients):
            conn.close()
        await asyncio.sleep(0)
        self.output.close()
        self.pool.shutdown()
        self.prio_pool.shutdown()
        self.close_drivers()
