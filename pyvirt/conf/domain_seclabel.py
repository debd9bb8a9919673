"""Domain XML ``<seclabel>`` (the guest's security labels), read, defaulted
and written as libvirt does.

A top-level ``<seclabel>`` has a ``type`` (dynamic, static, none; absent
is libvirt's 'default', which is not written back), a security driver
``model`` and ``relabel`` (filled: yes but for static labels).  A dynamic
label's ``<label>`` and ``<imagelabel>`` are runtime data, dropped from
definitions.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from pyvirt.conf.domain_base import YESNO, ParseCtx, bad_enum, unsupported, xml_err
from pyvirt.conf.xmlutil import E, escape_text

SECLABEL_TYPES = ("default", "none", "dynamic", "static")
_TEXTS = ("label", "imagelabel", "baselabel")


@dataclass(kw_only=True, slots=True)
class SecLabel:
    """One top-level ``<seclabel>``."""

    type: str = "default"
    model: str | None = None
    relabel: bool | None = None
    label: str | None = None
    imagelabel: str | None = None
    baselabel: str | None = None

    @classmethod
    def parse(cls, elem: etree._Element, pctx: ParseCtx) -> SecLabel:
        """Read a ``<seclabel>``, fill ``relabel`` and check it as libvirt does."""
        sec = cls()
        kind = elem.get("type")
        if kind is not None:
            if kind not in SECLABEL_TYPES:
                raise bad_enum("type", "seclabel", kind)
            sec.type = kind
        sec.model = elem.get("model")
        relabel = elem.get("relabel")
        if relabel is not None:
            sec.relabel = YESNO.load(relabel, "relabel", "seclabel")
        if sec.type == "dynamic" and sec.relabel is False:
            raise unsupported("dynamic label type must use resource relabeling")
        if sec.relabel is None and sec.type != "none":
            sec.relabel = sec.type != "static"
        for child in elem:
            if child.tag in _TEXTS:
                setattr(sec, str(child.tag), child.text or "")
        if sec.type == "dynamic" and not pctx.live:
            sec.label = sec.imagelabel = None
        if sec.type == "static" and sec.label is None:
            raise xml_err("security label is missing")
        return sec

    def format(self) -> E | None:
        """The ``<seclabel>`` element (None for a 'default' label)."""
        if self.type == "default":
            return None
        relabel = None if self.type == "none" or self.relabel is None else \
            ("yes" if self.relabel else "no")
        node = E("seclabel", [("type", self.type), ("model", self.model), ("relabel", relabel)],
                 keep=True)
        for tag in _TEXTS:
            value = getattr(self, tag)
            if value is not None:
                node.add(E.line(tag, f"<{tag}>{escape_text(value)}</{tag}>"))
        return node


__all__ = ["SECLABEL_TYPES", "SecLabel"]
