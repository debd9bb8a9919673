"""What a hypervisor driver asks the storage driver: the source behind a volume disk.

``<disk type='volume'><source pool='P' volume='V'/>`` keeps its XML; the
QEMU driver gets the volume's file here (set as the disk's ``source.file``;
a volume of a network pool sets the network source: protocol, name, hosts,
authentication) when it builds the command line or hot-plugs the disk.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pyvirt import constants as C
from pyvirt.conf.domain_disk import DiskType
from pyvirt.drivers import hostroot
from pyvirt.drivers.storage.backends.netdisk import resolve_secrets
from pyvirt.errors import report


def translate_disks(root: hostroot.HostRoot, disks: Iterable[Any]) -> None:
    """Give every volume disk of ``disks`` the file (or network source) of its volume,
    and every network disk with ``<auth>`` its secret."""
    disks = list(disks)
    todo = [d for d in disks if d.type == DiskType.VOLUME and d.source is not None
            and d.source.volume]
    if not todo:
        resolve_secrets(root, disks)
        return
    drv = hostroot.current("storage", root)
    if drv is None:
        raise report(C.VIR_ERR_OPERATION_INVALID, f"no storage driver is open for "
                     f"'{root.uri}' to translate volume disks", C.VIR_FROM_STORAGE)
    for disk in todo:
        drv.translate_disk(disk)
    resolve_secrets(root, disks)
