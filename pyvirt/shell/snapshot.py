"""Domain snapshot commands: snapshot-create(-as), snapshot-list, snapshot-revert, ..."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pyvirt as libvirt
from pyvirt.shell import lookup
from pyvirt.shell.command import (
    DOMAIN,
    VALIDATE,
    VERBOSE,
    WRAP,
    XPATH,
    Args,
    CmdError,
    argv,
    command,
    data,
    exclusive,
    flag,
    string,
)
from pyvirt.shell.files import dump_xml, read_file
from pyvirt.shell.jobs import run_domain_job
from pyvirt.shell.main import Shell
from pyvirt.shell.output import format_tree

SNAPSHOT = "snapshot"
SNAPSHOT_NAME = string("snapshotname", "snapshot name", positional=True, complete="snapshot")

_CREATE_FLAGS = (("redefine", "REDEFINE"), ("current", "CURRENT"),
                 ("no-metadata", "NO_METADATA"), ("halt", "HALT"), ("disk-only", "DISK_ONLY"),
                 ("reuse-external", "REUSE_EXT"), ("quiesce", "QUIESCE"),
                 ("atomic", "ATOMIC"), ("live", "LIVE"), ("validate", "VALIDATE"))


def _create_flags(args: Args) -> int:
    flags = 0
    for opt, suffix in _CREATE_FLAGS:
        if args.flag(opt):
            flags |= getattr(libvirt, "VIR_DOMAIN_SNAPSHOT_CREATE_" + suffix)
    return flags


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("'", "&apos;").replace('"', "&quot;"))


def _create(shell: Shell, args: Args, dom: Any, xml: str, flags: int,
            source: str | None) -> bool:
    """Create the snapshot (as a watched job) and report it as virsh does."""
    conn_halt = False

    def create() -> Any:
        return dom.snapshotCreateXML(xml, flags)
    try:
        try:
            snap = run_domain_job(shell, dom, "Snapshot", create, args.flag("verbose"))
        except libvirt.libvirtError as exc:
            code = exc.get_error_code()
            if code == libvirt.VIR_ERR_NO_SUPPORT and source is None and \
                    flags & libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE:
                flags &= ~libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE
                snap = dom.snapshotCreateXML(xml, flags)
            elif code == libvirt.VIR_ERR_INVALID_ARG and \
                    flags & libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_HALT:
                if not dom.isPersistent():
                    raise CmdError("cannot halt after snapshot of transient domain") \
                        from None
                conn_halt = dom.isActive() == 1
                flags &= ~libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_HALT
                snap = dom.snapshotCreateXML(xml, flags)
            else:
                raise
        if conn_halt:
            dom.destroy()
    except libvirt.libvirtError as exc:
        raise CmdError(None, exc) from None
    if source is not None:
        shell.out.extra(f"Domain snapshot {snap.getName()} created from '{source}'")
    else:
        shell.out.extra(f"Domain snapshot {snap.getName()} created")
    return True


@command("snapshot-create", SNAPSHOT, "Create a snapshot from XML",
         [DOMAIN, string("xmlfile", "domain snapshot XML", positional=True, complete="file"),
          flag("redefine", "redefine metadata for existing snapshot"),
          flag("current", "with redefine, set current snapshot"),
          flag("no-metadata", "take snapshot but create no metadata"),
          flag("halt", "halt domain after snapshot is created"),
          flag("disk-only", "capture disk state but not vm state"),
          flag("reuse-external", "reuse any existing external files"),
          flag("quiesce", "quiesce guest's file systems"),
          flag("atomic", "require atomic operation"),
          flag("live", "take a live snapshot"), VALIDATE, VERBOSE])
def cmd_snapshot_create(shell: Shell, args: Args) -> bool:
    """Create a snapshot from an XML file (or an empty description)."""
    flags = _create_flags(args)
    dom, _ = lookup.domain(shell, args)
    source = args.get("xmlfile")
    xml = read_file(source) if source else "<domainsnapshot/>"
    return _create(shell, args, dom, xml, flags, source)


def _memspec(text: str) -> str:
    snapshot = file = None
    for item in _split_commas(text):
        if snapshot is None and item.startswith("snapshot="):
            snapshot = item[len("snapshot="):]
        elif file is None and item.startswith("file="):
            file = item[len("file="):]
        elif file is None and item.startswith("/"):
            file = item
        else:
            raise CmdError(f"unable to parse memspec: {text}")
    attrs = ""
    if snapshot is not None:
        attrs += f" snapshot='{_escape(snapshot)}'"
    if file is not None:
        attrs += f" file='{_escape(file)}'"
    return f"<memory{attrs}/>"


def _diskspec(text: str) -> list[str]:
    items = _split_commas(text)
    name, rest = items[0], items[1:]
    values: dict[str, str] = {}
    for item in rest:
        key, eq, value = item.partition("=")
        if not eq or key not in ("snapshot", "driver", "stype", "file") or key in values:
            raise CmdError(f"unable to parse diskspec: {text}")
        values[key] = value
    head = f"<disk name='{_escape(name)}'"
    if "snapshot" in values:
        head += f" snapshot='{values['snapshot']}'"
    is_file = True
    if "stype" in values:
        if values["stype"] == "block":
            is_file = False
        elif values["stype"] != "file":
            raise CmdError(f"Unknown storage type: '{values['stype']}'")
        head += f" type='{values['stype']}'"
    if "driver" not in values and "file" not in values:
        return [head + "/>"]
    lines = [head + ">"]
    if "driver" in values:
        lines.append(f"  <driver type='{values['driver']}'/>")
    if "file" in values:
        attr = "file" if is_file else "dev"
        lines.append(f"  <source {attr}='{_escape(values['file'])}'/>")
    return lines + ["</disk>"]


def _split_commas(text: str) -> list[str]:
    """Split on ',' where ',,' is a literal comma (virsh's rule)."""
    items, current, index = [], [], 0
    while index < len(text):
        if text[index] == ",":
            if text[index + 1:index + 2] == ",":
                current.append(",")
                index += 2
                continue
            items.append("".join(current))
            current = []
        else:
            current.append(text[index])
        index += 1
    items.append("".join(current))
    return items


@command("snapshot-create-as", SNAPSHOT, "Create a snapshot from a set of args",
         [DOMAIN, string("name", "name of snapshot", positional=True),
          string("description", "description of snapshot", positional=True),
          flag("print-xml", "print XML document rather than create"),
          flag("no-metadata", "take snapshot but create no metadata"),
          flag("halt", "halt domain after snapshot is created"),
          flag("disk-only", "capture disk state but not vm state"),
          flag("reuse-external", "reuse any existing external files"),
          flag("quiesce", "quiesce guest's file systems"),
          flag("atomic", "require atomic operation"),
          flag("live", "take a live snapshot"), VALIDATE,
          string("memspec", "memory attributes: [file=]name[,snapshot=type]"), VERBOSE,
          argv("diskspec", "disk attributes: disk[,snapshot=type][,driver=type]"
                           "[,stype=type][,file=name]")])
def cmd_snapshot_create_as(shell: Shell, args: Args) -> bool:
    """Create a snapshot described by options."""
    flags = _create_flags(args)
    dom, _ = lookup.domain(shell, args)
    lines = ["<domainsnapshot>"]
    if args.get("name") is not None:
        lines.append(f"  <name>{_escape(args.req('name'))}</name>")
    if args.get("description") is not None:
        lines.append(f"  <description>{_escape(args.req('description'))}</description>")
    if args.get("memspec") is not None:
        lines.append("  " + _memspec(args.req("memspec")))
    if args.flag("diskspec"):
        lines.append("  <disks>")
        for spec in args.words("diskspec"):
            lines += ["    " + line for line in _diskspec(spec)]
        lines.append("  </disks>")
    lines.append("</domainsnapshot>")
    xml = "".join(line + "\n" for line in lines)
    if args.flag("print-xml"):
        shell.out.print(xml + "\n")
        return True
    return _create(shell, args, dom, xml, flags, None)


@command("snapshot-current", SNAPSHOT, "Get or set the current snapshot",
         [DOMAIN, flag("name", "list the name, rather than the full xml"),
          flag("security-info", "include security sensitive information in XML dump"),
          string("snapshotname", "name of existing snapshot to make current",
                 positional=True, complete="snapshot")])
def cmd_snapshot_current(shell: Shell, args: Args) -> bool:
    """Print (or with a name, set) the domain's current snapshot."""
    flags = libvirt.VIR_DOMAIN_XML_SECURE if args.flag("security-info") else 0
    exclusive(args, "name", "snapshotname")
    dom, name = lookup.domain(shell, args)
    target = args.get("snapshotname")
    try:
        if target is not None:
            snap = dom.snapshotLookupByName(target, 0)
            xml = snap.getXMLDesc(libvirt.VIR_DOMAIN_XML_SECURE)
            redefine = (libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE
                        | libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT)
            if "<state>disk-snapshot</state>" in xml:
                redefine |= libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY
            dom.snapshotCreateXML(xml, redefine)
            shell.out.extra(f"Snapshot {target} set as current")
            return True
        if not dom.hasCurrentSnapshot(0):
            raise CmdError(f"domain '{name}' has no current snapshot")
        snap = dom.snapshotCurrent(0)
        if args.flag("name"):
            shell.out.print(snap.getName())
        else:
            shell.out.print(snap.getXMLDesc(flags))
    except libvirt.libvirtError as exc:
        raise CmdError(None, exc) from None
    return True


def snapshot_parent(snap: Any) -> str | None:
    """The name of the snapshot's parent, or None for a root."""
    try:
        return snap.getParent(0).getName()
    except libvirt.libvirtError as exc:
        if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT:
            return None
        if exc.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            raise
    from lxml import etree

    root = etree.fromstring(snap.getXMLDesc(0).encode())
    return root.findtext("parent/name") or None


def _snapshot_facts(snap: Any) -> dict[str, Any]:
    """State, location, parent and creation time read from the snapshot XML."""
    from lxml import etree

    root = etree.fromstring(snap.getXMLDesc(0).encode())
    state = root.findtext("state")
    memory = root.find("memory")
    if memory is not None:
        external = memory.get("snapshot") == "external" or any(
            disk.get("snapshot") == "external" for disk in root.findall("disks/disk"))
    else:
        external = state == "disk-snapshot"
    created = root.findtext("creationTime")
    return {"state": state, "location": "external" if external else "internal",
            "parent": root.findtext("parent/name") or None,
            "creation_time": int(created) if created and created.lstrip("-").isdigit()
            else None}


@command("snapshot-info", SNAPSHOT, "snapshot information",
         [DOMAIN, SNAPSHOT_NAME, flag("current", "info on current snapshot")], json=True)
def cmd_snapshot_info(shell: Shell, args: Args) -> bool:
    """Print information about one snapshot."""
    dom, _ = lookup.domain(shell, args)
    snap, name = lookup.snapshot(dom, args)
    try:
        current = bool(snap.isCurrent(0))
    except libvirt.libvirtError:
        current = False
    facts = _snapshot_facts(snap)
    if not facts["state"]:
        raise CmdError("unexpected problem reading snapshot xml")
    children = snap.numChildren(0)
    descendants = snap.numChildren(libvirt.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS)
    try:
        metadata: bool | None = bool(snap.hasMetadata(0))
    except libvirt.libvirtError:
        metadata = None
    if args.json:
        shell.out.json({"name": name, "domain": dom.name(), "current": current,
                        "state": facts["state"], "location": facts["location"],
                        "parent": facts["parent"], "children": children,
                        "descendants": descendants, "metadata": metadata})
        return True
    out = shell.out
    for label, value in (("Name:", name), ("Domain:", dom.name()),
                         ("Current:", "yes" if current else "no"),
                         ("State:", facts["state"]), ("Location:", facts["location"]),
                         ("Parent:", facts["parent"] or "-"), ("Children:", children),
                         ("Descendants:", descendants)):
        out.print(f"{label:<15} {value}\n")
    if metadata is not None:
        out.print(f"{'Metadata:':<15} {'yes' if metadata else 'no'}\n")
    return True


_LIST_FILTERS = (("leaves", "LEAVES"), ("no-leaves", "NO_LEAVES"), ("inactive", "INACTIVE"),
                 ("active", "ACTIVE"), ("disk-only", "DISK_ONLY"), ("internal", "INTERNAL"),
                 ("external", "EXTERNAL"))


@command("snapshot-list", SNAPSHOT, "List snapshots for a domain",
         [DOMAIN, flag("parent", "add a column showing parent snapshot"),
          flag("roots", "list only snapshots without parents"),
          flag("leaves", "list only snapshots without children"),
          flag("no-leaves", "list only snapshots that are not leaves (with children)"),
          flag("metadata", "list only snapshots that have metadata that would prevent "
                           "undefine"),
          flag("no-metadata", "list only snapshots that have no metadata managed by libvirt"),
          flag("inactive", "filter by snapshots taken while inactive"),
          flag("active", "filter by snapshots taken while active (full system snapshots)"),
          flag("disk-only", "filter by disk-only snapshots"),
          flag("internal", "filter by internal snapshots"),
          flag("external", "filter by external snapshots"),
          flag("tree", "list snapshots in a tree"),
          string("from", "limit list to children of given snapshot", positional=True,
                 complete="snapshot"),
          flag("current", "limit list to children of current snapshot"),
          flag("descendants", "with --from, list all descendants"),
          flag("name", "list snapshot names only"),
          flag("topological", "sort list topologically rather than by name")], json=True)
def cmd_snapshot_list(shell: Shell, args: Args) -> bool:
    """List snapshots as a table, names, or a tree."""
    tree, names_only = args.flag("tree"), args.flag("name")
    for one, two in (("tree", "name"), ("parent", "roots"), ("parent", "tree"),
                     ("roots", "tree"), ("roots", "from"), ("roots", "current")):
        exclusive(args, one, two)
    flags = 0
    for opt, suffix in _LIST_FILTERS:
        if args.flag(opt):
            if tree:
                raise CmdError(f"--{opt} and --tree are mutually exclusive")
            flags |= getattr(libvirt, "VIR_DOMAIN_SNAPSHOT_LIST_" + suffix)
    for opt, suffix in (("topological", "TOPOLOGICAL"), ("roots", "ROOTS"),
                        ("metadata", "METADATA"), ("no-metadata", "NO_METADATA")):
        if args.flag(opt):
            flags |= getattr(libvirt, "VIR_DOMAIN_SNAPSHOT_LIST_" + suffix)
    if args.flag("descendants"):
        if not args.flag("from") and not args.flag("current"):
            raise CmdError("--descendants requires either --from or --current")
        flags |= libvirt.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS
    dom, _ = lookup.domain(shell, args)
    start = None
    if args.flag("from") or args.flag("current"):
        start, _ = lookup.snapshot(dom, args, opt="from")
    try:
        snaps = start.listAllChildren(flags) if start is not None else \
            dom.listAllSnapshots(flags)
        entries = [[snap, snapshot_parent(snap) if tree else None] for snap in snaps]
    except libvirt.libvirtError as exc:
        raise CmdError(None, exc) from None
    if tree and start is not None:
        entries.append([start, None])
    if not flags & libvirt.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL:
        entries.sort(key=lambda entry: entry[0].getName().lower())
    if tree:
        names = [entry[0].getName() for entry in entries]
        parents = [entry[1] for entry in entries]
        for index, parent in enumerate(parents):
            if parent is None:
                shell.out.print(format_tree(names, parents, index))
        return True
    if names_only and not args.json:
        for snap, _ in entries:
            shell.out.print(snap.getName() + "\n")
        return True
    rows = []
    current = _current_name(dom)
    for snap, _ in entries:
        try:
            facts = _snapshot_facts(snap)
        except libvirt.libvirtError:
            continue
        if not facts["state"] or facts["creation_time"] is None:
            continue
        rows.append((snap.getName(), facts))
    if args.json:
        shell.out.json({"snapshots": [{
            "name": name, "creation_time": facts["creation_time"], "state": facts["state"],
            "parent": facts["parent"], "current": name == current} for name, facts in rows]})
        return True
    header = ["Name", "Creation Time", "State"] + (["Parent"] if args.flag("parent") else [])
    table = []
    for name, facts in rows:
        when = datetime.datetime.fromtimestamp(facts["creation_time"]).astimezone()
        row = [name, when.strftime("%Y-%m-%d %H:%M:%S %z"), facts["state"]]
        if args.flag("parent"):
            row.append(facts["parent"] or "")
        table.append(row)
    shell.out.table(header, table)
    return True


def _current_name(dom: Any) -> str | None:
    try:
        if dom.hasCurrentSnapshot(0):
            return dom.snapshotCurrent(0).getName()
    except libvirt.libvirtError:
        pass
    return None


@command("snapshot-dumpxml", SNAPSHOT, "Dump XML for a domain snapshot",
         [DOMAIN, data("snapshotname", "snapshot name", complete="snapshot"),
          flag("security-info", "include security sensitive information in XML dump"),
          XPATH, WRAP])
def cmd_snapshot_dumpxml(shell: Shell, args: Args) -> bool:
    """Print a snapshot's XML."""
    flags = libvirt.VIR_DOMAIN_XML_SECURE if args.flag("security-info") else 0
    name = args.req("snapshotname")
    dom, _ = lookup.domain(shell, args)
    try:
        xml = dom.snapshotLookupByName(name, 0).getXMLDesc(flags)
    except libvirt.libvirtError as exc:
        raise CmdError(None, exc) from None
    return dump_xml(shell.out, xml, args.values.get("xpath") or None, args.flag("wrap"))


def edit_moment(shell: Shell, name: str, label: str, get_xml: Callable[[], str],
                redefine: Callable[[str], Any]) -> Any:
    """virsh's edit of a snapshot's or checkpoint's XML (``label``: 'Snapshot',
    'Checkpoint'): the XML in $VISUAL/$EDITOR, redefined when it changed.
    Returns the redefined object, or None when the XML is unchanged."""
    from pyvirt.shell.network import edit_text
    try:
        original = get_xml()
    except libvirt.libvirtError as exc:
        raise CmdError(f"Failed to update {name}", exc) from None
    try:
        edited = edit_text(original)
    except CmdError as exc:
        shell.out.error(exc.message or "")
        raise CmdError(f"Failed to update {name}") from None
    if edited == original:
        shell.out.extra(f"{label} {name} XML configuration not changed.\n")
        return None
    try:
        return redefine(edited)
    except libvirt.libvirtError as exc:
        shell.out.error(exc.get_error_message() or str(exc))
        raise CmdError(f"Failed to update {name}") from None


@command("snapshot-edit", SNAPSHOT, "edit XML for a snapshot",
         [DOMAIN, SNAPSHOT_NAME, flag("current", "also set edited snapshot as current"),
          flag("rename", "allow renaming an existing snapshot"),
          flag("clone", "allow cloning to new name")])
def cmd_snapshot_edit(shell: Shell, args: Args) -> bool:
    """Edit a snapshot's XML and redefine it (--rename/--clone for a new name)."""
    exclusive(args, "rename", "clone")
    flags = libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE
    named = args.get("snapshotname") is not None
    if named and args.flag("current"):          # a name and --current: make it current
        flags |= libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT
    dom, _ = lookup.domain(shell, args)
    snap, name = lookup.snapshot(dom, args, current_opt=None if named else "current")
    edited = edit_moment(shell, name, "Snapshot",
                         lambda: snap.getXMLDesc(libvirt.VIR_DOMAIN_XML_SECURE),
                         lambda xml: dom.snapshotCreateXML(xml, flags))
    if edited is None:
        return True
    new = edited.getName()
    if new == name:
        shell.out.extra(f"Snapshot {name} edited.\n")
    elif args.flag("clone"):
        shell.out.extra(f"Snapshot {name} cloned to {new}.\n")
    else:
        rename = args.flag("rename")
        try:
            (snap if rename else edited).delete(
                libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY)
        except libvirt.libvirtError as exc:
            shell.out.error(exc.get_error_message() or str(exc))
            shell.out.error(f"Failed to clean up {name if rename else new}")
            raise CmdError(f"Failed to update {name}") from None
        if not rename:
            shell.out.error(f"Must use --rename or --clone to change {name} to {new}")
            raise CmdError(f"Failed to update {name}")
    return True


@command("snapshot-parent", SNAPSHOT, "Get the name of the parent of a snapshot",
         [DOMAIN, SNAPSHOT_NAME, flag("current", "find parent of current snapshot")])
def cmd_snapshot_parent(shell: Shell, args: Args) -> bool:
    """Print the name of a snapshot's parent."""
    dom, _ = lookup.domain(shell, args)
    snap, name = lookup.snapshot(dom, args)
    try:
        parent = snapshot_parent(snap)
    except libvirt.libvirtError as exc:
        shell.out.error(exc.get_error_message() or str(exc))
        raise CmdError("unable to determine if snapshot has parent") from None
    if parent is None:
        raise CmdError(f"snapshot '{name}' has no parent")
    shell.out.print(parent)
    return True


@command("snapshot-revert", SNAPSHOT, "Revert a domain to a snapshot",
         [DOMAIN, SNAPSHOT_NAME, flag("current", "revert to current snapshot"),
          flag("running", "after reverting, change state to running"),
          flag("paused", "after reverting, change state to paused"),
          flag("force", "try harder on risky reverts"),
          flag("reset-nvram", "re-initialize NVRAM from its pristine template")])
def cmd_snapshot_revert(shell: Shell, args: Args) -> bool:
    """Revert the domain to a snapshot."""
    flags = 0
    for opt, suffix in (("running", "RUNNING"), ("paused", "PAUSED"),
                        ("reset-nvram", "RESET_NVRAM")):
        if args.flag(opt):
            flags |= getattr(libvirt, "VIR_DOMAIN_SNAPSHOT_REVERT_" + suffix)
    dom, _ = lookup.domain(shell, args)
    snap, name = lookup.snapshot(dom, args)
    try:
        try:
            dom.revertToSnapshot(snap, flags)
        except libvirt.libvirtError as exc:
            if not args.flag("force") or \
                    exc.get_error_code() != libvirt.VIR_ERR_SNAPSHOT_REVERT_RISKY:
                raise
            dom.revertToSnapshot(snap, flags | libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_FORCE)
    except libvirt.libvirtError as exc:
        raise CmdError(f"Failed to revert snapshot {name}", exc) from None
    shell.out.extra(f"Domain snapshot {name} reverted\n")
    return True


@command("snapshot-delete", SNAPSHOT, "Delete a domain snapshot",
         [DOMAIN, SNAPSHOT_NAME, flag("current", "delete current snapshot"),
          flag("children", "delete snapshot and all children"),
          flag("children-only", "delete children but not snapshot"),
          flag("metadata", "delete only libvirt metadata, leaving snapshot contents behind")])
def cmd_snapshot_delete(shell: Shell, args: Args) -> bool:
    """Delete a snapshot (and, on request, its children)."""
    dom, _ = lookup.domain(shell, args)
    snap, name = lookup.snapshot(dom, args)
    return delete_moment(shell, args, snap, name, "snapshot")


def delete_moment(shell: Shell, args: Args, moment: Any, name: str, kind: str) -> bool:
    """Delete a snapshot or checkpoint (``kind``) with the --children, --children-only
    and --metadata flags, reporting as virsh does."""
    prefix = f"VIR_DOMAIN_{kind.upper()}_DELETE_"
    flags = 0
    for opt, suffix in (("children", "CHILDREN"), ("children-only", "CHILDREN_ONLY"),
                        ("metadata", "METADATA_ONLY")):
        if args.flag(opt):
            flags |= getattr(libvirt, prefix + suffix)
    try:
        moment.delete(flags)
    except libvirt.libvirtError as exc:
        raise CmdError(f"Failed to delete {kind} {name}", exc) from None
    if flags & getattr(libvirt, prefix + "CHILDREN_ONLY"):
        shell.out.extra(f"Domain {kind} {name} children deleted\n")
    else:
        shell.out.extra(f"Domain {kind} {name} deleted\n")
    return True
