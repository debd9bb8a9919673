"""Connecting to a daemon as libvirt's remote driver does, from the URI.

``driver+unix:///path?socket=SOCK``      unix socket (default: pyvirtd's, else libvirtd's)
``driver+tcp://host[:port]/path``        plain TCP (port 16509)
``driver+tls://host[:port]/path``        TLS with x509 certificates (port 16514);
                                         ``?pkipath=DIR``, ``?no_verify=1``
``driver+ssh://[user@]host[:port]/path`` ssh running ``virt-ssh-helper`` or
                                         ``nc -U SOCK`` on the host (``?netcat=``,
                                         ``?keyfile=``, ``?proxy=``, ``?no_tty=``)
``driver://host/path``                   TLS, as libvirt

:func:`open_name` gives the URI the daemon is asked to open: the
transport, host and the query parameters meant for the client removed.
"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import urllib.parse
from typing import Any

from pyvirt import constants as C
from pyvirt.driver.uri import URI
from pyvirt.errors import report

_FROM = C.VIR_FROM_REMOTE

PYVIRTD_SOCK = "/run/pyvirt/libvirt-sock"
LIBVIRTD_SOCK = "/run/libvirt/libvirt-sock"
TCP_PORT = 16509
TLS_PORT = 16514

# Query parameters the client consumes; the rest go to the daemon's driver.
CLIENT_PARAMS = {"name", "command", "socket", "auth", "netcat", "keyfile", "no_verify",
                 "no_tty", "pkipath", "known_hosts", "known_hosts_verify", "sshauth",
                 "mode", "proxy", "tls_priority", "tls"}


def default_socket(readonly: bool) -> str:
    """Return the local daemon socket: pyvirtd's when it exists, else libvirtd's."""
    suffix = "-ro" if readonly else ""
    for base in (PYVIRTD_SOCK, LIBVIRTD_SOCK):
        if os.path.exists(base + suffix):
            return base + suffix
    return PYVIRTD_SOCK + suffix


def transport_of(uri: URI) -> str:
    """Return the transport a URI asks for (libvirt: a host without one means TLS)."""
    if uri.transport:
        return uri.transport
    return "tls" if uri.host else "unix"


def open_name(uri: URI) -> str:
    """Return the URI to send in CONNECT_OPEN."""
    if "name" in uri.query:
        return uri.query["name"]
    query = {k: v for k, v in uri.query.items() if k not in CLIENT_PARAMS}
    text = f"{uri.driver}://{uri.path if uri.path.startswith('/') else '/'}"
    if query:
        text += "?" + urllib.parse.urlencode(query)
    return text


def _fail(uri: URI, detail: str) -> Exception:
    return report(C.VIR_ERR_SYSTEM_ERROR, detail, _FROM)


def connect(uri: URI, readonly: bool) -> tuple[socket.socket, Any, str | None, Any]:
    """Return (socket, TLS context or None, server name, helper process) for ``uri``."""
    kind = transport_of(uri)
    if kind == "unix":
        path = uri.query.get("socket") or default_socket(readonly)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
        except OSError as exc:
            sock.close()
            raise _fail(uri, f"Failed to connect socket to '{path}': {exc.strerror}") from None
        return sock, None, None, None
    if kind in ("tcp", "tls"):
        host = uri.host or "localhost"
        port = uri.port or (TLS_PORT if kind == "tls" else TCP_PORT)
        try:
            sock = socket.create_connection((host, port), timeout=30)
        except OSError as exc:
            raise _fail(uri, f"unable to connect to server at '{host}:{port}': "
                        f"{exc.strerror or exc}") from None
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if kind == "tcp":
            return sock, None, None, None
        from pyvirt.rpc import tls
        try:
            ctx = tls.client_context(uri.query.get("pkipath"),
                                     verify=uri.query.get("no_verify", "0") in ("", "0"))
        except (OSError, ValueError) as exc:
            sock.close()
            raise _fail(uri, f"unable to load the TLS certificates: {exc}") from None
        return sock, ctx, host, None
    if kind in ("ssh", "libssh", "libssh2"):
        return _ssh(uri, readonly)
    if kind == "ext":
        command = uri.query.get("command")
        if not command:
            raise report(C.VIR_ERR_INVALID_ARG, "remote: for 'ext' transport, command is "
                         "required", _FROM)
        return _spawn(uri, shlex.split(command))
    raise report(C.VIR_ERR_INVALID_ARG, f"remote_open: transport in URL not recognised "
                 f"(should be tls|unix|ssh|ext|tcp|libssh2|libssh): {kind}", _FROM)


def _ssh(uri: URI, readonly: bool) -> tuple[socket.socket, Any, str | None, Any]:
    q = uri.query
    argv = [q.get("command", "ssh")]
    if uri.port:
        argv += ["-p", str(uri.port)]
    if uri.user:
        argv += ["-l", uri.user]
    if q.get("keyfile"):
        argv += ["-i", q["keyfile"]]
    if q.get("no_tty", "0") not in ("", "0"):
        argv += ["-T", "-o", "BatchMode=yes"]
    argv += ["-e", "none", "--", uri.host or "localhost"]
    sock_path = q.get("socket") or (LIBVIRTD_SOCK + ("-ro" if readonly else ""))
    netcat = q.get("netcat", "nc")
    proxy = q.get("proxy", "auto")
    nc = f"{shlex.quote(netcat)} -U {shlex.quote(sock_path)}"
    if proxy == "netcat" or "socket" in q:
        remote = nc
    elif proxy == "native":
        remote = f"virt-ssh-helper {shlex.quote(open_name(uri))}"
    else:
        helper = f"virt-ssh-helper{' -r' if readonly else ''} {shlex.quote(open_name(uri))}"
        remote = (f"sh -c 'if which virt-ssh-helper >/dev/null 2>&1; then exec {helper}; "
                  f"else exec {nc}; fi'")
    return _spawn(uri, argv + [remote])


def _spawn(uri: URI, argv: list[str]) -> tuple[socket.socket, Any, str | None, Any]:
    ours, theirs = socket.socketpair()
    try:
        # Popen takes any object with fileno() (a socket); typeshed only lists int | IO.
        proc = subprocess.Popen(argv, stdin=theirs, stdout=theirs,  # type: ignore[call-overload]
                                stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError as exc:
        ours.close()
        theirs.close()
        raise _fail(uri, f"Cannot execute '{argv[0]}': {exc.strerror}") from None
    theirs.close()
    return ours, None, None, proc
