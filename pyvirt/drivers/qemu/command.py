"""The QEMU command line, built as data from a domain definition.

:func:`build` turns a live :class:`DomainDef` (aliases and addresses already
assigned by :mod:`pyvirt.drivers.qemu.address`) into a :class:`Command`:
an environment, the binary, and a list of ``(option, value)`` pairs.  The
command is serialised in one place: :meth:`Command.argv` for ``exec`` and
:meth:`Command.to_text` for ``virConnectDomainXMLToNative`` and the test
data files (one option per line, shell-quoted, as libvirt's tests write).

Forms follow libvirt 9.0 with QEMU 7.2: ``-blockdev``, ``-device``,
``-netdev``, ``-object`` and ``-audiodev`` take JSON; the other options take
QEMU's ``key=value,...`` syntax, where a ',' inside a value is written ',,'
(:func:`opts`).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from pyvirt import constants as C
from pyvirt.conf.domain_base import DriveAddress
from pyvirt.conf.domain_disk import Disk, DiskBus, DiskCache, DiskDevice, DiskType
from pyvirt.drivers.qemu import address as addr
from pyvirt.drivers.qemu import netdisk, spice
from pyvirt.drivers.qemu.capabilities import QemuCaps
from pyvirt.drivers.storage.backends.netdisk import of_disk
from pyvirt.errors import report

_FROM = C.VIR_FROM_QEMU


# --- serialisation ------------------------------------------------------------------

def escape(value: object) -> str:
    """A value for QEMU's ``key=value,...`` syntax: ',' becomes ',,'."""
    return str(value).replace(",", ",,")


def opts(*parts: tuple[str, object] | str | None) -> str:
    """Join ``(key, value)`` pairs (None values skipped) and bare words with ','."""
    out = []
    for part in parts:
        if part is None:
            continue
        if isinstance(part, str):
            out.append(escape(part))
            continue
        key, value = part
        if value is None:
            continue
        if isinstance(value, bool):
            value = "on" if value else "off"
        out.append(f"{key}={escape(value)}")
    return ",".join(out)


def jsonarg(props: dict[str, Any]) -> str:
    """A JSON option value (None values dropped), compact as libvirt writes it."""
    return json.dumps(present(props), separators=(",", ":"))


def present(props: dict[str, Any]) -> dict[str, Any]:
    """``props`` without the None values (QMP arguments and JSON options)."""
    return {k: v for k, v in props.items() if v is not None}


@dataclass
class Command:
    """A QEMU invocation: environment, binary and option/value pairs.

    ``pass_fds`` are descriptors the child inherits (the monitor socket,
    taps); their numbers appear in the options.
    """

    binary: str
    env: list[tuple[str, str]] = field(default_factory=list)
    args: list[tuple[str, str | None]] = field(default_factory=list)
    pass_fds: list[int] = field(default_factory=list)

    def add(self, option: str, value: object = None) -> None:
        """Append ``option`` (e.g. '-m') with an optional value."""
        self.args.append((option, None if value is None else str(value)))

    def argv(self) -> list[str]:
        """The argument vector to exec."""
        out = [self.binary]
        for option, value in self.args:
            out.append(option)
            if value is not None:
                out.append(value)
        return out

    def environ(self) -> dict[str, str]:
        """The child's environment."""
        return dict(self.env)

    def to_text(self) -> str:
        """One env var or option per line, shell-quoted, joined by ' \\'."""
        lines = [f"{k}={shlex.quote(v)}" for k, v in self.env]
        lines.append(shlex.quote(self.binary))
        for option, value in self.args:
            lines.append(option if value is None else f"{option} {shlex.quote(value)}")
        return " \\\n".join(lines) + "\n"


# --- context -----------------------------------------------------------------------

@dataclass
class BuildContext:
    """What the command needs beyond the definition."""

    caps: QemuCaps
    monitor_fd: int                       # listening socket QEMU inherits
    domain_dir: str                       # HOME and XDG dirs of the QEMU process
    path_env: str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    tap_fds: dict[str, int] = field(default_factory=dict)   # interface alias -> tap fd
    vnc_ports: dict[int, int] = field(default_factory=dict)  # graphics index -> port
    nvram: str | None = None
    blockdev: dict[str, int] = field(default_factory=dict)   # disk alias -> node index
    #: node index -> (secret object id, passphrase file) of encrypted disks
    disk_secrets: dict[int, tuple[str, str]] = field(default_factory=dict)
    #: node index -> fdassoc.FDSet of disks read from associated descriptors (fdgroup)
    disk_fdsets: dict[int, Any] = field(default_factory=dict)


# --- helpers ------------------------------------------------------------------------

def _pci(dev: Any, def_: Any) -> dict[str, Any]:
    """bus/addr properties of a device's PCI address."""
    a = dev.address
    if a is None or getattr(a, "TYPE", None) is None or a.TYPE.value != "pci":
        return {}
    bus = f"{'pcie' if addr.is_q35(def_) and a.bus == 0 else 'pci'}.{a.bus}"
    if a.function:
        slot = f"0x{a.slot:x}.0x{a.function:x}"
    else:
        slot = f"0x{a.slot:x}"
    props: dict[str, Any] = {"bus": bus, "addr": slot}
    if a.multifunction:
        props["multifunction"] = True
    return props


def _mib(kib: int) -> int:
    return kib // 1024


_CACHE = {  # mode -> (direct, no-flush, write-cache)
    DiskCache.NONE: (True, False, True),
    DiskCache.WRITETHROUGH: (False, False, False),
    DiskCache.WRITEBACK: (False, False, True),
    DiskCache.DIRECTSYNC: (True, False, False),
    DiskCache.UNSAFE: (False, True, True),
}


def disk_cache(disk: Disk) -> tuple[dict[str, bool] | None, str | None]:
    """The blockdev 'cache' object and the device 'write-cache' value of a disk."""
    mode = disk.driver.cache if disk.driver else None
    if mode is None or mode == DiskCache.DEFAULT:
        return None, None
    direct, noflush, wce = _CACHE[mode]
    return {"direct": direct, "no-flush": noflush}, "on" if wce else "off"


def disk_path(disk: Disk) -> str | None:
    """The host path of a local disk (None for an empty drive)."""
    src = disk.source
    if src is None:
        return None
    return src.file or src.dev or src.dir


def disk_format(disk: Disk) -> str:
    """The image format ('raw' unless the driver says otherwise)."""
    fmt = disk.driver.type if disk.driver and disk.driver.type else "raw"
    return "raw" if fmt == "aio" else fmt


def blockdev_props(disk: Disk, index: int, key_secret: str | None = None,
                   fdset: tuple[int, int] | None = None) -> list[dict[str, Any]]:
    """The two -blockdev nodes (storage, format) of a disk with media, else [];
    ``key_secret`` names the secret object of a LUKS-encrypted image, ``fdset``
    the fd set QEMU opens the image from (a disk with an fdgroup: its id and
    how many descriptors it holds)."""
    net = of_disk(disk)
    path = disk_path(disk) if net is None else net.name
    if path is None:
        return []
    cache, _wce = disk_cache(disk)
    if net is not None:
        driver = ""
    elif disk.type == DiskType.BLOCK:
        driver = "host_cdrom" if disk.device == DiskDevice.CDROM else "host_device"
    elif disk.type in (DiskType.FILE, DiskType.VOLUME):   # a volume: translated to its file
        driver = "file"
    else:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     f"disk type '{disk.type.value}' of '{disk.target}' is not supported",
                     _FROM)
    io = disk.driver.io.value if disk.driver and disk.driver.io else None
    storage = {"driver": driver, "filename": path, "node-name": addr.storage_node(index),
               "aio": io, "cache": cache, "auto-read-only": True, "discard": "unmap"}
    if fdset is not None:
        storage["filename"] = f"/dev/fdset/{fdset[0]}"
        if fdset[1] == 1:
            # one descriptor cannot be reopened in another mode: the mode is
            # stated (libvirt 9.0); from several QEMU picks the one that fits
            del storage["auto-read-only"], storage["discard"]
            storage.update({"read-only": bool(disk.readonly), "discard": "unmap"})
    if net is not None:
        del storage["driver"], storage["filename"], storage["aio"]
        storage = {**netdisk.storage_props(net, addr.storage_node(index)), **storage}
    fmt = {"node-name": addr.format_node(index), "read-only": bool(disk.readonly),
           "discard": "unmap" if disk.driver and disk.driver.discard == "unmap" else None,
           "cache": cache, "driver": disk_format(disk), "file": addr.storage_node(index)}
    if key_secret is not None:
        if fmt["driver"] == "raw":
            fmt.update({"driver": "luks", "key-secret": key_secret})
        else:
            fmt["encrypt"] = {"format": "luks", "key-secret": key_secret}
    return [present(storage), present(fmt)]


def disk_device_props(disk: Disk, index: int | None, bootindex: int | None,
                      def_: Any) -> dict[str, Any]:
    """The -device properties of a disk (frontend); ``index`` None for no medium."""
    _cache, wce = disk_cache(disk)
    drive = addr.format_node(index) if index is not None else None
    bus = disk.bus
    cd = disk.device == DiskDevice.CDROM
    if bus == DiskBus.VIRTIO:
        props = {"driver": "virtio-blk-pci", **_pci(disk, def_), "drive": drive, "id": disk.alias,
                 "bootindex": bootindex, "write-cache": wce}
        if disk.serial:
            props["serial"] = disk.serial
        return props
    # the drive buses below carry <address type='drive'> (or none)
    a = cast("DriveAddress | None", disk.address)
    if bus in (DiskBus.IDE, DiskBus.SATA):
        if bus == DiskBus.IDE:
            busname = f"ide.{a.bus}" if a is not None else "ide.0"
            unit = a.unit if a is not None else 0
            props = {"driver": "ide-cd" if cd else "ide-hd", "bus": busname, "unit": unit}
        else:
            ctrl = addr.sata_controller_alias(def_, a.controller if a else 0)
            props = {"driver": "ide-cd" if cd else "ide-hd",
                     "bus": f"{ctrl}.{a.unit if a else 0}"}
        props.update({"drive": drive, "id": disk.alias, "bootindex": bootindex,
                      "write-cache": wce})
        return props
    if bus == DiskBus.SCSI:
        ctrl_index = a.controller if a else 0
        model = addr.scsi_model(def_, ctrl_index)
        props = {"driver": "scsi-cd" if cd else "scsi-hd",
                 "bus": f"scsi{ctrl_index}.{a.bus if a else 0}"}
        if model == "lsilogic":
            props["scsi-id"] = a.unit if a else 0
        else:
            props.update({"channel": 0, "scsi-id": a.target if a else 0,
                          "lun": a.unit if a else 0})
        props.update({"device_id": f"drive-{disk.alias}", "drive": drive, "id": disk.alias,
                      "bootindex": bootindex, "write-cache": wce})
        return props
    if bus == DiskBus.USB:
        return {"driver": "usb-storage", "bus": "usb.0", "drive": drive, "id": disk.alias,
                "bootindex": bootindex, "removable": bool(disk.removable) or None,
                "write-cache": wce}
    if bus == DiskBus.FDC:
        return {"driver": "floppy", "unit": a.unit if a else 0, "drive": drive,
                "id": disk.alias, "bootindex": bootindex}
    raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                 f"disk bus '{bus.value if bus else None}' is not supported by QEMU", _FROM)


_NIC_DRIVERS = {"virtio": "virtio-net-pci", "e1000": "e1000", "e1000e": "e1000e",
                "rtl8139": "rtl8139", "ne2k_pci": "ne2k_pci", "pcnet": "pcnet",
                "vmxnet3": "vmxnet3"}


def netdev_props(net: Any, tap_fd: int | None) -> dict[str, Any]:
    """The -netdev properties of an interface."""
    hostid = "host" + net.alias
    kind = net.type.value
    if kind == "user":
        return {"type": "user", "id": hostid}
    if kind in ("ethernet", "bridge", "network", "direct"):
        if tap_fd is None:
            raise report(C.VIR_ERR_INTERNAL_ERROR,
                         f"no tap device was opened for interface '{net.alias}'", _FROM)
        return {"type": "tap", "fd": str(tap_fd), "id": hostid}
    raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                 f"interface type '{kind}' is not supported by the QEMU driver", _FROM)


def nic_device_props(net: Any, bootindex: int | None, def_: Any) -> dict[str, Any]:
    """The -device properties of an interface's NIC."""
    model = net.model or "rtl8139"
    driver = _NIC_DRIVERS.get(model)
    if driver is None:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     f"interface model '{model}' is not supported", _FROM)
    return {"driver": driver, "netdev": "host" + net.alias, "id": net.alias, "mac": net.mac,
            **_pci(net, def_), "bootindex": bootindex}


def chardev_opts(alias: str, src: Any) -> str:
    """The -chardev value for a character device's host source."""
    kind = src.type.value
    cid = "char" + alias
    log = []
    if src.log.get("file"):
        log = [("logfile", src.log["file"]),
               ("logappend", src.log.get("append") == "on" or None)]
    if kind == "pty":
        return opts("pty", ("id", cid), *log)
    if kind == "null":
        return opts("null", ("id", cid), *log)
    if kind == "file":
        return opts("file", ("id", cid), ("path", src.path),
                    ("append", True if src.append else None), *log)
    if kind in ("dev", "pipe"):
        return opts("serial" if kind == "dev" else "pipe", ("id", cid), ("path", src.path), *log)
    if kind == "stdio":
        return opts("stdio", ("id", cid), *log)
    if kind == "unix":
        server = src.mode == "bind"
        return opts("socket", ("id", cid), ("path", src.path),
                    ("server", True) if server else None, ("wait", False) if server else None,
                    *log)
    if kind == "tcp":
        server = src.mode == "bind"
        return opts("socket", ("id", cid), ("host", src.host), ("port", src.service),
                    ("telnet", True) if src.protocol == "telnet" else None,
                    ("server", True) if server else None, ("wait", False) if server else None,
                    *log)
    if kind == "spicevmc":
        return opts("spicevmc", ("id", cid), ("name", "vdagent"), *log)
    if kind == "udp":
        return opts("udp", ("id", cid), ("host", src.host), ("port", src.service),
                    ("localaddr", src.bind_host), ("localport", src.bind_service), *log)
    raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                 f"character device type '{kind}' is not supported", _FROM)


# --- the command line, section by section --------------------------------------------

def _machine(cmd: Command, def_: Any, caps: QemuCaps, ctx: BuildContext) -> None:
    machine = caps.canonical_machine(def_.os.machine) or def_.os.machine
    parts: list[Any] = [machine, ("usb", False), ("dump-guest-core", False)]
    if def_.os.loader and (def_.os.loader_type is None or def_.os.loader_type.value == "pflash"):
        parts.append(("pflash0", "libvirt-pflash0-format"))
        if ctx.nvram:
            parts.append(("pflash1", "libvirt-pflash1-format"))
    cmd.add("-machine", opts(*parts))
    cmd.add("-accel", "kvm" if def_.type == "kvm" else "tcg")


def _cpu(cmd: Command, def_: Any, caps: QemuCaps) -> None:
    cpu = def_.cpu
    model = None
    if cpu is not None:
        mode = cpu.mode.value
        if mode == "host-passthrough":
            model = "host"
        elif mode == "maximum":
            model = "max"
        elif mode == "host-model":
            model = "host" if def_.type == "kvm" else "max"
        elif cpu.model:
            model = cpu.model
        if model:
            feats = [(f"{'+' if f.policy.value in ('require', 'force') else '-'}{f.name}")
                     for f in cpu.features if f.policy.value != "optional"]
            model = ",".join([model] + feats)
    if model is None and caps.arch == "x86_64":
        model = "qemu64"
    if model:
        cmd.add("-cpu", model)


def _memory_smp(cmd: Command, def_: Any) -> None:
    cmd.add("-m", _mib(def_.memory))
    cmd.add("-overcommit", "mem-lock=off")
    maxv = def_.max_vcpus
    vcpus = def_.vcpus or maxv
    cpu = def_.cpu
    sockets = cores = threads = None
    if cpu is not None and cpu.sockets:
        sockets, cores, threads = cpu.sockets, cpu.cores or 1, cpu.threads or 1
    else:
        sockets, cores, threads = maxv, 1, 1
    cmd.add("-smp", opts(str(vcpus), ("maxcpus", maxv if maxv != vcpus else None),
                         ("sockets", sockets), ("cores", cores), ("threads", threads)))
    # the guest's I/O threads (libvirt numbers unnamed ones 1..N)
    ids = def_.iothread_ids or list(range(1, (def_.iothreads or 0) + 1))
    for ident in ids:
        cmd.add("-object", jsonarg({"qom-type": "iothread", "id": f"iothread{ident}"}))


def _boot(cmd: Command, def_: Any) -> None:
    os_ = def_.os
    cmd.add("-boot", opts(("menu", True) if os_.bootmenu else None,
                          ("splash-time", os_.bootmenu_timeout), ("strict", True)))
    if os_.kernel:
        cmd.add("-kernel", os_.kernel)
    if os_.initrd:
        cmd.add("-initrd", os_.initrd)
    if os_.cmdline:
        cmd.add("-append", os_.cmdline)
    if os_.dtb:
        cmd.add("-dtb", os_.dtb)


def _firmware(cmd: Command, def_: Any, ctx: BuildContext) -> None:
    os_ = def_.os
    if not os_.loader:
        return
    if os_.loader_type is not None and os_.loader_type.value == "rom":
        cmd.add("-bios", os_.loader)
        return
    nodes = [("pflash0", os_.loader, os_.loader_readonly is not False)]
    if ctx.nvram:
        nodes.append(("pflash1", ctx.nvram, False))
    for name, path, ro in nodes:
        cmd.add("-blockdev", jsonarg({"driver": "file", "filename": path,
                                      "node-name": f"libvirt-{name}-storage",
                                      "auto-read-only": True, "discard": "unmap"}))
        cmd.add("-blockdev", jsonarg({"node-name": f"libvirt-{name}-format", "read-only": ro,
                                      "driver": "raw", "file": f"libvirt-{name}-storage"}))


_CONTROLLER_ORDER = ("usb", "scsi", "ide", "sata", "virtio-serial")


def _controllers(cmd: Command, def_: Any) -> None:
    ctrls = sorted(addr.devices(def_, "controller"),
                   key=lambda c: _CONTROLLER_ORDER.index(c.type.value)
                   if c.type.value in _CONTROLLER_ORDER else len(_CONTROLLER_ORDER))
    for ctrl in ctrls:
        kind = ctrl.type.value
        driver = None
        props: dict[str, Any] = {}
        if kind == "usb":
            driver = addr.USB_DRIVERS.get(ctrl.model or "piix3-uhci")
            if driver is None:       # model 'none', or built into the machine
                continue
            props = {"driver": driver, "id": ctrl.alias, **_pci(ctrl, def_)}
        elif kind == "scsi":
            model = ctrl.model or "lsilogic"
            driver = {"lsilogic": "lsi", "virtio-scsi": "virtio-scsi-pci",
                      "lsisas1068": "mptsas1068", "lsisas1078": "megasas-gen2",
                      "vmpvscsi": "pvscsi"}.get(model)
            if driver is None:
                raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                             f"SCSI controller model '{model}' is not supported", _FROM)
            props = {"driver": driver, "id": ctrl.alias, **_pci(ctrl, def_)}
        elif kind == "sata":
            if addr.is_q35(def_) and ctrl.index == 0:
                continue             # the machine's own AHCI
            props = {"driver": "ahci", "id": ctrl.alias, **_pci(ctrl, def_)}
        elif kind == "virtio-serial":
            props = {"driver": "virtio-serial-pci", "id": ctrl.alias,
                     "max_ports": ctrl.ports, "vectors": ctrl.vectors, **_pci(ctrl, def_)}
        else:
            continue                 # pci roots, IDE, FDC: part of the machine
        cmd.add("-device", jsonarg(props))


def _disks(cmd: Command, def_: Any, ctx: BuildContext, bootindex: dict[int, int]) -> None:
    indexes = ctx.blockdev or addr.blockdev_indexes(def_)
    nets = [(d, addr.storage_node(indexes[d.alias])) for d in addr.devices(def_, "disk")
            if of_disk(d) is not None and d.alias in indexes]
    for obj in netdisk.secret_objects(nets, ctx.domain_dir):
        cmd.add("-object", jsonarg(obj))
    for disk in addr.devices(def_, "disk"):
        has_media = disk_path(disk) is not None or of_disk(disk) is not None
        index = indexes.get(disk.alias) if has_media else None
        if index is not None:
            secret = ctx.disk_secrets.get(index)
            if secret is not None:
                cmd.add("-object", jsonarg({"qom-type": "secret", "id": secret[0],
                                            "format": "raw", "file": secret[1]}))
            fdset = ctx.disk_fdsets.get(index)
            if fdset is not None:
                for n, fd in enumerate(fdset.fds):
                    cmd.add("-add-fd", opts(("set", fdset.fdset), ("fd", fd),
                                            ("opaque", f"{addr.storage_node(index)}{n}")))
                    cmd.pass_fds.append(fd)
            for props in blockdev_props(disk, index, secret[0] if secret else None,
                                        (fdset.fdset, len(fdset.fds)) if fdset is not None
                                        else None):
                cmd.add("-blockdev", jsonarg(props))
        cmd.add("-device", jsonarg(disk_device_props(disk, index, bootindex.get(id(disk)),
                                                     def_)))


def _interfaces(cmd: Command, def_: Any, ctx: BuildContext, bootindex: dict[int, int]) -> None:
    for net in addr.devices(def_, "interface"):
        cmd.add("-netdev", jsonarg(netdev_props(net, ctx.tap_fds.get(net.alias))))
        cmd.add("-device", jsonarg(nic_device_props(net, bootindex.get(id(net)), def_)))


def _chardevs(cmd: Command, def_: Any) -> None:
    for ser in addr.devices(def_, "serial"):
        cmd.add("-chardev", chardev_opts(ser.alias, ser.source))
        model = ser.target_model or "isa-serial"
        if model == "isa-serial":
            props = {"driver": "isa-serial", "chardev": "char" + ser.alias, "id": ser.alias,
                     "index": ser.target_port or 0}
        elif model == "pci-serial":
            props = {"driver": "pci-serial", "chardev": "char" + ser.alias, "id": ser.alias,
                     **_pci(ser, def_)}
        else:
            props = {"driver": model, "chardev": "char" + ser.alias, "id": ser.alias}
        cmd.add("-device", jsonarg(props))
    for con in addr.devices(def_, "console"):
        if (con.target_type or "serial") == "serial":
            continue                 # the first serial port, already there
        if con.target_type == "virtio":
            cmd.add("-chardev", chardev_opts(con.alias, con.source))
            cmd.add("-device", jsonarg({"driver": "virtconsole",
                                        "bus": "virtio-serial0.0", "nr": con.target_port or 0,
                                        "chardev": "char" + con.alias, "id": con.alias}))
    for chan in addr.devices(def_, "channel"):
        if chan.target_type != "virtio":
            continue
        cmd.add("-chardev", chardev_opts(chan.alias, chan.source))
        cmd.add("-device", jsonarg(virtserialport_props(chan)))


def virtserialport_props(chan: Any) -> dict[str, Any]:
    """The -device properties of a virtio channel: its port on its virtio-serial bus."""
    a = chan.address
    return {"driver": "virtserialport", "bus": f"virtio-serial{a.controller if a else 0}.0",
            "nr": getattr(a, "port", None) or 1, "chardev": "char" + chan.alias,
            "id": chan.alias, "name": chan.target_name}


def _inputs(cmd: Command, def_: Any) -> None:
    for inp in addr.devices(def_, "input"):
        bus = inp.bus or "ps2"
        if bus == "ps2":
            continue                 # the machine's own i8042
        if bus == "usb":
            driver = {"tablet": "usb-tablet", "mouse": "usb-mouse",
                      "keyboard": "usb-kbd"}[inp.type]
            a = inp.address
            cmd.add("-device", jsonarg({"driver": driver, "id": inp.alias,
                                        "bus": f"usb.{a.bus if a else 0}",
                                        "port": a.port if a and a.port else "1"}))
        elif bus == "virtio":
            driver = {"tablet": "virtio-tablet-pci", "mouse": "virtio-mouse-pci",
                      "keyboard": "virtio-keyboard-pci"}[inp.type]
            cmd.add("-device", jsonarg({"driver": driver, "id": inp.alias, **_pci(inp, def_)}))


def _graphics(cmd: Command, def_: Any, ctx: BuildContext) -> None:
    audios = addr.devices(def_, "audio")
    graphics = addr.devices(def_, "graphics")
    for audio in audios:
        cmd.add("-audiodev", jsonarg({"id": f"audio{audio.id}", "driver": audio.type}))
    for i, gfx in enumerate(graphics):
        if gfx.type == "spice":
            if gfx.autoport and not gfx.port:
                gfx.port = ctx.vnc_ports.get(i, 5900)
            cmd.add("-spice", opts(*spice.spice_opts(gfx)))
            continue
        if gfx.type != "vnc":
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                         f"graphics type '{gfx.type}' is not supported", _FROM)
        audio = f"audio{audios[0].id}" if audios else None
        listen = gfx.listens[0] if gfx.listens else None
        if listen is not None and listen.type == "socket":
            cmd.add("-vnc", opts(f"unix:{listen.socket}", ("audiodev", audio)))
            continue
        port = ctx.vnc_ports.get(i, gfx.port if gfx.port and gfx.port > 0 else 5900)
        host = (listen.address if listen is not None else None) or "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        cmd.add("-vnc", opts(f"{host}:{port - 5900}",
                             ("password", True) if gfx.passwd else None,
                             ("audiodev", audio)))


_VIDEO_DRIVERS = {"vga": "VGA", "cirrus": "cirrus-vga", "vmvga": "vmware-svga",
                  "qxl": "qxl-vga", "virtio": "virtio-vga", "bochs": "bochs-display",
                  "ramfb": "ramfb"}


def _videos(cmd: Command, def_: Any) -> None:
    for i, video in enumerate(addr.devices(def_, "video")):
        model = video.model
        if model == "none":
            continue
        driver = _VIDEO_DRIVERS.get(model)
        if driver is None:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                         f"video model '{model}' is not supported", _FROM)
        if i > 0 and model == "qxl":
            driver = "qxl"
        elif i > 0 and model == "virtio":
            driver = "virtio-gpu-pci"
        props = {"driver": driver, "id": video.alias}
        if model == "qxl" and video.vram:
            props.update({"ram_size": (video.ram or 65536) * 1024,
                          "vram_size": video.vram * 1024,
                          "vram64_size_mb": 0, "vgamem_mb": (video.vgamem or 16384) // 1024,
                          "max_outputs": video.heads or 1})
        elif model == "vga" and video.vram and video.vram != 16384:
            props["vgamem_mb"] = video.vram // 1024
        props.update(_pci(video, def_))
        cmd.add("-device", jsonarg(props))


_WATCHDOG_ACTIONS = {"reset": "reset", "shutdown": "shutdown", "poweroff": "poweroff",
                     "pause": "pause", "none": "none", "dump": "pause", "inject-nmi":
                     "inject-nmi"}


def _misc(cmd: Command, def_: Any) -> None:
    for wd in addr.devices(def_, "watchdog"):
        driver = {"i6300esb": "i6300esb", "ib700": "ib700", "itco": "iTCO_wdt"}.get(wd.model)
        if driver is None:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                         f"watchdog model '{wd.model}' is not supported", _FROM)
        props = {"driver": driver, "id": wd.alias}
        if driver == "i6300esb":
            props.update(_pci(wd, def_))
        cmd.add("-device", jsonarg(props))
        cmd.add("-watchdog-action", _WATCHDOG_ACTIONS.get(wd.action or "reset", "reset"))
    balloon = addr.memballoon(def_)
    if balloon is not None and balloon.model != "none":
        driver = {"virtio": "virtio-balloon-pci",
                  "virtio-transitional": "virtio-balloon-pci-transitional",
                  "virtio-non-transitional": "virtio-balloon-pci-non-transitional"
                  }.get(balloon.model, "virtio-balloon-pci")
        cmd.add("-device", jsonarg({"driver": driver, "id": balloon.alias, **_pci(balloon, def_),
                                    "deflate-on-oom": balloon.autodeflate,
                                    "free-page-reporting": balloon.free_page_reporting}))
    for rng in addr.devices(def_, "rng"):
        obj = "obj" + rng.alias
        if rng.backend_model == "random":
            cmd.add("-object", jsonarg({"qom-type": "rng-random", "id": obj,
                                        "filename": rng.backend_path or "/dev/urandom"}))
        elif rng.backend_model == "builtin":
            cmd.add("-object", jsonarg({"qom-type": "rng-builtin", "id": obj}))
        elif rng.backend_model == "egd" and rng.source is not None:
            cmd.add("-chardev", chardev_opts(rng.alias, rng.source))
            cmd.add("-object", jsonarg({"qom-type": "rng-egd", "id": obj,
                                        "chardev": "char" + rng.alias}))
        else:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                         f"rng backend '{rng.backend_model}' is not supported", _FROM)
        cmd.add("-device", jsonarg({"driver": "virtio-rng-pci", "rng": obj, "id": rng.alias,
                                    "max-bytes": rng.rate_bytes, "period": rng.rate_period,
                                    **_pci(rng, def_)}))


def check_lifecycle(def_: Any) -> None:
    """Refuse the lifecycle actions libvirt's QEMU driver refuses (at define and start).

    On a guest power-off the driver can stop QEMU (destroy) or reset it
    (restart); it cannot keep a powered-off guest (preserve) nor rename it.
    """
    if "rename-restart" in (def_.on_poweroff, def_.on_reboot, def_.on_crash):
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     "qemu driver doesn't support the 'rename-restart' action for "
                     "'on_reboot'/'on_poweroff'/'on_crash'", _FROM)
    if "preserve" in (def_.on_reboot, def_.on_poweroff):
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     "qemu driver doesn't support the 'preserve' action for "
                     "'on_reboot'/'on_poweroff'", _FROM)
    if def_.on_reboot == "destroy" and def_.on_poweroff == "restart":
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     "qemu driver doesn't support 'onReboot' set to 'destroy and "
                     "'onPoweroff' set to 'reboot'", _FROM)


def _lifecycle(cmd: Command, def_: Any) -> None:
    # -no-shutdown keeps QEMU after the guest powers off, so the driver can
    # tell a shutdown from a crash and fake a reboot.  QEMU 7.2's -action
    # turns a guest reboot into a shutdown when on_reboot is destroy, and
    # picks what a guest panic does.
    cmd.add("-no-shutdown")
    if "acpi" not in def_.features and is_acpi_arch(def_):
        cmd.add("-no-acpi")
    if def_.on_reboot == "destroy":
        cmd.add("-action", "reboot=shutdown")
    panic = {"destroy": "shutdown", "coredump-destroy": "shutdown", "restart": "reset",
             "coredump-restart": "reset", "preserve": "pause"}.get(str(def_.on_crash))
    if panic and panic != "shutdown" and addr.devices(def_, "panic"):
        cmd.add("-action", f"panic={panic}")


def is_acpi_arch(def_: Any) -> bool:
    """True for architectures where QEMU has ACPI (x86, aarch64)."""
    return (def_.os.arch or "x86_64") in ("x86_64", "i686", "aarch64")


def boot_indexes(def_: Any) -> dict[int, int]:
    """id(device) -> bootindex, from per-device <boot order> or <os><boot dev>."""
    explicit = {id(d): d.boot_order for kind in ("disk", "interface")
                for d in addr.devices(def_, kind) if d.boot_order}
    if explicit:
        return explicit
    out: dict[int, int] = {}
    order = [b.value if hasattr(b, "value") else str(b) for b in def_.os.boot] or ["hd"]
    disks = addr.devices(def_, "disk")
    nets = addr.devices(def_, "interface")
    for n, dev in enumerate(order, start=1):
        pick = None
        if dev == "hd":
            pick = next((d for d in disks if d.device == DiskDevice.DISK), None)
        elif dev == "cdrom":
            pick = next((d for d in disks if d.device == DiskDevice.CDROM), None)
        elif dev == "fd":
            pick = next((d for d in disks if d.device == DiskDevice.FLOPPY), None)
        elif dev == "network":
            pick = nets[0] if nets else None
        if pick is not None and id(pick) not in out:
            out[id(pick)] = n
    return out


def build(def_: Any, ctx: BuildContext) -> Command:
    """The command line for the live definition ``def_``.

    Raises VIR_ERR_CONFIG_UNSUPPORTED for what QEMU or this driver cannot do.
    """
    caps = ctx.caps
    check_lifecycle(def_)
    spice.check(def_)
    home = ctx.domain_dir
    # what libvirt fills in a live SPICE display (socket path, listen address)
    spice.prepare(def_, home)
    cmd = Command(caps.binary, env=[
        ("LC_ALL", "C"), ("PATH", ctx.path_env), ("HOME", home),
        ("XDG_DATA_HOME", f"{home}/.local/share"), ("XDG_CACHE_HOME", f"{home}/.cache"),
        ("XDG_CONFIG_HOME", f"{home}/.config")])
    cmd.add("-name", opts(("guest", def_.name), ("debug-threads", True)))
    cmd.add("-S")
    _machine(cmd, def_, caps, ctx)
    _cpu(cmd, def_, caps)
    _memory_smp(cmd, def_)
    cmd.add("-uuid", def_.uuid)
    if not addr.devices(def_, "graphics"):
        cmd.add("-display", "none")
    cmd.add("-no-user-config")
    cmd.add("-nodefaults")
    cmd.add("-chardev", opts("socket", ("id", "charmonitor"), ("fd", ctx.monitor_fd),
                             ("server", True), ("wait", False)))
    cmd.pass_fds.append(ctx.monitor_fd)
    cmd.add("-mon", opts(("chardev", "charmonitor"), ("id", "monitor"), ("mode", "control")))
    offset = def_.clock.offset.value
    cmd.add("-rtc", opts(("base", "localtime" if offset == "localtime" else "utc")))
    _lifecycle(cmd, def_)
    _boot(cmd, def_)
    _firmware(cmd, def_, ctx)
    bootindex = boot_indexes(def_)
    _controllers(cmd, def_)
    _disks(cmd, def_, ctx, bootindex)
    _interfaces(cmd, def_, ctx, bootindex)
    _chardevs(cmd, def_)
    _inputs(cmd, def_)
    _graphics(cmd, def_, ctx)
    _videos(cmd, def_)
    _misc(cmd, def_)
    cmd.add("-sandbox", opts("on", ("obsolete", "deny"), ("elevateprivileges", "deny"),
                             ("spawn", "deny"), ("resourcecontrol", "deny")))
    cmd.add("-msg", "timestamp=on")
    cmd.pass_fds.extend(ctx.tap_fds.values())
    return cmd


def lines(values: Iterable[str]) -> str:
    """Join values one per line (for messages)."""
    return "\n".join(values)
