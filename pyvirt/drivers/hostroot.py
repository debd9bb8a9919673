"""The host drivers of a host root, one instance per root, shared by its connections.

A host root is ``system``, ``session`` or an embed ``DIR``.  Its host drivers
(storage, secret, ...) keep their state under the root's config and run
directories, as libvirt lays them out::

    <config_dir>/storage/NAME.xml          pool definitions
    <config_dir>/storage/autostart/NAME.xml  autostart links
    <run_dir>/storage/NAME.xml             live status of running pools
    <config_dir>/secrets/UUID.xml          secret definitions (and their values)
    <config_dir>/qemu/networks/NAME.xml    network definitions (network driver)
    <run_dir>/network/                     live status and dnsmasq files of networks

For ``qemu:///embed?root=D`` the config dir is ``D/etc`` and the run dir
``D/run``; for ``qemu:///system`` ``/etc/pyvirt`` and ``/run/pyvirt``; for
``qemu:///session`` the per-user ``pyvirt`` directories of the XDG base
directories (the parents of the QEMU driver's own directories).

:func:`acquire` returns the driver of a kind for a root, created on first
use; each connection that got one calls :func:`release` (through the
driver's ``connectClose``) and the last one closes it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HostRoot:
    """The directories of one host root."""

    config_dir: str
    run_dir: str
    uri: str                  # a URI naming the root, for messages

    @classmethod
    def of_qemu(cls, cfg: Any) -> HostRoot:
        """The root a QEMU driver config lives in (its directories' parents)."""
        return cls(os.path.dirname(cfg.config_dir), os.path.dirname(cfg.state_dir), cfg.uri())


_lock = threading.Lock()
# (kind, config_dir) -> [driver, references]
_drivers: dict[tuple[str, str], list[Any]] = {}


def acquire(kind: str, root: HostRoot, make: Callable[[HostRoot], Any]) -> Any:
    """The ``kind`` driver of ``root`` (made by ``make(root)`` and started on first
    use); one more reference to it."""
    key = (kind, root.config_dir)
    with _lock:
        entry = _drivers.get(key)
        if entry is None:
            drv = make(root)
            drv.startup()
            entry = _drivers[key] = [drv, 0]
        entry[1] += 1
        return entry[0]


def release(kind: str, root: HostRoot) -> None:
    """Drop one reference to the ``kind`` driver of ``root``; the last one shuts it down."""
    key = (kind, root.config_dir)
    with _lock:
        entry = _drivers.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] > 0:
            return
        del _drivers[key]
        entry[0].shutdown()


def current(kind: str, root: HostRoot) -> Any | None:
    """The ``kind`` driver of ``root`` if one is open (no reference taken)."""
    with _lock:
        entry = _drivers.get((kind, root.config_dir))
        return entry[0] if entry else None
