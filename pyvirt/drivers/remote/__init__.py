"""The remote driver: pyvirt's client of libvirt's RPC protocol.

``open_uri`` serves URIs with a transport or a host (``test+unix:///default``,
``qemu+tcp://host/system``, ``qemu+tls://host/system``,
``qemu+ssh://user@host/system``); :func:`open_local` connects a plain URI
(``qemu:///system``) to the local daemon's socket, for drivers that are
served through pyvirtd.
"""

from __future__ import annotations

from typing import Any

from pyvirt.driver.registry import Drivers
from pyvirt.driver.uri import URI


def open_uri(uri: URI, auth: Any, flags: int) -> Drivers:
    """Connect to the daemon ``uri`` names; return its drivers."""
    from pyvirt.drivers.remote.driver import RemoteDriver
    return Drivers.single(RemoteDriver(uri, auth, flags))


def open_local(uri: URI, auth: Any, flags: int) -> Drivers:
    """Connect a local URI (no transport, no host) through the daemon's unix socket."""
    return open_uri(uri, auth, flags)
