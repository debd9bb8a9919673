"""Network filters for the test driver: none, as in libvirt's test driver.

libvirt 9.0's test driver registers no nwfilter driver, so every
virNWFilter and virNWFilterBinding call on ``test:///`` raises
``VIR_ERR_NO_SUPPORT`` (error domain VIR_FROM_NWFILTER).  The mixin keeps
the interface's defaults so that the combined driver says so honestly.
"""

from __future__ import annotations

from typing import Any

from pyvirt.driver import interface


class NWFilterMixin(interface.NWFilterDriver):
    """No network filter operations (each raises VIR_ERR_NO_SUPPORT)."""

    state: Any


def load(state: Any, node_elem: Any, base_dir: str) -> None:
    """Nothing to load: libvirt's <node> documents describe no network filters."""
