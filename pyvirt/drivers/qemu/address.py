"""Device names and places: implicit devices, aliases, drive and PCI addresses.

What libvirt's qemu_domain.c (post-parse defaults), qemu_alias.c and
qemu_domain_address.c do for the QEMU driver:

* :func:`add_implicit_devices` adds what QEMU machines have built in or what
  libvirt adds by default (PCI root, USB and IDE/SATA controllers, PS/2
  inputs, a virtio balloon, an audio backend for VNC, a video card for
  graphics, the controllers disks refer to);
* :func:`assign_drive_addresses` places IDE/SATA/SCSI/floppy disks;
* :func:`assign_pci_addresses` gives every PCI device a slot on bus 0 in
  libvirt's order (network cards, controllers, virtio disks, balloon, RNG,
  watchdog, ...), the primary video card in slot 2 on i440fx;
* :func:`assign_aliases` names devices as libvirt does (``virtio-disk0``,
  ``net0``, ``serial0``, ``video0``, ``balloon0``, ``rng0``, ...).

Addresses are written back into the definition: the persistent one at
define time, the live one at start and hotplug.
"""

from __future__ import annotations

from typing import Any, cast

from pyvirt import constants as C
from pyvirt.conf.domain import DEVICE_TAGS
from pyvirt.conf.domain_base import (
    DriveAddress,
    PciAddress,
    UsbAddress,
    VirtioSerialAddress,
    disk_name_to_index,
)
from pyvirt.conf.domain_devices import Audio, Input, InputBus, InputType, Memballoon
from pyvirt.conf.domain_disk import Controller, ControllerType, Disk, DiskBus, DiskDevice
from pyvirt.errors import report

_FROM = C.VIR_FROM_QEMU

USB_DRIVERS = {
    "piix3-uhci": "piix3-usb-uhci", "piix4-uhci": "piix4-usb-uhci", "ehci": "usb-ehci",
    "ich9-ehci1": "ich9-usb-ehci1", "ich9-uhci1": "ich9-usb-uhci1",
    "ich9-uhci2": "ich9-usb-uhci2", "ich9-uhci3": "ich9-usb-uhci3",
    "vt82c686b-uhci": "vt82c686b-usb-uhci", "pci-ohci": "pci-ohci", "nec-xhci": "nec-usb-xhci",
    "qemu-xhci": "qemu-xhci",
}

# Per-controller unit counts for drive addresses.
_IDE_UNITS = 2          # units per IDE bus, 2 buses per controller
_SATA_UNITS = 6
_LSI_UNITS = 7
_VIRTIO_SCSI_UNITS = 16384


def devices(def_: Any, kind: str) -> list[Any]:
    """The devices of one kind ('disk', 'interface', 'memballoon' ...) of ``def_``."""
    attr = DEVICE_TAGS[kind][1]
    if attr == "memballoon":
        balloon = def_.devices.memballoon
        return [balloon] if balloon is not None else []
    return getattr(def_.devices, attr) if attr else []


def memballoon(def_: Any) -> Any:
    """The memory balloon device, or None."""
    return def_.devices.memballoon


def machine_name(def_: Any) -> str:
    """The machine type as written (may be an alias like 'pc')."""
    return def_.os.machine or "pc"


def is_q35(def_: Any) -> bool:
    """True for the Q35 (PCIe) machine family."""
    m = machine_name(def_)
    return m == "q35" or m.startswith("pc-q35")


def is_i440fx(def_: Any) -> bool:
    """True for the i440FX (PCI) machine family."""
    m = machine_name(def_)
    return m == "pc" or m.startswith(("pc-i440fx", "pc-"))


def is_x86(def_: Any) -> bool:
    """True for x86 guests."""
    return (def_.os.arch or "x86_64") in ("x86_64", "i686")


# --- block node names ------------------------------------------------------------------

def storage_node(index: int) -> str:
    """The node name of a disk's storage (protocol) layer."""
    return f"libvirt-{index}-storage"


def format_node(index: int) -> str:
    """The node name of a disk's format layer."""
    return f"libvirt-{index}-format"


def blockdev_indexes(def_: Any) -> dict[str, int]:
    """Node-name indexes of the disks at start, by alias: N for the first disk down to 1."""
    disks = devices(def_, "disk")
    return {d.alias: len(disks) - i for i, d in enumerate(disks)}


# --- implicit devices --------------------------------------------------------------------

def _controller(def_: Any, kind: ControllerType, index: int) -> Controller | None:
    for ctrl in devices(def_, "controller"):
        if ctrl.type == kind and (ctrl.index or 0) == index:
            return ctrl
    return None


def _add_controller(def_: Any, kind: ControllerType, index: int,
                    model: str | None = None) -> Controller:
    ctrl = _controller(def_, kind, index)
    if ctrl is None:
        ctrl = Controller(type=kind, index=index, model=model)
        def_.devices.add(ctrl)
    return ctrl


def add_implicit_devices(def_: Any) -> None:
    """Add the devices libvirt's QEMU driver adds to a definition (in place)."""
    x86 = is_x86(def_)
    q35 = is_q35(def_)
    usb_model = "qemu-xhci" if q35 else "piix3-uhci"
    if x86:
        if not any(c.type == ControllerType.USB for c in devices(def_, "controller")):
            _add_controller(def_, ControllerType.USB, 0, usb_model)
        _add_controller(def_, ControllerType.PCI, 0, "pcie-root" if q35 else "pci-root")
        if q35:
            _add_controller(def_, ControllerType.SATA, 0)
    for ctrl in devices(def_, "controller"):
        if ctrl.type == ControllerType.USB and ctrl.model is None:
            ctrl.model = usb_model
        elif ctrl.type == ControllerType.SCSI and ctrl.model is None:
            ctrl.model = "lsilogic"
    if x86:
        for ser in devices(def_, "serial"):
            if ser.target_type is None:
                ser.target_type = "isa-serial"
            if ser.target_model is None and ser.target_type == "isa-serial":
                ser.target_model = "isa-serial"
    inputs = devices(def_, "input")
    if x86:
        for kind in (InputType.MOUSE, InputType.KEYBOARD):
            if not any(i.type == kind and i.bus == InputBus.PS2 for i in inputs):
                inputs.append(Input(type=kind, bus=InputBus.PS2))
    if not devices(def_, "audio"):
        # libvirt's default backend follows the last display: SPICE audio for SPICE
        displays = devices(def_, "graphics")
        devices(def_, "audio").append(Audio(id=1, type="spice" if displays and str(
            displays[-1].type) == "spice" else "none"))
    if def_.devices.memballoon is None:
        def_.devices.memballoon = Memballoon(model="virtio")


# --- drive addresses ---------------------------------------------------------------------

def scsi_model(def_: Any, index: int) -> str:
    """The model of SCSI controller ``index`` ('lsilogic' by default)."""
    ctrl = _controller(def_, ControllerType.SCSI, index)
    return (ctrl.model if ctrl is not None else None) or "lsilogic"


def sata_controller_alias(def_: Any, index: int) -> str:
    """The QEMU bus of SATA controller ``index`` (Q35's built-in AHCI is 'ide')."""
    if is_q35(def_) and index == 0:
        return "ide"
    return f"sata{index}"


def assign_drive_addresses(def_: Any) -> None:
    """Give IDE/SATA/SCSI/floppy disks without an address one from their target name
    (virtio-scsi controllers take more units than libvirt's generic default)."""
    for disk in devices(def_, "disk"):
        if disk.address is not None or disk.bus in (DiskBus.VIRTIO, DiskBus.USB):
            continue
        idx = disk_name_to_index(disk.target)
        if idx < 0:
            continue
        if disk.bus == DiskBus.IDE:
            disk.address = DriveAddress(controller=idx // 4, bus=(idx % 4) // 2,
                                        unit=idx % 2)
        elif disk.bus == DiskBus.SATA:
            disk.address = DriveAddress(controller=idx // _SATA_UNITS, unit=idx % _SATA_UNITS)
        elif disk.bus == DiskBus.SCSI:
            units = _LSI_UNITS if scsi_model(def_, 0) == "lsilogic" else _VIRTIO_SCSI_UNITS
            disk.address = DriveAddress(controller=idx // units, unit=idx % units)
        elif disk.bus == DiskBus.FDC:
            disk.address = DriveAddress(controller=0, unit=idx % 2)


# --- aliases -----------------------------------------------------------------------------

def disk_alias(disk: Disk) -> str:
    """libvirt's alias of a disk, from its bus and address."""
    a = disk.address
    bus = disk.bus
    if bus == DiskBus.VIRTIO:
        return f"virtio-disk{max(disk_name_to_index(disk.target), 0)}"
    if bus == DiskBus.USB:
        return f"usb-disk{max(disk_name_to_index(disk.target), 0)}"
    if isinstance(a, DriveAddress):
        if bus == DiskBus.SCSI and a.target:
            return f"scsi{a.controller}-{a.bus}-{a.target}-{a.unit}"
        prefix = {DiskBus.IDE: "ide", DiskBus.SATA: "sata", DiskBus.SCSI: "scsi",
                  DiskBus.FDC: "fdc"}.get(cast("DiskBus", bus), str(bus))
        return f"{prefix}{a.controller}-{a.bus}-{a.unit}"
    return f"{bus}-disk{max(disk_name_to_index(disk.target), 0)}"


def controller_alias(ctrl: Controller) -> str:
    """libvirt's alias of a controller."""
    kind = ctrl.type
    index = ctrl.index or 0
    if kind == ControllerType.PCI:
        return f"{'pcie' if ctrl.model == 'pcie-root' else 'pci'}.{index}"
    if kind == ControllerType.IDE:
        return "ide" if index == 0 else f"ide{index}"
    if kind == ControllerType.USB:
        return "usb" if index == 0 else f"usb{index}"
    if kind == ControllerType.SATA:
        return f"sata{index}"
    return f"{kind.value}{index}"


def _unique(prefix: str, used: set[str]) -> str:
    n = 0
    while f"{prefix}{n}" in used:
        n += 1
    return f"{prefix}{n}"


def assign_aliases(def_: Any) -> None:
    """Give every device without an alias libvirt's alias for it."""
    for disk in devices(def_, "disk"):
        if not disk.alias:
            disk.alias = disk_alias(disk)
    for ctrl in devices(def_, "controller"):
        if not ctrl.alias:
            ctrl.alias = controller_alias(ctrl)
    simple = (("interface", "net"), ("serial", "serial"), ("parallel", "parallel"),
              ("channel", "channel"), ("input", "input"), ("video", "video"),
              ("sound", "sound"), ("watchdog", "watchdog"), ("rng", "rng"),
              ("hostdev", "hostdev"), ("filesystem", "fs"), ("redirdev", "redir"),
              ("smartcard", "smartcard"), ("tpm", "tpm"), ("hub", "hub"))
    for kind, prefix in simple:
        used = {d.alias for d in devices(def_, kind) if d.alias}
        for dev in devices(def_, kind):
            if not dev.alias:
                dev.alias = _unique(prefix, used)
                used.add(dev.alias)
    serials = devices(def_, "serial")
    for n, con in enumerate(devices(def_, "console")):
        if con.alias:
            continue
        if n == 0 and (con.target_type or "serial") == "serial" and serials:
            con.alias = serials[0].alias
        else:
            con.alias = f"console{n}"
    balloon = memballoon(def_)
    if balloon is not None and not balloon.alias and balloon.model != "none":
        balloon.alias = "balloon0"


def all_aliases(def_: Any) -> set[str]:
    """Every alias in use."""
    return {d.alias for d in def_.devices.all() if getattr(d, "alias", None)}


# --- PCI addresses -------------------------------------------------------------------------

def _needs_pci(kind: str, dev: Any, def_: Any) -> bool:
    if kind == "interface":
        return dev.model not in ("spapr-vlan",) and dev.type.value != "hostdev"
    if kind == "controller":
        if dev.type == ControllerType.USB:
            return (dev.model or "piix3-uhci") in USB_DRIVERS
        if dev.type in (ControllerType.SCSI, ControllerType.VIRTIO_SERIAL):
            return True
        if dev.type == ControllerType.SATA:
            return not (is_q35(def_) and (dev.index or 0) == 0)
        if dev.type == ControllerType.IDE:
            return is_i440fx(def_) and (dev.index or 0) == 0
        return False
    if kind == "disk":
        return dev.bus == DiskBus.VIRTIO
    if kind == "video":
        return dev.model not in ("none", "ramfb") and dev.model is not None
    if kind == "memballoon":
        return dev.model != "none"
    if kind == "rng":
        return True
    if kind == "watchdog":
        return dev.model == "i6300esb"
    if kind == "input":
        return dev.bus == InputBus.VIRTIO
    if kind == "sound":
        return dev.model in ("ich6", "ich9", "ac97", "es1370")
    if kind == "serial":
        return dev.target_model == "pci-serial"
    return False


# libvirt's order of assignment (qemuDomainAssignDevicePCISlots)
_PCI_ORDER = ("interface", "sound", "controller", "disk", "hostdev", "memballoon", "rng",
              "watchdog", "video", "input", "serial")


def assign_pci_addresses(def_: Any) -> None:
    """Give every PCI device without an address a free slot on bus 0.

    Raises VIR_ERR_INTERNAL_ERROR when the bus is full.
    """
    if not is_x86(def_):
        return
    q35 = is_q35(def_)
    used: set[int] = {0}
    if q35:
        used.add(0x1F)         # ICH9 LPC / SATA / SMBus
    else:
        used.add(1)            # PIIX3: ISA, IDE, USB, PM
    pending: list[tuple[str, Any]] = []
    videos = devices(def_, "video")
    primary = next((v for v in videos if v.model not in (None, "none", "ramfb")), None)
    for kind in _PCI_ORDER:
        for dev in devices(def_, kind) if kind != "memballoon" else \
                ([memballoon(def_)] if memballoon(def_) is not None else []):
            if not _needs_pci(kind, dev, def_):
                continue
            a = dev.address
            if isinstance(a, PciAddress):
                if a.bus == 0:
                    used.add(a.slot)
                continue
            pending.append((kind, dev))
    # the built-in PIIX3 functions sit in slot 1
    for kind, dev in list(pending):
        if kind == "controller" and not q35:
            if dev.type == ControllerType.IDE:
                dev.address = PciAddress(slot=1, function=1)
                pending.remove((kind, dev))
            elif dev.type == ControllerType.USB and (dev.model or "piix3-uhci") == "piix3-uhci" \
                    and (dev.index or 0) == 0:
                dev.address = PciAddress(slot=1, function=2)
                pending.remove((kind, dev))
    slot: int | None
    if primary is not None and primary.address is None:
        slot = 1 if q35 else 2
        if slot not in used:
            primary.address = PciAddress(slot=slot)
            used.add(slot)
            pending = [(k, d) for k, d in pending if d is not primary]
    for _kind, dev in pending:
        slot = next((s for s in range(1, 32) if s not in used), None)
        if slot is None:
            raise report(C.VIR_ERR_INTERNAL_ERROR,
                         "No more available PCI slots on bus 0x00", _FROM)
        used.add(slot)
        dev.address = PciAddress(slot=slot)


def free_pci_slot(def_: Any) -> PciAddress:
    """A free slot on bus 0 for a hotplugged device."""
    used = {0} if is_q35(def_) else {0, 1}
    if is_q35(def_):
        used.add(0x1F)
    for dev in def_.devices.all():
        a = getattr(dev, "address", None)
        if isinstance(a, PciAddress) and a.bus == 0:
            used.add(a.slot)
    slot = next((s for s in range(1, 32) if s not in used), None)
    if slot is None:
        raise report(C.VIR_ERR_OPERATION_FAILED, "No more available PCI slots on bus 0x00",
                     _FROM)
    return PciAddress(slot=slot)


def assign_usb_addresses(def_: Any) -> None:
    """Ports on USB bus 0 for USB inputs and disks without an address."""
    used = {str(d.address.port) for kind in ("input", "disk") for d in devices(def_, kind)
            if isinstance(d.address, UsbAddress)}
    port = 1
    for kind in ("input", "disk"):
        for dev in devices(def_, kind):
            bus = getattr(dev, "bus", None)
            if bus not in ("usb", DiskBus.USB) or dev.address is not None:
                continue
            while str(port) in used:
                port += 1
            dev.address = UsbAddress(bus=0, port=str(port))
            used.add(str(port))


# --- virtio-serial ports ---------------------------------------------------------------

# Ports of a virtio-serial controller without ports='N' (QEMU's and libvirt's default).
_VIRTIO_SERIAL_PORTS = 31


def assign_virtio_serial_addresses(def_: Any) -> None:
    """Ports for the virtio channels, as libvirt's qemuDomainAssignVirtioSerialAddresses.

    Ports given are kept (one taken twice is libvirt's XML error); each other
    channel gets the first free port from 1 (port 0 is the virtio console's) of
    the controller its address names, else of the first controller with one free;
    when all are full a controller is added.  The caller adds the controllers
    channels name first (conf.domain_defaults).
    """
    ports = {(c.index or 0): (c.ports or _VIRTIO_SERIAL_PORTS)
             for c in devices(def_, "controller") if c.type == ControllerType.VIRTIO_SERIAL}
    used: dict[int, set[int]] = {idx: set() for idx in ports}
    chans = [c for c in devices(def_, "channel") if c.target_type == "virtio"]
    for chan in chans:
        a = chan.address
        if isinstance(a, VirtioSerialAddress) and a.port is not None:
            taken = used.setdefault(a.controller, set())
            if a.port in taken:
                raise report(C.VIR_ERR_XML_ERROR, f"virtio serial port {a.port} on controller "
                             f"{a.controller} is already occupied", C.VIR_FROM_DOMAIN)
            taken.add(a.port)
    for chan in chans:
        a = chan.address
        if isinstance(a, VirtioSerialAddress) and a.port is not None:
            continue
        if isinstance(a, VirtioSerialAddress):
            chan.address = VirtioSerialAddress(controller=a.controller, bus=0,
                                               port=_free_port(a.controller, ports, used))
            continue
        for idx in sorted(ports):
            if _has_free_port(idx, ports, used):
                break
        else:
            idx = max(ports, default=-1) + 1
            _add_controller(def_, ControllerType.VIRTIO_SERIAL, idx)
            ports[idx], used[idx] = _VIRTIO_SERIAL_PORTS, set()
        chan.address = VirtioSerialAddress(controller=idx, bus=0,
                                           port=_free_port(idx, ports, used))


def _has_free_port(idx: int, ports: dict[int, int], used: dict[int, set[int]]) -> bool:
    return any(p not in used[idx] for p in range(1, ports[idx]))


def _free_port(idx: int, ports: dict[int, int], used: dict[int, set[int]]) -> int:
    """The first free port of controller ``idx`` from 1 (taken), or libvirt's error."""
    if idx not in ports:
        raise report(C.VIR_ERR_XML_ERROR,
                     f"virtio serial controller {idx} is missing", C.VIR_FROM_DOMAIN)
    for port in range(1, ports[idx]):
        if port not in used[idx]:
            used[idx].add(port)
            return port
    raise report(C.VIR_ERR_XML_ERROR,
                 f"Unable to find a free port on virtio-serial controller {idx}",
                 C.VIR_FROM_DOMAIN)


def prepare(def_: Any) -> None:
    """Everything above, in order: implicit devices, addresses (aliases not included)."""
    add_implicit_devices(def_)
    assign_drive_addresses(def_)
    assign_usb_addresses(def_)
    assign_virtio_serial_addresses(def_)
    assign_pci_addresses(def_)


def is_cdrom(disk: Disk) -> bool:
    """True for a CD-ROM drive."""
    return disk.device == DiskDevice.CDROM
