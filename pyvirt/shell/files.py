"""Reading the files commands name, and printing XML with --xpath."""

from __future__ import annotations

import os
from typing import Any

from pyvirt.shell.command import CmdError

MAX_XML_FILE = 10 * 1024 * 1024   # virsh refuses larger XML files


def read_file(path: str, limit: int = MAX_XML_FILE) -> str:
    """The text of ``path``, with virsh's error wording on failure."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise CmdError(f"Failed to open file '{path}': {exc.strerror}") from None
    try:
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise CmdError(f"Failed to read file '{path}': {exc.strerror}") from None
    if len(data) > limit:
        raise CmdError(f"File '{path}' is too large")
    return data.decode("utf-8", errors="replace")


def xpath_nodes(xml: str, xpath: str) -> list[Any] | None:
    """Evaluate ``xpath`` on ``xml``; None if the expression is invalid.

    Raises CmdError when the result is not a node set (virsh's wording).
    """
    from lxml import etree

    parser = etree.XMLParser(remove_blank_text=True)
    try:
        root = etree.fromstring(xml.encode(), parser)
    except etree.XMLSyntaxError as exc:
        raise CmdError(f"XML error: {exc}") from None
    try:
        result = root.getroottree().xpath(xpath)
    except etree.XPathError:
        return None
    if not isinstance(result, list):
        raise CmdError(f"internal error: Incorrect xpath '{xpath}'")
    return result


def _escape(text: str, attribute: bool) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if attribute:
        text = text.replace('"', "&quot;")
    return text


def node_text(node: Any) -> str:
    """One XPath result serialised as libxml2's xmlNodeDump does."""
    from lxml import etree

    if isinstance(node, etree._Element):
        return etree.tostring(node, pretty_print=True, with_tail=False,
                              encoding="unicode").rstrip("\n")
    if getattr(node, "is_attribute", False):
        return f' {node.attrname}="{_escape(str(node), True)}"'
    return _escape(str(node), False)


def dump_xml(out: Any, xml: str, xpath: str | None, wrap: bool) -> bool:
    """Print ``xml``, or the nodes ``xpath`` selects in it (``--wrap``: in
    a ``<nodes>`` element)."""
    if xpath is None:
        out.print(xml)
        return True
    nodes = xpath_nodes(xml, xpath)
    if nodes is None:
        out.stdout.flush()
        out.stderr.write("XPath error : Invalid expression\n")
        return True
    if wrap:
        import copy

        from lxml import etree

        root = etree.Element("nodes")
        for node in nodes:
            if isinstance(node, etree._Element):
                root.append(copy.deepcopy(node))
            elif getattr(node, "is_attribute", False):
                root.set(node.attrname, str(node))
            else:
                root.text = (root.text or "") + str(node)
        out.print(node_text(root) + "\n")
        return True
    for node in nodes:
        out.print(node_text(node) + "\n")
    return True
