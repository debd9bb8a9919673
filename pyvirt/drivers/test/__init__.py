"""libvirt's test driver (``test:///default``, ``test:///PATH.xml``).

A mock hypervisor with its host resources, entirely in memory, for
applications' test suites: the same objects, states, events and errors
as libvirt's own test driver.
"""

from __future__ import annotations

from typing import Any

from pyvirt import constants as C
from pyvirt.driver.registry import Drivers
from pyvirt.driver.uri import URI
from pyvirt.drivers.test import state as statemod
from pyvirt.drivers.test.objects import check_flags
from pyvirt.errors import report

_FROM = C.VIR_FROM_TEST


def open_uri(uri: URI, auth: Any, flags: int) -> Drivers | None:
    """Open ``test:///default`` (the shared state) or ``test:///ABS/PATH.xml``."""
    if uri.driver != "test" or uri.is_remote:
        return None
    check_flags(flags, C.VIR_CONNECT_RO | C.VIR_CONNECT_NO_ALIASES, "testConnectOpen")
    path = uri.path
    if path in ("", "/"):
        raise report(C.VIR_ERR_INVALID_ARG,
                     "testOpen: supply a path or use test:///default", _FROM)
    from pyvirt.drivers.test.driver import TestDriver
    if path == "/default":
        state = statemod.acquire_default()
    else:
        state = statemod.NodeState.from_file(path)
        state.refs = 1
    try:
        statemod.check_auth(state, auth)
    except BaseException:
        statemod.release(state)
        raise
    return Drivers.single(TestDriver(state, uri.raw))
