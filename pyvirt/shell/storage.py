"""Storage pool commands: pool-list, pool-info, pool-define(-as), pool-start, ..."""

from __future__ import annotations

from typing import Any

import pyvirt as libvirt
from pyvirt.shell import lookup
from pyvirt.shell.command import (
    POOL,
    VALIDATE,
    WRAP,
    XPATH,
    Args,
    CmdError,
    command,
    data,
    exclusive,
    flag,
    string,
)
from pyvirt.shell.files import dump_xml, read_file
from pyvirt.shell.main import Shell
from pyvirt.shell.network import set_autostart
from pyvirt.shell.output import capacity

POOL_GROUP = "pool"
POOL_STATES = ("inactive", "building", "running", "degraded", "inaccessible")
POOL_TYPES = ("dir", "fs", "netfs", "logical", "disk", "iscsi", "iscsi-direct", "scsi",
              "mpath", "rbd", "sheepdog", "gluster", "zfs", "vstorage")


def pool_state(state: int) -> str:
    """virsh's name for a pool state."""
    return POOL_STATES[state] if 0 <= state < len(POOL_STATES) else "unknown"


def _autostart_text(pool: Any) -> str:
    try:
        return "yes" if pool.autostart() else "no"
    except libvirt.libvirtError:
        return "no autostart"


def _maybe(func: Any) -> Any:
    try:
        return func()
    except libvirt.libvirtError:
        return None


@command("pool-list", POOL_GROUP, "list pools",
         [flag("inactive", "list inactive pools"),
          flag("all", "list inactive & active pools"),
          flag("transient", "list transient pools"),
          flag("persistent", "list persistent pools"),
          flag("autostart", "list pools with autostart enabled"),
          flag("no-autostart", "list pools with autostart disabled"),
          string("type", "only list pool of specified type(s) (if supported)",
                 positional=True),
          flag("details", "display extended details for pools"),
          flag("uuid", "list UUID of active pools only"),
          flag("name", "list name of active pools only")], json=True)
def cmd_pool_list(shell: Shell, args: Args) -> bool:
    """List storage pools (with --details: sizes and persistence)."""
    exclusive(args, "all", "inactive")
    flags = libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE
    if args.flag("inactive"):
        flags = libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE
    if args.flag("all"):
        flags = (libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE
                 | libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE)
    for opt in ("autostart", "no-autostart", "persistent", "transient"):
        if args.flag(opt):
            flags |= getattr(libvirt, "VIR_CONNECT_LIST_STORAGE_POOLS_"
                             + opt.upper().replace("-", "_"))
    types = args.get("type")
    exclusive(args, "details", "uuid")
    exclusive(args, "details", "name")
    for kind in types.split(",") if types else []:
        if kind not in POOL_TYPES:
            raise CmdError(f"Invalid pool type '{kind}'")
        flags |= getattr(libvirt, "VIR_CONNECT_LIST_STORAGE_POOLS_"
                         + kind.upper().replace("-", "_"))
    try:
        pools = sorted(shell.conn.listAllStoragePools(flags),
                       key=lambda pool: pool.name().lower())
    except libvirt.libvirtError as exc:
        raise CmdError("Failed to list pools", exc) from None
    details = args.flag("details")
    rows = []
    for pool in pools:
        info = _maybe(pool.info)
        autostart, persistent = _maybe(pool.autostart), _maybe(pool.isPersistent)
        row: dict[str, Any] = {
            "name": pool.name(), "uuid": pool.UUIDString(),
            "autostart": None if autostart is None else bool(autostart),
            "autostart_text": _autostart_text(pool),
            "persistent": None if persistent is None else bool(persistent), "info": info}
        if info is None:
            shell.out.error("Could not retrieve pool information")
        rows.append(row)
    if args.json:
        doc = []
        for row in rows:
            info = row["info"]
            running = info is not None and info[0] in (libvirt.VIR_STORAGE_POOL_RUNNING,
                                                       libvirt.VIR_STORAGE_POOL_DEGRADED)
            doc.append({"name": row["name"], "uuid": row["uuid"],
                        "state": pool_state(info[0]) if info is not None else None,
                        "autostart": row["autostart"], "persistent": row["persistent"],
                        "capacity": info[1] if running else None,
                        "allocation": info[2] if running else None,
                        "available": info[3] if running else None})
        shell.out.json({"pools": doc})
        return True
    if not details:
        if args.flag("uuid") or args.flag("name"):
            for row in rows:
                if args.flag("uuid"):
                    end = " " if args.flag("name") else "\n"
                    shell.out.print(f"{row['uuid']:<36}{end}")
                if args.flag("name"):
                    shell.out.print(f"{row['name']:<20}\n")
            return True
        table = []
        for row, pool in zip(rows, pools):
            if row["info"] is None:
                state = "unknown"
            else:
                state = "active" if pool.isActive() else "inactive"
            table.append([row["name"], state, row["autostart_text"]])
        shell.out.table(["Name", "State", "Autostart"], table)
        return True
    table = []
    for row in rows:
        info = row["info"]
        persistent = "unknown" if row["persistent"] is None else (
            "yes" if row["persistent"] else "no")
        if info is None:
            state, sizes = "unknown", ["unknown"] * 3
        else:
            state = pool_state(info[0])
            if info[0] in (libvirt.VIR_STORAGE_POOL_RUNNING, libvirt.VIR_STORAGE_POOL_DEGRADED):
                sizes = [capacity(info[1]), capacity(info[2]), capacity(info[3])]
            else:
                sizes = ["-"] * 3
        table.append([row["name"], state, row["autostart_text"], persistent] + sizes)
    shell.out.table(["Name", "State", "Autostart", "Persistent", "Capacity", "Allocation",
                     "Available"], table)
    return True


@command("pool-info", POOL_GROUP, "storage pool information",
         [POOL, flag("bytes", "Reture pool info in bytes")], json=True)
def cmd_pool_info(shell: Shell, args: Args) -> bool:
    """Print basic information about a pool."""
    pool = lookup.pool(shell, args)
    out = shell.out
    error: libvirt.libvirtError | None
    try:
        info = pool.info()
    except libvirt.libvirtError as exc:
        info, error = None, exc
    else:
        error = None
    persistent = _maybe(lambda: bool(pool.isPersistent()))
    autostart = _maybe(lambda: bool(pool.autostart()))
    running = info is not None and info[0] in (libvirt.VIR_STORAGE_POOL_RUNNING,
                                               libvirt.VIR_STORAGE_POOL_DEGRADED)
    if args.json:
        out.json({"name": pool.name(), "uuid": pool.UUIDString(),
                  "state": pool_state(info[0]) if info is not None else None,
                  "persistent": persistent, "autostart": autostart,
                  "capacity": info[1] if running else None,
                  "allocation": info[2] if running else None,
                  "available": info[3] if running else None})
        return info is not None
    out.print(f"{'Name:':<15} {pool.name()}\n")
    out.print(f"{'UUID:':<15} {pool.UUIDString()}\n")
    if info is None:
        raise CmdError(None, error)
    out.print(f"{'State:':<15} {pool_state(info[0])}\n")
    out.print(f"{'Persistent:':<15} "
              f"{'unknown' if persistent is None else ('yes' if persistent else 'no')}\n")
    out.print(f"{'Autostart:':<15} {_autostart_text(pool)}\n")
    if running:
        for label, value in (("Capacity:", info[1]), ("Allocation:", info[2]),
                             ("Available:", info[3])):
            text = str(value) if args.flag("bytes") else capacity(value)
            out.print(f"{label:<15} {text}\n")
    return True


@command("pool-dumpxml", POOL_GROUP, "pool information in XML",
         [POOL, flag("inactive", "show inactive defined XML"), XPATH, WRAP])
def cmd_pool_dumpxml(shell: Shell, args: Args) -> bool:
    """Print the pool XML."""
    flags = libvirt.VIR_STORAGE_XML_INACTIVE if args.flag("inactive") else 0
    pool = lookup.pool(shell, args)
    return dump_xml(shell.out, pool.XMLDesc(flags), args.values.get("xpath") or None,
                    args.flag("wrap"))


_BUILD_OPTS = [flag("build", "build the pool as normal"),
               flag("no-overwrite", "build the pool without overwriting the existing pool "
                                    "data"),
               flag("overwrite", "overwrite any existing data")]


def _create_flags(args: Args) -> int:
    exclusive(args, "overwrite", "no-overwrite")
    flags = 0
    if args.flag("build"):
        flags |= libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD
    if args.flag("overwrite"):
        flags |= libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD_OVERWRITE
    if args.flag("no-overwrite"):
        flags |= libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD_NO_OVERWRITE
    return flags


@command("pool-define", POOL_GROUP, "define an inactive persistent storage pool or modify "
                                    "an existing persistent one from an XML file",
         [data("file", "file containing an XML pool description", complete="file"),
          VALIDATE])
def cmd_pool_define(shell: Shell, args: Args) -> bool:
    """Define a persistent pool from an XML file."""
    path = args.req("file")
    xml = read_file(path)
    flags = libvirt.VIR_STORAGE_POOL_DEFINE_VALIDATE if args.flag("validate") else 0
    try:
        pool = shell.conn.storagePoolDefineXML(xml, flags)
    except libvirt.libvirtError as exc:
        raise CmdError(f"Failed to define pool from {path}", exc) from None
    shell.out.extra(f"Pool {pool.name()} defined from {path}\n")
    return True


@command("pool-create", POOL_GROUP, "create a pool from an XML file",
         [data("file", "file containing an XML pool description", complete="file")]
         + _BUILD_OPTS)
def cmd_pool_create(shell: Shell, args: Args) -> bool:
    """Create and start a transient pool from an XML file."""
    path = args.req("file")
    flags = _create_flags(args)
    xml = read_file(path)
    try:
        pool = shell.conn.storagePoolCreateXML(xml, flags)
    except libvirt.libvirtError as exc:
        raise CmdError(f"Failed to create pool from {path}", exc) from None
    shell.out.extra(f"Pool {pool.name()} created from {path}\n")
    return True


_AS_OPTS = ("source-host", "source-path", "source-dev", "source-name", "target",
            "source-format", "auth-type", "auth-username", "secret-usage", "secret-uuid",
            "adapter-name", "adapter-wwnn", "adapter-wwpn", "adapter-parent",
            "adapter-parent-wwnn", "adapter-parent-wwpn", "adapter-parent-fabric-wwn",
            "source-protocol-ver", "source-initiator")
_AS_HELP = {"target": "target for underlying storage"}


def build_pool_xml(args: Args) -> tuple[str, str]:
    """The pool XML pool-define-as describes; returns (name, xml)."""
    exclusive(args, "secret-usage", "secret-uuid")
    name, kind = args.req("name"), args.req("type")
    get = args.get
    src: list[str] = []
    if get("source-host"):
        src.append(f"<host name='{get('source-host')}'/>")
    if get("source-path"):
        src.append(f"<dir path='{get('source-path')}'/>")
    if get("source-dev"):
        src.append(f"<device path='{get('source-dev')}'/>")
    if get("source-initiator"):
        src += ["<initiator>", f"  <iqn name='{get('source-initiator')}'/>", "</initiator>"]
    wwnn, wwpn = get("adapter-wwnn"), get("adapter-wwpn")
    if wwnn and wwpn:
        parent = ""
        if get("adapter-parent"):
            parent = f" parent='{get('adapter-parent')}'"
        elif get("adapter-parent-wwnn") and get("adapter-parent-wwpn"):
            parent = (f" parent_wwnn='{get('adapter-parent-wwnn')}' "
                      f"parent_wwpn='{get('adapter-parent-wwpn')}'")
        elif get("adapter-parent-fabric-wwn"):
            parent = f" parent_fabric_wwn='{get('adapter-parent-fabric-wwn')}'"
        src.append(f"<adapter type='fc_host'{parent} wwnn='{wwnn}' wwpn='{wwpn}'/>")
    elif get("adapter-name"):
        src.append(f"<adapter type='scsi_host' name='{get('adapter-name')}'/>")
    if get("auth-type") and get("auth-username") and (get("secret-usage")
                                                      or get("secret-uuid")):
        secret = (f"<secret usage='{get('secret-usage')}'/>" if get("secret-usage")
                  else f"<secret uuid='{get('secret-uuid')}'/>")
        src += [f"<auth type='{get('auth-type')}' username='{get('auth-username')}'>",
                "  " + secret, "</auth>"]
    if get("source-format"):
        src.append(f"<format type='{get('source-format')}'/>")
    if get("source-name"):
        src.append(f"<name>{get('source-name')}</name>")
    if get("source-protocol-ver"):
        src.append(f"<protocol ver='{get('source-protocol-ver')}'/>")
    lines = [f"<pool type='{kind}'>", f"  <name>{name}</name>"]
    if get("source-host") or get("source-path") or get("source-dev") or \
            get("source-initiator") or get("source-format") or get("source-name") or \
            (wwnn and wwpn) or get("adapter-name"):
        lines += ["  <source>"] + ["    " + line for line in src] + ["  </source>"]
    if get("target"):
        lines += ["  <target>", f"    <path>{get('target')}</path>", "  </target>"]
    lines.append("</pool>")
    return name, "".join(line + "\n" for line in lines)


@command("pool-define-as", POOL_GROUP, "define a pool from a set of args",
         [data("name", "name of the pool"), data("type", "type of the pool"),
          flag("print-xml", "print XML document, but don't define/create")]
         + [string(opt, _AS_HELP.get(opt, opt.replace("-", " ")), positional=True)
            for opt in _AS_OPTS])
def cmd_pool_define_as(shell: Shell, args: Args) -> bool:
    """Define a pool from options instead of an XML file."""
    name, xml = build_pool_xml(args)
    if args.flag("print-xml"):
        shell.out.print(xml)
        return True
    try:
        shell.conn.storagePoolDefineXML(xml, 0)
    except libvirt.libvirtError as exc:
        raise CmdError(f"Failed to define pool {name}", exc) from None
    shell.out.extra(f"Pool {name} defined\n")
    return True


def _pool_action(action: str, done: str, call: Any) -> Any:
    def handler(shell: Shell, args: Args) -> bool:
        flags = _create_flags(args) if action == "start" else 0
        if action == "build":
            exclusive(args, "overwrite", "no-overwrite")
            flags = 0
            if args.flag("no-overwrite"):
                flags |= libvirt.VIR_STORAGE_POOL_BUILD_NO_OVERWRITE
            if args.flag("overwrite"):
                flags |= libvirt.VIR_STORAGE_POOL_BUILD_OVERWRITE
        pool = lookup.pool(shell, args)
        name = args.req("pool")
        try:
            call(pool, flags)
        except libvirt.libvirtError as exc:
            raise CmdError(f"Failed to {action} pool {name}", exc) from None
        shell.out.extra(f"Pool {name} {done}\n")
        return True
    return handler


command("pool-start", POOL_GROUP, "start a (previously defined) inactive pool",
        [data("pool", "name or uuid of the inactive pool", complete="pool")] + _BUILD_OPTS)(
    _pool_action("start", "started", lambda pool, flags: pool.create(flags)))
command("pool-build", POOL_GROUP, "build a pool",
        [POOL] + _BUILD_OPTS[1:])(
    _pool_action("build", "built", lambda pool, flags: pool.build(flags)))
command("pool-destroy", POOL_GROUP, "destroy (stop) a pool", [POOL])(
    _pool_action("destroy", "destroyed", lambda pool, flags: pool.destroy()))
command("pool-delete", POOL_GROUP, "delete a pool", [POOL])(
    _pool_action("delete", "deleted", lambda pool, flags: pool.delete(0)))
command("pool-refresh", POOL_GROUP, "refresh a pool", [POOL])(
    _pool_action("refresh", "refreshed", lambda pool, flags: pool.refresh(0)))
command("pool-undefine", POOL_GROUP, "undefine an inactive pool", [POOL])(
    _pool_action("undefine", "has been undefined", lambda pool, flags: pool.undefine()))


@command("pool-autostart", POOL_GROUP, "autostart a pool",
         [POOL, flag("disable", "disable autostarting")])
def cmd_pool_autostart(shell: Shell, args: Args) -> bool:
    """Mark (or unmark) a pool to start with the host."""
    return set_autostart(shell, lookup.pool(shell, args), "pool", args.req("pool"),
                         not args.flag("disable"))
