"""``<pool type='iscsi'>``: LUNs of an iSCSI target through the kernel's initiator.

The backend drives ``iscsiadm`` (open-iscsi) with the command lines built
below: a login to the target's portal at start, a logout at stop, a
SendTargets discovery for ``find-storage-pool-sources``.  LUNs appear as
SCSI disks, listed from sysfs like a ``scsi`` pool's.  Without the kernel's
iSCSI initiator (iscsi_tcp) or its daemon, iscsiadm's own error says so and
the pool does not start (libvirt reports the same).
"""

from __future__ import annotations

from pyvirt import constants as C
from pyvirt.conf.storage_pool import PoolType, StoragePoolDef
from pyvirt.drivers.storage.backends import need_tool, spec_host
from pyvirt.drivers.storage.backends.scsi import ScsiBackend, luns_of_session
from pyvirt.drivers.storage.volfile import run_command
from pyvirt.errors import report

_FROM = C.VIR_FROM_STORAGE
ISCSIADM = "iscsiadm"


def portal_of(host: str, port: int | None) -> str:
    """``HOST:PORT,1`` as iscsiadm takes a portal (port 3260 by default)."""
    return f"{host}:{port or 3260},1"


def login_argv(portal: str, iqn: str) -> list[str]:
    """Log in to target ``iqn`` at ``portal``."""
    return [ISCSIADM, "--mode", "node", "--portal", portal, "--targetname", iqn, "--login"]


def logout_argv(portal: str, iqn: str) -> list[str]:
    """Log out of target ``iqn``."""
    return [ISCSIADM, "--mode", "node", "--portal", portal, "--targetname", iqn, "--logout"]


def discovery_argv(portal: str) -> list[str]:
    """SendTargets discovery at ``portal`` (nothing recorded)."""
    return [ISCSIADM, "--mode", "discovery", "--type", "sendtargets", "--portal", portal,
            "--op", "nonpersistent"]


def _target(pool: StoragePoolDef) -> tuple[str, str]:
    src = pool.source
    if not src.hosts:
        raise report(C.VIR_ERR_XML_ERROR, "missing source host", _FROM)
    if not src.devices:
        raise report(C.VIR_ERR_XML_ERROR, "missing source device", _FROM)
    return portal_of(src.hosts[0].name, src.hosts[0].port), src.devices[0].path


class IscsiBackend(ScsiBackend):
    """Pools that are one iSCSI target logged in through the kernel."""

    pool_type = PoolType.ISCSI

    def is_running(self, pool: StoragePoolDef) -> bool:
        return bool(luns_of_session(_target(pool)[1]) is not None)

    def build(self, pool: StoragePoolDef, flags: int) -> None:
        """Nothing to make (libvirt builds nothing either)."""

    def start(self, pool: StoragePoolDef) -> None:
        need_tool(ISCSIADM)
        portal, iqn = _target(pool)
        run_command(login_argv(portal, iqn))

    def stop(self, pool: StoragePoolDef) -> None:
        portal, iqn = _target(pool)
        run_command(logout_argv(portal, iqn))

    def _hosts(self, pool: StoragePoolDef) -> list[str]:
        hosts = luns_of_session(_target(pool)[1])
        return hosts or []

    def find_sources(self, spec: str | None) -> str:
        host, port = spec_host(spec)
        out = run_command(discovery_argv(portal_of(host, port)))
        lines = ["<sources>"]
        for row in out.splitlines():
            if " " in row:
                lines += ["  <source>", f"    <host name='{host}'/>",
                          f"    <device path='{row.split()[-1]}'/>", "  </source>"]
        return "\n".join([*lines, "</sources>"]) + "\n"
