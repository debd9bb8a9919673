"""SASL authentication on the daemon's side (libvirt's AUTH_SASL_* calls).

pyvirtd offers SCRAM-SHA-256 (RFC 7677, :mod:`pyvirt.rpc.scram`) and
PLAIN, checked against a users file (``sasl_users_file``: one
``user:SECRET`` per line) and, when set, ``sasl_allowed_username_list``.
SECRET is a SCRAM verifier (``SCRAM-SHA-256$4096:SALT$STORED:SERVER``,
printed by ``python3 -m pyvirt.rpc.scram``), so no password is stored,
or, for old files, a cleartext password.  Both mechanisms accept both
forms.  Neither mechanism encrypts, so they are offered only where the
transport is secure (TLS, unix sockets): on plain TCP libvirtd asks SASL
for a mechanism that encrypts (a security strength of at least 56, i.e.
GSSAPI), and pyvirtd has none, so it offers nothing there.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt.errors import report
from pyvirt.rpc import scram

if TYPE_CHECKING:
    from pyvirt.daemon.connection import ClientConnection

log = logging.getLogger("pyvirt.daemon")

MECHANISMS = (scram.MECHANISM, "PLAIN")


def _users(path: str) -> dict[str, str]:
    users: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if line and not line.startswith("#") and ":" in line:
                    user, _, secret = line.partition(":")
                    users[user] = secret
    except OSError as exc:
        log.warning("cannot read sasl_users_file %s: %s", path, exc)
    return users


def _secret(conn: ClientConnection, user: str) -> str | None:
    cfg = conn.daemon.config
    return (_users(cfg.sasl_users_file) if cfg.sasl_users_file else {}).get(user)


def _verifier(secret: str | None) -> scram.Verifier:
    """The user's SCRAM verifier; for an unknown user one that no password matches."""
    if secret is None:
        return scram.Verifier.from_password(secrets.token_hex(16))
    if scram.is_verifier(secret):
        return scram.Verifier.parse(secret)
    return scram.Verifier.from_password(secret)


def _fail(detail: str) -> Exception:
    return report(C.VIR_ERR_AUTH_FAILED, detail, C.VIR_FROM_REMOTE)


def step(conn: ClientConnection, name: str, args: tuple) -> tuple:
    """Answer AUTH_SASL_INIT / START / STEP; return the reply's values."""
    if name == "AUTH_SASL_INIT":
        if conn.listener.kind == "tcp":
            log.warning("client %s: no SASL mechanism that encrypts for plain TCP; "
                        "refusing it (use TLS)", conn.identity)
            raise _fail("no SASL mechanism available that encrypts a plain TCP "
                        "connection; connect with TLS")
        conn.sasl = {"state": "init"}
        return (" ".join(MECHANISMS),)
    state: dict[str, Any] | None = conn.sasl
    if state is None:
        raise _fail("SASL authentication was not initialised")
    if name == "AUTH_SASL_START":
        mech, nil, data = args
        if mech not in MECHANISMS:
            raise _fail(f"unsupported SASL mechanism '{mech}'")
        state["mech"] = mech
        log.info("SASL: client chose %s", mech)
        if nil or not data:
            state["state"] = "start"
            return (0, 1, b"")     # ask for the client's initial response
        return _feed(conn, state, bytes(data))
    if "mech" not in state:
        raise _fail("SASL step before start")
    nil, data = args
    return _feed(conn, state, bytes(data or b""))


def _feed(conn: ClientConnection, state: dict[str, Any], data: bytes) -> tuple:
    if state["mech"] == "PLAIN":
        return _plain(conn, data)
    return _scram(conn, state, data)


def _scram(conn: ClientConnection, state: dict[str, Any], data: bytes) -> tuple:
    server: scram.Server | None = state.get("scram")
    try:
        if server is None:
            server = state["scram"] = scram.Server()
            user = server.start(data)
            return (0, 0, server.first(_verifier(_secret(conn, user))))
        final = server.final(data)
    except scram.ScramError as exc:
        conn.sasl = None
        log.warning("SASL %s authentication of '%s' failed: %s", scram.MECHANISM,
                    server.user if server else "", exc)
        raise _fail("authentication failed") from None
    _accept(conn, server.user)
    return (1, 0, final)


def _plain(conn: ClientConnection, data: bytes) -> tuple:
    parts = data.split(b"\0")
    if len(parts) != 3:
        raise _fail("malformed SASL PLAIN response")
    _authzid, user_b, password_b = parts
    user, password = user_b.decode(errors="replace"), password_b.decode(errors="replace")
    if not _password_matches(_secret(conn, user), password):
        log.warning("SASL authentication of '%s' failed", user)
        raise _fail("authentication failed")
    _accept(conn, user)
    return (1, 1, b"")


def _password_matches(secret: str | None, password: str) -> bool:
    if secret is None:
        return False
    if not scram.is_verifier(secret):
        return hmac.compare_digest(secret.encode(), password.encode())
    try:
        v = scram.Verifier.parse(secret)
    except scram.ScramError:
        return False
    derived = scram.Verifier.from_password(password, v.salt, v.iterations)
    return hmac.compare_digest(derived.stored_key, v.stored_key)


def _accept(conn: ClientConnection, user: str) -> None:
    """The user proved who it is: apply the allowed list, mark the client authenticated."""
    allowed = conn.daemon.config.sasl_allowed_username_list
    conn.sasl = None
    if allowed and user not in allowed:
        raise report(C.VIR_ERR_AUTH_FAILED, f"client '{user}' not allowed",
                     C.VIR_FROM_REMOTE)
    conn.authenticated = True
    conn.identity += f" sasl={user}"
