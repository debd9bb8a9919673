"""Secret XML (``<secret>``), as libvirt's secret_conf reads and writes it."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf import xmlutil
from pyvirt.conf.confutil import E, child_text, parse_root, parse_uuid
from pyvirt.conf.xmlattr import YESNO, A, attrs_of, enumconv, message, read_attrs
from pyvirt.errors import libvirtError, report

_FROM = C.VIR_FROM_SECRET


class UsageType(enum.Enum):
    """``<usage type=...>``; each names its object with one child element."""

    VOLUME = "volume"
    CEPH = "ceph"
    ISCSI = "iscsi"
    TLS = "tls"
    VTPM = "vtpm"


# Usage type -> (child element holding the usage id, name used in errors).
_USAGE_ELEMENT = {
    UsageType.VOLUME: ("volume", "volume", "volume path"),
    UsageType.CEPH: ("name", "Ceph", "name"),
    UsageType.ISCSI: ("target", "iSCSI", "target"),
    UsageType.TLS: ("name", "TLS", "name"),
    UsageType.VTPM: ("name", "vTPM", "name"),
}


def _bad_flag(attr: str, elem: str, value: str) -> libvirtError:
    """libvirt's error for an ``ephemeral``/``private`` value other than yes/no."""
    return report(C.VIR_ERR_XML_ERROR, f"invalid value of '{attr}'", _FROM)


@dataclass
class SecretDef:
    """A secret's definition (never its value).

    Drivers use ``uuid``, ``ephemeral``, ``private``, ``usage_type`` and
    ``usage_id`` (the volume path, Ceph/TLS/vTPM name or iSCSI target).
    """

    uuid: str = ""
    ephemeral: bool = False
    private: bool = False
    description: str | None = None
    usage_type: UsageType | None = None
    usage_id: str | None = None

    #: ``<secret ephemeral= private=>``
    ATTRS = (A("ephemeral", YESNO), A("private", YESNO))
    #: ``<usage type=>``
    USAGE_ATTRS = (A("usage_type", enumconv(UsageType, message(
        "unknown secret usage type {value}", C.VIR_ERR_CONFIG_UNSUPPORTED, _FROM)), "type"),)

    @classmethod
    def parse(cls, xml: str | bytes) -> SecretDef:
        """Parse secret XML; raise libvirt's errors for bad input."""
        root = parse_root(xml, "secret", "secret_definition", _FROM)
        sec = cls._from_xml(root)
        sec._validate()
        return sec

    @classmethod
    def _from_xml(cls, root: etree._Element) -> SecretDef:
        sec = read_attrs(cls(), root, cls.ATTRS, _bad_flag)
        sec.uuid = parse_uuid(child_text(root, "uuid"), _FROM)  # type: ignore[assignment]
        sec.description = child_text(root, "description")
        usage = root.find("usage")
        if usage is not None:
            read_attrs(sec, usage, cls.USAGE_ATTRS)
            if sec.usage_type is None:
                raise report(C.VIR_ERR_XML_ERROR, "unknown secret usage type", _FROM)
            sec.usage_id = child_text(usage, _USAGE_ELEMENT[sec.usage_type][0])
        return sec

    def _validate(self) -> None:
        if self.usage_type is not None and not self.usage_id:
            _, label, what = _USAGE_ELEMENT[self.usage_type]
            raise report(C.VIR_ERR_INTERNAL_ERROR,
                         f"{label} usage specified, but {what} is missing", _FROM)

    def format(self) -> str:
        """Return the secret XML as libvirt writes it."""
        root = E("secret", attrs_of(self, self.ATTRS))
        root.add(E("uuid", text=self.uuid))
        if self.description is not None:
            root.add(E("description", text=self.description))
        if self.usage_type is not None:
            tag = _USAGE_ELEMENT[self.usage_type][0]
            root.add(E("usage", attrs_of(self, self.USAGE_ATTRS),
                       children=[E(tag, text=self.usage_id)]))
        return xmlutil.to_string(root)


__all__ = ["SecretDef", "UsageType"]
