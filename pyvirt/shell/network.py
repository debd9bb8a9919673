"""Virtual network commands: net-list, net-info, net-define, net-start, ..."""

from __future__ import annotations

import datetime
import os
import subprocess
import tempfile
from typing import Any

import pyvirt as libvirt
from pyvirt.shell import lookup
from pyvirt.shell.command import (
    NETWORK,
    VALIDATE,
    WRAP,
    XPATH,
    Args,
    CmdError,
    command,
    data,
    flag,
    string,
)
from pyvirt.shell.files import dump_xml, read_file
from pyvirt.shell.main import Shell

NET = "network"


def _sorted(items: list[Any]) -> list[Any]:
    return sorted(items, key=lambda obj: obj.name().lower())


def _autostart_text(net: Any) -> str:
    try:
        return "yes" if net.autostart() else "no"
    except libvirt.libvirtError:
        return "no autostart"


_LIST_FILTERS = (("persistent", "VIR_CONNECT_LIST_NETWORKS_PERSISTENT"),
                 ("transient", "VIR_CONNECT_LIST_NETWORKS_TRANSIENT"),
                 ("autostart", "VIR_CONNECT_LIST_NETWORKS_AUTOSTART"),
                 ("no-autostart", "VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART"))


@command("net-list", NET, "list networks",
         [flag("inactive", "list inactive networks"),
          flag("all", "list inactive & active networks"),
          flag("persistent", "list persistent networks"),
          flag("transient", "list transient networks"),
          flag("autostart", "list networks with autostart enabled"),
          flag("no-autostart", "list networks with autostart disabled"),
          flag("uuid", "list uuid's only"), flag("name", "list network names only"),
          flag("table", "list table (default)")], json=True)
def cmd_net_list(shell: Shell, args: Args) -> bool:
    """List virtual networks."""
    flags = libvirt.VIR_CONNECT_LIST_NETWORKS_ACTIVE
    if args.flag("inactive"):
        flags = libvirt.VIR_CONNECT_LIST_NETWORKS_INACTIVE
    if args.flag("all"):
        flags = (libvirt.VIR_CONNECT_LIST_NETWORKS_ACTIVE
                 | libvirt.VIR_CONNECT_LIST_NETWORKS_INACTIVE)
    for opt, const in _LIST_FILTERS:
        if args.flag(opt):
            flags |= getattr(libvirt, const)
    if args.flag("table") + args.flag("name") + args.flag("uuid") > 1:
        raise CmdError("Only one argument from --table, --name and --uuid may be specified.")
    try:
        nets = _sorted(shell.conn.listAllNetworks(flags))
    except libvirt.libvirtError as exc:
        raise CmdError("Failed to list networks", exc) from None
    if args.json:
        shell.out.json({"networks": [{
            "name": net.name(), "uuid": net.UUIDString(), "active": bool(net.isActive()),
            "autostart": _bool_or_none(net.autostart), "persistent": bool(net.isPersistent()),
        } for net in nets]})
        return True
    if args.flag("uuid"):
        for net in nets:
            shell.out.print(net.UUIDString() + "\n")
    elif args.flag("name"):
        for net in nets:
            shell.out.print(net.name() + "\n")
    else:
        shell.out.table(["Name", "State", "Autostart", "Persistent"],
                        [[net.name(), "active" if net.isActive() else "inactive",
                          _autostart_text(net), "yes" if net.isPersistent() else "no"]
                         for net in nets])
    return True


def _bool_or_none(func: Any) -> bool | None:
    try:
        return bool(func())
    except libvirt.libvirtError:
        return None


@command("net-info", NET, "network information", [NETWORK], json=True)
def cmd_net_info(shell: Shell, args: Args) -> bool:
    """Print basic information about a network."""
    net = lookup.network(shell, args)
    active = _bool_or_none(net.isActive)
    persistent = _bool_or_none(net.isPersistent)
    autostart = _bool_or_none(net.autostart)
    try:
        bridge = net.bridgeName()
    except libvirt.libvirtError:
        bridge = None
    if args.json:
        shell.out.json({"name": net.name(), "uuid": net.UUIDString(), "active": active,
                        "persistent": persistent, "autostart": autostart,
                        "bridge": bridge})
        return True
    out = shell.out
    out.print(f"{'Name:':<15} {net.name()}\n")
    out.print(f"{'UUID:':<15} {net.UUIDString()}\n")
    if active is not None:
        out.print(f"{'Active:':<15} {'yes' if active else 'no'}\n")
    persistent_text = "unknown" if persistent is None else ("yes" if persistent else "no")
    out.print(f"{'Persistent:':<15} {persistent_text}\n")
    autostart_text = "no autostart" if autostart is None else ("yes" if autostart else "no")
    out.print(f"{'Autostart:':<15} {autostart_text}\n")
    if bridge:
        out.print(f"{'Bridge:':<15} {bridge}\n")
    return True


@command("net-dumpxml", NET, "network information in XML",
         [NETWORK, flag("inactive", "show inactive defined XML"), XPATH, WRAP])
def cmd_net_dumpxml(shell: Shell, args: Args) -> bool:
    """Print the network XML."""
    net = lookup.network(shell, args)
    flags = libvirt.VIR_NETWORK_XML_INACTIVE if args.flag("inactive") else 0
    return dump_xml(shell.out, net.XMLDesc(flags), args.values.get("xpath") or None,
                    args.flag("wrap"))


def _from_file(shell: Shell, args: Args, verb: str, done: str, flag_const: str,
               plain: str, with_flags: str) -> bool:
    path = args.req("file")
    xml = read_file(path)
    conn = shell.conn
    try:
        if args.flag("validate"):
            net = getattr(conn, with_flags)(xml, getattr(libvirt, flag_const))
        else:
            net = getattr(conn, plain)(xml)
    except libvirt.libvirtError as exc:
        raise CmdError(f"Failed to {verb} network from {path}", exc) from None
    shell.out.extra(f"Network {net.name()} {done} from {path}\n")
    return True


@command("net-define", NET, "define an inactive persistent virtual network or modify an "
                            "existing persistent one from an XML file",
         [data("file", "file containing an XML network description", complete="file"),
          VALIDATE])
def cmd_net_define(shell: Shell, args: Args) -> bool:
    """Define a persistent network from an XML file."""
    return _from_file(shell, args, "define", "defined", "VIR_NETWORK_DEFINE_VALIDATE",
                      "networkDefineXML", "networkDefineXMLFlags")


@command("net-create", NET, "create a network from an XML file",
         [data("file", "file containing an XML network description", complete="file"),
          VALIDATE])
def cmd_net_create(shell: Shell, args: Args) -> bool:
    """Create and start a transient network from an XML file."""
    return _from_file(shell, args, "create", "created", "VIR_NETWORK_CREATE_VALIDATE",
                      "networkCreateXML", "networkCreateXMLFlags")


def _net_action(action: str, done: str, call: Any) -> Any:
    def handler(shell: Shell, args: Args) -> bool:
        net = lookup.network(shell, args)
        name = args.req("network")
        try:
            call(net)
        except libvirt.libvirtError as exc:
            raise CmdError(f"Failed to {action} network {name}", exc) from None
        shell.out.extra(f"Network {name} {done}\n")
        return True
    return handler


command("net-start", NET, "start a (previously defined) inactive network",
        [data("network", "network name or uuid", complete="network")])(
    _net_action("start", "started", lambda net: net.create()))
command("net-destroy", NET, "destroy (stop) a network", [NETWORK])(
    _net_action("destroy", "destroyed", lambda net: net.destroy()))
command("net-undefine", NET, "undefine a persistent network", [NETWORK])(
    _net_action("undefine", "has been undefined", lambda net: net.undefine()))


@command("net-autostart", NET, "autostart a network",
         [NETWORK, flag("disable", "disable autostarting")])
def cmd_net_autostart(shell: Shell, args: Args) -> bool:
    """Mark (or unmark) a network to start with the host."""
    return set_autostart(shell, lookup.network(shell, args), "network",
                         args.req("network"), not args.flag("disable"))


def set_autostart(shell: Shell, obj: Any, kind: str, name: str, enable: bool) -> bool:
    """Mark or unmark a network or pool (``kind``) as autostarted, as virsh reports it."""
    try:
        obj.setAutostart(1 if enable else 0)
    except libvirt.libvirtError as exc:
        verb = "mark" if enable else "unmark"
        raise CmdError(f"failed to {verb} {kind} {name} as autostarted", exc) from None
    shell.out.extra(f"{kind.capitalize()} {name} {'marked' if enable else 'unmarked'} "
                    "as autostarted\n")
    return True


@command("net-name", NET, "convert a network UUID to network name",
         [data("network", "network uuid", complete="network")])
def cmd_net_name(shell: Shell, args: Args) -> bool:
    """Print the name of the network with the given UUID."""
    name = args.req("network")
    try:
        net = shell.conn.networkLookupByUUIDString(name) if len(name) == lookup.UUID_LEN \
            else None
    except libvirt.libvirtError as exc:
        raise CmdError(f"failed to get network '{name}'", exc) from None
    if net is None:
        raise CmdError(f"failed to get network '{name}'")
    shell.out.print(net.name() + "\n")
    return True


@command("net-uuid", NET, "convert a network name to network UUID",
         [data("network", "network name", complete="network")])
def cmd_net_uuid(shell: Shell, args: Args) -> bool:
    """Print the UUID of the named network."""
    name = args.req("network")
    try:
        net = shell.conn.networkLookupByName(name)
    except libvirt.libvirtError as exc:
        raise CmdError(f"failed to get network '{name}'", exc) from None
    shell.out.print(net.UUIDString() + "\n")
    return True


@command("net-dhcp-leases", NET, "print lease info for a given network",
         [NETWORK, string("mac", "MAC address", positional=True)])
def cmd_net_dhcp_leases(shell: Shell, args: Args) -> bool:
    """Table of the DHCP leases handed out on a network."""
    mac = args.get("mac")
    net = lookup.network(shell, args)
    name = args.req("network")
    try:
        leases = net.DHCPLeases(mac, 0)
    except libvirt.libvirtError as exc:
        raise CmdError(f"Failed to get leases info for {name}", exc) from None
    leases = sorted(leases, key=lambda lease: (lease.get("mac") or "",
                                               lease.get("iaid") or ""))
    rows = []
    for lease in leases:
        expiry = datetime.datetime.fromtimestamp(int(lease.get("expirytime", 0)))
        kind = {libvirt.VIR_IP_ADDR_TYPE_IPV4: "ipv4",
                libvirt.VIR_IP_ADDR_TYPE_IPV6: "ipv6"}.get(lease.get("type"), "-")
        rows.append([expiry.strftime("%Y-%m-%d %H:%M:%S"), lease.get("mac") or "-", kind,
                     f"{lease.get('ipaddr')}/{lease.get('prefix')}",
                     lease.get("hostname") or "-", lease.get("clientid") or "-"])
    shell.out.table(["Expiry Time", "MAC address", "Protocol", "IP address", "Hostname",
                     "Client ID or DUID"], rows)
    return True


@command("net-edit", NET, "edit XML configuration for a network", [NETWORK])
def cmd_net_edit(shell: Shell, args: Args) -> bool:
    """Edit the network XML in $VISUAL/$EDITOR and redefine it if changed."""
    net = lookup.network(shell, args)
    original = net.XMLDesc(libvirt.VIR_NETWORK_XML_INACTIVE)
    edited = edit_text(original)
    if edited == original:
        shell.out.extra(f"Network {net.name()} XML configuration not changed.\n")
        return True
    try:
        new = shell.conn.networkDefineXML(edited)
    except libvirt.libvirtError as exc:
        raise CmdError(None, exc) from None
    shell.out.extra(f"Network {new.name()} XML configuration edited.\n")
    return True


def edit_text(text: str) -> str:
    """Let the user edit ``text`` in their editor; returns the new text."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    fd, path = tempfile.mkstemp(prefix="pyvirsh", suffix=".xml")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        result = subprocess.run(f"{editor} {path}", shell=True, check=False)
        if result.returncode != 0:
            raise CmdError(f"{editor}: command failed with status {result.returncode}")
        with open(path) as handle:
            return handle.read()
    finally:
        os.unlink(path)
