"""SASL authentication on the daemon's side (libvirt's AUTH_SASL_* calls).

pyvirtd offers the PLAIN mechanism, checked against a users file
(``sasl_users_file``: one ``user:password`` per line) and, when set,
``sasl_allowed_username_list``.  libvirt's client allows PLAIN only over
an encrypted transport, so this is meant for the TLS listener.
"""

from __future__ import annotations

import hmac
import logging
from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt.errors import report

if TYPE_CHECKING:
    from pyvirt.daemon.connection import ClientConnection

log = logging.getLogger("pyvirt.daemon")

MECHANISMS = ("PLAIN",)


def _users(path: str) -> dict[str, str]:
    users: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if line and not line.startswith("#") and ":" in line:
                    user, _, password = line.partition(":")
                    users[user] = password
    except OSError as exc:
        log.warning("cannot read sasl_users_file %s: %s", path, exc)
    return users


def _fail(detail: str) -> Exception:
    return report(C.VIR_ERR_AUTH_FAILED, detail, C.VIR_FROM_REMOTE)


def step(conn: ClientConnection, name: str, args: tuple) -> tuple:
    """Answer AUTH_SASL_INIT / START / STEP; return the reply's values."""
    if name == "AUTH_SASL_INIT":
        conn.sasl = {"state": "init"}
        return (" ".join(MECHANISMS),)
    state: dict[str, Any] | None = conn.sasl
    if state is None:
        raise _fail("SASL authentication was not initialised")
    if name == "AUTH_SASL_START":
        mech, nil, data = args
        if mech not in MECHANISMS:
            raise _fail(f"unsupported SASL mechanism '{mech}'")
        if nil or not data:
            state["state"] = "start"
            return (0, 1, b"")     # ask for the client's initial response
        return _plain(conn, bytes(data))
    nil, data = args
    return _plain(conn, bytes(data))


def _plain(conn: ClientConnection, data: bytes) -> tuple:
    parts = data.split(b"\0")
    if len(parts) != 3:
        raise _fail("malformed SASL PLAIN response")
    _authzid, user_b, password_b = parts
    user, password = user_b.decode(errors="replace"), password_b.decode(errors="replace")
    cfg = conn.daemon.config
    known = _users(cfg.sasl_users_file) if cfg.sasl_users_file else {}
    expected = known.get(user)
    if expected is None or not hmac.compare_digest(expected, password):
        log.warning("SASL authentication of '%s' failed", user)
        raise _fail("authentication failed")
    if cfg.sasl_allowed_username_list and user not in cfg.sasl_allowed_username_list:
        raise report(C.VIR_ERR_AUTH_FAILED, f"client '{user}' not allowed",
                     C.VIR_FROM_REMOTE)
    conn.authenticated = True
    conn.identity += f" sasl={user}"
    conn.sasl = None
    return (1, 1, b"")
