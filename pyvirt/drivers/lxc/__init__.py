"""The LXC driver: containers on Linux namespaces and cgroups, from domain XML.

``lxc:///embed?root=DIR`` runs the driver in-process with all its state
under DIR (``DIR/etc/lxc``, ``DIR/run/lxc``, ``DIR/log/lxc`` ...);
``lxc:///system`` uses ``/etc/pyvirt/lxc``, ``/run/pyvirt/lxc`` ... through
pyvirtd when one serves it, else in-process (as root).  Modules:

========================  ======================================================
driver.py                 the driver table, one driver per root
process.py                start, stop, reconnect through the controllers
controller.py             the per-container controller program (libvirt_lxc)
spare.py                  a controller forked ahead, already in its cgroups
plan.py                   domain definition -> the controller's spec
cgroup.py                 the container's cgroups, v1 or v2 controller by controller
bpfdev.py                 the v2 device whitelist: a BPF program and its map
tune.py                   schedinfo, memtune, blkiotune, stats
netplug.py                veth pairs and macvlans into containers
hotplug.py                attach/detach of interfaces
nsutil.py                 unshare, setns, mount, pivot_root through libc
native.py                 lxc-tools configuration -> domain XML
========================  ======================================================
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:       # the controller imports this package: no typing at run time
    from typing import Any

    from pyvirt.driver.registry import Drivers
    from pyvirt.driver.uri import URI


def open_uri(uri: URI, auth: Any, flags: int) -> Drivers | None:
    """Open the LXC driver for ``uri``; None when the URI is not an lxc one."""
    if uri.driver != "lxc" or uri.is_remote:
        return None
    if uri.path.rstrip("/") == "/system":
        from pyvirt.drivers.remote.local import open_daemon
        via_daemon = open_daemon(uri, auth, flags)
        if via_daemon is not None:
            return via_daemon
    from pyvirt.drivers.lxc.driver import open_driver
    from pyvirt.drivers.qemu.config import config_for_uri
    cfg = config_for_uri(uri.path or "/", uri.query, "lxc")
    if cfg is None:
        return None
    from pyvirt.driver.registry import Drivers
    from pyvirt.drivers.hostroot import HostRoot
    from pyvirt.drivers.network.driver import open_network
    net = open_network(HostRoot.of_qemu(cfg))
    try:
        hv = open_driver(cfg)
    except BaseException:
        net.connectClose()
        raise
    return Drivers(hv=hv, net=net)
