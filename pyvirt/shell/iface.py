"""Host interface commands: iface-list, iface-dumpxml."""

from __future__ import annotations

import pyvirt as libvirt
from pyvirt.shell import lookup
from pyvirt.shell.command import WRAP, XPATH, Args, CmdError, command, data, exclusive, flag
from pyvirt.shell.files import dump_xml
from pyvirt.shell.main import Shell

IFACE = "interface"


@command("iface-list", IFACE, "list physical host interfaces",
         [flag("inactive", "list inactive interfaces"),
          flag("all", "list inactive & active interfaces")], json=True)
def cmd_iface_list(shell: Shell, args: Args) -> bool:
    """List host network interfaces with their state and MAC address."""
    exclusive(args, "all", "inactive")
    flags = libvirt.VIR_CONNECT_LIST_INTERFACES_ACTIVE
    if args.flag("inactive"):
        flags = libvirt.VIR_CONNECT_LIST_INTERFACES_INACTIVE
    if args.flag("all"):
        flags = (libvirt.VIR_CONNECT_LIST_INTERFACES_INACTIVE
                 | libvirt.VIR_CONNECT_LIST_INTERFACES_ACTIVE)
    try:
        ifaces = sorted(shell.conn.listAllInterfaces(flags), key=lambda i: i.name().lower())
    except libvirt.libvirtError as exc:
        raise CmdError("Failed to list interfaces", exc) from None
    rows = [(iface.name(), "active" if iface.isActive() else "inactive", iface.MACString())
            for iface in ifaces]
    if args.json:
        shell.out.json({"interfaces": [{"name": name, "state": state, "mac": mac}
                                       for name, state, mac in rows]})
        return True
    shell.out.table(["Name", "State", "MAC Address"], [list(row) for row in rows])
    return True


@command("iface-dumpxml", IFACE, "interface information in XML",
         [data("interface", "interface name or MAC address", complete="iface"),
          flag("inactive", "show inactive defined XML"), XPATH, WRAP])
def cmd_iface_dumpxml(shell: Shell, args: Args) -> bool:
    """Print a host interface's XML."""
    flags = libvirt.VIR_INTERFACE_XML_INACTIVE if args.flag("inactive") else 0
    iface = lookup.interface(shell, args)
    return dump_xml(shell.out, iface.XMLDesc(flags), args.values.get("xpath") or None,
                    args.flag("wrap"))
