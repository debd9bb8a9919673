"""Connection URIs, parsed as libvirt parses them.

``driver[+transport]://[user@][host][:port]/path[?query]``, e.g.
``qemu:///system``, ``qemu+ssh://root@host/system``,
``test:///default``, ``qemu:///embed?root=/tmp/x``.
"""

from __future__ import annotations

import os
import urllib.parse
from typing import NamedTuple

from pyvirt import constants as C
from pyvirt.errors import report

_FROM = C.VIR_FROM_URI


class URI(NamedTuple):
    """A parsed connection URI (a named tuple: ``uri._replace(path=...)`` for a variant)."""

    raw: str
    scheme: str
    driver: str
    transport: str | None
    user: str | None
    host: str | None
    port: int | None
    path: str
    query: dict[str, str]

    @property
    def is_remote(self) -> bool:
        """True when the URI names a transport or a host: a remote connection."""
        return self.transport is not None or bool(self.host)


def default_uri() -> str:
    """Return the URI used when none is given: LIBVIRT_DEFAULT_URI, else qemu's."""
    env = os.environ.get("LIBVIRT_DEFAULT_URI")
    if env:
        return env
    return "qemu:///system" if os.geteuid() == 0 else "qemu:///session"


def parse(text: str) -> URI:
    """Parse ``text``; raise ``VIR_ERR_NO_CONNECT`` naming it when malformed."""
    try:
        parts = urllib.parse.urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise report(C.VIR_ERR_NO_CONNECT, f"{text}: unable to parse URI ({exc})",
                     _FROM) from None
    scheme = parts.scheme
    if not scheme or "://" not in text:
        raise report(C.VIR_ERR_NO_CONNECT,
                     f"{text}: unable to parse URI (expected driver[+transport]://...)",
                     _FROM)
    driver, _, transport = scheme.partition("+")
    query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    return URI(raw=text, scheme=scheme, driver=driver, transport=transport or None,
               user=urllib.parse.unquote(parts.username) if parts.username else None,
               host=parts.hostname, port=port, path=urllib.parse.unquote(parts.path),
               query=query)
