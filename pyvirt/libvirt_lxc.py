"""libvirt-python's ``libvirt_lxc`` module: entering a container's namespaces.

``lxcOpenNamespace(dom)`` asks the driver for descriptors of the
container's namespaces (libvirt's virDomainLxcOpenNamespace);
``lxcEnterNamespace(fds)`` moves the calling process into them (setns,
client side, as libvirt does); ``lxcEnterCGroup(dom)`` moves the calling
process into the container's cgroups.  Call the last two in a forked
child: they change the process they run in.
"""

from __future__ import annotations

import os
from typing import Any

from pyvirt import constants as C
from pyvirt.errors import report


def lxcOpenNamespace(domain: Any, flags: int = 0) -> list[int]:
    """Descriptors of the container's namespaces (the caller closes them)."""
    from pyvirt.libvirt_qemu import driver_call
    call = driver_call(domain, "domainLxcOpenNamespace", "virDomainLxcOpenNamespace")
    fds = call(domain._o, flags)
    return list(fds)


def lxcEnterNamespace(fdlist: list[int], flags: int = 0) -> list[int]:
    """Enter the namespaces open on ``fdlist``; return descriptors of the old ones."""
    from pyvirt.drivers.lxc import nsutil
    if flags:
        raise report(C.VIR_ERR_INVALID_ARG, f"unsupported flags (0x{flags:x})",
                     C.VIR_FROM_LXC)
    old = []
    for fd in fdlist:
        link = os.readlink(f"/proc/self/fd/{fd}")       # 'mnt:[4026531840]'
        kind = link.split(":", 1)[0]
        try:
            old.append(os.open(f"/proc/self/ns/{kind}", os.O_RDONLY | os.O_CLOEXEC))
            nsutil.setns(fd, 0)
        except OSError as exc:
            raise report(C.VIR_ERR_SYSTEM_ERROR,
                         f"Unable to join domain {kind} namespace: {exc.strerror}",
                         C.VIR_FROM_LXC) from None
    return old


def lxcEnterCGroup(domain: Any, flags: int = 0) -> int:
    """Move the calling process into the container's cgroups."""
    from pyvirt.drivers.lxc.cgroup import CGROUP_ROOT, unified_mount
    pid = domain._drv.domainLxcInitPid(domain._o) if hasattr(
        domain._drv, "domainLxcInitPid") else None
    if pid is None:
        raise report(C.VIR_ERR_NO_SUPPORT, "this connection cannot enter the container's "
                     "cgroups", C.VIR_FROM_LXC)
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            num, ctrls, path = line.rstrip("\n").split(":", 2)
            tops = [os.path.join(CGROUP_ROOT, c) for c in ctrls.split(",") if c]
            if num == "0" and not ctrls and path != "/":    # the unified (v2) group
                tops = [t for t in (unified_mount(),) if t is not None]
            for top in tops:
                procs = os.path.join(top, path.lstrip("/"), "cgroup.procs")
                if os.path.exists(procs):
                    with open(procs, "w") as out:
                        out.write(str(os.getpid()))
    return 0
