"""Domain checkpoint and backup commands: checkpoint-create(-as), checkpoint-list,
checkpoint-dumpxml, checkpoint-edit, checkpoint-delete, ..., backup-begin, backup-dumpxml."""

from __future__ import annotations

import datetime
from typing import Any

import pyvirt as libvirt
from pyvirt.shell import lookup
from pyvirt.shell.command import (
    DOMAIN,
    WRAP,
    XPATH,
    Args,
    CmdError,
    argv,
    command,
    exclusive,
    flag,
    string,
)
from pyvirt.shell.files import dump_xml, read_file
from pyvirt.shell.main import Shell
from pyvirt.shell.output import format_tree

CHECKPOINT = "checkpoint"
BACKUP = "backup"
CHECKPOINT_NAME = string("checkpointname", "checkpoint name", positional=True,
                         complete="checkpoint")


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("'", "&apos;").replace('"', "&quot;"))


def _lookup(dom: Any, name: str | None) -> Any:
    if name is None:
        raise CmdError("--checkpointname is required")
    try:
        return dom.checkpointLookupByName(name, 0)
    except libvirt.libvirtError as exc:
        raise CmdError(None, exc) from None


def _parent(chk: Any) -> str | None:
    try:
        return str(chk.getParent(0).getName())
    except libvirt.libvirtError as exc:
        if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN_CHECKPOINT:
            return None
        raise


def _create(shell: Shell, dom: Any, xml: str, args: Args, source: str | None) -> bool:
    flags = 0
    if args.flag("redefine"):
        flags |= libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE
    if args.flag("quiesce"):
        flags |= libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE
    if args.flag("redefine-validate"):
        flags |= libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE
    try:
        chk = dom.checkpointCreateXML(xml, flags)
    except libvirt.libvirtError as exc:
        raise CmdError(None, exc) from None
    suffix = f" from '{source}'" if source else ""
    shell.out.extra(f"Domain checkpoint {chk.getName()} created{suffix}")
    return True


@command("checkpoint-create", CHECKPOINT, "Create a checkpoint from XML",
         [DOMAIN, string("xmlfile", "domain checkpoint XML", positional=True, complete="file"),
          flag("redefine", "redefine metadata for existing checkpoint"),
          flag("redefine-validate", "validate the redefined checkpoint"),
          flag("quiesce", "quiesce guest's file systems")])
def cmd_checkpoint_create(shell: Shell, args: Args) -> bool:
    """Create a checkpoint from an XML file (or a default one)."""
    dom, _ = lookup.domain(shell, args)
    source = args.get("xmlfile")
    xml = read_file(source) if source else "<domaincheckpoint/>"
    return _create(shell, dom, xml, args, source)


@command("checkpoint-create-as", CHECKPOINT, "Create a checkpoint from a set of args",
         [DOMAIN, string("name", "name of checkpoint", positional=True),
          string("description", "description of checkpoint", positional=True),
          flag("print-xml", "print XML document rather than create"),
          flag("quiesce", "quiesce guest's file systems"),
          argv("diskspec", "disk attributes: disk[,checkpoint=type][,bitmap=name]")])
def cmd_checkpoint_create_as(shell: Shell, args: Args) -> bool:
    """Create a checkpoint from command-line arguments."""
    dom, _ = lookup.domain(shell, args)
    parts = ["<domaincheckpoint>\n"]
    if args.get("name"):
        parts.append(f"  <name>{_escape(args.get('name') or '')}</name>\n")
    if args.get("description"):
        parts.append(f"  <description>{_escape(args.get('description') or '')}"
                     "</description>\n")
    specs = args.values.get("diskspec") or []
    if specs:
        parts.append("  <disks>\n")
        for spec in specs:
            fields = spec.split(",")
            attrs = f"name='{_escape(fields[0])}'"
            for field_ in fields[1:]:
                key, _, value = field_.partition("=")
                if key not in ("checkpoint", "bitmap"):
                    raise CmdError(f"invalid diskspec '{spec}'")
                attrs += f" {key}='{_escape(value)}'"
            parts.append(f"    <disk {attrs}/>\n")
        parts.append("  </disks>\n")
    parts.append("</domaincheckpoint>\n")
    xml = "".join(parts)
    if args.flag("print-xml"):
        shell.out.print(xml)
        return True
    return _create(shell, dom, xml, args, None)


@command("checkpoint-edit", CHECKPOINT, "edit XML for a checkpoint",
         [DOMAIN, CHECKPOINT_NAME])
def cmd_checkpoint_edit(shell: Shell, args: Args) -> bool:
    """Edit a checkpoint's XML and redefine it (its name may not change)."""
    from pyvirt.shell.snapshot import edit_moment
    dom, _ = lookup.domain(shell, args)
    name = args.get("checkpointname")
    chk = _lookup(dom, name)
    name = chk.getName()
    edited = edit_moment(shell, name, "Checkpoint",
                         lambda: chk.getXMLDesc(libvirt.VIR_DOMAIN_CHECKPOINT_XML_SECURE),
                         lambda xml: dom.checkpointCreateXML(
                             xml, libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE))
    if edited is None:
        return True
    new = edited.getName()
    if new == name:
        shell.out.extra(f"Checkpoint {name} edited.\n")
        return True
    try:
        edited.delete(libvirt.VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY)
    except libvirt.libvirtError as exc:
        shell.out.error(exc.get_error_message() or str(exc))
        shell.out.error(f"Failed to clean up {new}")
        raise CmdError(f"Failed to update {name}") from None
    shell.out.error(f"Cannot rename checkpoint {name} to {new}")
    raise CmdError(f"Failed to update {name}")


@command("checkpoint-delete", CHECKPOINT, "Delete a domain checkpoint",
         [DOMAIN, CHECKPOINT_NAME,
          flag("children", "delete checkpoint and all children"),
          flag("children-only", "delete children but not checkpoint"),
          flag("metadata", "delete only libvirt metadata, leaving checkpoint contents "
                           "behind")])
def cmd_checkpoint_delete(shell: Shell, args: Args) -> bool:
    """Delete a checkpoint (and, on request, its children)."""
    dom, _ = lookup.domain(shell, args)
    name = args.get("checkpointname")
    chk = _lookup(dom, name)
    from pyvirt.shell.snapshot import delete_moment
    return delete_moment(shell, args, chk, name or "", "checkpoint")


@command("checkpoint-dumpxml", CHECKPOINT, "Dump XML for a domain checkpoint",
         [DOMAIN, CHECKPOINT_NAME,
          flag("security-info", "include security sensitive information in XML dump"),
          flag("no-domain", "exclude <domain> from XML"),
          flag("size", "include backup size estimate in XML dump"), XPATH, WRAP])
def cmd_checkpoint_dumpxml(shell: Shell, args: Args) -> bool:
    """Print a checkpoint's XML."""
    dom, _ = lookup.domain(shell, args)
    chk = _lookup(dom, args.get("checkpointname"))
    flags = 0
    for opt, suffix in (("security-info", "SECURE"), ("no-domain", "NO_DOMAIN"),
                        ("size", "SIZE")):
        if args.flag(opt):
            flags |= getattr(libvirt, "VIR_DOMAIN_CHECKPOINT_XML_" + suffix)
    try:
        xml = chk.getXMLDesc(flags)
    except libvirt.libvirtError as exc:
        raise CmdError(None, exc) from None
    return dump_xml(shell.out, xml, args.values.get("xpath") or None, args.flag("wrap"))


@command("checkpoint-parent", CHECKPOINT, "Get the name of the parent of a checkpoint",
         [DOMAIN, CHECKPOINT_NAME])
def cmd_checkpoint_parent(shell: Shell, args: Args) -> bool:
    """Print the name of a checkpoint's parent."""
    dom, _ = lookup.domain(shell, args)
    name = args.get("checkpointname")
    parent = _parent(_lookup(dom, name))
    if parent is None:
        raise CmdError(f"checkpoint '{name}' has no parent")
    shell.out.print(parent + "\n")
    return True


@command("checkpoint-info", CHECKPOINT, "checkpoint information", [DOMAIN, CHECKPOINT_NAME])
def cmd_checkpoint_info(shell: Shell, args: Args) -> bool:
    """Print information about one checkpoint."""
    dom, _ = lookup.domain(shell, args)
    name = args.get("checkpointname")
    chk = _lookup(dom, name)
    try:
        parent = _parent(chk)
        children = len(chk.listAllChildren(0))
        descendants = len(chk.listAllChildren(libvirt.VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS))
    except libvirt.libvirtError as exc:
        raise CmdError(None, exc) from None
    for label, value in (("Name:", name), ("Domain:", dom.name()),
                         ("Parent:", parent or "-"), ("Children:", children),
                         ("Descendants:", descendants)):
        shell.out.print(f"{label:<15} {value}\n")
    return True


@command("checkpoint-list", CHECKPOINT, "List checkpoints for a domain",
         [DOMAIN, flag("parent", "add a column showing parent checkpoint"),
          flag("roots", "list only checkpoints without parents"),
          flag("leaves", "list only checkpoints without children"),
          flag("no-leaves", "list only checkpoints that are not leaves (with children)"),
          flag("tree", "list checkpoints in a tree"),
          string("from", "limit list to children of given checkpoint", complete="checkpoint"),
          flag("descendants", "with --from, list all descendants"),
          flag("name", "list checkpoint names only"),
          flag("topological", "sort list topologically rather than by name")])
def cmd_checkpoint_list(shell: Shell, args: Args) -> bool:
    """List checkpoints as a table, names, or a tree."""
    for one, two in (("tree", "name"), ("parent", "roots"), ("parent", "tree"),
                     ("roots", "tree"), ("roots", "from")):
        exclusive(args, one, two)
    flags = 0
    for opt, suffix in (("roots", "ROOTS"), ("leaves", "LEAVES"), ("no-leaves", "NO_LEAVES"),
                        ("topological", "TOPOLOGICAL")):
        if args.flag(opt):
            flags |= getattr(libvirt, "VIR_DOMAIN_CHECKPOINT_LIST_" + suffix)
    if args.flag("descendants"):
        if not args.get("from"):
            raise CmdError("--descendants requires --from")
        flags |= libvirt.VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS
    dom, _ = lookup.domain(shell, args)
    start = _lookup(dom, args.get("from")) if args.get("from") else None
    try:
        chks = start.listAllChildren(flags) if start is not None else \
            dom.listAllCheckpoints(flags)
        entries = [(chk, _parent(chk)) for chk in chks]
    except libvirt.libvirtError as exc:
        raise CmdError(None, exc) from None
    if not flags & libvirt.VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL:
        entries.sort(key=lambda entry: entry[0].getName().lower())
    if args.flag("tree"):
        names = [chk.getName() for chk, _ in entries]
        parents = [parent if parent in names else None for _, parent in entries]
        for index, parent in enumerate(parents):
            if parent is None:
                shell.out.print(format_tree(names, parents, index))
        return True
    if args.flag("name"):
        for chk, _ in entries:
            shell.out.print(chk.getName() + "\n")
        return True
    from lxml import etree
    header = ["Name", "Creation Time"] + (["Parent"] if args.flag("parent") else [])
    rows = []
    for chk, parent in entries:
        created = etree.fromstring(chk.getXMLDesc(
            libvirt.VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN).encode()).findtext("creationTime")
        when = datetime.datetime.fromtimestamp(int(created or 0)).astimezone()
        row = [chk.getName(), when.strftime("%Y-%m-%d %H:%M:%S %z")]
        if args.flag("parent"):
            row.append(parent or "")
        rows.append(row)
    shell.out.table(header, rows)
    return True


@command("backup-begin", BACKUP, "Start a disk backup of a live domain",
         [DOMAIN, string("backupxml", "domain backup XML", positional=True, complete="file"),
          string("checkpointxml", "domain checkpoint XML", positional=True, complete="file"),
          flag("reuse-external", "reuse files provided by caller")])
def cmd_backup_begin(shell: Shell, args: Args) -> bool:
    """Start a backup job (push to files, or pull over NBD)."""
    dom, _ = lookup.domain(shell, args)
    backup = read_file(args.get("backupxml") or "") if args.get("backupxml") \
        else "<domainbackup/>"
    checkpoint = read_file(args.get("checkpointxml") or "") if args.get("checkpointxml") \
        else None
    flags = libvirt.VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL if args.flag("reuse-external") \
        else 0
    try:
        dom.backupBegin(backup, checkpoint, flags)
    except libvirt.libvirtError as exc:
        raise CmdError(None, exc) from None
    shell.out.extra("Backup started\n")
    return True


@command("backup-dumpxml", BACKUP, "Dump XML for an ongoing domain block backup job",
         [DOMAIN, XPATH, WRAP])
def cmd_backup_dumpxml(shell: Shell, args: Args) -> bool:
    """Print the running backup's XML."""
    dom, _ = lookup.domain(shell, args)
    try:
        xml = dom.backupGetXMLDesc(0)
    except libvirt.libvirtError as exc:
        raise CmdError(None, exc) from None
    return dump_xml(shell.out, xml, args.values.get("xpath") or None, args.flag("wrap"))
