"""Domain XML storage devices: ``<disk>``, ``<controller>``, ``<filesystem>``
and ``<lease>``."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, cast

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf.domain_base import (
    INT,
    INT0,
    ONOFF,
    STR,
    UINT,
    YESNO,
    A,
    Device,
    FormatCtx,
    ParseCtx,
    attr_writer,
    attrs_of,
    attrs_text,
    bad_enum,
    keep,
    load_children,
    message,
    missing_attr,
    order_of,
    parse_enum,
    place,
    read_attrs,
    text_el,
    text_node,
    uint,
    unsupported,
    write_texts,
)
from pyvirt.conf.domain_cpu import memory_kib
from pyvirt.conf.xmlutil import PLAIN, E, attr_text, escape_attr, to_kib, write_node
from pyvirt.errors import report

#: attributes every virtio device's <driver> may carry, in libvirt's order
VIRTIO_OPTS = (A("iommu", ONOFF), A("ats", ONOFF), A("packed", ONOFF),
               A("page_per_vq", ONOFF))


class DiskType(enum.StrEnum):
    """``<disk type=...>``: what the source is."""

    FILE = "file"
    BLOCK = "block"
    DIR = "dir"
    NETWORK = "network"
    VOLUME = "volume"
    NVME = "nvme"
    VHOSTUSER = "vhostuser"


class DiskDevice(enum.StrEnum):
    """``<disk device=...>``: how the guest sees it."""

    DISK = "disk"
    CDROM = "cdrom"
    FLOPPY = "floppy"
    LUN = "lun"


class DiskBus(enum.StrEnum):
    """``<target bus=...>``."""

    IDE = "ide"
    FDC = "fdc"
    SCSI = "scsi"
    VIRTIO = "virtio"
    XEN = "xen"
    USB = "usb"
    UML = "uml"
    SATA = "sata"
    SD = "sd"


class DiskCache(enum.StrEnum):
    """``<driver cache=...>``."""

    DEFAULT = "default"
    NONE = "none"
    WRITETHROUGH = "writethrough"
    WRITEBACK = "writeback"
    DIRECTSYNC = "directsync"
    UNSAFE = "unsafe"


class DiskIO(enum.StrEnum):
    """``<driver io=...>``."""

    NATIVE = "native"
    THREADS = "threads"
    IO_URING = "io_uring"


#: target-name prefix -> default bus
_BUS_BY_PREFIX = (("hd", DiskBus.IDE), ("sd", DiskBus.SCSI), ("vd", DiskBus.VIRTIO),
                  ("xvd", DiskBus.XEN), ("ubd", DiskBus.UML), ("fd", DiskBus.FDC))


@dataclass(kw_only=True, slots=True)
class DiskDriver:
    """``<disk><driver>``: the host-side format and I/O options."""

    _ATTRS = (A("name"), A("type"), A("cache", DiskCache), A("error_policy"),
              A("rerror_policy"), A("io", DiskIO), A("ioeventfd", ONOFF),
              A("event_idx", ONOFF), A("copy_on_read", ONOFF), A("discard"),
              A("iothread", UINT), A("detect_zeroes"), A("queues", UINT),
              A("queue_size", UINT)) + VIRTIO_OPTS
    name: str | None = None
    type: str | None = None
    cache: DiskCache | None = None
    error_policy: str | None = None
    rerror_policy: str | None = None
    io: DiskIO | None = None
    ioeventfd: bool | None = None
    event_idx: bool | None = None
    copy_on_read: bool | None = None
    discard: str | None = None
    iothread: int | None = None
    detect_zeroes: str | None = None
    queues: int | None = None
    queue_size: int | None = None
    iommu: bool | None = None
    ats: bool | None = None
    packed: bool | None = None
    page_per_vq: bool | None = None
    kept: list[E] = field(default_factory=list)


_driver_text = attr_writer(DiskDriver._ATTRS)


@dataclass(kw_only=True, slots=True)
class DiskHost:
    """One ``<host>`` of a network disk source."""

    _ATTRS = (A("name"), A("port", uint(10, message("failed to parse port number '{value}'",
                                                    C.VIR_ERR_INVALID_ARG, C.VIR_FROM_NONE))),
              A("transport"), A("socket"))
    name: str | None = None
    port: int | None = None
    transport: str | None = None
    socket: str | None = None


_SOURCE_ORDER = order_of("address", "host", "snapshot", "config", "initiator", "ssl", "cookies",
                         "readahead", "timeout", "identity", "reconnect", "slices", "seclabel",
                         "auth", "encryption", "reservations", "privateData")


@dataclass(kw_only=True, slots=True)
class DiskSource:
    """``<disk><source>``; which fields apply depends on the disk type:
    file -> ``file``; block -> ``dev``; dir -> ``dir``; network ->
    ``protocol``, ``name``, ``hosts``; volume -> ``pool``, ``volume``."""

    file: str | None = None
    #: a file source opened from descriptors given with virDomainFDAssociate
    fdgroup: str | None = None
    dev: str | None = None
    dir: str | None = None
    protocol: str | None = None
    name: str | None = None
    query: str | None = None
    tls: bool | None = None
    hosts: list[DiskHost] = field(default_factory=list)
    pool: str | None = None
    volume: str | None = None
    mode: str | None = None
    startup_policy: str | None = None
    #: an NVMe source's type, managed and namespace, in libvirt's order
    nvme: list[tuple[str, str]] = field(default_factory=list)
    kept: list[E] = field(default_factory=list)
    #: what QEMU needs to reach a network source, never formatted: set by
    #: the storage driver (``pyvirt.drivers.storage.backends.netdisk``)
    network: Any = field(default=None, compare=False, repr=False)

    def path(self) -> str | None:
        """The local path or network name, for messages."""
        return self.file or self.dev or self.dir or self.name or self.volume


_DISK_ATTRS = (A("model"), A("rawio", YESNO), A("sgio"), A("snapshot"))

_DISK_TEXTS = ("serial", "wwn", "vendor", "product")
_DISK_ORDER = order_of("driver", "auth", "source", "backingStore", "geometry", "blockio",
                       "mirror", "target", "iotune", "readonly", "shareable", "transient",
                       "serial", "wwn", "vendor", "product", "encryption", "boot", "alias",
                       "acpi", "address")

IOTUNE_FIELDS = (
    "total_bytes_sec", "read_bytes_sec", "write_bytes_sec", "total_iops_sec",
    "read_iops_sec", "write_iops_sec", "total_bytes_sec_max", "read_bytes_sec_max",
    "write_bytes_sec_max", "total_iops_sec_max", "read_iops_sec_max", "write_iops_sec_max",
    "size_iops_sec", "group_name", "total_bytes_sec_max_length",
    "read_bytes_sec_max_length", "write_bytes_sec_max_length", "total_iops_sec_max_length",
    "read_iops_sec_max_length", "write_iops_sec_max_length")


@dataclass(kw_only=True, slots=True)
class Disk(Device):
    """A ``<disk>``: ``type`` selects which ``source`` fields apply."""

    TAG = "disk"
    BOOTABLE = True
    type: DiskType = DiskType.FILE
    device: DiskDevice = DiskDevice.DISK
    model: str | None = None
    rawio: bool | None = None
    sgio: str | None = None
    snapshot: str | None = None
    driver: DiskDriver | None = None
    source: DiskSource | None = None
    target: str = ""
    bus: DiskBus | None = None
    tray: str | None = None
    removable: bool | None = None
    rotation_rate: int | None = None
    iotune: dict[str, Any] = field(default_factory=dict)
    readonly: bool = False
    shareable: bool = False
    transient: bool = False
    transient_share_backing: bool | None = None
    serial: str | None = None
    wwn: str | None = None
    vendor: str | None = None
    product: str | None = None

    @classmethod
    def parse(cls, elem: etree._Element, pctx: ParseCtx) -> Disk:
        """Parse a ``<disk>`` element."""
        disk = cls()
        disk.type = parse_enum(DiskType, elem.get("type", "file"), "type", "disk")
        disk.device = parse_enum(DiskDevice, elem.get("device", "disk"), "device", "disk")
        read_attrs(disk, elem, _DISK_ATTRS)
        load_children(disk, elem, pctx, _DISK_HANDLERS, _DISK_ORDER)
        if not pctx.live:
            disk.tray = None if disk.tray == "closed" else disk.tray
            for node in disk.kept:
                if node.tag == "backingStore":
                    _drop_backing_index(node)
        if disk.source is not None and disk.device != DiskDevice.LUN and \
                any(k.tag == "reservations" for k in disk.source.kept):
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                         "<reservations/> allowed only for lun devices", C.VIR_FROM_DOMAIN)
        if not disk.target:
            source = disk.source.path() if disk.source else None
            raise report(C.VIR_ERR_NO_TARGET, source or None, C.VIR_FROM_DOMAIN)
        if disk.device == DiskDevice.CDROM:
            disk.readonly = True
        if disk.source is None and disk.type in (DiskType.BLOCK, DiskType.NETWORK,
                                                 DiskType.VOLUME) \
                and disk.device not in (DiskDevice.CDROM, DiskDevice.FLOPPY):
            raise report(C.VIR_ERR_NO_SOURCE, disk.target, C.VIR_FROM_DOMAIN)
        return disk

    def _driver(self, child: etree._Element) -> None:
        driver = read_attrs(DiskDriver(), child, DiskDriver._ATTRS)
        driver.kept = [keep(c) for c in child if isinstance(c.tag, str)]
        self.driver = driver

    def _source(self, child: etree._Element) -> None:
        src = DiskSource()
        get = child.get
        kind = self.type
        if kind == DiskType.FILE:
            src.file = get("file")
            src.fdgroup = get("fdgroup")
        elif kind == DiskType.BLOCK:
            src.dev = get("dev")
        elif kind == DiskType.DIR:
            src.dir = get("dir")
        elif kind == DiskType.NETWORK:
            src.protocol = get("protocol")
            if src.protocol is None:
                raise missing_attr("protocol", "source")
            if src.protocol not in NET_PROTOCOLS:
                raise bad_enum("protocol", "source", src.protocol)
            src.name = _network_name(src.protocol, get("name"))
            src.query = get("query")
            tls = get("tls")
            src.tls = None if tls is None else YESNO.load(tls, "tls", "source")
        elif kind == DiskType.VOLUME:
            src.pool = get("pool")
            src.volume = get("volume")
            src.mode = get("mode")
        elif kind == DiskType.NVME:
            src.nvme = [(k, v) for k in ("type", "managed", "namespace")
                        if (v := get(k)) is not None]
        src.startup_policy = get("startupPolicy")
        for sub in child:
            tag = sub.tag
            if tag == "host" and kind == DiskType.NETWORK:
                src.hosts.append(read_attrs(DiskHost(), sub, DiskHost._ATTRS))
            elif isinstance(tag, str) and tag in _SOURCE_ORDER:
                src.kept.append(keep(sub))
        if kind in (DiskType.FILE, DiskType.BLOCK, DiskType.DIR, DiskType.VOLUME) and \
                src.file is None and src.dev is None and src.dir is None and \
                src.pool is None and not src.kept:
            return
        self.source = src

    def _target(self, child: etree._Element) -> None:
        self.target = child.get("dev") or ""
        self.bus = parse_enum(DiskBus, child.get("bus"), "bus", "target")
        tray = child.get("tray")
        if tray is not None and tray not in ("open", "closed"):
            raise bad_enum("tray", "target", tray)
        self.tray = tray
        removable = child.get("removable")
        self.removable = None if removable is None else ONOFF.load(removable, "removable",
                                                                   "target")
        rate = child.get("rotation_rate")
        self.rotation_rate = None if rate is None else UINT.load(rate, "rotation_rate", "target")

    def _iotune(self, child: etree._Element) -> None:
        for sub in child:
            tag = sub.tag
            if tag == "group_name":
                self.iotune[tag] = sub.text or ""
            elif tag in IOTUNE_FIELDS:
                text = (sub.text or "").strip()
                if not text.isdigit():
                    raise report(C.VIR_ERR_XML_ERROR, f"disk iotune field '{tag}' must be an "
                                 "integer", C.VIR_FROM_DOMAIN)
                self.iotune[tag] = int(text)

    def _flag(self, child: etree._Element) -> None:
        setattr(self, str(child.tag), True)
        if child.tag == "transient":
            share = child.get("shareBacking")
            if share is not None:
                self.transient_share_backing = YESNO.load(share, "shareBacking", "transient")

    def _text(self, child: etree._Element) -> None:
        setattr(self, str(child.tag), child.text or "")

    def format(self, fctx: FormatCtx) -> E:
        """The ``<disk>`` element."""
        return self.format_written(fctx)

    def write(self, pad: str, out: list[str], fctx: FormatCtx) -> None:
        """Write the ``<disk>`` element (see :meth:`Device.write`)."""
        start = len(out)
        if self.model is None and self.rawio is None and self.sgio is None \
                and self.snapshot is None:
            out.append(f"{pad}<disk type='{self.type._value_}' device='{self.device._value_}'>\n")
        else:
            out.append(f"{pad}<disk type='{self.type._value_}' device='{self.device._value_}'"
                       f"{attrs_text(self, _DISK_ATTRS)}>\n")
        sub = pad + "  "
        driver = self.driver
        if driver is not None:
            text = _driver_text(driver)
            if driver.kept:
                write_node(E.with_attrs("driver", text, None, list(driver.kept)), sub, out)
            elif text:
                out.append(f"{sub}<driver{text}/>\n")
        src = self.source
        if src is not None:
            if self.type == "file" and src.file is not None and src.fdgroup is None \
                    and src.startup_policy is None and not src.hosts and not src.kept:
                file = src.file if src.file in PLAIN else escape_attr(src.file)
                out.append(f"{sub}<source file='{file}'/>\n")
            else:
                self._write_source(sub, out)
        dev = self.target if self.target in PLAIN else escape_attr(self.target)
        bus = self.bus
        if bus is not None and self.tray is None and self.removable is None \
                and self.rotation_rate is None:     # the common target in one string
            out.append(f"{sub}<target dev='{dev}' bus='{bus._value_}'/>\n")
        else:
            target = f"{sub}<target dev='{dev}'"
            if bus is not None:
                target += f" bus='{bus._value_}'"
            if self.tray is not None:
                target += f" tray='{(self.tray if self.tray in PLAIN else escape_attr(self.tray))}'"
            if self.removable is not None:
                target += " removable='on'" if self.removable else " removable='off'"
            if self.rotation_rate is not None:
                target += f" rotation_rate='{self.rotation_rate}'"
            out.append(target + "/>\n")
        if self.iotune:
            write_node(E("iotune", children=[
                text_node(k, self.iotune[k]) for k in IOTUNE_FIELDS if k in self.iotune]),
                sub, out)
        if self.readonly:
            out.append(f"{sub}<readonly/>\n")
        if self.shareable:
            out.append(f"{sub}<shareable/>\n")
        if self.transient:
            share = self.transient_share_backing
            out.append(f"{sub}<transient/>\n" if share is None else
                       f"{sub}<transient shareBacking='{'yes' if share else 'no'}'/>\n")
        if self.wwn is not None or self.vendor is not None or self.product is not None:
            write_texts(self, _DISK_TEXTS, sub, out)
        elif self.serial is not None:  # the common one alone, without a loop of getattr
            serial = self.serial
            out.append(f"{sub}<serial>{serial if serial in PLAIN else escape_attr(serial)}"
                       "</serial>\n")
        if self.address is None and self.alias is None and self.boot_order is None \
                and self.rom is None and self.acpi_index is None \
                and self.master_startport is None and not self.kept:
            out.append(f"{pad}</disk>\n")      # no device info: close's common case inline
        else:
            self.close(pad, out, start, _DISK_ORDER, fctx)

    def _write_source(self, pad: str, out: list[str]) -> None:
        src = self.source
        assert src is not None
        kind = self.type
        if kind is DiskType.FILE:
            text = "" if src.file is None else f" file='{escape_attr(src.file)}'"
            if src.fdgroup is not None:
                text += f" fdgroup='{escape_attr(src.fdgroup)}'"
        else:
            if kind is DiskType.BLOCK:
                attrs = [("dev", src.dev)]
            elif kind is DiskType.DIR:
                attrs = [("dir", src.dir)]
            elif kind is DiskType.NETWORK:
                attrs = [("protocol", src.protocol), ("name", src.name), ("query", src.query),
                         ("tls", None if src.tls is None else ("yes" if src.tls else "no"))]
            elif kind is DiskType.VOLUME:
                attrs = [("pool", src.pool), ("volume", src.volume), ("mode", src.mode)]
            elif kind is DiskType.NVME:
                attrs = list(src.nvme)
            else:
                attrs = []
            text = attr_text([kv for kv in attrs if kv[1] is not None])
        if src.startup_policy is not None:
            text += f" startupPolicy='{escape_attr(src.startup_policy)}'"
        if not src.hosts and not src.kept:
            out.append(f"{pad}<source{text}/>\n")
            return
        node = E.with_attrs("source", text, None, [
            E.line("host", f"<host{attrs_text(host, DiskHost._ATTRS)}/>") for host in src.hosts],
            keep=True)
        node.children = place(node.children, src.kept, _SOURCE_ORDER)
        write_node(node, pad, out)


#: network disk protocols (libvirt's virStorageNetProtocol, without 'none')
NET_PROTOCOLS = ("nbd", "rbd", "sheepdog", "gluster", "iscsi", "http", "https", "ftp", "ftps",
                 "tftp", "ssh", "vxhs", "nfs")


def _network_name(protocol: str, name: str | None) -> str | None:
    """A network source's name as libvirt keeps it: required but for NBD,
    'pool/image' for RBD and Gluster, an iSCSI target with its LUN."""
    if name is None:
        if protocol != "nbd":
            raise report(C.VIR_ERR_XML_ERROR, "missing name for disk source",
                         C.VIR_FROM_DOMAIN)
        return None
    if protocol in ("rbd", "gluster") and name.find("/") <= 0:
        raise report(C.VIR_ERR_XML_ERROR, f"can't split path '{name}' into pool name and "
                     "image name", C.VIR_FROM_DOMAIN)
    if protocol == "iscsi" and "/" not in name:
        return f"{name}/0"
    return name


def default_bus(disk: Disk) -> DiskBus:
    """The bus libvirt derives from a disk's target name ('vda' -> virtio)."""
    for prefix, bus in _BUS_BY_PREFIX:
        if disk.target.startswith(prefix):
            return bus
    if disk.address is None:
        raise report(C.VIR_ERR_XML_ERROR,
                     f"Unknown disk name '{disk.target}' and no address specified",
                     C.VIR_FROM_DOMAIN)
    return DiskBus.IDE


def _drop_backing_index(node: E) -> None:
    """A definition's backing chain has no indexes (they are runtime data)."""
    node.attrs = [(k, v) for k, v in node.attrs if k != "index"]
    for child in node.children:
        if child.tag == "backingStore":
            _drop_backing_index(child)


_DISK_HANDLERS = {
    "driver": Disk._driver, "source": Disk._source, "target": Disk._target,
    "iotune": Disk._iotune, "readonly": Disk._flag, "shareable": Disk._flag,
    "transient": Disk._flag, "serial": Disk._text, "wwn": Disk._text,
    "vendor": Disk._text, "product": Disk._text,
}


# --- <controller> ----------------------------------------------------------------------

class ControllerType(enum.StrEnum):
    """``<controller type=...>``."""

    IDE = "ide"
    FDC = "fdc"
    SCSI = "scsi"
    SATA = "sata"
    VIRTIO_SERIAL = "virtio-serial"
    CCID = "ccid"
    USB = "usb"
    PCI = "pci"
    XENBUS = "xenbus"
    ISA = "isa"


CONTROLLER_MODELS: dict[ControllerType, tuple[str, ...]] = {
    ControllerType.SCSI: (
        "auto", "buslogic", "lsilogic", "lsisas1068", "vmpvscsi", "ibmvscsi", "virtio-scsi",
        "lsisas1078", "virtio-transitional", "virtio-non-transitional", "ncr53c90", "dc390",
        "am53c974"),
    ControllerType.USB: (
        "piix3-uhci", "piix4-uhci", "ehci", "ich9-ehci1", "ich9-uhci1", "ich9-uhci2",
        "ich9-uhci3", "vt82c686b-uhci", "pci-ohci", "nec-xhci", "qusb1", "qusb2", "qemu-xhci",
        "none"),
    ControllerType.IDE: ("piix3", "piix4", "ich6"),
    ControllerType.PCI: (
        "pci-root", "pcie-root", "pci-bridge", "dmi-to-pci-bridge", "pcie-root-port",
        "pcie-switch-upstream-port", "pcie-switch-downstream-port", "pci-expander-bus",
        "pcie-expander-bus", "pcie-to-pci-bridge"),
    ControllerType.VIRTIO_SERIAL: ("virtio", "virtio-transitional", "virtio-non-transitional"),
    ControllerType.ISA: (),
}

PCI_MODEL_NAMES = ("pci-bridge", "i82801b11-bridge", "ioh3420", "x3130-upstream",
                   "xio3130-downstream", "pxb", "pxb-pcie", "pcie-root-port",
                   "spapr-pci-host-bridge", "pcie-pci-bridge")

_CTRL_ATTRS = (A("ports", INT), A("vectors", INT), A("maxGrantFrames", INT),
               A("maxEventChannels", INT))
_CTRL_DRIVER = (A("queues", UINT), A("cmd_per_lun", UINT), A("max_sectors", UINT),
                A("ioeventfd", ONOFF), A("iothread", UINT)) + VIRTIO_OPTS
_CTRL_TARGET = (A("chassisNr", INT0), A("chassis", INT0), A("port", STR), A("busNr", INT0),
                A("index", INT0), A("hotplug", ONOFF), A("memReserve", UINT))


@dataclass(kw_only=True, slots=True)
class ControllerDriver:
    """``<controller><driver>`` options."""

    queues: int | None = None
    cmd_per_lun: int | None = None
    max_sectors: int | None = None
    ioeventfd: bool | None = None
    iothread: int | None = None
    iommu: bool | None = None
    ats: bool | None = None
    packed: bool | None = None
    page_per_vq: bool | None = None


@dataclass(kw_only=True, slots=True)
class PciTarget:
    """``<controller type='pci'><target>`` options; ``node`` is a host NUMA node."""

    chassisNr: int | None = None
    chassis: int | None = None
    port: str | None = None
    busNr: int | None = None
    index: int | None = None
    hotplug: bool | None = None
    memReserve: int | None = None
    node: int | None = None


@dataclass(kw_only=True, slots=True)
class Controller(Device):
    """A ``<controller>``; ``model`` is libvirt's model string for the type."""

    TAG = "controller"
    type: ControllerType = ControllerType.IDE
    index: int | None = None
    model: str | None = None
    ports: int | None = None
    vectors: int | None = None
    maxGrantFrames: int | None = None
    maxEventChannels: int | None = None
    model_name: str | None = None
    target: PciTarget | None = None
    driver: ControllerDriver | None = None
    pcihole64: int | None = None

    @classmethod
    def parse(cls, elem: etree._Element, pctx: ParseCtx) -> Controller:
        """Parse a ``<controller>`` element."""
        ctrl = cls()
        ctrl.type = parse_enum(ControllerType, elem.get("type", "ide"), "type", "controller")
        index = elem.get("index")
        ctrl.index = None if index is None else INT.load(index, "index", "controller")
        model = elem.get("model")
        if model is not None:
            allowed = CONTROLLER_MODELS.get(ctrl.type, ())
            if model not in allowed:
                raise unsupported(f"Unknown model type '{model}'")
            ctrl.model = model
        read_attrs(ctrl, elem, _CTRL_ATTRS)
        load_children(ctrl, elem, pctx, _CTRL_HANDLERS, _CTRL_ORDER)
        return ctrl

    def _model(self, child: etree._Element) -> None:
        if self.type != ControllerType.PCI:
            return
        name = child.get("name")
        if name is not None and name not in PCI_MODEL_NAMES:
            raise bad_enum("name", "model", name)
        self.model_name = name

    def _target(self, child: etree._Element) -> None:
        if self.type != ControllerType.PCI:
            return
        target = read_attrs(PciTarget(), child, _CTRL_TARGET)
        node = child.find("node")
        if node is not None and node.text:
            target.node = UINT.load(node.text, "node", "target")
        self.target = target

    def _driver(self, child: etree._Element) -> None:
        self.driver = read_attrs(ControllerDriver(), child, _CTRL_DRIVER)

    def _pcihole64(self, child: etree._Element) -> None:
        self.pcihole64 = memory_kib(child, "./pcihole64")

    def format(self, fctx: FormatCtx) -> E:
        """The ``<controller>`` element."""
        return self.format_written(fctx)

    def write(self, pad: str, out: list[str], fctx: FormatCtx) -> None:
        """Write the ``<controller>`` element (see :meth:`Device.write`)."""
        start = len(out)
        head = f"{pad}<controller type='{self.type._value_}'"
        if self.index is not None:
            head += f" index='{self.index}'"
        if self.model is not None:
            head += f" model='{(self.model if self.model in PLAIN else escape_attr(self.model))}'"
        if self.ports is not None or self.vectors is not None \
                or self.maxGrantFrames is not None or self.maxEventChannels is not None:
            head += attrs_text(self, _CTRL_ATTRS)
        out.append(head + ">\n")
        sub = pad + "  "
        if self.model_name is not None:
            out.append(f"{sub}<model name='{escape_attr(self.model_name)}'/>\n")
        target = self.target
        if target is not None:
            text = _ctrl_target_text(target)
            if target.node is not None:
                out.append(f"{sub}<target{text}>\n{sub}  <node>{target.node}</node>\n"
                           f"{sub}</target>\n")
            elif text:
                out.append(f"{sub}<target{text}/>\n")
        if self.driver is not None:
            text = _ctrl_driver_text(self.driver)
            if text:
                out.append(f"{sub}<driver{text}/>\n")
        if self.pcihole64 is None:
            if self.address is None and self.alias is None and self.boot_order is None \
                    and self.rom is None and self.acpi_index is None \
                    and self.master_startport is None and not self.kept:
                # as Disk.write: close's common case, here often with no child
                if len(out) > start + 1:
                    out.append(f"{pad}</controller>\n")
                else:
                    out[start] = out[start][:-2] + "/>\n"
            else:
                self.close(pad, out, start, _CTRL_ORDER, fctx)
        else:  # after the device info, unlike every other child
            self.close(pad, out, start, _CTRL_ORDER, fctx,
                       f"{sub}<pcihole64 unit='KiB'>{self.pcihole64}</pcihole64>\n")


_ctrl_target_text = attr_writer(_CTRL_TARGET)
_ctrl_driver_text = attr_writer(_CTRL_DRIVER)
_CTRL_HANDLERS = {"model": Controller._model, "target": Controller._target,
                  "driver": Controller._driver, "pcihole64": Controller._pcihole64}
_CTRL_ORDER = order_of("model", "target", "driver", "boot", "alias", "master", "rom", "acpi",
                       "address", "pcihole64")


# --- <filesystem> -------------------------------------------------------------------

class FilesystemType(enum.StrEnum):
    """``<filesystem type=...>``."""

    MOUNT = "mount"
    BLOCK = "block"
    FILE = "file"
    TEMPLATE = "template"
    RAM = "ram"
    BIND = "bind"
    VOLUME = "volume"


_FS_ATTRS = (A("model"), A("multidevs"))
_FS_DRIVER = (A("type"), A("format"),
              A("queue", uint(10, message("cannot parse queue size '{value}' for virtiofs"))),
              A("wrpolicy")) + VIRTIO_OPTS
_FS_ORDER = order_of("driver", "binary", "source", "target", "idmap", "readonly",
                     "space_hard_limit", "space_soft_limit", "boot", "alias", "acpi", "address")
_FS_SOURCE_KEYS = ("dir", "file", "dev", "name", "socket", "pool", "volume", "usage", "units")


@dataclass(kw_only=True, slots=True)
class Filesystem(Device):
    """A ``<filesystem>`` shared with the guest; ``source`` maps the source
    attributes given (dir/file/dev/name/socket/usage)."""

    TAG = "filesystem"
    type: FilesystemType = FilesystemType.MOUNT
    accessmode: str = "passthrough"
    model: str | None = None
    multidevs: str | None = None
    fmode: int | None = None
    dmode: int | None = None
    driver: dict[str, Any] | None = None
    source: dict[str, str] = field(default_factory=dict)
    target: str | None = None
    readonly: bool = False

    @classmethod
    def parse(cls, elem: etree._Element, pctx: ParseCtx) -> Filesystem:
        """Parse a ``<filesystem>`` element."""
        fs = cls()
        fs.type = parse_enum(FilesystemType, elem.get("type", "mount"), "type", "filesystem")
        mode = elem.get("accessmode")
        if mode is not None:
            if mode not in ("passthrough", "mapped", "squash"):
                raise unsupported(f"unknown accessmode '{mode}'")
            fs.accessmode = mode
        read_attrs(fs, elem, _FS_ATTRS)
        for attr in ("fmode", "dmode"):
            value = elem.get(attr)
            if value is not None:
                try:
                    setattr(fs, attr, int(value, 8))
                except ValueError:
                    raise report(C.VIR_ERR_XML_ERROR, f"invalid {attr}: '{value}'",
                                 C.VIR_FROM_DOMAIN) from None
        load_children(fs, elem, pctx, _FS_HANDLERS, _FS_ORDER)
        if fs.target is None:
            raise report(C.VIR_ERR_NO_TARGET, fs.source.get("dir") or fs.source.get("file"),
                         C.VIR_FROM_DOMAIN)
        return fs

    def _driver(self, child: etree._Element) -> None:
        self.driver = {}
        for spec in _FS_DRIVER:
            value = child.get(spec.attr)
            if value is not None:
                self.driver[spec.name] = spec.conv.load(value, spec.attr, "driver")

    def _source(self, child: etree._Element) -> None:
        self.source = {k: v for k, v in cast("list[tuple[str, str]]", child.attrib.items())
                       if k in _FS_SOURCE_KEYS}
        usage = self.source.get("usage")
        if usage is not None:
            # a RAM filesystem's size is kept in KiB, whatever its units
            self.source["usage"] = str(to_kib(usage, self.source.get("units"), "usage"))
            self.source["units"] = "KiB"

    def _target(self, child: etree._Element) -> None:
        self.target = child.get("dir")

    def _readonly(self, child: etree._Element) -> None:
        self.readonly = True

    def format(self, fctx: FormatCtx) -> E:
        """The ``<filesystem>`` element."""
        node = E("filesystem", [("type", self.type.value), ("accessmode", self.accessmode)]
                 + attrs_of(self, _FS_ATTRS)
                 + [("fmode", None if self.fmode is None else f"{self.fmode:04o}"),
                    ("dmode", None if self.dmode is None else f"{self.dmode:04o}")])
        if self.driver is not None:
            node.add(E("driver", [(s.attr, s.conv.dump(self.driver[s.name])) for s in _FS_DRIVER
                                  if s.name in self.driver]))
        node.add(E("source", [(k, self.source[k]) for k in _FS_SOURCE_KEYS
                              if k in self.source]))
        node.add(E("target", [("dir", self.target)]))
        if self.readonly:
            node.add(E("readonly", keep=True))
        return self.finish(node, _FS_ORDER, fctx)


_FS_HANDLERS = {"driver": Filesystem._driver, "source": Filesystem._source,
                "target": Filesystem._target, "readonly": Filesystem._readonly}


# --- <lease> -----------------------------------------------------------------------

@dataclass(kw_only=True, slots=True)
class Lease(Device):
    """A ``<lease>`` held by the lock manager while the guest runs."""

    TAG = "lease"
    lockspace: str | None = None
    key: str = ""
    path: str = ""
    offset: int | None = None

    @classmethod
    def parse(cls, elem: etree._Element, pctx: ParseCtx) -> Lease:
        """Parse a ``<lease>`` element."""
        lease = cls()
        for child in elem:
            if child.tag in ("lockspace", "key"):
                setattr(lease, str(child.tag), child.text or "")
            elif child.tag == "target":
                lease.path = child.get("path", "")
                offset = child.get("offset")
                lease.offset = None if offset is None else UINT.load(offset, "offset", "target")
        if not lease.key:
            raise report(C.VIR_ERR_XML_ERROR, "Missing 'key' element for lease",
                         C.VIR_FROM_DOMAIN)
        return lease

    def format(self, fctx: FormatCtx) -> E:
        """The ``<lease>`` element."""
        return E("lease", children=[
            text_el("lockspace", self.lockspace), text_el("key", self.key),
            E("target", [("path", self.path), ("offset", self.offset)])], keep=True)
