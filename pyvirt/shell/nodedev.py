"""Node device commands: nodedev-list, nodedev-dumpxml."""

from __future__ import annotations

from typing import Any

import pyvirt as libvirt
from pyvirt.shell import lookup
from pyvirt.shell.command import WRAP, XPATH, Args, CmdError, command, data, flag, string
from pyvirt.shell.files import dump_xml
from pyvirt.shell.main import Shell
from pyvirt.shell.output import format_tree

NODEDEV = "nodedev"

# capability name -> VIR_CONNECT_LIST_NODE_DEVICES_CAP_* suffix
CAPABILITIES = {
    "system": "SYSTEM", "pci": "PCI_DEV", "usb_device": "USB_DEV", "usb": "USB_INTERFACE",
    "net": "NET", "scsi_host": "SCSI_HOST", "scsi_target": "SCSI_TARGET", "scsi": "SCSI",
    "storage": "STORAGE", "fc_host": "FC_HOST", "vports": "VPORTS",
    "scsi_generic": "SCSI_GENERIC", "drm": "DRM", "mdev_types": "MDEV_TYPES",
    "mdev": "MDEV", "ccw": "CCW_DEV", "css": "CSS_DEV", "vdpa": "VDPA",
    "ap_card": "AP_CARD", "ap_queue": "AP_QUEUE", "ap_matrix": "AP_MATRIX", "vpd": "VPD",
}


def _collect(conn: Any, caps: list[str], flags: int) -> list[Any]:
    """All matching devices sorted by name, with virsh's fallback path."""
    try:
        devices = conn.listAllDevices(flags)
    except libvirt.libvirtError as exc:
        if exc.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            raise CmdError("Failed to list node devices", exc) from None
        try:
            names = conn.listDevices(None, 0)
        except libvirt.libvirtError as exc2:
            raise CmdError("Failed to list node devices", exc2) from None
        devices = []
        for name in names:
            try:
                dev = conn.nodeDeviceLookupByName(name)
            except libvirt.libvirtError:
                continue
            if caps and not set(caps) & set(dev.listCaps()):
                continue
            devices.append(dev)
    return sorted(devices, key=lambda dev: dev.name().lower())


@command("nodedev-list", NODEDEV, "enumerate devices on this host",
         [flag("tree", "list devices in a tree"),
          string("cap", "capability names, separated by comma", positional=True,
                 complete="capability"),
          flag("inactive", "list inactive devices"),
          flag("all", "list inactive & active devices")], json=True)
def cmd_nodedev_list(shell: Shell, args: Args) -> bool:
    """List host devices (names, or a tree from 'computer')."""
    tree, inactive, everything = args.flag("tree"), args.flag("inactive"), args.flag("all")
    cap_text = args.values.get("cap") or None
    caps = cap_text.split(",") if cap_text else []
    if everything and inactive:
        raise CmdError("Option --all is incompatible with --inactive")
    if tree and (cap_text or inactive):
        raise CmdError("Option --tree is incompatible with --cap and --inactive")
    flags = 0
    for cap in caps:
        if cap not in CAPABILITIES:
            raise CmdError("Invalid capability type")
        flags |= getattr(libvirt, "VIR_CONNECT_LIST_NODE_DEVICES_CAP_" + CAPABILITIES[cap])
    if inactive or everything:
        flags |= libvirt.VIR_CONNECT_LIST_NODE_DEVICES_INACTIVE
    if not inactive:
        flags |= libvirt.VIR_CONNECT_LIST_NODE_DEVICES_ACTIVE
    devices = _collect(shell.conn, caps, flags)
    names = [dev.name() for dev in devices]
    parents = [None if name == "computer" else _parent(dev)
               for name, dev in zip(names, devices)]
    if args.json:
        shell.out.json({"devices": [{"name": name, "parent": parent,
                                     "capabilities": list(dev.listCaps())}
                                    for name, parent, dev in zip(names, parents, devices)]})
        return True
    if tree:
        for index, parent in enumerate(parents):
            if parent is None:
                shell.out.print(format_tree(names, parents, index))
        return True
    for name in names:
        shell.out.print(name + "\n")
    return True


def _parent(dev: Any) -> str | None:
    try:
        return dev.parent()
    except libvirt.libvirtError:
        return None


@command("nodedev-dumpxml", NODEDEV, "node device details in XML",
         [data("device", "device name or wwn pair in 'wwnn,wwpn' format", complete="nodedev"),
          XPATH, WRAP])
def cmd_nodedev_dumpxml(shell: Shell, args: Args) -> bool:
    """Print a host device's XML."""
    dev = lookup.node_device(shell, args)
    return dump_xml(shell.out, dev.XMLDesc(0), args.values.get("xpath") or None,
                    args.flag("wrap"))
