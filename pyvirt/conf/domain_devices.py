"""Domain XML display, input and miscellaneous devices: ``<graphics>``,
``<video>``, ``<input>``, ``<sound>``, ``<audio>``, ``<watchdog>``,
``<memballoon>``, ``<tpm>``, ``<panic>``, ``<hub>``, and devices kept
verbatim (``<shmem>``, ``<memory>``, ``<iommu>``, ``<vsock>`` ...)."""

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
    UINT,
    YESNO,
    A,
    Address,
    Conv,
    Device,
    DimmAddress,
    FormatCtx,
    ParseCtx,
    SpaprVioAddress,
    attr_writer,
    bad_enum,
    internal,
    keep,
    load_children,
    message,
    missing_attr,
    order_of,
    parse_enum,
    read_attrs,
    uint,
    unsupported,
    xml_err,
)
from pyvirt.conf.xmlutil import E, attr_text, escape_attr, to_kib, write_node

# --- <graphics> ----------------------------------------------------------------------

class GraphicsType(enum.StrEnum):
    """``<graphics type=...>``."""

    SDL = "sdl"
    VNC = "vnc"
    RDP = "rdp"
    DESKTOP = "desktop"
    SPICE = "spice"
    EGL_HEADLESS = "egl-headless"
    DBUS = "dbus"


class ListenType(enum.StrEnum):
    """``<listen type=...>``."""

    NONE = "none"
    ADDRESS = "address"
    NETWORK = "network"
    SOCKET = "socket"


@dataclass(kw_only=True, slots=True)
class Listen:
    """One ``<listen>`` of a VNC/SPICE/RDP display."""

    type: ListenType = ListenType.ADDRESS
    address: str | None = None
    network: str | None = None
    socket: str | None = None


_LISTEN_TYPES = (GraphicsType.VNC, GraphicsType.SPICE, GraphicsType.RDP)

_GRAPHICS_ORDER = order_of("listen", "channel", "image", "jpeg", "zlib", "playback",
                           "streaming", "mouse", "clipboard", "filetransfer", "gl", "audio")


@dataclass(kw_only=True, slots=True)
class Graphics(Device):
    """A ``<graphics>`` display.  Ports are ints; ``autoport`` says the
    port is picked at start.  ``passwd`` is written only for
    ``VIR_DOMAIN_XML_SECURE``."""

    TAG = "graphics"
    type: GraphicsType = GraphicsType.VNC
    port: int | None = None
    tls_port: int | None = None
    autoport: bool = False
    websocket: int | None = None
    keymap: str | None = None
    share_policy: str | None = None
    power_control: bool | None = None
    default_mode: str | None = None
    passwd: str | None = None
    passwd_valid_to: str | None = None
    connected: str | None = None
    display: str | None = None
    xauth: str | None = None
    fullscreen: bool | None = None
    replace_user: bool | None = None
    multi_user: bool | None = None
    dbus_address: str | None = None
    p2p: bool | None = None
    listens: list[Listen] = field(default_factory=list)

    @classmethod
    def parse(cls, elem: etree._Element, pctx: ParseCtx) -> Graphics:
        """Parse a ``<graphics>`` element."""
        gfx = cls()
        gfx.type = parse_enum(GraphicsType, elem.get("type"), "type", "graphics") \
            if elem.get("type") is not None else GraphicsType.VNC
        get = elem.get
        kind = gfx.type
        if kind in (GraphicsType.VNC, GraphicsType.SPICE, GraphicsType.RDP):
            gfx._parse_ports(elem, pctx)
        if kind == GraphicsType.VNC:
            websocket = get("websocket")
            gfx.websocket = None if websocket is None else INT.load(websocket, "websocket",
                                                                    "graphics")
            gfx.share_policy = get("sharePolicy")
            power = get("powerControl")
            gfx.power_control = None if power is None else YESNO.load(power, "powerControl",
                                                                      "graphics")
        if kind in (GraphicsType.VNC, GraphicsType.SPICE):
            gfx.keymap = get("keymap")
            gfx.passwd = get("passwd")
            gfx.passwd_valid_to = get("passwdValidTo")
            gfx.connected = get("connected")
        if kind == GraphicsType.SPICE:
            gfx.default_mode = get("defaultMode")
        if kind in (GraphicsType.SDL, GraphicsType.DESKTOP):
            gfx.display = get("display")
            full = get("fullscreen")
            gfx.fullscreen = None if full is None else YESNO.load(full, "fullscreen", "graphics")
        if kind == GraphicsType.SDL:
            gfx.xauth = get("xauth")
        if kind == GraphicsType.RDP:
            for attr, name in (("replaceUser", "replace_user"), ("multiUser", "multi_user")):
                value = get(attr)
                if value is not None:
                    setattr(gfx, name, YESNO.load(value, attr, "graphics"))
        if kind == GraphicsType.DBUS:
            gfx.dbus_address = get("address")
            p2p = get("p2p")
            gfx.p2p = None if p2p is None else YESNO.load(p2p, "p2p", "graphics")
        load_children(gfx, elem, pctx, {"listen": Graphics._listen}, _GRAPHICS_ORDER)
        if kind in _LISTEN_TYPES:
            gfx._default_listen(get("listen"), get("socket"))
        return gfx

    def _parse_ports(self, elem: etree._Element, pctx: ParseCtx) -> None:
        port = elem.get("port")
        self.port = None if port is None else _int(port, "port", self.type.value)
        if self.type == GraphicsType.VNC and port is None:
            self.autoport = True
        tls = elem.get("tlsPort") if self.type == GraphicsType.SPICE else None
        self.tls_port = None if tls is None else _int(tls, "tlsPort", self.type.value)
        if self.port == -1 or self.tls_port == -1:
            self.autoport = True
        autoport = elem.get("autoport")
        if autoport is not None:
            self.autoport = YESNO.load(autoport, "autoport", "graphics")
        if self.autoport and not pctx.live:
            self.port = None
            self.tls_port = None
        if self.port is not None and self.port <= 0:
            self.port = None
        if self.tls_port is not None and self.tls_port <= 0:
            self.tls_port = None

    def _listen(self, child: etree._Element) -> None:
        if self.type not in _LISTEN_TYPES:
            return
        if child.get("type") is None:
            raise missing_attr("type", "listen")
        kind = parse_enum(ListenType, child.get("type"), "type", "listen")
        listen = Listen(type=kind)
        if kind == ListenType.ADDRESS:
            listen.address = child.get("address")
        elif kind == ListenType.NETWORK:
            listen.network = child.get("network")
        elif kind == ListenType.SOCKET:
            listen.socket = child.get("socket")
        self.listens.append(listen)

    def _default_listen(self, listen_attr: str | None, socket_attr: str | None) -> None:
        if self.listens:
            first = self.listens[0]
            if listen_attr is not None and first.type == ListenType.ADDRESS:
                if first.address is None:
                    first.address = listen_attr
                elif first.address != listen_attr:
                    raise unsupported(f"graphics 'listen' attribute '{listen_attr}' must match "
                                  f"'address' attribute of first listen element (found "
                                  f"'{first.address}')")
            return
        if listen_attr is not None:
            self.listens.append(Listen(type=ListenType.ADDRESS, address=listen_attr))
        elif self.type == GraphicsType.VNC and socket_attr is not None:
            self.listens.append(Listen(type=ListenType.SOCKET, socket=socket_attr))
        elif self.type == GraphicsType.SPICE and not (self.port or self.tls_port
                                                      or self.autoport):
            self.listens.append(Listen(type=ListenType.NONE))
        else:
            self.listens.append(Listen(type=ListenType.ADDRESS))

    def format(self, fctx: FormatCtx) -> E:
        """The ``<graphics>`` element."""
        return self.format_written(fctx)

    def write(self, pad: str, out: list[str], fctx: FormatCtx) -> None:
        """Write the ``<graphics>`` element (see :meth:`Device.write`)."""
        attrs: list[tuple[str, Any]] = [("type", self.type._value_)]
        kind = self.type
        first = self.listens[0] if self.listens else None
        listen_attr = None
        if first is not None and first.type in ("address", "network") \
                and first.address and not (fctx.inactive and first.type == "network"):
            listen_attr = first.address
        with_ports = first is not None and first.type in (ListenType.ADDRESS,
                                                          ListenType.NETWORK)
        if kind == "vnc":
            if first is not None and first.type == "socket":
                attrs.append(("socket", first.socket))
            elif with_ports:
                if self.port and (not self.autoport or not fctx.inactive):
                    attrs.append(("port", self.port))
                elif self.autoport:
                    attrs.append(("port", -1))
                attrs.append(("autoport", "yes" if self.autoport else "no"))
                attrs.append(("websocket", self.websocket or None))
                attrs.append(("listen", listen_attr))
            attrs += [("keymap", self.keymap), ("sharePolicy", self.share_policy),
                      ("powerControl", None if self.power_control is None else
                       ("yes" if self.power_control else "no"))]
            attrs += self._auth_attrs(fctx)
        elif kind == "spice":
            if with_ports:
                attrs += [("port", self.port), ("tlsPort", self.tls_port),
                          ("autoport", "yes" if self.autoport else "no"),
                          ("listen", listen_attr)]
            attrs += [("keymap", self.keymap), ("defaultMode", self.default_mode)]
            attrs += self._auth_attrs(fctx)
        elif kind == "rdp":
            if self.port:
                attrs.append(("port", self.port))
            elif self.autoport:
                attrs.append(("port", 0))
            attrs += [("autoport", "yes" if self.autoport else None),
                      ("replaceUser", "yes" if self.replace_user else None),
                      ("multiUser", "yes" if self.multi_user else None),
                      ("listen", listen_attr)]
        elif kind in ("sdl", "desktop"):
            attrs += [("display", self.display), ("xauth", self.xauth),
                      ("fullscreen", "yes" if self.fullscreen else None)]
        elif kind == "dbus":
            attrs += [("address", self.dbus_address),
                      ("p2p", None if self.p2p is None else ("yes" if self.p2p else "no"))]
        start = len(out)
        out.append(f"{pad}<graphics{attr_text([kv for kv in attrs if kv[1] is not None])}>\n")
        sub = pad + "  "
        for listen in self.listens:
            text = f"{sub}<listen type='{listen.type._value_}'"
            if listen.address is not None and (listen.type == "address" or (
                    listen.type == "network" and not fctx.inactive)):
                text += f" address='{escape_attr(listen.address)}'"
            if listen.network is not None:
                text += f" network='{escape_attr(listen.network)}'"
            if listen.socket is not None:
                text += f" socket='{escape_attr(listen.socket)}'"
            out.append(text + "/>\n")
        self.close(pad, out, start, _GRAPHICS_ORDER, fctx)

    def _auth_attrs(self, fctx: FormatCtx) -> list[tuple[str, Any]]:
        if self.passwd is None:
            return []
        return [("passwd", self.passwd if fctx.secure else None),
                ("passwdValidTo", self.passwd_valid_to), ("connected", self.connected)]


def _int(text: str, attr: str, what: str = "graphics") -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise internal(f"cannot parse {what} {attr} {text}") from None


# --- <video> ------------------------------------------------------------------------

class VideoModel(enum.StrEnum):
    """``<video><model type=...>``."""

    VGA = "vga"
    CIRRUS = "cirrus"
    VMVGA = "vmvga"
    XEN = "xen"
    VBOX = "vbox"
    QXL = "qxl"
    PARALLELS = "parallels"
    VIRTIO = "virtio"
    GOP = "gop"
    NONE = "none"
    BOCHS = "bochs"
    RAMFB = "ramfb"


def _video_size(name: str) -> Conv:
    return uint(10, message(f"cannot parse video {name} '{{value}}'"))


_VIDEO_ATTRS = (A("ram", _video_size("ram")), A("vram", _video_size("vram")),
                A("vram64", _video_size("vram64")), A("vgamem", _video_size("vgamem")),
                A("heads", uint(10, message("cannot parse video heads '{value}'",
                                            C.VIR_ERR_INTERNAL_ERROR))),
                A("primary", YESNO))
_video_attrs_text = attr_writer(_VIDEO_ATTRS)
_VIDEO_ORDER = order_of("driver", "model", "boot", "alias", "acpi", "address")


@dataclass(kw_only=True, slots=True)
class Video(Device):
    """A ``<video>`` adapter; sizes in KiB; ``model`` None means the
    hypervisor's default, chosen when defaults are filled."""

    TAG = "video"
    model: VideoModel | None = None
    ram: int | None = None
    vram: int | None = None
    vram64: int | None = None
    vgamem: int | None = None
    heads: int | None = None
    primary: bool | None = None
    model_kept: list[E] = field(default_factory=list)

    @classmethod
    def parse(cls, elem: etree._Element, pctx: ParseCtx) -> Video:
        """Parse a ``<video>`` element."""
        video = cls()
        load_children(video, elem, pctx, {"model": Video._model}, _VIDEO_ORDER)
        return video

    def _model(self, child: etree._Element) -> None:
        kind = child.get("type")
        if kind is not None:
            model = VideoModel._value2member_map_.get(kind)
            if model is None:
                raise unsupported(f"unknown video model '{kind}'")
            self.model = model  # type: ignore[assignment]
        read_attrs(self, child, _VIDEO_ATTRS)
        self.model_kept = [keep(c) for c in child if isinstance(c.tag, str)]

    def format(self, fctx: FormatCtx) -> E:
        """The ``<video>`` element."""
        return self.format_written(fctx)

    def write(self, pad: str, out: list[str], fctx: FormatCtx) -> None:
        """Write the ``<video>`` element (see :meth:`Device.write`)."""
        start = len(out)
        out.append(f"{pad}<video>\n")
        sub = pad + "  "
        text = "" if self.model is None else f" type='{self.model._value_}'"
        text += _video_attrs_text(self)
        if self.model_kept:
            write_node(E.with_attrs("model", text, None, list(self.model_kept), True), sub, out)
        else:
            out.append(f"{sub}<model{text}/>\n")
        self.close(pad, out, start, _VIDEO_ORDER, fctx)


# --- <input> ------------------------------------------------------------------------

class InputType(enum.StrEnum):
    """``<input type=...>``."""

    MOUSE = "mouse"
    TABLET = "tablet"
    KEYBOARD = "keyboard"
    PASSTHROUGH = "passthrough"
    EVDEV = "evdev"


class InputBus(enum.StrEnum):
    """``<input bus=...>``."""

    PS2 = "ps2"
    USB = "usb"
    XEN = "xen"
    PARALLELS = "parallels"
    VIRTIO = "virtio"
    NONE = "none"


_INPUT_ORDER = order_of("source", "driver", "boot", "alias", "acpi", "address")


@dataclass(kw_only=True, slots=True)
class Input(Device):
    """An ``<input>`` device."""

    TAG = "input"
    type: InputType = InputType.MOUSE
    bus: InputBus | None = None
    model: str | None = None

    @classmethod
    def parse(cls, elem: etree._Element, pctx: ParseCtx) -> Input:
        """Parse an ``<input>`` element."""
        dev = cls()
        kind = elem.get("type", "")
        member = InputType._value2member_map_.get(kind)
        if member is None:
            raise unsupported(f"unknown input device type '{kind}'")
        dev.type = member  # type: ignore[assignment]
        bus = elem.get("bus")
        if bus is not None:
            member = InputBus._value2member_map_.get(bus)
            if member is None:
                raise unsupported(f"unknown input bus type '{bus}'")
            dev.bus = member  # type: ignore[assignment]
        dev.model = elem.get("model")
        load_children(dev, elem, pctx, {}, _INPUT_ORDER)
        return dev

    def format(self, fctx: FormatCtx) -> E:
        """The ``<input>`` element."""
        return self.format_written(fctx)

    def write(self, pad: str, out: list[str], fctx: FormatCtx) -> None:
        """Write the ``<input>`` element (see :meth:`Device.write`)."""
        head = f"{pad}<input type='{self.type._value_}'"
        if self.bus is not None:
            head += f" bus='{self.bus._value_}'"
        if self.model is not None:
            head += f" model='{escape_attr(self.model)}'"
        start = len(out)
        out.append(head + ">\n")
        self.close(pad, out, start, _INPUT_ORDER, fctx)


# --- <sound>, <audio> ----------------------------------------------------------------

SOUND_MODELS = ("sb16", "es1370", "pcspk", "ac97", "ich6", "ich7", "ich9", "usb")
_SOUND_ORDER = order_of("codec", "audio", "boot", "alias", "acpi", "address")


@dataclass(kw_only=True, slots=True)
class Sound(Device):
    """A ``<sound>`` card; ``codecs`` lists the codec types."""

    TAG = "sound"
    model: str = "ich6"
    codecs: list[str] = field(default_factory=list)
    audio_id: int | None = None

    @classmethod
    def parse(cls, elem: etree._Element, pctx: ParseCtx) -> Sound:
        """Parse a ``<sound>`` element."""
        dev = cls()
        model = elem.get("model", "")
        if model not in SOUND_MODELS:
            raise bad_enum("model", "sound", model)
        dev.model = model
        load_children(dev, elem, pctx, _SOUND_HANDLERS, _SOUND_ORDER)
        return dev

    def _codec(self, child: etree._Element) -> None:
        kind = child.get("type", "")
        if kind not in ("duplex", "micro", "output"):
            raise unsupported(f"unknown codec type '{kind}'")
        self.codecs.append(kind)

    def _audio(self, child: etree._Element) -> None:
        self.audio_id = UINT.load(child.get("id", ""), "id", "audio")

    def format(self, fctx: FormatCtx) -> E:
        """The ``<sound>`` element."""
        return self.format_written(fctx)

    def write(self, pad: str, out: list[str], fctx: FormatCtx) -> None:
        """Write the ``<sound>`` element (see :meth:`Device.write`)."""
        start = len(out)
        out.append(f"{pad}<sound model='{escape_attr(self.model)}'>\n")
        for codec in self.codecs:
            out.append(f"{pad}  <codec type='{escape_attr(codec)}'/>\n")
        if self.audio_id is not None:
            out.append(f"{pad}  <audio id='{self.audio_id}'/>\n")
        self.close(pad, out, start, _SOUND_ORDER, fctx)


_SOUND_HANDLERS = {"codec": Sound._codec, "audio": Sound._audio}


@dataclass(kw_only=True, slots=True)
class Audio(Device):
    """An ``<audio>`` backend: ``id``, ``type``, other attributes and the
    ``<input>``/``<output>`` settings kept as given."""

    TAG = "audio"
    id: int = 0
    type: str = "none"
    attrs: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, elem: etree._Element, pctx: ParseCtx) -> Audio:
        """Parse an ``<audio>`` element."""
        audio = cls()
        audio.id = UINT.load(elem.get("id", "0"), "id", "audio")
        audio.type = elem.get("type", "none")
        audio.attrs = {k: v for k, v in cast("list[tuple[str, str]]", elem.attrib.items())
                       if k not in ("id", "type")}
        audio.kept = [keep(c) for c in elem if isinstance(c.tag, str)]
        return audio

    def format(self, fctx: FormatCtx) -> E:
        """The ``<audio>`` element."""
        return E("audio", [("id", self.id), ("type", self.type), *self.attrs.items()],
                 children=self.kept, keep=True)


# --- <watchdog>, <memballoon>, <tpm>, <panic>, <hub> ------------------------------------

WATCHDOG_MODELS = ("i6300esb", "ib700", "diag288")
WATCHDOG_ACTIONS = ("reset", "shutdown", "poweroff", "pause", "dump", "none", "inject-nmi")
_PLAIN_ORDER = order_of("driver", "boot", "alias", "acpi", "address")


@dataclass(kw_only=True, slots=True)
class Watchdog(Device):
    """A ``<watchdog>`` and what it does when it fires."""

    TAG = "watchdog"
    model: str = "i6300esb"
    action: str = "reset"

    @classmethod
    def parse(cls, elem: etree._Element, pctx: ParseCtx) -> Watchdog:
        """Parse a ``<watchdog>`` element."""
        dev = cls()
        dev.model = elem.get("model", "")
        if dev.model not in WATCHDOG_MODELS:
            raise unsupported(f"unknown watchdog model '{dev.model}'")
        action = elem.get("action")
        if action is not None:
            if action not in WATCHDOG_ACTIONS:
                raise unsupported(f"unknown watchdog action '{action}'")
            dev.action = action
        load_children(dev, elem, pctx, {}, _PLAIN_ORDER)
        return dev

    def format(self, fctx: FormatCtx) -> E:
        """The ``<watchdog>`` element."""
        return self.format_written(fctx)

    def write(self, pad: str, out: list[str], fctx: FormatCtx) -> None:
        """Write the ``<watchdog>`` element (see :meth:`Device.write`)."""
        start = len(out)
        out.append(f"{pad}<watchdog model='{escape_attr(self.model)}' "
                   f"action='{escape_attr(self.action)}'>\n")
        self.close(pad, out, start, _PLAIN_ORDER, fctx)


MEMBALLOON_MODELS = ("virtio", "virtio-transitional", "virtio-non-transitional", "xen", "none")
_BALLOON_ORDER = order_of("stats", "boot", "alias", "acpi", "address", "driver")


@dataclass(kw_only=True, slots=True)
class Memballoon(Device):
    """The ``<memballoon>``; ``stats_period`` in seconds."""

    TAG = "memballoon"
    model: str = "virtio"
    autodeflate: bool | None = None
    free_page_reporting: bool | None = None
    stats_period: int | None = None

    @classmethod
    def parse(cls, elem: etree._Element, pctx: ParseCtx) -> Memballoon:
        """Parse a ``<memballoon>`` element."""
        dev = cls()
        model = elem.get("model")
        if model is None:
            raise missing_attr("model", "memballoon")
        if model not in MEMBALLOON_MODELS:
            raise bad_enum("model", "memballoon", model)
        dev.model = model
        for attr, name in (("autodeflate", "autodeflate"),
                           ("freePageReporting", "free_page_reporting")):
            value = elem.get(attr)
            if value is not None:
                setattr(dev, name, ONOFF.load(value, attr, "memballoon"))
        load_children(dev, elem, pctx, {"stats": Memballoon._stats}, _BALLOON_ORDER)
        return dev

    def _stats(self, child: etree._Element) -> None:
        period = child.get("period")
        if period is not None:
            self.stats_period = INT0.load(period, "period", "stats")

    def format(self, fctx: FormatCtx) -> E:
        """The ``<memballoon>`` element."""
        return self.format_written(fctx)

    def write(self, pad: str, out: list[str], fctx: FormatCtx) -> None:
        """Write the ``<memballoon>`` element (see :meth:`Device.write`)."""
        start = len(out)
        head = f"{pad}<memballoon model='{escape_attr(self.model)}'"
        if self.autodeflate is not None:
            head += " autodeflate='on'" if self.autodeflate else " autodeflate='off'"
        if self.free_page_reporting is not None:
            head += (" freePageReporting='on'" if self.free_page_reporting
                     else " freePageReporting='off'")
        out.append(head + ">\n")
        if self.stats_period:
            out.append(f"{pad}  <stats period='{self.stats_period}'/>\n")
        self.close(pad, out, start, _BALLOON_ORDER, fctx)


TPM_MODELS = ("tpm-tis", "tpm-crb", "tpm-spapr", "spapr-tpm-proxy")
_TPM_ORDER = order_of("backend", "boot", "alias", "acpi", "address")


@dataclass(kw_only=True, slots=True)
class Tpm(Device):
    """A ``<tpm>``; ``backend_type`` is passthrough, emulator or external,
    and the ``<backend>`` element is kept as given in ``kept``."""

    TAG = "tpm"
    model: str | None = None
    backend_type: str = "passthrough"
    backend_version: str | None = None

    @classmethod
    def parse(cls, elem: etree._Element, pctx: ParseCtx) -> Tpm:
        """Parse a ``<tpm>`` element."""
        dev = cls()
        model = elem.get("model")
        if model is not None and model not in TPM_MODELS:
            raise bad_enum("model", "tpm", model)
        dev.model = model
        load_children(dev, elem, pctx, {"backend": Tpm._backend}, _TPM_ORDER)
        return dev

    def _backend(self, child: etree._Element) -> None:
        kind = child.get("type", "")
        if kind not in ("passthrough", "emulator", "external"):
            raise unsupported(f"Unknown TPM backend type '{kind}'")
        self.backend_type = kind
        self.backend_version = child.get("version")
        self.kept.append(keep(child))

    def format(self, fctx: FormatCtx) -> E:
        """The ``<tpm>`` element."""
        node = E("tpm", [("model", self.model)])
        return self.finish(node, _TPM_ORDER, fctx)


@dataclass(kw_only=True, slots=True)
class Panic(Device):
    """A ``<panic>`` notifier."""

    TAG = "panic"
    model: str | None = None

    @classmethod
    def parse(cls, elem: etree._Element, pctx: ParseCtx) -> Panic:
        """Parse a ``<panic>`` element."""
        dev = cls()
        model = elem.get("model")
        if model is not None and model not in ("isa", "pseries", "hyperv", "s390"):
            raise unsupported(f"unknown panic model '{model}'")
        dev.model = model
        load_children(dev, elem, pctx, {}, _PLAIN_ORDER)
        return dev

    def format(self, fctx: FormatCtx) -> E:
        """The ``<panic>`` element."""
        return self.format_written(fctx)

    def write(self, pad: str, out: list[str], fctx: FormatCtx) -> None:
        """Write the ``<panic>`` element (see :meth:`Device.write`)."""
        start = len(out)
        out.append(f"{pad}<panic>\n" if self.model is None else
                   f"{pad}<panic model='{escape_attr(self.model)}'>\n")
        self.close(pad, out, start, _PLAIN_ORDER, fctx)


@dataclass(kw_only=True, slots=True)
class Hub(Device):
    """A USB ``<hub>``."""

    TAG = "hub"
    type: str = "usb"

    @classmethod
    def parse(cls, elem: etree._Element, pctx: ParseCtx) -> Hub:
        """Parse a ``<hub>`` element."""
        dev = cls()
        kind = elem.get("type", "")
        if kind != "usb":
            raise unsupported(f"unknown hub type '{kind}'")
        load_children(dev, elem, pctx, {}, _PLAIN_ORDER)
        return dev

    def format(self, fctx: FormatCtx) -> E:
        """The ``<hub>`` element."""
        return self.finish(E("hub", [("type", self.type)]), _PLAIN_ORDER, fctx)


@dataclass(kw_only=True, slots=True)
class KeptDevice(Device):
    """A device this model does not break down (``<shmem>``, ``<memory>``,
    ``<iommu>``, ``<vsock>``, ``<nvram>``, ``<redirfilter>`` ...): kept
    verbatim and written back at its place."""

    element: E | None = None
    tag: str = ""

    @classmethod
    def parse(cls, elem: etree._Element, pctx: ParseCtx) -> KeptDevice:
        """Keep ``elem``, with the values libvirt rewrites rewritten."""
        element = keep(elem)
        normalise = _KEPT_NORMALISERS.get(str(elem.tag))
        if normalise is not None:
            normalise(element)
        dev = cls(element=element)
        dev.tag = str(elem.tag)
        return dev

    def format(self, fctx: FormatCtx) -> E:
        """The element as it was given."""
        assert self.element is not None
        return self.element



# --- values libvirt rewrites in devices kept verbatim ------------------------------------

def _vsock(node: E) -> None:
    """``<cid>`` gets auto='no' when not given, first among its attributes."""
    for child in node.children:
        if child.tag == "cid" and not any(k == "auto" for k, _v in child.attrs):
            child.attrs.insert(0, ("auto", "no"))


def _usb_number(text: str, attr: str, fmt: str) -> str | None:
    number = INT0.load(text, attr, "usbdev")
    return None if number == -1 else fmt % number


def _usb_version(text: str) -> str | None:
    if text == "-1":
        return None
    major, _sep, minor = text.partition(".")
    if not major.isdigit() or (minor and not minor.isdigit()) or len(minor) > 2:
        raise xml_err(f"Cannot parse USB device version {text}")
    return f"{int(major)}.{int(minor.ljust(2, '0') or 0):02d}"


def _redirfilter(node: E) -> None:
    """``<usbdev>`` rules: '-1' (any) left out, numbers in libvirt's forms."""
    for rule in node.children:
        if rule.tag != "usbdev":
            continue
        attrs: list[tuple[str, object]] = []
        for key, value in rule.attrs:
            text = str(value)
            out: str | None = text
            if key == "class":
                out = _usb_number(text, "class", "0x%02X")
            elif key in ("vendor", "product"):
                out = _usb_number(text, key, "0x%04X")
            elif key == "version":
                out = _usb_version(text)
            if out is not None:
                attrs.append((key, out))
        rule.attrs = attrs


#: sizes of a memory device libvirt writes back in KiB, by parent element
_MEMORY_SIZES = {"target": ("size", "block", "requested", "current"), "label": ("size",),
                 "source": ("pagesize", "alignsize")}


def _kib_sizes(node: E) -> None:
    """The sizes of a memory device's ``node`` (and its ``<label>``) in KiB."""
    names = _MEMORY_SIZES.get(node.tag, ())
    for child in node.children:
        if child.tag in names and child.text is not None:
            unit = dict(child.attrs).get("unit")
            child.text = str(to_kib(str(child.text).strip(), None if unit is None else str(unit),
                                    f"./{child.tag}[1]"))
            child.attrs = [("unit", "KiB")]
        elif child.tag == "label":
            _kib_sizes(child)


def _memory(node: E) -> None:
    """A DIMM address's slot and base read as libvirt reads them; sizes in KiB."""
    for child in node.children:
        if child.tag in ("target", "source"):
            _kib_sizes(child)
        if child.tag == "address" and ("type", "dimm") in child.attrs:
            _address(child, DimmAddress)


def _address(node: E, kind: type[Address]) -> None:
    """An ``<address>`` of a kept device with its numbers in libvirt's forms."""
    specs = {spec.attr: spec for spec in kind._ATTRS}
    node.attrs = [(k, specs[k].conv.dump(specs[k].conv.load(str(v), k, "address"))
                   if k in specs else v) for k, v in node.attrs]


def _nvram(node: E) -> None:
    """A PAPR VIO register written as eight hex digits."""
    for child in node.children:
        if child.tag == "address" and ("type", "spapr-vio") in child.attrs:
            _address(child, SpaprVioAddress)


_KEPT_NORMALISERS = {"vsock": _vsock, "redirfilter": _redirfilter, "memory": _memory,
                     "nvram": _nvram}
