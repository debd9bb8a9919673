"""SASL on the client's side: SCRAM-SHA-256 (preferred) or PLAIN.

The driver asks the daemon for its mechanisms (AUTH_SASL_INIT), gathers
the credentials through the openAuth callback, then :func:`negotiate`
runs AUTH_SASL_START / AUTH_SASL_STEP.  With SCRAM the password never
crosses the wire and the daemon proves it knows the user's verifier.
"""

from __future__ import annotations

from collections.abc import Callable

from pyvirt import constants as C
from pyvirt.errors import report
from pyvirt.rpc import scram

_FROM = C.VIR_FROM_REMOTE

# Best first.
PREFERENCE = (scram.MECHANISM, "PLAIN")

RCall = Callable[[str, tuple], tuple]


def choose(mechlist: str) -> str:
    """Return the best mechanism of the daemon's list; raise ``VIR_ERR_AUTH_FAILED``."""
    offered = mechlist.replace(",", " ").split()
    for mech in PREFERENCE:
        if mech in offered:
            return mech
    raise report(C.VIR_ERR_AUTH_FAILED, f"no supported SASL mechanism in '{mechlist}'", _FROM)


def negotiate(rcall: RCall, mech: str, user: str, password: str) -> None:
    """Authenticate as ``user`` with ``mech``; raise ``VIR_ERR_AUTH_FAILED`` on failure."""
    if mech == scram.MECHANISM:
        _scram(rcall, user, password)
        return
    data = b"\0" + user.encode() + b"\0" + password.encode()
    complete, _nil, _data = rcall("AUTH_SASL_START", ("PLAIN", 0, data))
    if not complete:
        complete, _nil, _data = rcall("AUTH_SASL_STEP", (0, data))
    if not complete:
        raise report(C.VIR_ERR_AUTH_FAILED, "SASL negotiation did not complete", _FROM)


def _scram(rcall: RCall, user: str, password: str) -> None:
    client = scram.Client(user, password)
    try:
        complete, _nil, data = rcall("AUTH_SASL_START", (scram.MECHANISM, 0, client.first()))
        if complete:
            raise scram.ScramError("the server completed before the proof")
        complete, _nil, data = rcall("AUTH_SASL_STEP", (0, client.final(bytes(data or b""))))
        if not complete:
            raise scram.ScramError("SASL negotiation did not complete")
        client.verify(bytes(data or b""))
    except scram.ScramError as exc:
        raise report(C.VIR_ERR_AUTH_FAILED, f"SASL {scram.MECHANISM} failed: {exc}",
                     _FROM) from None
