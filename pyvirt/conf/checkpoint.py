"""Domain checkpoint XML (``<domaincheckpoint>``), as libvirt's checkpoint_conf handles it.

A checkpoint records, per disk, the dirty bitmap that tracks changes since
it was taken.  ``size`` of a disk is written only by ``format(size=True)``
(libvirt's VIR_DOMAIN_CHECKPOINT_XML_SIZE).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf import xmlutil
from pyvirt.conf.confutil import E, parse_root
from pyvirt.conf.moment import MomentDef
from pyvirt.conf.xmlattr import A, attr_writer, message, read_attrs, uint
from pyvirt.errors import report

_FROM = C.VIR_FROM_DOMAIN_CHECKPOINT


class CheckpointType(enum.Enum):
    """``<disk checkpoint=...>``."""

    NO = "no"
    BITMAP = "bitmap"


@dataclass
class CheckpointDisk:
    """A ``<disk>`` of a checkpoint: whether and in which bitmap it is tracked."""

    name: str
    checkpoint: CheckpointType | None = None
    bitmap: str | None = None
    size: int | None = None

    #: ``<disk name= checkpoint= bitmap= size=>``; libvirt itself never reads
    #: ``size`` (it is output only), pyvirt keeps it when given
    ATTRS = (A("name"), A("checkpoint", CheckpointType), A("bitmap"),
             A("size", uint(high=2 ** 64 - 1, error=message(
                 "Invalid value '{value}' for element or attribute 'size'", domain=_FROM))))

    def format(self, with_size: bool) -> E:
        shown = CheckpointDisk(self.name, self.checkpoint)
        if self.checkpoint is CheckpointType.BITMAP:
            shown.bitmap = self.bitmap
            shown.size = self.size if with_size else None
        return E.with_attrs("disk", attr_writer(self.ATTRS)(shown))


@dataclass
class DomainCheckpointDef(MomentDef):
    """A domain checkpoint definition.

    Drivers use ``name``, ``creation_time``, ``parent_name``, ``disks`` and
    ``domain_xml`` (or ``domain`` when the domain hooks are set).
    """

    disks: list[CheckpointDisk] = field(default_factory=list)

    @classmethod
    def parse(cls, xml: str | bytes) -> DomainCheckpointDef:
        """Parse checkpoint XML; raise libvirt's errors for bad input."""
        root = parse_root(xml, "domaincheckpoint", "domaincheckpoint", _FROM)
        chk = cls._from_xml(root)
        chk._fill_common_defaults()
        chk._fill_defaults()
        return chk

    @classmethod
    def _from_xml(cls, root: etree._Element) -> DomainCheckpointDef:
        chk = cls()
        chk._read_common(root, lambda v: report(
            C.VIR_ERR_XML_ERROR, f"malformed creationTime '{v}'", _FROM))
        if chk.name and "/" in chk.name:
            raise report(C.VIR_ERR_XML_ERROR, f"invalid checkpoint name '{chk.name}'", _FROM)
        for disk in root.findall("disks/disk"):
            if not disk.get("name"):
                raise report(C.VIR_ERR_XML_ERROR, "missing name from disk checkpoint element",
                             _FROM)
            item = read_attrs(CheckpointDisk(""), disk, CheckpointDisk.ATTRS)
            if item.bitmap is not None and item.checkpoint is None:
                item.checkpoint = CheckpointType.BITMAP
            if item.bitmap is not None and item.checkpoint is CheckpointType.NO:
                raise report(C.VIR_ERR_XML_ERROR, f"disk checkpoint bitmap '{item.bitmap}' "
                             "requires 'bitmap' type", _FROM)
            chk.disks.append(item)
        return chk

    def _fill_defaults(self) -> None:
        for disk in self.disks:
            if disk.checkpoint is None:
                disk.checkpoint = CheckpointType.BITMAP
            if disk.checkpoint is CheckpointType.BITMAP and disk.bitmap is None:
                disk.bitmap = self.name

    def align(self, disks: list[tuple[str, bool]]) -> None:
        """Fill in every disk of the domain (libvirt's virDomainCheckpointAlignDisks):
        ``disks`` are (target, tracked) pairs, ``tracked`` False for an empty or
        read-only disk (no bitmap by default); a bitmap is named after the checkpoint."""
        if not disks:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, "domain must have at least one disk to "
                         "perform checkpoints", _FROM)
        given = {d.name: d for d in self.disks}
        out = []
        for target, tracked in disks:
            item = given.pop(target, None) or CheckpointDisk(target)
            if item.checkpoint is None:
                item.checkpoint = CheckpointType.BITMAP if tracked else CheckpointType.NO
            if item.checkpoint is CheckpointType.BITMAP and item.bitmap is None:
                item.bitmap = self.name
            out.append(item)
        if given:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, f"no disk named '{next(iter(given))}'",
                         C.VIR_FROM_DOMAIN)
        self.disks = out

    def format_flags(self, flags: int) -> str:
        """The XML ``virDomainCheckpointGetXMLDesc`` returns for ``flags`` (NO_DOMAIN, SIZE)."""
        size = bool(flags & C.VIR_DOMAIN_CHECKPOINT_XML_SIZE)
        if not flags & C.VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN:
            return self.format(size=size)
        saved = self.domain_xml, self.domain
        self.domain_xml = self.domain = None
        try:
            return self.format(size=size)
        finally:
            self.domain_xml, self.domain = saved

    def format(self, size: bool = False) -> str:
        """Return the checkpoint XML; ``size`` adds each bitmap's size."""
        root = E("domaincheckpoint", keep=True)
        self._format_head(root)
        self._format_parent_time(root)
        if self.disks:
            root.add(E("disks", children=[d.format(size) for d in self.disks]))
        root.add(self._format_domain())
        return xmlutil.to_string(root)


__all__ = ["CheckpointDisk", "CheckpointType", "DomainCheckpointDef"]
