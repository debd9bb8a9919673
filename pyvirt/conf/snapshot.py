"""Domain snapshot XML (``<domainsnapshot>``), as libvirt's snapshot_conf handles it.

The name defaults to the creation time in epoch seconds.  ``<active>`` and
``<cookie>`` are private to the driver: read always, written only by
``format(internal=True)`` (libvirt's VIR_DOMAIN_SNAPSHOT_FORMAT_INTERNAL).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import cast

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf import xmlutil
from pyvirt.conf.confutil import E, child_text, element_to_e, parse_enum, parse_root
from pyvirt.conf.moment import MomentDef
from pyvirt.conf.xmlattr import A, attrs_of, read_attrs
from pyvirt.errors import report

_FROM = C.VIR_FROM_DOMAIN_SNAPSHOT


class SnapshotState(enum.Enum):
    """``<state>``: the domain state when the snapshot was taken."""

    NOSTATE = "nostate"
    RUNNING = "running"
    BLOCKED = "blocked"
    PAUSED = "paused"
    SHUTDOWN = "shutdown"
    SHUTOFF = "shutoff"
    CRASHED = "crashed"
    PMSUSPENDED = "pmsuspended"
    DISK_SNAPSHOT = "disk-snapshot"


class SnapshotLocation(enum.Enum):
    """``snapshot=...`` of ``<memory>`` and of a ``<disk>``."""

    NO = "no"
    INTERNAL = "internal"
    EXTERNAL = "external"
    MANUAL = "manual"


@dataclass
class SnapshotDisk:
    """A ``<disk>`` of ``<disks>``: where that disk's snapshot goes.

    ``children`` keep the disk's ``<driver>``/``<source>`` elements as given.
    """

    name: str
    snapshot: SnapshotLocation | None = None
    type: str | None = None
    children: list[E] = field(default_factory=list)

    #: ``<disk name= snapshot= type=>``
    ATTRS = (A("name"), A("snapshot", SnapshotLocation), A("type"))

    @property
    def source_file(self) -> str | None:
        """The external snapshot file (``<source file=...>``), if any."""
        for child in self.children:
            if child.tag == "source":
                return cast("str | None",
                            dict(child.attrs).get("file") or dict(child.attrs).get("dev"))
        return None

    @property
    def driver_type(self) -> str | None:
        """The image format of an external snapshot (``<driver type=...>``)."""
        for child in self.children:
            if child.tag == "driver":
                return cast("str | None", dict(child.attrs).get("type"))
        return None

    def format(self) -> E:
        node = E("disk", attrs_of(self, self.ATTRS))
        order = {"driver": 0, "source": 1}
        for child in sorted(self.children, key=lambda c: order.get(c.tag, 2)):
            node.add(child)
        return node


@dataclass
class DomainSnapshotDef(MomentDef):
    """A domain snapshot definition.

    Drivers use ``name``, ``state``, ``creation_time``, ``parent_name``,
    ``memory``/``memory_file``, ``disks``, ``domain_xml`` (or ``domain`` when the
    domain hooks are set), ``active`` and ``cookie``.
    """

    state: SnapshotState | None = None
    memory: SnapshotLocation | None = None
    memory_file: str | None = None
    disks: list[SnapshotDisk] = field(default_factory=list)
    inactive_domain_xml: str | None = None
    active: bool | None = None
    cookie: list[E] = field(default_factory=list)

    #: ``<memory snapshot= file=>``
    MEMORY_ATTRS = (A("memory", SnapshotLocation, "snapshot"), A("memory_file", attr="file"))

    @classmethod
    def parse(cls, xml: str | bytes) -> DomainSnapshotDef:
        """Parse snapshot XML; raise libvirt's errors for bad input."""
        root = parse_root(xml, "domainsnapshot", "domainsnapshot", _FROM)
        snap = cls._from_xml(root)
        snap._fill_common_defaults()
        snap._validate()
        return snap

    @classmethod
    def _from_xml(cls, root: etree._Element) -> DomainSnapshotDef:
        snap = cls()
        snap._read_common(root, lambda v: report(
            C.VIR_ERR_XML_ERROR, f"malformed creationTime '{v}'", _FROM))
        state = child_text(root, "state")
        if state is not None:
            snap.state = parse_enum(SnapshotState, state, error=lambda v: report(
                C.VIR_ERR_INTERNAL_ERROR, f"Invalid state '{v}' in domain snapshot XML", _FROM))
        mem = root.find("memory")
        if mem is not None:
            read_attrs(snap, mem, cls.MEMORY_ATTRS)
        for disk in root.findall("disks/disk"):
            snap.disks.append(_parse_disk(disk))
        inactive = root.find("inactiveDomain")
        if inactive is not None:
            inactive.tag = "domain"
            snap.inactive_domain_xml = xmlutil.to_string(element_to_e(inactive)).rstrip("\n")
        active = child_text(root, "active")
        if active is not None:
            snap.active = active.strip() == "1"
        cookie = root.find("cookie")
        if cookie is not None:
            snap.cookie = [element_to_e(c) for c in cookie if isinstance(c.tag, str)]
        return snap

    def _validate(self) -> None:
        if self.memory_file is not None:
            if self.memory is None:
                self.memory = SnapshotLocation.EXTERNAL
            elif self.memory is not SnapshotLocation.EXTERNAL:
                raise report(C.VIR_ERR_XML_ERROR, f"memory filename '{self.memory_file}' "
                             "requires external snapshot", _FROM)
        if self.memory is SnapshotLocation.EXTERNAL and self.memory_file is None \
                and self.state not in (SnapshotState.SHUTOFF, SnapshotState.DISK_SNAPSHOT):
            raise report(C.VIR_ERR_XML_ERROR, "external memory snapshots require a filename",
                         _FROM)

    def format(self, internal: bool = False) -> str:
        """Return the snapshot XML; ``internal`` adds ``<active>`` and ``<cookie>``."""
        root = E("domainsnapshot", keep=True)
        self._format_head(root)
        if self.state is not None:
            root.add(E("state", text=self.state.value))
        self._format_parent_time(root)
        if self.memory is not None:
            root.add(E("memory", attrs_of(self, self.MEMORY_ATTRS)))
        if self.disks:
            root.add(E("disks", children=[d.format() for d in self.disks]))
        root.add(self._format_domain())
        if self.inactive_domain_xml is not None:
            text = self.inactive_domain_xml
            root.add(E.raw_xml("<inactiveDomain" + text[len("<domain"):-len("</domain>")]
                               + "</inactiveDomain>"))
        if internal:
            if self.cookie:
                root.add(E("cookie", children=self.cookie))
            root.add(E("active", text=1 if self.active else 0))
        return xmlutil.to_string(root)


def _parse_disk(elem: etree._Element) -> SnapshotDisk:
    if not elem.get("name"):
        raise report(C.VIR_ERR_INTERNAL_ERROR, "missing name from disk snapshot element",
                     _FROM)
    disk = read_attrs(SnapshotDisk(""), elem, SnapshotDisk.ATTRS)
    disk.children = [element_to_e(c) for c in elem if isinstance(c.tag, str)]
    if disk.snapshot is None and disk.children:
        disk.snapshot = SnapshotLocation.EXTERNAL
    if disk.type is None and any(c.tag == "source" for c in disk.children):
        disk.type = "file"
    return disk


__all__ = ["DomainSnapshotDef", "SnapshotDisk", "SnapshotLocation", "SnapshotState"]
