"""``<pool type='scsi'>``: the LUNs behind one SCSI host adapter.

Starting asks the kernel to scan the adapter (``- - -`` into
``/sys/class/scsi_host/HOST/scan``); a refresh lists the adapter's disks
from sysfs, each a volume named ``unit:BUS:TARGET:LUN``.  A kernel without
the adapter (no SCSI host here) fails the start naming the sysfs file, as
libvirt does.  ``fc_host`` adapters (vHBAs) are refused with
VIR_ERR_NO_SUPPORT.
"""

from __future__ import annotations

import glob
import os

from pyvirt import constants as C
from pyvirt.conf.storage_pool import PoolType, StoragePoolDef
from pyvirt.conf.storage_vol import StorageVolDef, VolTarget, VolType
from pyvirt.drivers.storage.backends import Backend
from pyvirt.errors import report, report_system

_FROM = C.VIR_FROM_STORAGE
SYSFS = "/sys/class/scsi_host"


def scan_path(host: str) -> str:
    """The sysfs file that makes the kernel scan ``host``."""
    return f"{SYSFS}/{host}/scan"


def luns_of_session(iqn: str) -> list[str] | None:
    """The SCSI hosts of the kernel iSCSI session logged in to ``iqn`` (None: none)."""
    for sess in glob.glob("/sys/class/iscsi_session/session*"):
        try:
            with open(os.path.join(sess, "targetname")) as fh:
                if fh.read().strip() != iqn:
                    continue
        except OSError:
            continue
        device = os.path.realpath(os.path.join(sess, "device"))
        return [os.path.basename(os.path.dirname(device))]
    return None


def _host_of(pool: StoragePoolDef) -> str:
    adapter = pool.source.adapter
    if adapter is None:
        raise report(C.VIR_ERR_XML_ERROR, "missing storage pool source adapter", _FROM)
    if adapter.type == "fc_host":
        raise report(C.VIR_ERR_NO_SUPPORT, "fc_host adapters (vHBA) are not supported",
                     _FROM)
    if not adapter.name:
        raise report(C.VIR_ERR_NO_SUPPORT, "scsi_host adapters named by their parent "
                     "address are not supported", _FROM)
    return adapter.name


class ScsiBackend(Backend):
    """Pools that are the disks of a SCSI adapter."""

    pool_type = PoolType.SCSI

    def is_running(self, pool: StoragePoolDef) -> bool:
        return all(os.path.isdir(f"{SYSFS}/{h}") for h in self._hosts(pool))

    def _hosts(self, pool: StoragePoolDef) -> list[str]:
        return [_host_of(pool)]

    def build(self, pool: StoragePoolDef, flags: int) -> None:
        """Nothing to make."""

    def start(self, pool: StoragePoolDef) -> None:
        path = scan_path(_host_of(pool))
        try:
            with open(path, "w") as fh:
                fh.write("- - -\n")
        except OSError as exc:
            raise report_system(exc.errno or 0, f"Could not open '{path}' to trigger host "
                                "scan", _FROM) from None

    def refresh(self, pool: StoragePoolDef) -> list[StorageVolDef]:
        vols = []
        for host in self._hosts(pool):
            number = host.removeprefix("host")
            for blk in sorted(glob.glob(f"/sys/bus/scsi/devices/{number}:*/block/*")):
                hctl = blk.split("/")[5]
                _h, bus, tgt, lun = hctl.split(":")
                path = f"/dev/{os.path.basename(blk)}"
                vol = StorageVolDef(name=f"unit:{bus}:{tgt}:{lun}", type=VolType.BLOCK,
                                    key=path, pool_type=pool.type)
                vol.target = VolTarget(path=path)
                with open(os.path.join(blk, "size")) as fh:
                    vol.capacity = vol.allocation = int(fh.read()) * 512
                vols.append(vol)
        pool.capacity = pool.allocation = sum(v.capacity for v in vols)
        pool.available = 0
        return vols
