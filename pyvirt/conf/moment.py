"""What snapshots and checkpoints share (libvirt's moment_conf).

A moment has a name (by default the creation time in epoch seconds), a
description, a parent, a creation time and a copy of the domain definition.
The embedded ``<domain>`` is kept as canonical text; when the domain module
registers hooks with :func:`set_domain_hooks`, it is also parsed into
``moment.domain`` and written back through the domain formatter.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lxml import etree

from pyvirt.conf import xmlutil
from pyvirt.conf.confutil import E, child_text, element_to_e

_domain_parse: Callable[[str], Any] | None = None
_domain_format: Callable[[Any], str] | None = None


def set_domain_hooks(parse: Callable[[str], Any] | None,
                     format_: Callable[[Any], str] | None) -> None:
    """Let snapshots and checkpoints parse and format their ``<domain>`` for real.

    ``parse(xml) -> DomainDef`` and ``format_(DomainDef) -> xml`` come from the
    domain module; with None the embedded domain is kept as text only.
    """
    global _domain_parse, _domain_format
    _domain_parse, _domain_format = parse, format_


@dataclass
class MomentDef:
    """Fields shared by snapshots and checkpoints."""

    name: str = ""
    description: str | None = None
    parent_name: str | None = None
    creation_time: int | None = None
    domain_xml: str | None = None
    domain: Any = None

    def _read_common(self, root: etree._Element, bad_time: Callable[[str], Exception]) -> None:
        self.name = child_text(root, "name") or ""
        self.description = child_text(root, "description")
        self.parent_name = child_text(root, "parent/name")
        created = child_text(root, "creationTime")
        if created is not None:
            try:
                self.creation_time = int(created.strip())
            except ValueError:
                raise bad_time(created) from None
        dom = root.find("domain")
        if dom is not None:
            self.domain_xml = xmlutil.to_string(element_to_e(dom)).rstrip("\n")
            if _domain_parse is not None:
                self.domain = _domain_parse(self.domain_xml)

    def _fill_common_defaults(self) -> None:
        if self.creation_time is None:
            self.creation_time = int(time.time())
        if not self.name:
            self.name = str(self.creation_time)

    def _format_head(self, node: E) -> None:
        node.add(E("name", text=self.name))
        if self.description is not None:
            node.add(E("description", text=self.description))

    def _format_parent_time(self, node: E) -> None:
        if self.parent_name is not None:
            node.add(E("parent", children=[E("name", text=self.parent_name)]))
        node.add(E("creationTime", text=self.creation_time))

    def _format_domain(self) -> E | None:
        if self.domain is not None and _domain_format is not None:
            return E.raw_xml(_domain_format(self.domain).rstrip("\n"))
        if self.domain_xml is not None:
            return E.raw_xml(self.domain_xml)
        return None
