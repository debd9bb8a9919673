"""The QEMU driver: real virtual machines, from domain XML to a running guest.

``qemu:///embed?root=DIR`` runs the driver in-process with all its state
under DIR; ``qemu:///system`` and ``qemu:///session`` use the host-wide and
per-user directories: through pyvirtd when one serves them
(:mod:`pyvirt.drivers.remote.local`), else in-process.  Modules:

========================  ======================================================
config.py                 directories of a URI, the root lock
capabilities.py           probing QEMU binaries, capabilities XML
address.py                implicit devices, aliases, drive and PCI addresses
command.py                domain definition -> QEMU command line (as data)
process.py                spawning, watching (pidfd) and killing QEMU
monitor.py                QMP through qemu.qmp on the library's loop
domain.py                 lifecycle and QEMU's events
status.py                 persistent definitions and live status XML on disk
hotplug.py                attach/detach/update of disks, interfaces, media
stats.py                  info, CPU/memory/block/interface statistics
console.py                consoles on virStreams
driver.py                 the driver table, reconnect, one driver per root
========================  ======================================================
"""

from __future__ import annotations

from typing import Any

from pyvirt.driver.registry import Drivers
from pyvirt.driver.uri import URI


def open_uri(uri: URI, auth: Any, flags: int) -> Drivers | None:
    """Open the QEMU driver for ``uri``; None when the URI is not a qemu one."""
    if uri.driver != "qemu" or uri.is_remote:
        return None
    # system: through pyvirtd when it runs; session: a per-user pyvirtd, autostarted.
    if uri.path.rstrip("/") in ("/system", "/session"):
        from pyvirt.drivers.remote.local import open_daemon
        via_daemon = open_daemon(uri, auth, flags)
        if via_daemon is not None:
            return via_daemon
    from pyvirt.drivers.qemu.config import config_for_uri
    from pyvirt.drivers.qemu.driver import open_driver
    cfg = config_for_uri(uri.path or "/", uri.query)
    if cfg is None:
        return None
    # the host drivers of the root first: guests that autostart may use their volumes
    from pyvirt.drivers.hostiface.driver import open_iface
    from pyvirt.drivers.hostroot import HostRoot
    from pyvirt.drivers.network.driver import open_network
    from pyvirt.drivers.nodedev.driver import open_nodedev
    from pyvirt.drivers.nwfilter.driver import open_nwfilter
    from pyvirt.drivers.secret.driver import open_secret
    from pyvirt.drivers.storage.driver import open_storage
    root = HostRoot.of_qemu(cfg)
    sec = open_secret(root)
    try:
        stor = open_storage(root)
        try:
            net = open_network(root)
            try:
                nwf = open_nwfilter(root)
                try:
                    hv = open_driver(cfg)
                except BaseException:
                    nwf.connectClose()
                    raise
            except BaseException:
                net.connectClose()
                raise
        except BaseException:
            stor.connectClose()
            raise
    except BaseException:
        sec.connectClose()
        raise
    # node devices and host interfaces: read from the host when asked, nothing to undo
    return Drivers(hv=hv, net=net, stor=stor, sec=sec, nwf=nwf, dev=open_nodedev(root),
                   iface=open_iface(root))
