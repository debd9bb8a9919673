"""Domain backup XML (``<domainbackup>``), as libvirt's backup_conf handles it.

Push mode copies each disk into a ``<target>`` file; pull mode exports the
disks over NBD (``<server>``) and keeps the data the guest overwrites in a
``<scratch>`` file meanwhile.  ``<incremental>`` names the checkpoint the
backup starts from (only the clusters written since then are copied).
``format()`` adds what a running backup reports (each disk's
``backupmode`` and ``incremental``, and with ``internal`` its ``state``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from pyvirt import constants as C
from pyvirt.conf import xmlutil
from pyvirt.conf.confutil import E, child_text, parse_root
from pyvirt.conf.xmlattr import A, attrs_of, read_attrs
from pyvirt.errors import report

_FROM = C.VIR_FROM_DOMAIN


class BackupMode(enum.Enum):
    """``<domainbackup mode=...>``."""

    PUSH = "push"
    PULL = "pull"


@dataclass
class BackupServer:
    """``<server transport= socket= name= port=>`` of a pull backup."""

    transport: str = "tcp"
    socket: str | None = None
    name: str | None = None
    port: str | None = None
    tls: str | None = None     # 'yes': the NBD server speaks TLS (qemu.conf's certificates)

    ATTRS = (A("transport"), A("tls"), A("socket"), A("name"), A("port"))


@dataclass
class BackupDisk:
    """One ``<disk>``: whether it is backed up, where to, from which checkpoint."""

    name: str
    backup: str | None = None                 # 'yes' / 'no'
    type: str | None = None
    backupmode: str | None = None             # 'full' / 'incremental'
    incremental: str | None = None
    exportname: str | None = None
    exportbitmap: str | None = None
    state: str | None = None
    index: str | None = None                  # the target's storage index (output only)
    driver_type: str | None = None
    path: str | None = None                   # <target file=> or <scratch file=>

    ATTRS = (A("name"), A("backup"), A("type"), A("backupmode"), A("incremental"),
             A("exportname"), A("exportbitmap"), A("index"))

    @property
    def enabled(self) -> bool:
        """True when the disk is backed up."""
        return self.backup != "no"


@dataclass
class DomainBackupDef:
    """A backup job's definition."""

    mode: BackupMode = BackupMode.PUSH
    incremental: str | None = None
    server: BackupServer | None = None
    disks: list[BackupDisk] = field(default_factory=list)

    @classmethod
    def parse(cls, xml: str | bytes) -> DomainBackupDef:
        """Parse backup XML; raise libvirt's errors for bad input."""
        root = parse_root(xml, "domainbackup", "domainbackup", _FROM)
        bdef = cls()
        mode = root.get("mode")
        if mode is not None:
            try:
                bdef.mode = BackupMode(mode)
            except ValueError:
                raise report(C.VIR_ERR_XML_ERROR, f"unknown backup mode '{mode}'",
                             _FROM) from None
        bdef.incremental = child_text(root, "incremental")
        server = root.find("server")
        if server is not None:
            if bdef.mode is not BackupMode.PULL:
                raise report(C.VIR_ERR_XML_ERROR, "<server> is only valid in pull mode",
                             _FROM)
            bdef.server = read_attrs(BackupServer(), server, BackupServer.ATTRS)
        for elem in root.findall("disks/disk"):
            if not elem.get("name"):
                raise report(C.VIR_ERR_XML_ERROR, "missing name from disk backup element",
                             _FROM)
            disk = read_attrs(BackupDisk(""), elem, BackupDisk.ATTRS)
            store = elem.find("target" if bdef.mode is BackupMode.PUSH else "scratch")
            if store is not None:
                disk.path = store.get("file") or store.get("dev")
                disk.type = disk.type or ("block" if store.get("dev") else "file")
            driver = elem.find("driver")
            if driver is not None:
                disk.driver_type = driver.get("type")
            bdef.disks.append(disk)
        return bdef

    def format(self, internal: bool = False) -> str:
        """The XML ``virDomainBackupGetXMLDesc`` returns."""
        root = E("domainbackup", {"mode": self.mode.value}, keep=True)
        if self.incremental:
            root.add(E("incremental", text=self.incremental))
        if self.server is not None:
            root.add(E("server", attrs_of(self.server, BackupServer.ATTRS)))
        disks = []
        for disk in self.disks:
            attrs = list(attrs_of(disk, BackupDisk.ATTRS))
            if internal and disk.state:
                attrs.append(("state", disk.state))
            node = E("disk", attrs)
            if disk.enabled:
                if disk.driver_type:
                    node.add(E("driver", {"type": disk.driver_type}))
                if disk.path:
                    tag = "target" if self.mode is BackupMode.PUSH else "scratch"
                    node.add(E(tag, {"dev" if disk.type == "block" else "file": disk.path}))
            disks.append(node)
        if disks:
            root.add(E("disks", children=disks))
        return xmlutil.to_string(root)


__all__ = ["BackupDisk", "BackupMode", "BackupServer", "DomainBackupDef"]
