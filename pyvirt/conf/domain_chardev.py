"""Domain XML character devices and their users: ``<serial>``,
``<parallel>``, ``<console>``, ``<channel>``, plus ``<redirdev>``,
``<smartcard>`` and ``<rng>`` whose backends are character devices."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from lxml import etree

from pyvirt.conf.domain_base import (
    Device,
    FormatCtx,
    ParseCtx,
    bad_enum,
    keep,
    load_children,
    message,
    order_of,
    text_node,
    uint,
    unsupported,
)
from pyvirt.conf.domain_disk import VIRTIO_OPTS
from pyvirt.conf.xmlutil import PLAIN, E, attr_text, escape_attr, indent_lines, write_node


class ChrType(enum.StrEnum):
    """The host side of a character device (``type=`` of the element)."""

    NULL = "null"
    VC = "vc"
    PTY = "pty"
    DEV = "dev"
    FILE = "file"
    PIPE = "pipe"
    STDIO = "stdio"
    UDP = "udp"
    TCP = "tcp"
    UNIX = "unix"
    SPICEVMC = "spicevmc"
    SPICEPORT = "spiceport"
    NMDM = "nmdm"
    QEMU_VDAGENT = "qemu-vdagent"
    DBUS = "dbus"


_PATH_TYPES = (ChrType.DEV, ChrType.FILE, ChrType.PIPE, ChrType.PTY)


@dataclass(kw_only=True, slots=True)
class ChrSource:
    """Where a character device's data goes on the host.

    ``path`` for dev/file/pipe/pty/unix; ``mode``/``host``/``service``
    for tcp; ``bind_host``/``bind_service`` and ``host``/``service`` for
    udp; ``channel`` for spiceport/dbus; ``master``/``slave`` for nmdm.
    """

    type: ChrType = ChrType.NULL
    path: str | None = None
    append: bool | None = None
    mode: str | None = None
    host: str | None = None
    service: str | None = None
    bind_host: str | None = None
    bind_service: str | None = None
    tls: bool | None = None
    protocol: str | None = None
    channel: str | None = None
    master: str | None = None
    slave: str | None = None
    reconnect: dict[str, str] = field(default_factory=dict)
    kept: list[E] = field(default_factory=list)
    log: dict[str, str] = field(default_factory=dict)

    def same_as(self, other: ChrSource) -> bool:
        """True when both describe the same host endpoint (libvirt's check
        for a console that mirrors the first serial port)."""
        if self.type != other.type:
            return False
        if self.type in _PATH_TYPES:
            return self.path == other.path
        if self.type == ChrType.UNIX:
            return (self.path, self.mode) == (other.path, other.mode)
        if self.type in (ChrType.TCP, ChrType.UDP):
            return (self.host, self.service, self.mode, self.bind_host, self.bind_service) == \
                (other.host, other.service, other.mode, other.bind_host, other.bind_service)
        if self.type in (ChrType.SPICEPORT, ChrType.DBUS):
            return self.channel == other.channel
        if self.type == ChrType.NMDM:
            return (self.master, self.slave) == (other.master, other.slave)
        return True

    def read_child(self, child: etree._Element) -> bool:
        """Consume ``<source>``, ``<protocol>`` or ``<log>``; False for others."""
        tag = child.tag
        if tag == "source":
            self._read_source(child)
        elif tag == "protocol" and self.type == ChrType.TCP:
            self.protocol = child.get("type")
        elif tag == "log":
            self.log = dict(cast("Mapping[str, str]", child.attrib))
        else:
            return False
        return True

    def _read_source(self, child: etree._Element) -> None:
        get = child.get
        kind = self.type
        if kind in _PATH_TYPES:
            if self.path is None:
                self.path = get("path")
            append = get("append")
            if append is not None and kind == ChrType.FILE:
                self.append = append == "on"
        elif kind == ChrType.UNIX:
            self.mode = get("mode", "connect")
            self.path = get("path")
        elif kind == ChrType.TCP:
            self.mode = get("mode", "connect")
            self.host = get("host")
            self.service = get("service")
            tls = get("tls")
            self.tls = None if tls is None else tls == "yes"
        elif kind == ChrType.UDP:
            if get("mode", "connect") == "bind":
                self.bind_host, self.bind_service = get("host"), get("service")
            else:
                self.host, self.service = get("host"), get("service")
        elif kind in (ChrType.SPICEPORT, ChrType.DBUS):
            self.channel = get("channel")
        elif kind == ChrType.NMDM:
            self.master, self.slave = get("master"), get("slave")
        for sub in child:
            if sub.tag == "reconnect":
                self.reconnect = dict(cast("Mapping[str, str]", sub.attrib))
            elif isinstance(sub.tag, str):
                self.kept.append(keep(sub))

    def finish_parse(self) -> None:
        """Fill the defaults libvirt adds (tcp protocol raw)."""
        if self.type == ChrType.TCP:
            self.protocol = self.protocol or "raw"
            self.mode = self.mode or "connect"

    def write(self, pad: str, out: list[str], fctx: FormatCtx) -> None:
        """Append the lines of :meth:`format`, indented by ``pad``."""
        kind = self.type
        if not self.kept and not self.log and not self.reconnect:
            if kind == "pty":
                if not fctx.inactive and self.path:
                    out.append(f"{pad}<source path='{escape_attr(self.path)}'/>\n")
                return
            if kind == "unix":
                if self.path is not None:
                    mode = "" if self.mode is None else f" mode='{escape_attr(self.mode)}'"
                    out.append(f"{pad}<source{mode} path='{escape_attr(self.path)}'/>\n")
                return
        for elem in self.format(fctx):
            write_node(elem, pad, out)

    def format(self, fctx: FormatCtx) -> list[E]:
        """The ``<source>`` (two for udp), ``<protocol>`` and ``<log>`` elements."""
        out: list[E] = []
        kind = self.type
        reconnect = E("reconnect", list(self.reconnect.items())) if self.reconnect else None
        if kind in _PATH_TYPES:
            if kind != ChrType.PTY or (not fctx.inactive and self.path):
                out.append(E("source", [("path", self.path), (
                    "append", None if self.append is None else ("on" if self.append else "off"))
                ], children=self.kept))
        elif kind == ChrType.UNIX:
            if self.path is not None:
                out.append(E("source", [("mode", self.mode), ("path", self.path)],
                             children=[reconnect, *self.kept]))
        elif kind == ChrType.TCP:
            out.append(E("source", [("mode", self.mode), ("host", self.host),
                                    ("service", self.service),
                                    ("tls", None if self.tls is None else
                                     ("yes" if self.tls else "no"))],
                         children=[reconnect, *self.kept]))
            out.append(E("protocol", [("type", self.protocol or "raw")]))
        elif kind == ChrType.UDP:
            if self.bind_host is not None or self.bind_service is not None:
                out.append(E("source", [("mode", "bind"), ("host", self.bind_host),
                                        ("service", self.bind_service)]))
            out.append(E("source", [("mode", "connect"), ("host", self.host),
                                    ("service", self.service)]))
        elif kind in (ChrType.SPICEPORT, ChrType.DBUS):
            out.append(E("source", [("channel", self.channel)]))
        elif kind == ChrType.NMDM:
            out.append(E("source", [("master", self.master), ("slave", self.slave)]))
        elif self.kept:
            out.append(E("source", children=self.kept, keep=True))
        if self.log:
            out.append(E("log", list(self.log.items())))
        return out


def _chr_type(elem: etree._Element) -> ChrType:
    text = elem.get("type", "null")
    kind = ChrType._value2member_map_.get(text)
    if kind is None:
        raise unsupported(f"unknown type presented to host for character device: {text}")
    return kind  # type: ignore[return-value]


_CHR_ORDER = order_of("source", "protocol", "log", "target", "seclabel", "boot", "alias",
                      "acpi", "address")


_TARGET_PORT = uint(10, message("Invalid port number: {value}"))
_RATE_BYTES = uint(10, message("invalid RNG rate bytes value"))
_RATE_PERIOD = uint(10, message("invalid RNG rate period value"))


@dataclass(kw_only=True, slots=True)
class CharDevice(Device):
    """Common part of serial/parallel/console/channel devices: the host
    ``source`` and the guest ``target_*`` fields (which apply depends on
    the element and the target type)."""

    source: ChrSource = field(default_factory=ChrSource)
    target_type: str | None = None
    target_port: int | None = None
    target_name: str | None = None
    target_address: str | None = None
    target_model: str | None = None
    target_state: str | None = None

    @classmethod
    def parse(cls, elem: etree._Element, pctx: ParseCtx) -> Any:
        """Parse a ``<serial>``, ``<parallel>``, ``<console>`` or ``<channel>``."""
        dev = cls()
        dev.source = ChrSource(type=_chr_type(elem))
        handlers: dict[str, Callable[[Any, etree._Element], object]] = {"target": cls._target}
        for tag in ("source", "protocol", "log"):
            handlers[tag] = lambda d, c: d.source.read_child(c)
        load_children(dev, elem, pctx, handlers, _CHR_ORDER)
        dev.source.finish_parse()
        if not pctx.live:
            dev.target_state = None
        return dev

    def _target(self, child: etree._Element) -> None:
        self.target_type = child.get("type")
        port = child.get("port")
        if port is not None:
            self.target_port = _TARGET_PORT.load(port, "port", "target")
        self.target_name = child.get("name")
        self.target_address = child.get("address")
        self.target_state = child.get("state")
        model = child.find("model")
        if model is not None:
            self.target_model = model.get("name")

    def target_text(self, fctx: FormatCtx) -> str:
        """The attributes of ``<target>``, formatted."""
        kind = self.target_type
        text = "" if kind is None else f" type='{kind if kind in PLAIN else escape_attr(kind)}'"
        if self.target_port is not None:
            text += f" port='{self.target_port}'"
        return text

    def format(self, fctx: FormatCtx) -> E:
        """The device element."""
        return self.format_written(fctx)

    def write(self, pad: str, out: list[str], fctx: FormatCtx) -> None:
        """Write the device element (see :meth:`Device.write`)."""
        target = self.target_text(fctx)
        if self.target_model is None:
            target = f"<target{target}/>"
        else:
            target = (f"<target{target}>\n  <model name='{escape_attr(self.target_model)}'/>\n"
                      "</target>")
        self.write_as(self.TAG, target, pad, out, fctx)

    def write_as(self, tag: str, target: str, pad: str, out: list[str],
                 fctx: FormatCtx) -> None:
        """Write this device as element ``tag`` with the ``<target>`` element
        ``target`` (a console mirroring a serial port is the serial port
        written so)."""
        start = len(out)
        source = self.source
        if tag == "console" and source.type == "pty" and not fctx.inactive \
                and source.path is not None:
            out.append(f"{pad}<{tag} type='pty' tty='{escape_attr(source.path)}'>\n")
        else:
            out.append(f"{pad}<{tag} type='{source.type._value_}'>\n")
        sub = pad + "  "
        source.write(sub, out, fctx)
        # a <target> is mostly one line: written without the call that splits lines
        out.append(indent_lines(target, sub) if "\n" in target else f"{sub}{target}\n")
        if self.address is None and self.alias is None and self.boot_order is None \
                and self.rom is None and self.acpi_index is None \
                and self.master_startport is None and not self.kept:
            out.append(f"{pad}</{tag}>\n")     # as Disk.write: close's common case
        else:
            self.close(pad, out, start, _CHR_ORDER, fctx, "", tag)


@dataclass(kw_only=True, slots=True)
class Serial(CharDevice):
    """A ``<serial>`` port."""

    TAG = "serial"


@dataclass(kw_only=True, slots=True)
class Parallel(CharDevice):
    """A ``<parallel>`` port."""

    TAG = "parallel"


@dataclass(kw_only=True, slots=True)
class Console(CharDevice):
    """A ``<console>``; on HVM guests a console of target type 'serial' is
    the first serial port seen another way, and is written from it."""

    TAG = "console"


@dataclass(kw_only=True, slots=True)
class Channel(CharDevice):
    """A ``<channel>``: virtio-serial port (``target_name``) or guestfwd
    (``target_address``/``target_port``)."""

    TAG = "channel"

    def target_text(self, fctx: FormatCtx) -> str:
        """The attributes of a channel's ``<target>`` (state only for live XML)."""
        if self.target_type == "guestfwd":
            return attr_text([kv for kv in (("type", "guestfwd"),
                                            ("address", self.target_address),
                                            ("port", self.target_port)) if kv[1] is not None])
        kind = self.target_type
        text = "" if kind is None else f" type='{kind if kind in PLAIN else escape_attr(kind)}'"
        if self.target_name is not None:
            name = self.target_name
            text += f" name='{name if name in PLAIN else escape_attr(name)}'"
        if self.target_state is not None and not fctx.inactive:
            text += f" state='{escape_attr(self.target_state)}'"
        return text


# --- redirdev, smartcard, rng ------------------------------------------------------

@dataclass(kw_only=True, slots=True)
class Redirdev(Device):
    """A ``<redirdev>``: USB redirected from a client over ``source``."""

    TAG = "redirdev"
    BOOTABLE = True
    bus: str = "usb"
    source: ChrSource = field(default_factory=ChrSource)

    @classmethod
    def parse(cls, elem: etree._Element, pctx: ParseCtx) -> Redirdev:
        """Parse a ``<redirdev>`` element."""
        dev = cls()
        bus = elem.get("bus", "usb")
        if bus != "usb":
            raise unsupported(f"unknown redirdev bus '{bus}'")
        dev.source = ChrSource(type=_chr_type(elem))
        load_children(dev, elem, pctx, {t: lambda d, c: d.source.read_child(c)
                                        for t in ("source", "protocol")}, _CHR_ORDER)
        dev.source.finish_parse()
        return dev

    def format(self, fctx: FormatCtx) -> E:
        """The ``<redirdev>`` element."""
        node = E("redirdev", [("bus", self.bus), ("type", self.source.type.value)],
                 children=self.source.format(fctx))
        self.finish(node, _CHR_ORDER, fctx)
        if not node.children:
            # libvirt writes this element open and closed even when empty
            node.raw = f"<redirdev bus='{self.bus}' type='{self.source.type.value}'>\n</redirdev>"
        return node


@dataclass(kw_only=True, slots=True)
class Smartcard(Device):
    """A ``<smartcard>`` (mode host, host-certificates or passthrough)."""

    TAG = "smartcard"
    mode: str = "host"
    source: ChrSource | None = None

    @classmethod
    def parse(cls, elem: etree._Element, pctx: ParseCtx) -> Smartcard:
        """Parse a ``<smartcard>`` element."""
        card = cls()
        card.mode = elem.get("mode", "")
        if card.mode not in ("host", "host-certificates", "passthrough"):
            raise bad_enum("mode", "smartcard", card.mode)
        handlers: dict[str, Any] = {}
        if card.mode == "passthrough":
            card.source = ChrSource(type=_chr_type(elem))
            handlers = {t: lambda d, c: d.source.read_child(c) for t in ("source", "protocol")}
        load_children(card, elem, pctx, handlers, _SMARTCARD_ORDER)
        if card.source is not None:
            card.source.finish_parse()
        return card

    def format(self, fctx: FormatCtx) -> E:
        """The ``<smartcard>`` element."""
        node = E("smartcard", [("mode", self.mode),
                               ("type", self.source.type.value if self.source else None)])
        if self.source is not None:
            node.children.extend(self.source.format(fctx))
        return self.finish(node, _SMARTCARD_ORDER, fctx)


_SMARTCARD_ORDER = order_of("certificate", "database", "source", "protocol", "boot", "alias",
                            "acpi", "address")

_RNG_ORDER = order_of("rate", "backend", "driver", "boot", "alias", "acpi", "address")
_RNG_DRIVER = VIRTIO_OPTS


@dataclass(kw_only=True, slots=True)
class Rng(Device):
    """A random number generator: backend 'random' reads ``backend_path``,
    'egd' talks to ``source``, 'builtin' needs nothing."""

    TAG = "rng"
    model: str = "virtio"
    rate_bytes: int | None = None
    rate_period: int | None = None
    backend_model: str = "random"
    backend_path: str | None = None
    source: ChrSource | None = None
    driver: dict[str, Any] | None = None

    @classmethod
    def parse(cls, elem: etree._Element, pctx: ParseCtx) -> Rng:
        """Parse an ``<rng>`` element."""
        rng = cls()
        rng.model = elem.get("model", "")
        if rng.model not in ("virtio", "virtio-transitional", "virtio-non-transitional"):
            raise unsupported(f"unknown RNG model '{rng.model}'")
        load_children(rng, elem, pctx, _RNG_HANDLERS, _RNG_ORDER)
        return rng

    def _rate(self, child: etree._Element) -> None:
        self.rate_bytes = _RATE_BYTES.load(child.get("bytes", ""), "bytes", "rate")
        period = child.get("period")
        self.rate_period = None if period is None else _RATE_PERIOD.load(period, "period", "rate")

    def _backend(self, child: etree._Element) -> None:
        model = child.get("model", "")
        if model not in ("random", "egd", "builtin"):
            raise unsupported(f"unknown backend model '{model}'")
        self.backend_model = model
        if model == "random":
            self.backend_path = (child.text or "").strip() or "/dev/random"
        elif model == "egd":
            self.source = ChrSource(type=_chr_type(child))
            for sub in child:
                self.source.read_child(sub)
            self.source.finish_parse()

    def _driver(self, child: etree._Element) -> None:
        self.driver = {s.name: s.conv.load(cast(str, child.get(s.attr)), s.attr, "driver")
                       for s in _RNG_DRIVER if child.get(s.attr) is not None}

    def format(self, fctx: FormatCtx) -> E:
        """The ``<rng>`` element."""
        return self.format_written(fctx)

    def write(self, pad: str, out: list[str], fctx: FormatCtx) -> None:
        """Write the ``<rng>`` element (see :meth:`Device.write`)."""
        if self.backend_model != "random" or self.rate_bytes is not None \
                or self.rate_period is not None or self.driver:
            write_node(self._format_tree(fctx), pad, out)
            return
        start = len(out)
        out.append(f"{pad}<rng model='{escape_attr(self.model)}'>\n")
        out.append(f"{pad}  <backend model='random'>{escape_attr(self.backend_path or '')}"
                   "</backend>\n")
        self.close(pad, out, start, _RNG_ORDER, fctx)

    def _format_tree(self, fctx: FormatCtx) -> E:
        node = E("rng", [("model", self.model)])
        node.add(E("rate", [("bytes", self.rate_bytes), ("period", self.rate_period)]))
        if self.backend_model == "egd" and self.source is not None:
            node.add(E("backend", [("model", "egd"), ("type", self.source.type.value)],
                       children=self.source.format(fctx), keep=True))
        elif self.backend_model == "random":
            node.add(text_node("backend", self.backend_path or "", [("model", "random")]))
        else:
            node.add(E("backend", [("model", self.backend_model)], keep=True))
        if self.driver:
            node.add(E("driver", [(s.attr, s.conv.dump(self.driver[s.name]))
                                  for s in _RNG_DRIVER if s.name in self.driver]))
        return self.finish(node, _RNG_ORDER, fctx)


_RNG_HANDLERS = {"rate": Rng._rate, "backend": Rng._backend, "driver": Rng._driver}

