"""A host device's definition, made from sysfs as libvirt's udev backend makes it.

:func:`device_def` is libvirt 9.0's udevAddOneDevice in Python: it decides
the device's type from its properties (``DEVTYPE``, else ``PCI_CLASS``,
``INTERFACE`` or the subsystem), fills the capability from the properties and
attributes libvirt reads for that type, and names the device as libvirt does
(``SUBSYSTEM_SYSNAME[_EXTRA]`` with every character that is not a letter or
digit turned into ``_``).  A device libvirt would drop (an unknown type, a
disk whose kind it cannot tell, such as a loop device without udevd's
``ID_TYPE``) gives None.  The parent is found later, by the driver, from the
devices it already knows.  :func:`system_def` is the ``computer`` device.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from pyvirt.conf.confutil import E, open_close
from pyvirt.conf.node_device import CapType, DevCap, DevNode, DevnodeType, NodeDeviceDef
from pyvirt.drivers.nodedev import pciids
from pyvirt.drivers.nodedev.sysfs import SysDevice
from pyvirt.util import netdevinfo
from pyvirt.util.hostinfo import read as _hostread

# DEVTYPE -> capability (udevGetDeviceType)
_BY_DEVTYPE = {
    "usb_device": CapType.USB_DEVICE, "usb_interface": CapType.USB,
    "scsi_host": CapType.SCSI_HOST, "scsi_target": CapType.SCSI_TARGET,
    "scsi_device": CapType.SCSI, "disk": CapType.STORAGE, "wlan": CapType.NET,
    "drm_minor": CapType.DRM,
}
# SUBSYSTEM -> capability, for devices without DEVTYPE
_BY_SUBSYSTEM = {"scsi_generic": CapType.SCSI_GENERIC, "mdev": CapType.MDEV,
                 "vdpa": CapType.VDPA}

_SCSI_TYPES = {0: "disk", 1: "tape", 3: "processor", 4: "worm", 5: "cdrom", 6: "scanner",
               7: "mod", 8: "changer", 13: "enclosure", 12: "raid"}
_DRM_TYPES = ("primary", "control", "render")
_PCIE_SPEEDS = ("", "2.5", "5", "8", "16", "32", "64")
_PCI_EXT_CONFIG = 4096


def device_type(dev: SysDevice) -> CapType | None:
    """The capability libvirt gives ``dev``, or None (a device it leaves out)."""
    devtype = dev.devtype
    if devtype:
        return _BY_DEVTYPE.get(devtype)
    kind = None
    if "PCI_CLASS" in dev.props:
        kind = CapType.PCI
    if "INTERFACE" in dev.props:
        kind = CapType.NET
    return _BY_SUBSYSTEM.get(dev.subsystem or "", kind)


def device_name(dev: SysDevice, extra: str | None = None) -> str:
    """libvirt's name: subsystem, sysname and ``extra``, non-alphanumerics as ``_``."""
    name = f"{dev.subsystem}_{dev.sysname}"
    if extra is not None:
        name += f"_{extra}"
    return re.sub(r"[^0-9A-Za-z]", "_", name)


def _uint(text: str | None, base: int = 10) -> int | None:
    if text is None:
        return None
    try:
        return int(text, base) & 0xFFFFFFFF
    except ValueError:
        return None


def _num(text: str | None, base: int = 0) -> int | None:
    if text is None:
        return None
    try:
        return int(text, base)
    except ValueError:
        return None


def _t(tag: str, value: object) -> E | None:
    return None if value is None else E(tag, text=str(value))


# --- PCI ---------------------------------------------------------------------

def _pcie(dev: SysDevice) -> E | None:
    """``<pci-express>`` of a PCI Express device (read from its config space, as
    root), else None."""
    if os.geteuid() != 0:
        return None
    try:
        with open(os.path.join(dev.syspath, "config"), "rb") as f:
            cfg = f.read(_PCI_EXT_CONFIG)
    except OSError:
        return None
    pos = 0
    if len(cfg) >= 64 and cfg[6] & 0x10:          # a capability list
        ptr, hops = cfg[0x34] & 0xFC, 0
        while ptr and ptr + 2 <= len(cfg) and hops < 48:
            if cfg[ptr] == 0x10:
                pos = ptr
                break
            ptr, hops = cfg[ptr + 1] & 0xFC, hops + 1
    if not pos and len(cfg) < _PCI_EXT_CONFIG:
        return None
    node = E("pci-express", keep=True)
    if pos and pos + 0x14 <= len(cfg):
        port_type = (int.from_bytes(cfg[pos + 2:pos + 4], "little") & 0xF0) >> 4
        if port_type not in (9, 10):              # integrated endpoints have no link
            lnkcap = int.from_bytes(cfg[pos + 0x0C:pos + 0x10], "little")
            lnksta = int.from_bytes(cfg[pos + 0x12:pos + 0x14], "little")

            def speed(code: int) -> str:
                return _PCIE_SPEEDS[code] if code < len(_PCIE_SPEEDS) else ""
            node.add(E("link", [("validity", "cap"), ("port", lnkcap >> 24),
                                ("speed", speed(lnkcap & 0xF)),
                                ("width", (lnkcap >> 4) & 0x3F)]))
            node.add(E("link", [("validity", "sta"), ("speed", speed(lnksta & 0xF)),
                                ("width", (lnksta >> 4) & 0x3F)]))
    return node


def _pci_address(name: str) -> E | None:
    m = re.fullmatch(r"([0-9a-fA-F]+):([0-9a-fA-F]+):([0-9a-fA-F]+)\.([0-7])", name)
    if m is None:
        return None
    dom, bus, slot, fn = (int(x, 16) for x in m.groups())
    return E("address", [("domain", f"0x{dom:04x}"), ("bus", f"0x{bus:02x}"),
                         ("slot", f"0x{slot:02x}"), ("function", f"0x{fn:x}")])


def _iommu_group(dev: SysDevice) -> E | None:
    try:
        group = os.readlink(os.path.join(dev.syspath, "iommu_group"))
    except OSError:
        return None
    number = os.path.basename(group)
    node = E("iommuGroup", [("number", number)], keep=True)
    members = os.path.join(dev.sysroot, "kernel/iommu_groups", number, "devices")
    try:
        names = sorted(os.listdir(members))
    except OSError:
        names = []
    for name in names:
        node.add(_pci_address(name))
    return node


def _virt_functions(dev: SysDevice) -> list[E]:
    out: list[E] = []
    phys = os.path.join(dev.syspath, "physfn")
    if os.path.islink(phys):
        out.append(E("capability", [("type", "phys_function")],
                     children=[_pci_address(os.path.basename(os.readlink(phys)))]))
    total = _num(dev.attr("sriov_totalvfs"), 10)
    if total:
        vfs = sorted((n for n in os.listdir(dev.syspath) if n.startswith("virtfn")),
                     key=lambda n: int(n[6:]) if n[6:].isdigit() else 0)
        out.append(E("capability", [("type", "virt_functions"), ("maxCount", total)],
                     children=[_pci_address(os.path.basename(
                         os.readlink(os.path.join(dev.syspath, n)))) for n in vfs],
                     keep=True))
    return out


def _pci(dev: SysDevice, def_: NodeDeviceDef) -> list[E] | None:
    addr = re.fullmatch(r"([0-9a-fA-F]+):([0-9a-fA-F]+):([0-9a-fA-F]+)\.([0-9a-fA-F]+)",
                        dev.sysname)
    if addr is None:
        return None
    domain, bus, slot, function = (int(x, 16) for x in addr.groups())
    klass = _num(dev.props.get("PCI_CLASS"), 16)
    vendor = _uint(dev.attr("vendor"), 16) or 0
    product = _uint(dev.attr("device"), 16) or 0
    vendor_name, product_name = pciids.names(vendor, product)
    def_.name = device_name(dev)
    kids: list[E | None] = [
        E("class", text=f"0x{klass:06x}") if klass is not None and klass >= 0 else None,
        E("domain", text=str(domain)), E("bus", text=str(bus)),
        E("slot", text=str(slot)), E("function", text=str(function)),
        E("product", [("id", f"0x{product:04x}")], text=product_name, keep=True),
        E("vendor", [("id", f"0x{vendor:04x}")], text=vendor_name, keep=True)]
    kids += _virt_functions(dev)
    kids.append(_iommu_group(dev))
    numa = _num(dev.attr("numa_node"), 10)
    if numa is not None and numa >= 0:
        kids.append(E("numa", [("node", numa)]))
    kids.append(_pcie(dev))
    return [k for k in kids if k is not None]


# --- USB, net, SCSI, storage, ... ---------------------------------------------

def _usb_device(dev: SysDevice, def_: NodeDeviceDef) -> list[E] | None:
    p = dev.props
    vendor = _uint(p.get("ID_VENDOR_ID"), 16) or _uint(dev.attr("idVendor"), 16) or 0
    product = _uint(p.get("ID_MODEL_ID"), 16) or _uint(dev.attr("idProduct"), 16) or 0
    vname = p.get("ID_VENDOR_FROM_DATABASE") or dev.attr_text("manufacturer")
    pname = p.get("ID_MODEL_FROM_DATABASE") or dev.attr_text("product")
    def_.name = device_name(dev)
    return [E("bus", text=str(_uint(p.get("BUSNUM")) or 0)),
            E("device", text=str(_uint(p.get("DEVNUM")) or 0)),
            E("product", [("id", f"0x{product:04x}")], text=pname, keep=True),
            E("vendor", [("id", f"0x{vendor:04x}")], text=vname, keep=True)]


def _usb_interface(dev: SysDevice, def_: NodeDeviceDef) -> list[E] | None:
    def_.name = device_name(dev)
    return [E("number", text=str(_uint(dev.attr("bInterfaceNumber"), 16) or 0)),
            E("class", text=str(_uint(dev.attr("bInterfaceClass"), 16) or 0)),
            E("subclass", text=str(_uint(dev.attr("bInterfaceSubClass"), 16) or 0)),
            E("protocol", text=str(_uint(dev.attr("bInterfaceProtocol"), 16) or 0))]


def _net(dev: SysDevice, def_: NodeDeviceDef) -> list[E] | None:
    ifname = dev.props.get("INTERFACE")
    if not ifname:
        return None
    address = dev.attr_text("address")
    def_.name = device_name(dev, address)
    state, speed = netdevinfo.link_info(ifname, dev.sysroot)
    kids: list[E | None] = [_t("interface", ifname), _t("address", address),
                            E("link", [("speed", speed or None), ("state", state)])]
    kids += [E("feature", [("name", f)]) for f in netdevinfo.features(ifname, dev.sysroot)]
    sub = "80211" if dev.devtype == "wlan" else "80203"
    kids.append(E("capability", [("type", sub)]))
    return [k for k in kids if k is not None]


def _scsi_host(dev: SysDevice, def_: NodeDeviceDef) -> list[E] | None:
    m = re.fullmatch(r"host(\d+)", dev.sysname)
    if m is None:
        return None
    host = int(m.group(1))
    def_.name = device_name(dev)
    kids: list[E | None] = [E("host", text=str(host))]
    uid = dev.attr(f"scsi_host/host{host}/unique_id")
    if uid is None:
        uid = (_hostread(os.path.join(dev.sysroot, f"class/scsi_host/host{host}/unique_id")) or None)
    if uid is not None and _num(uid, 10) is not None:
        kids.append(E("unique_id", text=str(int(uid))))
    fc = os.path.join(dev.sysroot, f"class/fc_host/host{host}")
    if os.path.isdir(fc):
        fch = E("capability", [("type", "fc_host")], keep=True)
        for tag, attr in (("wwnn", "node_name"), ("wwpn", "port_name"),
                          ("fabric_wwn", "fabric_name")):
            value = (_hostread(os.path.join(fc, attr)) or None)
            if value:
                fch.add(E(tag, text=value.removeprefix("0x")))
        kids.append(fch)
    return [k for k in kids if k is not None]



def _scsi_target(dev: SysDevice, def_: NodeDeviceDef) -> list[E] | None:
    def_.name = device_name(dev)
    return [E("target", text=dev.sysname)]


def _scsi(dev: SysDevice, def_: NodeDeviceDef) -> list[E] | None:
    parts = dev.sysname.split(":")
    if len(parts) != 4 or not all(x.isdigit() for x in parts):
        return None
    kids = [E(tag, text=str(int(v))) for tag, v in zip(("host", "bus", "target", "lun"),
                                                         parts, strict=True)]
    kind = _num(dev.attr("type"), 0)
    if kind is not None and kind in _SCSI_TYPES:
        kids.append(E("type", text=_SCSI_TYPES[kind]))
    def_.name = device_name(dev)
    return kids


def _storage(dev: SysDevice, def_: NodeDeviceDef) -> list[E] | None:
    block = dev.devnode
    if block is None:
        return None
    p = dev.props
    vendor = dev.attr_text("device/vendor")
    model = dev.attr_text("device/model")
    drive = p.get("ID_TYPE")
    if not drive or drive == "generic":
        if p.get("ID_DRIVE_FLOPPY") == "1":
            drive = "floppy"
        elif p.get("ID_CDROM") == "1":
            drive = "cd"
        elif p.get("ID_DRIVE_FLASH_SD") == "1":
            drive = "sd"
        elif block.startswith("/dev/vd"):
            drive = "disk"                        # libvirt's guess for virtio disks
        else:
            return None
    blocks = _num(dev.attr("size"), 0) or 0
    lbs = _num(dev.attr("queue/logical_block_size"), 0) or 0
    kids: list[E | None] = [_t("block", block), _t("bus", p.get("ID_BUS")),
                            _t("drive_type", "cdrom" if drive == "cd" else drive),
                            _t("model", model.strip() if model else None),
                            _t("vendor", vendor.strip() if vendor else None),
                            _t("serial", p.get("ID_SERIAL"))]
    if drive in ("cd", "floppy"):
        removable = E("capability", [("type", "removable")], keep=True)
        if drive == "cd":
            media = p.get("ID_CDROM_MEDIA") == "1"
        else:
            media = "ID_FS_LABEL" in p
        removable.add(E("media_available", text="1" if media else "0"))
        removable.add(E("media_size", text=str(blocks * lbs if media else 0)))
        if media:
            removable.add(_t("media_label", p.get("ID_FS_LABEL")))
            removable.add(E("logical_block_size", text=str(lbs)) if lbs else None)
            removable.add(E("num_blocks", text=str(blocks)) if blocks else None)
        kids.append(removable)
    elif drive in ("disk", "sd"):
        kids.append(E("size", text=str(blocks * lbs)))
        kids.append(E("logical_block_size", text=str(lbs)) if lbs else None)
        kids.append(E("num_blocks", text=str(blocks)) if blocks else None)
    else:
        return None
    def_.name = device_name(dev, p.get("ID_SERIAL"))
    return [k for k in kids if k is not None]


def _scsi_generic(dev: SysDevice, def_: NodeDeviceDef) -> list[E] | None:
    node = dev.devnode
    if node is None:
        return None
    def_.name = device_name(dev)
    return [E("char", text=node)]


def _drm(dev: SysDevice, def_: NodeDeviceDef) -> list[E] | None:
    minor = _num(dev.props.get("MINOR"), 10)
    if minor is None or minor < 0 or (minor >> 6) >= len(_DRM_TYPES):
        return None
    def_.name = device_name(dev)
    return [E("type", text=_DRM_TYPES[minor >> 6])]


def _mdev(dev: SysDevice, def_: NodeDeviceDef) -> list[E] | None:
    try:
        mtype = os.path.basename(os.path.realpath(os.path.join(dev.syspath, "mdev_type")))
        group = os.path.basename(os.readlink(os.path.join(dev.syspath, "iommu_group")))
    except OSError:
        return None
    def_.name = device_name(dev)
    return [E("type", [("id", mtype)]), E("iommuGroup", [("number", group)])]


_PROCESS: dict[CapType, Callable[[SysDevice, NodeDeviceDef], list[E] | None]] = {
    CapType.PCI: _pci, CapType.USB_DEVICE: _usb_device, CapType.USB: _usb_interface,
    CapType.NET: _net, CapType.SCSI_HOST: _scsi_host, CapType.SCSI_TARGET: _scsi_target,
    CapType.SCSI: _scsi, CapType.STORAGE: _storage, CapType.SCSI_GENERIC: _scsi_generic,
    CapType.DRM: _drm, CapType.MDEV: _mdev,
}


def device_def(dev: SysDevice) -> NodeDeviceDef | None:
    """The definition libvirt makes of ``dev`` (parent not set), or None."""
    kind = device_type(dev)
    process = _PROCESS.get(kind) if kind is not None else None
    if kind is None or process is None:
        return None
    def_ = NodeDeviceDef(path=dev.syspath, driver=dev.props.get("DRIVER"))
    node = dev.devnode
    if node:
        def_.devnodes.append(DevNode(DevnodeType.DEV, node))
    def_.devnodes += [DevNode(DevnodeType.LINK, link) for link in dev.devlinks]
    kids = process(dev, def_)
    if kids is None or def_.name is None:
        return None
    def_.caps.append(DevCap(kind, kids))
    return def_


def system_def(sysroot: str = "/sys") -> NodeDeviceDef:
    """The ``computer`` device: the host's DMI facts, where the firmware gives them."""
    dmi = next((p for p in (os.path.join(sysroot, "devices/virtual/dmi/id"),
                            os.path.join(sysroot, "class/dmi/id")) if os.path.isdir(p)), None)
    hardware = E("hardware", keep=True)
    firmware = E("firmware", keep=True)
    kids: list[E] = []
    if dmi is not None:
        dev = SysDevice(os.path.realpath(dmi), sysroot)
        product = dev.attr_text("product_name")
        if product:
            kids.append(E("product", text=product))
        for tag, attr in (("vendor", "sys_vendor"), ("version", "product_version"),
                          ("serial", "product_serial")):
            hardware.add(_t(tag, dev.attr_text(attr)))
        uuid = dev.attr_text("product_uuid")
        hardware.add(E("uuid", text=uuid or "00000000-0000-0000-0000-000000000000"))
        for tag, attr in (("vendor", "bios_vendor"), ("version", "bios_version"),
                          ("release_date", "bios_date")):
            firmware.add(_t(tag, dev.attr_text(attr)))
    else:
        hardware.add(E("uuid", text="00000000-0000-0000-0000-000000000000"))
    kids += [hardware, open_close(firmware)]
    return NodeDeviceDef(name="computer", caps=[DevCap(CapType.SYSTEM, kids)])


__all__ = ["device_def", "device_name", "device_type", "system_def"]
