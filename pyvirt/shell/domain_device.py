"""Device hotplug commands: attach-device, detach-device, attach-disk, attach-interface."""

from __future__ import annotations

import os
import stat
from typing import Any

import pyvirt as libvirt
from pyvirt.shell import lookup
from pyvirt.shell.command import (
    CONFIG,
    CURRENT,
    DOMAIN,
    LIVE,
    PERSISTENT,
    Args,
    CmdError,
    command,
    data,
    exclusive,
    flag,
    requires,
    string,
)
from pyvirt.shell.files import read_file
from pyvirt.shell.main import Shell

DOMAIN_GROUP = "domain"


def _attr(name: str, value: str | None) -> str:
    """`` name='value'`` with XML escaping, or nothing when value is None."""
    if value is None:
        return ""
    escaped = (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
               .replace("'", "&apos;").replace('"', "&quot;"))
    return f" {name}='{escaped}'"


def _element(name: str, attrs: str, children: list[str]) -> list[str]:
    """Lines of ``<name attrs>children</name>`` (self-closing when empty)."""
    if not attrs and not children:
        return []
    if not children:
        return [f"<{name}{attrs}/>"]
    return [f"<{name}{attrs}>"] + ["  " + line for line in children] + [f"</{name}>"]


def _hotplug_flags(args: Args) -> tuple[int, bool]:
    """AFFECT flags from --persistent/--config/--live/--current."""
    exclusive(args, "persistent", "current")
    exclusive(args, "current", "live")
    exclusive(args, "current", "config")
    flags = libvirt.VIR_DOMAIN_AFFECT_CURRENT
    if args.flag("config") or args.flag("persistent"):
        flags |= libvirt.VIR_DOMAIN_AFFECT_CONFIG
    if args.flag("live"):
        flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
    return flags, args.flag("current")


def _attach(dom: Any, xml: str, flags: int, current: bool, persistent: bool,
            detach: bool = False) -> None:
    if persistent and dom.isActive() == 1:
        flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
    if detach:
        dom.detachDeviceFlags(xml, flags) if (flags or current) else dom.detachDevice(xml)
    else:
        dom.attachDeviceFlags(xml, flags) if (flags or current) else dom.attachDevice(xml)


HOTPLUG_OPTS = [PERSISTENT, CONFIG, LIVE, CURRENT]


@command("attach-device", DOMAIN_GROUP, "attach device from an XML file",
         [DOMAIN, data("file", "XML file", complete="file")] + HOTPLUG_OPTS)
def cmd_attach_device(shell: Shell, args: Args) -> bool:
    """Hot-plug (or add to the config) the device described in a file."""
    return _device_from_file(shell, args, detach=False)


@command("detach-device", DOMAIN_GROUP, "detach device from an XML file",
         [DOMAIN, data("file", "XML file", complete="file")] + HOTPLUG_OPTS)
def cmd_detach_device(shell: Shell, args: Args) -> bool:
    """Unplug (or remove from the config) the device described in a file."""
    return _device_from_file(shell, args, detach=True)


def _device_from_file(shell: Shell, args: Args, detach: bool) -> bool:
    flags, current = _hotplug_flags(args)
    dom, _ = lookup.domain(shell, args)
    path = args.req("file")
    xml = read_file(path)
    verb = "detach" if detach else "attach"
    try:
        _attach(dom, xml, flags, current, args.flag("persistent"), detach)
    except libvirt.libvirtError as exc:
        raise CmdError(f"Failed to {verb} device from {path}", exc) from None
    shell.out.extra(f"Device {verb}ed successfully\n")
    return True


# -- addresses -------------------------------------------------------------------


def parse_address(text: str, multifunction: bool) -> str | None:
    """virsh's ``type:a.b.c`` device address as an <address/> line, or None."""
    kind, sep, rest = text.partition(":")
    if not sep:
        return None
    parts = rest.split(".")
    try:
        if kind == "pci" and len(parts) == 4:
            dom, bus, slot, func = (int(p, 16) for p in parts)
            extra = " multifunction='on'" if multifunction else ""
            return (f"<address type='pci' domain='0x{dom:04x}' bus='0x{bus:02x}' "
                    f"slot='0x{slot:02x}' function='0x{func:x}'{extra}/>")
        if kind in ("ide", "scsi", "sata") and len(parts) == 3:
            ctrl, bus, unit = (int(p, 10) for p in parts)
            return f"<address type='drive' controller='{ctrl}' bus='{bus}' unit='{unit}'/>"
        if kind == "ccw" and len(parts) == 3:
            cssid, ssid, devno = (int(p, 16) for p in parts)
            return (f"<address type='ccw' cssid='0x{cssid:02x}' ssid='0x{ssid:x}' "
                    f"devno='0x{devno:04x}'/>")
        if kind == "usb" and len(parts) == 2:
            bus, port = (int(p, 10) for p in parts)
            return f"<address type='usb' bus='{bus}' port='{port}'/>"
    except ValueError:
        return None
    return None


def _disk_address(text: str, target: str, multifunction: bool) -> str:
    line = parse_address(text, multifunction)
    if line is None:
        raise CmdError("Invalid address.")
    kind = text.partition(":")[0]
    if target.startswith("vd") and kind not in ("pci", "ccw"):
        raise CmdError("expecting a pci:0000.00.00.00 or ccw:00.0.0000 address.")
    if target.startswith("sd") and kind not in ("scsi", "usb", "sata"):
        raise CmdError("expecting a scsi:00.00.00 or usb:00.00 or sata:00.00.00 address.")
    if target.startswith("hd") and kind != "ide":
        raise CmdError("expecting an ide:00.00.00 address.")
    return line


# -- attach-disk -------------------------------------------------------------------

ATTACH_DISK_OPTS = [
    DOMAIN,
    data("source", "source of disk device or name of network disk", complete="file"),
    data("target", "target of disk device"),
    string("targetbus", "target bus of disk device", positional=True),
    string("driver", "driver of disk device", positional=True),
    string("subdriver", "subdriver of disk device", positional=True),
    string("iothread", "IOThread to be used by supported device", positional=True),
    string("cache", "cache mode of disk device", positional=True),
    string("io", "io policy of disk device", positional=True),
    string("type", "target device type", positional=True),
    string("mode", "mode of device reading and writing", positional=True),
    string("sourcetype", "type of source (block|file|network)", positional=True),
    string("serial", "serial of disk device", positional=True),
    string("wwn", "wwn of disk device", positional=True),
    string("alias", "custom alias name of disk device", positional=True),
    flag("rawio", "needs rawio capability"),
    string("address", "address of disk device", positional=True),
    flag("multifunction", "use multifunction pci under specified address"),
    flag("print-xml", "print XML document rather than attach the disk"),
    string("source-protocol", "protocol used by disk device source", positional=True),
    string("source-host-name", "host name for source of disk device", positional=True),
    string("source-host-transport", "host transport for source of disk device",
           positional=True),
    string("source-host-socket", "host socket for source of disk device", positional=True),
] + HOTPLUG_OPTS


@command("attach-disk", DOMAIN_GROUP, "attach disk device", ATTACH_DISK_OPTS)
def cmd_attach_disk(shell: Shell, args: Args) -> bool:
    """Build a <disk> from options and attach it (or print it)."""
    flags, current = _hotplug_flags(args)
    for needs in ("source-host-name", "source-host-transport", "source-host-socket"):
        requires(args, needs, "source-protocol")
    requires(args, "source-host-socket", "source-host-transport")
    exclusive(args, "source-host-name", "source-host-socket")
    get = args.get
    source, target = get("source"), args.req("target")
    driver, protocol, stype = get("driver"), get("source-protocol"), get("sourcetype")
    if stype is not None and stype not in ("file", "block", "network"):
        raise CmdError(f"Unknown source type: '{stype}'")
    if not stype:
        if protocol:
            stype = "network"
        elif driver not in ("file", "tap") and source and _is_block(source):
            stype = "block"
        else:
            stype = "file"
    if (stype == "network") != bool(protocol):
        raise CmdError("--source-protocol option requires --sourcetype network")
    mode = get("mode")
    if mode and mode not in ("readonly", "shareable"):
        raise CmdError(f"No support for {mode} in command 'attach-disk'")
    disk_attrs = _attr("type", stype) + _attr("device", get("type"))
    if args.flag("rawio"):
        disk_attrs += " rawio='yes'"
    children = _element("driver", _attr("name", driver) + _attr("type", get("subdriver"))
                        + _attr("iothread", get("iothread")) + _attr("cache", get("cache"))
                        + _attr("io", get("io")), [])
    if stype == "network":
        host_attrs = _attr("transport", get("source-host-transport")) + _attr(
            "socket", get("source-host-socket"))
        host_name = get("source-host-name")
        if host_name:
            name, _, port = host_name.partition(":")
            host_attrs += _attr("name", name) + _attr("port", port or None)
        children += _element("source", _attr("protocol", protocol) + _attr("name", source),
                             _element("host", host_attrs, []))
    else:
        children += _element("source", _attr("file" if stype == "file" else "dev", source), [])
    bus = get("targetbus")
    children.append(f"<target dev='{target}'" + (f" bus='{bus}'" if bus else "") + "/>")
    if mode:
        children.append(f"<{mode}/>")
    if get("serial"):
        children.append(f"<serial>{get('serial')}</serial>")
    if get("alias"):
        children.append(f"<alias name='{get('alias')}'/>")
    if get("wwn"):
        children.append(f"<wwn>{get('wwn')}</wwn>")
    if get("address"):
        children.append(_disk_address(args.req("address"), target,
                                      args.flag("multifunction")))
    xml = "".join(line + "\n" for line in _element("disk", disk_attrs, children))
    if args.flag("print-xml"):
        shell.out.print(xml)
        return True
    dom, _ = lookup.domain(shell, args)
    try:
        _attach(dom, xml, flags, current, args.flag("persistent"))
    except libvirt.libvirtError as exc:
        raise CmdError("Failed to attach disk", exc) from None
    shell.out.extra("Disk attached successfully\n")
    return True


def _is_block(path: str) -> bool:
    try:
        return stat.S_ISBLK(os.stat(path).st_mode)
    except OSError:
        return False


# -- attach-interface ----------------------------------------------------------------

ATTACH_IFACE_OPTS = [
    DOMAIN,
    data("type", "network interface type"),
    data("source", "source of network interface"),
    string("target", "target network name", positional=True),
    string("mac", "MAC address", positional=True),
    string("script", "script used to bridge network interface", positional=True),
    string("model", "model type", positional=True),
    string("alias", "custom alias name of interface device", positional=True),
    string("inbound", "control domain's incoming traffics", positional=True),
    string("outbound", "control domain's outgoing traffics", positional=True),
] + HOTPLUG_OPTS + [
    flag("print-xml", "print XML document rather than attach the interface"),
    flag("managed", "libvirt will automatically detach/attach the device from/to host"),
    string("source-mode", "mode attribute of <source/> element", positional=True),
]

_NET_TYPES = ("user", "ethernet", "vhostuser", "server", "client", "mcast", "network",
              "bridge", "internal", "direct", "hostdev", "udp", "vdpa", "null", "vds")


def _rate(text: str, name: str) -> list[int]:
    """Parse ``average[,peak[,burst[,floor]]]``."""
    values = []
    for item in text.split(","):
        if item == "":
            values.append(0)
            continue
        try:
            values.append(int(item, 10))
        except ValueError:
            raise CmdError(f"{name} rate is malformed: '{text}'") from None
    if len(values) > 4:
        raise CmdError(f"{name} rate is malformed: '{text}'")
    return values + [0] * (4 - len(values))


@command("attach-interface", DOMAIN_GROUP, "attach network interface", ATTACH_IFACE_OPTS)
def cmd_attach_interface(shell: Shell, args: Args) -> bool:
    """Build an <interface> from options and attach it (or print it)."""
    flags, current = _hotplug_flags(args)
    get = args.get
    kind, source = args.req("type"), args.req("source")
    if kind not in _NET_TYPES:
        raise CmdError(f"No support for {kind} in command 'attach-interface'")
    source_mode = get("source-mode")
    if source_mode is not None and source_mode not in ("server", "client"):
        raise CmdError(f"Invalid source mode: {source_mode}")
    inbound = _rate(get("inbound") or "", "inbound") if get("inbound") else None
    outbound = _rate(get("outbound") or "", "outbound") if get("outbound") else None
    if inbound is not None and not inbound[0] and not inbound[3]:
        raise CmdError("either inbound average or floor is mandatory")
    if outbound is not None:
        if not outbound[0]:
            raise CmdError("outbound average is mandatory")
        if outbound[3]:
            raise CmdError("outbound floor is unsupported yet")
    lines = [f"<interface type='{kind}'" + (" managed='yes'>" if args.flag("managed") else ">")]
    body: list[str] = []
    if kind in ("network", "bridge"):
        body.append(f"<source {kind}='{source}'/>")
    elif kind == "direct":
        body.append(f"<source dev='{source}'/>")
    elif kind == "hostdev":
        address = parse_address(source if ":" in source and source.startswith("pci:")
                                else "pci:" + source.replace(":", "."), False)
        if address is None:
            raise CmdError(f"cannot parse pci address '{source}' for network interface")
        body += ["<source>", "  " + address, "</source>"]
    elif kind == "vhostuser":
        if source_mode is None:
            raise CmdError("source-mode is mandatory")
        body.append(f"<source type='unix' path='{source}' mode='{source_mode}'/>")
    else:
        raise CmdError(f"No support for {kind} in command 'attach-interface'")
    for opt, fmt in (("target", "<target dev='{}'/>"), ("mac", "<mac address='{}'/>"),
                     ("script", "<script path='{}'/>"), ("model", "<model type='{}'/>"),
                     ("alias", "<alias name='{}'/>")):
        if get(opt) is not None:
            body.append(fmt.format(get(opt)))
    if inbound is not None or outbound is not None:
        body.append("<bandwidth>")
        if inbound is not None and (inbound[0] or inbound[3]):
            body.append("  <inbound" + _rate_attrs(inbound, True) + "/>")
        if outbound is not None and outbound[0]:
            body.append("  <outbound" + _rate_attrs(outbound, False) + "/>")
        body.append("</bandwidth>")
    lines += ["  " + line for line in body] + ["</interface>"]
    xml = "".join(line + "\n" for line in lines)
    if args.flag("print-xml"):
        shell.out.print(xml)
        return True
    dom, _ = lookup.domain(shell, args)
    try:
        _attach(dom, xml, flags, current, args.flag("persistent"))
    except libvirt.libvirtError as exc:
        raise CmdError("Failed to attach interface", exc) from None
    shell.out.extra("Interface attached successfully\n")
    return True


def _rate_attrs(values: list[int], with_floor: bool) -> str:
    names = ("average", "peak", "burst", "floor") if with_floor else ("average", "peak",
                                                                      "burst")
    return "".join(f" {name}='{value}'" for name, value in zip(names, values) if value > 0)
