"""Domain XML: the defaults libvirt fills into every definition, its
checks, and the ordering rules for disks and controllers.

These are libvirt's hypervisor-independent post-parse steps; what a
particular hypervisor adds (machine type, PCI/USB controllers, PCI
addresses, default video model of QEMU) belongs to its driver.
"""

from __future__ import annotations

import copy
import uuid
from typing import TYPE_CHECKING

from pyvirt import constants as C
from pyvirt.conf.domain_base import (
    CcidAddress,
    DriveAddress,
    FormatCtx,
    VirtioSerialAddress,
    disk_name_to_index,
    internal,
    unsupported,
    xml_err,
)
from pyvirt.conf.domain_chardev import Console, Serial
from pyvirt.conf.domain_cpu import VcpuInfo
from pyvirt.conf.domain_devices import InputBus, InputType, Video, VideoModel
from pyvirt.conf.domain_disk import Controller, ControllerType, Disk, DiskBus, default_bus
from pyvirt.conf.domain_net import Hostdev, generate_mac
from pyvirt.conf.domain_os import BootDev, Lifecycle, LoaderType, OSType
from pyvirt.conf.xmlutil import E
from pyvirt.errors import report

if TYPE_CHECKING:
    from pyvirt.conf.domain import Devices, DomainDef

_FROM = C.VIR_FROM_DOMAIN


# --- ordering --------------------------------------------------------------------------------

def insert_disk(disks: list[Disk], disk: Disk) -> None:
    """Insert ``disk`` where libvirt puts it: after the disks on the same bus
    whose target sorts before it, else at the end."""
    new_idx = disk_name_to_index(disk.target)
    at = -1
    for i in range(len(disks) - 1, -1, -1):
        other = disks[i]
        if other.bus != disk.bus:
            continue
        if disk_name_to_index(other.target) > new_idx:
            at = i
        elif at == -1:
            at = i + 1
    if at == -1:
        disks.append(disk)
    else:
        disks.insert(at, disk)


def insert_controller(ctrls: list[Controller], ctrl: Controller) -> None:
    """Insert ``ctrl`` where libvirt puts it: controllers of one type
    together, by index, a USB companion after its master."""
    at = -1
    for i in range(len(ctrls) - 1, -1, -1):
        cur = ctrls[i]
        if cur.type != ctrl.type:
            continue
        if ctrl.index is None:
            at = i + 1
            break
        cur_index = cur.index if cur.index is not None else -1
        if cur_index > ctrl.index or ctrl.master_startport is None and cur.master_startport is not None \
                and cur_index == ctrl.index:
            at = i
        elif at == -1:
            at = i + 1
    if at == -1:
        ctrls.append(ctrl)
    else:
        ctrls.insert(at, ctrl)


# --- fill -------------------------------------------------------------------------------------

def fill(dom: DomainDef) -> None:
    """Fill libvirt's defaults into ``dom`` (in place)."""
    if not dom.uuid:
        dom.uuid = str(uuid.uuid4())
    _check_ids(dom)
    _fill_iothreads(dom)
    cells = dom.cpu.numa if dom.cpu is not None else []
    if dom.memory == 0 and cells:
        dom.memory = sum(cell.memory for cell in cells)
    if dom.bootloader is not None:
        dom.os.bootmenu = dom.os.bootmenu_timeout = None
    if dom.os.loader is not None and dom.os.loader_type is None:
        dom.os.loader_type = LoaderType.ROM
    if dom.current_memory is None or dom.current_memory > dom.memory:
        dom.current_memory = dom.memory
    if dom.vcpus is None:
        dom.vcpus = dom.max_vcpus
    _fill_placement(dom)
    _fill_boot(dom)
    for tag, action in (("on_poweroff", Lifecycle.DESTROY), ("on_reboot", Lifecycle.RESTART),
                        ("on_crash", Lifecycle.DESTROY)):
        if getattr(dom, tag) is None:
            setattr(dom, tag, action)
    if dom.memory_backing is not None and dom.memory_backing.hugepages and \
            not (dom.cpu and dom.cpu.numa):
        for page in dom.memory_backing.hugepages:
            if page.nodeset == frozenset({0}):
                page.nodeset = None
    fill_devices(dom)


def _check_ids(dom: DomainDef) -> None:
    """The vCPU and NUMA cell ids libvirt checks while parsing; pins of vCPUs
    the guest does not have are dropped, as libvirt drops them."""
    for info in dom.vcpu_info:
        if info.id >= dom.max_vcpus:
            raise xml_err(f"vcpu id '{info.id}' is out of range of maximum vcpu count")
    if dom.vcpu_info:
        _fill_vcpu_info(dom)
    cells = dom.cpu.numa if dom.cpu is not None else []
    if any(cell.id is not None and cell.id != i for i, cell in enumerate(cells)):
        raise xml_err("Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous "
                      "ranges or ranges not starting from 0 are not allowed")
    tune = dom.cputune
    if tune is not None and any(vcpu >= dom.max_vcpus for vcpu in tune.vcpupin):
        tune.vcpupin = {v: cpus for v, cpus in tune.vcpupin.items() if v < dom.max_vcpus}


def _fill_vcpu_info(dom: DomainDef) -> None:
    """``<vcpus>`` lists every vCPU once it is given: a vCPU left out is
    offline; an online one is not hotpluggable unless said, an offline one
    is; the current count is the online ones (over ``<vcpu current=>``)."""
    given = {info.id: info for info in dom.vcpu_info}
    infos = []
    for vcpu in range(dom.max_vcpus):
        info = given.get(vcpu) or VcpuInfo(id=vcpu, enabled=False)
        if info.hotpluggable is None:
            info.hotpluggable = not info.enabled
        infos.append(info)
    dom.vcpu_info = infos
    dom.vcpus = sum(1 for info in infos if info.enabled)


def _fill_iothreads(dom: DomainDef) -> None:
    """``<iothreadids>`` filled up to ``<iothreads>`` with the lowest free ids
    (and ``<iothreads>`` raised to the ids given), as libvirt does."""
    ids = dom.iothread_ids
    if not ids:
        return
    count = dom.iothreads or 0
    if count < len(ids):
        dom.iothreads = len(ids)
        return
    used = set(ids)
    candidate = 1
    while len(ids) < count:
        while candidate in used:
            candidate += 1
        ids.append(candidate)
        used.add(candidate)


def fill_devices(dom: DomainDef) -> None:
    """Fill the device defaults of ``dom``; only what is unset is set, so
    this runs again after a device is added."""
    devs = dom.devices
    _fill_controller_indexes(devs)
    for disk in devs.disks:
        if disk.bus is None:
            disk.bus = default_bus(disk)
        if disk.address is None and disk.bus in _DRIVE_BUSES:
            disk.address = drive_address(disk)
    for hostdev in devs.hostdevs:
        if hostdev.type == "scsi" and hostdev.address is None:
            hostdev.address = _next_scsi_address(devs)
    for net in devs.interfaces:
        if net.mac is None:
            net.mac = generate_mac()
    _fill_chardev_ports(dom)
    _fill_inputs(dom)
    _fill_videos(dom)
    _fill_tpms(dom)
    _add_implicit_controllers(dom)


def _fill_placement(dom: DomainDef) -> None:
    tune = dom.numatune
    numa_auto = tune is not None and tune.placement == "auto"
    if dom.vcpu_placement is None:
        dom.vcpu_placement = "auto" if numa_auto and dom.vcpu_cpuset is None else "static"
    if dom.vcpu_placement == "auto":
        if tune is not None and tune.placement is None and tune.nodeset is None:
            tune.placement = "auto"
            tune.mode = tune.mode or "strict"
        elif tune is None:
            from pyvirt.conf.domain_cpu import NumaTune
            dom.numatune = NumaTune(mode="strict", placement="auto")


def _fill_boot(dom: DomainDef) -> None:
    if dom.os.type != OSType.HVM or dom.bootloader is not None or dom.os.boot:
        return
    if any(d.boot_order is not None for d in dom.devices.all()):
        return
    dom.os.boot.append(BootDev.HD)


_DRIVE_BUSES = (DiskBus.IDE, DiskBus.FDC, DiskBus.SCSI, DiskBus.SATA)


def drive_address(disk: Disk) -> DriveAddress | None:
    """The drive address libvirt derives from a disk's target name."""
    idx = disk_name_to_index(disk.target)
    if idx < 0:
        raise xml_err(f"Unknown disk name '{disk.target}' and no address specified")
    if disk.bus == DiskBus.IDE:
        return DriveAddress(controller=idx // 4, bus=(idx % 4) // 2, unit=idx % 2)
    if disk.bus == DiskBus.FDC:
        return DriveAddress(controller=idx // 2, unit=idx % 2)
    if disk.bus == DiskBus.SCSI:
        return DriveAddress(controller=idx // 7, unit=idx % 7)
    if disk.bus == DiskBus.SATA:
        return DriveAddress(controller=idx // 6, unit=idx % 6)
    return None


def _next_scsi_address(devs: Devices) -> DriveAddress:
    """The first free unit (0-6) on SCSI controller 0, 1, ... for a host device."""
    used = {(d.address.controller, d.address.unit) for d in [*devs.disks, *devs.hostdevs]
            if isinstance(d.address, DriveAddress) and d.address.bus == 0
            and d.address.target == 0 and (not isinstance(d, Disk) or d.bus == DiskBus.SCSI)}
    controller = 0
    while True:
        for unit in range(7):
            if (controller, unit) not in used:
                return DriveAddress(controller=controller, unit=unit)
        controller += 1


def _fill_controller_indexes(devs: Devices) -> None:
    """Give controllers without an index one: a USB companion (with
    ``<master>``) shares the index of the controller before it, others
    take the lowest index no other (non-companion) controller uses."""
    ctrls = devs.controllers
    for pos, ctrl in enumerate(ctrls):
        if ctrl.index is not None:
            continue
        if ctrl.master_startport is not None:
            before = [c for c in ctrls[:pos] if c.type == ctrl.type and c.index is not None]
            if before:
                ctrl.index = before[-1].index
                continue
        used = {c.index for c in ctrls if c.type == ctrl.type and c.master_startport is None}
        index = 0
        while index in used:
            index += 1
        ctrl.index = index


def _fill_chardev_ports(dom: DomainDef) -> None:
    """Number serial, parallel and console ports as libvirt does.

    ISA serial ports count up from 0; other serial ports without a port
    take one past the highest of all serial ports.  Parallel ports take
    one past the highest of the ports before them.  Consoles are numbered
    by position.
    """
    devs = dom.devices
    isa = 0
    for serial in devs.serials:
        if serial.target_type == "isa-serial":
            if serial.target_port is None:
                serial.target_port = isa
            isa += 1
    for serial in devs.serials:
        if serial.target_port is None:
            ports = [s.target_port for s in devs.serials if s.target_port is not None]
            serial.target_port = max(ports) + 1 if ports else 0
    seen: list[int] = []
    for par in devs.parallels:
        if par.target_port is None:
            par.target_port = max(seen) + 1 if seen else 0
        seen.append(par.target_port)
    for i, console in enumerate(devs.consoles):
        console.target_port = i
    _console_compat(dom)


# serial target types whose first port gets a stub console (not usb, pci, isa-debug)
_STUB_CONSOLE_SERIALS = (None, "isa-serial", "spapr-vio-serial", "system-serial", "sclp-serial")


def _console_compat(dom: DomainDef) -> None:
    """libvirt's rule that the first console of an HVM guest is the first
    serial port: make sure that serial port exists, and that console 0 is
    a stub of target type 'serial' mirroring it."""
    devs = dom.devices
    for console in devs.consoles:
        if console.target_type is None:  # libvirt's default console target type
            console.target_type = "serial"
    for console in devs.consoles[1:]:
        if console.target_type == "serial":
            raise unsupported("Only the first console can be a serial port")
    if dom.os.type != OSType.HVM:
        return
    if devs.consoles and devs.consoles[0].target_type in (None, "serial"):
        first = devs.consoles[0]
        if not devs.serials:
            serial = Serial(source=first.source, alias=first.alias, address=first.address,
                            kept=first.kept)
            serial.target_port = 0
            devs.serials.append(serial)
            devs.consoles[0] = Console(source=copy.deepcopy(first.source))
        elif not devs.serials[0].source.same_as(first.source):
            devs.consoles[0] = Console(source=copy.deepcopy(devs.serials[0].source))
        devs.consoles[0].target_type = "serial"
    elif devs.serials and devs.serials[0].target_type in _STUB_CONSOLE_SERIALS:
        stub = Console(source=copy.deepcopy(devs.serials[0].source))
        stub.target_type = "serial"
        devs.consoles.insert(0, stub)


def write_consoles(devs: Devices, hvm: bool, pad: str, out: list[str],
                   fctx: FormatCtx) -> None:
    """Append the ``<console>`` elements: on HVM, a console of target type
    serial is written from the matching serial port."""
    for n, console in enumerate(devs.consoles):
        if hvm and console.target_type in (None, "serial") and n < len(devs.serials):
            serial = devs.serials[n]
            port = "" if serial.target_port is None else f" port='{serial.target_port}'"
            serial.write_as("console", f"<target type='serial'{port}/>", pad, out, fctx)
        else:
            console.write(pad, out, fctx)


def _fill_inputs(dom: DomainDef) -> None:
    for dev in dom.devices.inputs:
        if dev.bus is not None:
            continue
        if dom.os.type == OSType.HVM:
            if dev.type in (InputType.MOUSE, InputType.KEYBOARD):
                dev.bus = InputBus.PS2
            elif dev.type == InputType.TABLET:
                dev.bus = InputBus.USB
            elif dev.type == InputType.PASSTHROUGH:
                dev.bus = InputBus.VIRTIO
        elif dom.os.type in (OSType.XEN, OSType.LINUX, OSType.XENPVH) and \
                dev.type in (InputType.MOUSE, InputType.KEYBOARD):
            dev.bus = InputBus.XEN


def default_video_model(dom: DomainDef) -> VideoModel:
    """libvirt's hypervisor-independent default video model."""
    virt = dom.type
    if virt == "vbox":
        return VideoModel.VBOX
    if virt == "vmware":
        return VideoModel.VMVGA
    if virt in ("vz", "parallels"):
        return VideoModel.VGA if dom.os.type == OSType.HVM else VideoModel.PARALLELS
    if virt == "bhyve":
        return VideoModel.GOP
    if dom.os.type in (OSType.XEN, OSType.LINUX):
        return VideoModel.XEN
    if dom.os.arch in ("ppc64", "ppc64le"):
        return VideoModel.VGA
    return VideoModel.CIRRUS


def default_video_ram(dom: DomainDef, model: VideoModel) -> int:
    """Default video RAM in KiB for ``model``, 0 when there is none."""
    if model in (VideoModel.VGA, VideoModel.CIRRUS, VideoModel.VMVGA):
        if dom.type == "vbox":
            return 8 * 1024
        if dom.type == "vmware":
            return 4 * 1024
        return 16 * 1024
    if model == VideoModel.BOCHS:
        return 16 * 1024
    if model == VideoModel.XEN:
        return 4 * 1024
    if model == VideoModel.QXL:
        return 64 * 1024
    return 0


def _fill_videos(dom: DomainDef) -> None:
    videos = dom.devices.videos
    if dom.devices.graphics and not videos:
        videos.append(Video())
    for i, video in enumerate(videos):
        if video.primary and i > 0:
            videos.insert(0, videos.pop(i))
            break
    for i, video in enumerate(videos):
        video.primary = True if i == 0 else None
        if video.model is None:
            video.model = default_video_model(dom)
        if video.model == VideoModel.NONE:
            video.primary = None
            continue
        if not video.vram:
            vram = default_video_ram(dom, video.model)
            video.vram = vram or None
        if video.model == VideoModel.QXL and not video.ram:
            video.ram = 64 * 1024
        # libvirt rounds the sizes up to a power of two
        if video.vram:
            video.vram = _power_of_two(video.vram)
        if video.ram:
            video.ram = _power_of_two(video.ram)
        if video.heads is None:
            video.heads = 1


def _power_of_two(value: int) -> int:
    """The smallest power of two not below ``value``."""
    return 1 << (value - 1).bit_length()


def _fill_tpms(dom: DomainDef) -> None:
    for tpm in dom.devices.tpms:
        if tpm.backend_type != "passthrough":
            continue
        for backend in tpm.kept:
            if backend.tag == "backend" and not any(c.tag == "device" for c in backend.children):
                backend.children.append(E("device", [("path", "/dev/tpm0")], keep=True))


def _add_controller(devs: Devices, kind: ControllerType, index: int) -> None:
    """Append a controller unless one of ``kind`` has ``index`` already."""
    for ctrl in devs.controllers:
        if ctrl.type == kind and ctrl.index == index:
            return
    devs.controllers.append(Controller(type=kind, index=index))


#: implicit disk controllers are made for every index up to the highest one used;
#: a guard against absurd indexes (libvirt would try to allocate them all)
_MAX_IMPLICIT_INDEX = 1024


def _add_implicit_controllers(dom: DomainDef) -> None:
    devs = dom.devices
    # a container's disks are device nodes: libvirt's LXC driver adds no controller
    disk_buses = () if dom.type == "lxc" else (
        (ControllerType.SCSI, DiskBus.SCSI), (ControllerType.FDC, DiskBus.FDC),
        (ControllerType.IDE, DiskBus.IDE), (ControllerType.SATA, DiskBus.SATA))
    for kind, bus in disk_buses:
        highest = -1
        for disk in devs.disks:
            if disk.bus == bus and isinstance(disk.address, DriveAddress):
                highest = max(highest, disk.address.controller)
        if highest > _MAX_IMPLICIT_INDEX:
            raise unsupported(f"disk controller index {highest} is too large")
        for index in range(highest + 1):
            _add_controller(devs, kind, index)
    for dev in [*devs.channels, *devs.consoles]:
        if dev.target_type == "virtio":
            index = dev.address.controller if isinstance(dev.address, VirtioSerialAddress) else 0
            _add_controller(devs, ControllerType.VIRTIO_SERIAL, index)
    for card in devs.smartcards:
        if card.address is None:
            slots = [c.address.slot for c in devs.smartcards
                     if isinstance(c.address, CcidAddress) and c.address.controller == 0]
            card.address = CcidAddress(controller=0, slot=max(slots) + 1 if slots else 0)
        index = card.address.controller if isinstance(card.address, CcidAddress) else 0
        _add_controller(devs, ControllerType.CCID, index)
    for hostdev in devs.hostdevs:
        if hostdev.type == "scsi" and isinstance(hostdev.address, DriveAddress):
            _add_controller(devs, ControllerType.SCSI, hostdev.address.controller)


# --- validate -------------------------------------------------------------------------------

def validate(dom: DomainDef) -> None:
    """Raise libvirt's error for the first thing libvirt would reject."""
    if dom.memory == 0 and not (dom.cpu and dom.cpu.numa):
        raise xml_err("Memory size must be specified via <memory> or in the <numa> "
                      "configuration")
    if dom.max_memory is not None and dom.max_memory < dom.memory:
        raise xml_err("maximum memory size must be equal or greater than the actual "
                      "memory size")
    if dom.vcpus is not None and dom.vcpus > dom.max_vcpus:
        raise unsupported("maximum vCPU count must not be less than current vCPU count")
    cells = dom.cpu.numa if dom.cpu is not None else []
    if not cells and dom.numatune is not None and \
            any(k.tag == "memnode" for k in dom.numatune.kept):
        raise xml_err("Element 'memnode' is invalid without any guest NUMA cells")
    if sum(len(c.cpus or ()) for c in cells) > dom.max_vcpus:
        raise internal("Number of CPUs in <numa> exceeds the <vcpu> count")
    if dom.max_vcpus == 0 or any(c.cpus and max(c.cpus) >= dom.max_vcpus for c in cells):
        raise internal("CPU IDs in <numa> exceed the <vcpu> count")
    devs = dom.devices
    orders: set[int] = set()
    for dev in devs.all():
        if dev.boot_order is not None:
            if dom.os.boot:
                raise unsupported("per-device boot elements cannot be used together with "
                                  "os/boot elements")
            if dev.boot_order in orders:
                raise unsupported(f"boot order '{dev.boot_order}' used for more than one "
                                  "device")
            orders.add(dev.boot_order)
    targets: dict[str, Disk] = {}
    for disk in devs.disks:
        other = targets.get(disk.target)
        if other is not None:
            raise xml_err(f"target '{disk.target}' duplicated for disk sources "
                          f"'{_src(other)}' and '{_src(disk)}'")
        targets[disk.target] = disk
    if len(devs.watchdogs) > 1:
        raise internal("only a single watchdog device is supported")
    _validate_videos(dom)
    _validate_usb(dom)
    _validate_iommu(dom)
    _reject_duplicates(dom)


def _src(disk: Disk) -> str:
    path = disk.source.path() if disk.source else None
    return path or ""


def _validate_videos(dom: DomainDef) -> None:
    videos = dom.devices.videos
    if len(videos) > 1 and any(v.model == VideoModel.NONE for v in videos):
        raise unsupported("a 'none' video type must be the only video device defined for "
                          "the domain")


def _validate_usb(dom: DomainDef) -> None:
    devs = dom.devices
    usb = [c for c in devs.controllers if c.type == ControllerType.USB]
    if any(c.model == "none" for c in usb) and len(usb) > 1:
        raise report(C.VIR_ERR_XML_DETAIL, "Can't add another USB controller: USB is "
                     "disabled for this domain", _FROM)
    has_usb = any(c.model != "none" for c in usb)
    if devs.redirdevs and not has_usb:
        raise unsupported("cannot add redirected USB device: USB is disabled for this domain")


def _validate_iommu(dom: DomainDef) -> None:
    """Interrupt remapping needs the split I/O APIC, and eim needs remapping."""
    for dev in dom.devices.kept:
        if dev.tag != "iommu" or dev.element is None:
            continue
        driver = next((dict(c.attrs) for c in dev.element.children if c.tag == "driver"), {})
        intremap = driver.get("intremap") == "on"
        ioapic = dom.features.get("ioapic")
        if intremap and (ioapic is None or ioapic.attrs.get("driver") != "qemu"):
            raise unsupported("IOMMU interrupt remapping requires split I/O APIC "
                              "(ioapic driver='qemu')")
        if driver.get("eim") == "on" and not intremap:
            raise unsupported("IOMMU eim requires interrupt remapping to be enabled")


def _hostdev_key(dev: Hostdev) -> object:
    """What makes two host devices the same one (None: not compared)."""
    if dev.mode != "subsystem":
        return None
    if dev.type == "pci" and dev.source_address is not None:
        return ("pci", dev.source_address.text())
    if dev.type == "mdev" and dev.mdev_uuid:
        return ("mdev", dev.mdev_uuid)
    if dev.type == "usb" and dev.usb_bus is not None:
        return ("usb", dev.usb_bus, dev.usb_device)
    return None


def _reject_duplicates(dom: DomainDef) -> None:
    """Two controllers of a type (but USB) at one index, two panics of a
    model and one host device given twice are refused, as libvirt does."""
    devs = dom.devices
    seen_hostdevs: set[object] = set()
    for dev in devs.hostdevs:
        key = _hostdev_key(dev)
        if key is not None:
            if key in seen_hostdevs:
                raise xml_err("Hostdev already exists in the domain configuration")
            seen_hostdevs.add(key)
    indexes: set[tuple[str, int]] = set()
    for cont in devs.controllers:
        if cont.type == ControllerType.USB or cont.index is None:
            continue
        if (cont.type, cont.index) in indexes:
            raise xml_err(f"Multiple '{cont.type}' controllers with index '{cont.index}'")
        indexes.add((cont.type, cont.index))
    models: set[str] = set()
    for panic in devs.panics:
        model = panic.model or "default"
        if model in models:
            raise xml_err(f"Multiple panic devices with model '{model}'")
        models.add(model)
