"""``<pool type='iscsi'>``: a target logged in by the kernel's initiator (open-iscsi).

libvirt's backend runs ``iscsiadm`` (viriscsi.c): it finds or makes an
iface for the initiator IQN, logs in to the target at ``HOST:PORT,1``,
rescans the session and lists the SCSI LUNs the kernel made as block
devices.  That needs the kernel's iSCSI initiator (``scsi_transport_iscsi``
and ``iscsi_tcp``); on a kernel without it -- this test machine's -- the
pool fails to start with an error naming the missing piece, and points at
``iscsi-direct`` (userspace libiscsi), which needs no kernel support.

The command lines are built as data (:func:`login_argv` and friends, the
same argv libvirt runs) and tested as such.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable

from pyvirt import constants as C
from pyvirt.conf.storage_pool import PoolType, StoragePoolDef
from pyvirt.drivers.storage.backends import need_tool, spec_host
from pyvirt.drivers.storage.backends.scsi import ScsiBackend, luns_of_session
from pyvirt.drivers.storage.volfile import run_command
from pyvirt.errors import report

_FROM = C.VIR_FROM_STORAGE
ISCSIADM = "iscsiadm"
DEFAULT_PORT = 3260
KERNEL_MODULES = ("scsi_transport_iscsi", "iscsi_tcp")


def portal(pool: StoragePoolDef) -> str:
    """libvirt's portal argument: ``HOST:PORT,1`` (an IPv6 host in brackets)."""
    if len(pool.source.hosts) != 1:
        raise report(C.VIR_ERR_XML_ERROR, "Expected exactly 1 host for the storage pool",
                     _FROM)
    host = pool.source.hosts[0]
    name = f"[{host.name}]" if ":" in host.name else host.name
    return f"{name}:{host.port or DEFAULT_PORT},1"


def target(pool: StoragePoolDef) -> str:
    """The target IQN (``<device path=>``)."""
    if not pool.source.devices:
        raise report(C.VIR_ERR_XML_ERROR, "missing storage pool source device path", _FROM)
    return pool.source.devices[0].path


def discovery_argv(portal_: str) -> list[str]:
    """List the portal's targets without keeping node records."""
    return [ISCSIADM, "--mode", "discovery", "--type", "sendtargets", "--portal", portal_,
            "--op", "nonpersistent"]


def iface_list_argv() -> list[str]:
    """List the ifaces (to find the one of the initiator IQN)."""
    return [ISCSIADM, "--mode", "iface"]


def iface_create_argvs(iface: str, initiator: str) -> list[list[str]]:
    """Make an iface for an initiator IQN."""
    return [[ISCSIADM, "--mode", "iface", "--interface", iface, "--op", "new"],
            [ISCSIADM, "--mode", "iface", "--interface", iface, "--op", "update",
             "--name", "iface.initiatorname", "--value", initiator]]


def chap_argvs(portal_: str, target_: str, username: str, password: str) -> list[list[str]]:
    """Set CHAP on the target's node record (the password is only in this argv, as in
    libvirt: iscsiadm takes it no other way)."""
    def update(name: str, value: str) -> list[str]:
        return [ISCSIADM, "--mode", "node", "--portal", portal_, "--target", target_,
                "--op", "update", "--name", name, "--value", value]
    return [update("node.session.auth.authmethod", "CHAP"),
            update("node.session.auth.username", username),
            update("node.session.auth.password", password)]


def _node_argv(pool: StoragePoolDef, action: str, iface: str | None) -> list[str]:
    argv = [ISCSIADM, "--mode", "node", "--portal", portal(pool), "--targetname",
            target(pool), action]
    return argv + (["--interface", iface] if iface else [])


def login_argv(pool: StoragePoolDef, iface: str | None = None) -> list[str]:
    """Log in to the pool's target (through ``iface`` when the pool names an initiator)."""
    return _node_argv(pool, "--login", iface)


def logout_argv(pool: StoragePoolDef, iface: str | None = None) -> list[str]:
    """Log out of the pool's target."""
    return _node_argv(pool, "--logout", iface)


def session_argv() -> list[str]:
    """List the sessions (to find the pool's)."""
    return [ISCSIADM, "--mode", "session"]


def rescan_argv(session: str) -> list[str]:
    """Rescan a session's LUNs."""
    return [ISCSIADM, "--mode", "session", "-r", session, "-R"]


def kernel_initiator(sysfs: str = "/sys", modules_dir: str | None = None) -> str | None:
    """Why this host has no kernel iSCSI initiator (None when it has one): the modules
    are neither loaded nor built in nor installed."""
    if os.path.isdir(os.path.join(sysfs, "class", "iscsi_transport")):
        return None
    if modules_dir is None:
        modules_dir = os.path.join("/lib/modules", os.uname().release)
    known = ""
    for name in ("modules.builtin", "modules.dep"):
        try:
            with open(os.path.join(modules_dir, name)) as fh:
                known += fh.read()
        except OSError:
            continue
    lacking = [m for m in KERNEL_MODULES
               if not os.path.isdir(os.path.join(sysfs, "module", m))
               and f"/{m}.ko" not in known]
    if not lacking:
        return None
    return (f"the kernel ({os.uname().release}) has no iSCSI initiator: "
            f"{' and '.join(lacking)} neither loaded, built in nor installed")


class IscsiBackend(ScsiBackend):
    """Pools of a target logged in by the kernel's initiator; LUNs listed from sysfs as a
    ``scsi`` pool's.  Refused, naming what is missing, where the kernel cannot log in."""

    pool_type = PoolType.ISCSI
    #: how the kernel is checked (tests give their own)
    check_kernel: Callable[[], str | None] = staticmethod(kernel_initiator)

    def start(self, pool: StoragePoolDef) -> None:
        why = self.check_kernel()
        if why is not None:
            raise report(C.VIR_ERR_OPERATION_UNSUPPORTED, f"cannot start iSCSI pool "
                         f"'{pool.name}': {why}; an 'iscsi-direct' pool reaches the target "
                         "from userspace (libiscsi)", _FROM)
        if shutil.which(ISCSIADM) is None:
            raise report(C.VIR_ERR_INTERNAL_ERROR, f"Cannot find '{ISCSIADM}' in path "
                         "(Debian: open-iscsi)", _FROM)
        run_command(discovery_argv(portal(pool)))
        run_command(login_argv(pool))

    def stop(self, pool: StoragePoolDef) -> None:
        run_command(logout_argv(pool))

    def build(self, pool: StoragePoolDef, flags: int) -> None:
        """Nothing to make (libvirt builds nothing either)."""

    def is_running(self, pool: StoragePoolDef) -> bool:
        return luns_of_session(target(pool)) is not None

    def _hosts(self, pool: StoragePoolDef) -> list[str]:
        return luns_of_session(target(pool)) or []

    def find_sources(self, spec: str | None) -> str:
        """The targets a portal offers (SendTargets discovery)."""
        host, port = spec_host(spec)
        need_tool(ISCSIADM)
        name = f"[{host}]" if ":" in host else host
        out = run_command(discovery_argv(f"{name}:{port or DEFAULT_PORT},1"))
        lines = ["<sources>"]
        for row in out.splitlines():
            if " " in row:
                lines += ["  <source>", f"    <host name='{host}'/>",
                          f"    <device path='{row.split()[-1]}'/>", "  </source>"]
        return "\n".join([*lines, "</sources>"]) + "\n"
