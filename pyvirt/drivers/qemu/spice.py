"""SPICE displays of QEMU guests: libvirt's checks and the ``-spice`` option.

A ``<graphics type='spice'>`` becomes one ``-spice key=value,...`` option,
written as libvirt 9.0 writes it (``port``/``tls-port``/``addr`` or
``unix,addr=PATH``, ``agent-mouse``, ``disable-ticketing`` when there is no
password, the channel security, the compression and streaming settings,
``disable-copy-paste``/``disable-agent-file-xfer``, ``gl``/``rendernode``,
``seamless-migration``).  The password itself never goes on the command line:
:mod:`pyvirt.drivers.qemu.graphics` hands it over the monitor.

TLS is off (the default of libvirt's ``spice_tls`` in qemu.conf), so what
needs TLS is refused with libvirt's messages.  The SPICE settings pyvirt's
XML model keeps verbatim (``<image>``, ``<streaming>``, ``<mouse>``,
``<gl>``, ...) are read from the kept children of the ``<graphics>``.
"""

from __future__ import annotations

import os
from typing import Any

from pyvirt import constants as C
from pyvirt.conf.xmlutil import E
from pyvirt.drivers.qemu import address as addr
from pyvirt.errors import report

_FROM = C.VIR_FROM_QEMU

#: the directory libvirt looks in for a DRM render node when <gl> names none
DRI_DIR = "/dev/dri"

# child element -> (attribute, -spice key): compression and streaming settings,
# in the order libvirt writes them
_SETTINGS = (("image", "compression", "image-compression"),
             ("jpeg", "compression", "jpeg-wan-compression"),
             ("zlib", "compression", "zlib-glz-wan-compression"),
             ("playback", "compression", "playback-compression"),
             ("streaming", "mode", "streaming-video"))


# the values libvirt's parser takes for the SPICE settings: (element, attribute) -> values
_VALUES = {
    ("image", "compression"): ("auto_glz", "auto_lz", "quic", "glz", "lz", "off"),
    ("jpeg", "compression"): ("auto", "never", "always"),
    ("zlib", "compression"): ("auto", "never", "always"),
    ("playback", "compression"): ("on", "off"),
    ("streaming", "mode"): ("filter", "all", "off"),
    ("mouse", "mode"): ("server", "client"),
    ("clipboard", "copypaste"): ("yes", "no"),
    ("filetransfer", "enable"): ("yes", "no"),
    ("gl", "enable"): ("yes", "no"),
    ("channel", "name"): ("main", "display", "inputs", "cursor", "playback", "record",
                          "smartcard", "usbredir"),
    ("channel", "mode"): ("any", "secure", "insecure"),
}

_ONE_OF_EACH = ("sdl", "vnc", "spice", "egl-headless", "dbus")


def is_spice(dev: Any) -> bool:
    """True for a ``<graphics type='spice'>``."""
    return str(getattr(dev.type, "value", dev.type)) == "spice"


def kept(gfx: Any, tag: str) -> list[E]:
    """The kept child elements ``tag`` of display ``gfx``."""
    return [k for k in gfx.kept if k.tag == tag]


def setting(gfx: Any, tag: str, attr: str) -> str | None:
    """Attribute ``attr`` of the first kept ``<tag>`` of ``gfx``, if any."""
    for elem in kept(gfx, tag):
        value = dict(elem.attrs).get(attr)
        if value is not None:
            return str(value)
    return None


def _channel_modes(gfx: Any) -> list[tuple[str, str]]:
    return [(str(dict(c.attrs).get("name")), str(dict(c.attrs).get("mode")))
            for c in kept(gfx, "channel")]


def check(def_: Any) -> None:
    """Refuse the SPICE configurations libvirt 9.0 refuses with TLS disabled.

    Raises VIR_ERR_CONFIG_UNSUPPORTED with libvirt's messages: a TLS port,
    a secure default mode or secure channels; a spicevmc channel or SPICE
    audio without a SPICE display.
    """
    kinds = [str(g.type) for g in addr.devices(def_, "graphics")]
    if any(kinds.count(k) > 1 for k in _ONE_OF_EACH):
        raise _unsupported("only 1 graphics device of each type (sdl, vnc, spice, headless, "
                           "dbus) is supported")
    displays = [g for g in addr.devices(def_, "graphics") if is_spice(g)]
    for gfx in displays:
        _check_values(gfx)
        if gfx.tls_port and gfx.tls_port > 0:
            raise _unsupported("spice TLS port set in XML configuration, but TLS is "
                               "disabled in qemu.conf")
        if gfx.default_mode == "secure":
            raise _unsupported("spice defaultMode secure requested in XML configuration, "
                               "but TLS connection is not available")
        if any(mode == "secure" for _name, mode in _channel_modes(gfx)):
            raise _unsupported("spice secure channels set in XML configuration, but TLS "
                               "connection is not available")
    if displays:
        return
    for kind in ("channel", "serial", "console", "parallel"):
        for chr_dev in addr.devices(def_, kind):
            if str(chr_dev.source.type.value) == "spicevmc":
                raise _unsupported("chardev 'spicevmc' not supported without spice graphics")
    if any(str(a.type) == "spice" for a in addr.devices(def_, "audio")):
        raise _unsupported("Spice audio is not supported without spice graphics")


def _check_values(gfx: Any) -> None:
    """libvirt's parse error for a SPICE setting with a value it does not know."""
    for (tag, attr), allowed in _VALUES.items():
        for elem in kept(gfx, tag):
            value = dict(elem.attrs).get(attr)
            if value is not None and value not in allowed:
                raise report(C.VIR_ERR_XML_ERROR, f"Invalid value for attribute '{attr}' in "
                             f"element '{tag}': '{value}'.", C.VIR_FROM_DOMAIN)


def _unsupported(msg: str) -> Exception:
    return report(C.VIR_ERR_CONFIG_UNSUPPORTED, msg, _FROM)


def prepare(def_: Any, domain_dir: str, listen_default: str = "127.0.0.1") -> None:
    """Fill in what libvirt fills in a live SPICE display before building the command.

    A socket listen without a path gets ``DOMAIN_DIR/spice.sock``; an address
    listen without an address gets ``listen_default`` (libvirt's
    ``spice_listen``); ``<gl enable='yes'>`` without a render node gets the
    host's first one, or fails as libvirt does when there is none.
    """
    for gfx in addr.devices(def_, "graphics"):
        if not is_spice(gfx):
            continue
        listen = gfx.listens[0] if gfx.listens else None
        if listen is not None and str(listen.type) == "socket" and not listen.socket:
            listen.socket = os.path.join(domain_dir, "spice.sock")
        if listen is not None and str(listen.type) == "address" and not listen.address \
                and (gfx.port or gfx.tls_port or gfx.autoport):
            listen.address = listen_default
        for gl in kept(gfx, "gl"):
            attrs = dict(gl.attrs)
            if attrs.get("enable") == "yes" and not attrs.get("rendernode"):
                gl.attrs.append(("rendernode", render_node()))


def resolve_network_listens(cfg: Any, def_: Any) -> None:
    """Give each SPICE ``<listen type='network'>`` the address QEMU listens on.

    As libvirt: the first IPv4 address of the (running) network, else its
    first IPv6 one; a network without one is an error, never a listen on
    every address.  ``cfg`` names the host root whose network driver is asked.
    """
    for gfx in addr.devices(def_, "graphics"):
        for listen in gfx.listens if is_spice(gfx) else ():
            if str(listen.type) == "network" and not listen.address:
                listen.address = _network_address(cfg, listen.network or "")


def _network_address(cfg: Any, name: str) -> str:
    from lxml import etree

    from pyvirt.drivers import hostroot
    drv = hostroot.current("network", hostroot.HostRoot.of_qemu(cfg)) if cfg else None
    if drv is None:
        raise report(C.VIR_ERR_NO_NETWORK, f"no network with matching name '{name}'",
                     C.VIR_FROM_NETWORK)
    net = drv.networkLookupByName(name)
    if not drv.networkIsActive(net):
        raise report(C.VIR_ERR_OPERATION_INVALID, f"network '{name}' is not active", _FROM)
    root = etree.fromstring(drv.networkGetXMLDesc(net, 0).encode())
    ips = [ip.get("address") for ip in root.findall("ip") if ip.get("address")]
    for family in ("ipv4", "ipv6"):
        for ip in ips:
            if (":" in ip) == (family == "ipv6"):
                return str(ip)
    raise report(C.VIR_ERR_INTERNAL_ERROR,
                 f"network '{name}' doesn't have an IPv4 address", _FROM)


def spicevmc_channels(def_: Any) -> list[Any]:
    """The virtio ``<channel type='spicevmc'>`` devices of ``def_``."""
    return [c for c in addr.devices(def_, "channel")
            if str(c.source.type.value) == "spicevmc" and c.target_type == "virtio"]


def channel_states(def_: Any, chardevs: list[dict]) -> None:
    """Show whether the guest opened each spicevmc port (``query-chardev``'s
    frontend-open), as libvirt's live XML does: ``state='connected'`` or
    ``'disconnected'``."""
    opened = {c.get("label"): c.get("frontend-open") for c in chardevs}
    for chan in spicevmc_channels(def_):
        state = opened.get("char" + (chan.alias or ""))
        if state is not None:
            chan.target_state = "connected" if state else "disconnected"


def render_node() -> str:
    """The host's first DRM render node (libvirt's error when there is none)."""
    try:
        names = sorted(n for n in os.listdir(DRI_DIR) if n.startswith("renderD"))
    except OSError as exc:
        raise report(C.VIR_ERR_SYSTEM_ERROR,
                     f"cannot open directory '{DRI_DIR}': {exc.strerror}", _FROM) from None
    if not names:
        raise report(C.VIR_ERR_INTERNAL_ERROR, "No DRM render nodes available", _FROM)
    return os.path.join(DRI_DIR, names[0])


def spice_opts(gfx: Any) -> list[tuple[str, object] | str]:
    """The parts of the ``-spice`` value for display ``gfx`` (see ``command.opts``)."""
    listen: Any = gfx.listens[0] if gfx.listens else None
    kind = str(listen.type) if listen is not None else "none"
    parts: list[tuple[str, object] | str] = []
    if kind == "socket":
        parts += ["unix", ("addr", listen.socket)]
    else:
        port, tls = gfx.port or 0, gfx.tls_port or 0
        if port > 0 or tls <= 0:
            parts.append(("port", port))
        if tls > 0:
            parts.append(("tls-port", tls))
        if (port > 0 or tls > 0) and kind == "network" and not listen.address:
            # never QEMU's default of every address
            raise report(C.VIR_ERR_INTERNAL_ERROR, f"network '{listen.network}' of the "
                         "spice display has no address", _FROM)
        if (port > 0 or tls > 0) and kind in ("address", "network") and listen.address:
            parts.append(("addr", listen.address))
    mouse = setting(gfx, "mouse", "mode")
    if mouse in ("client", "server"):
        parts.append(("agent-mouse", mouse == "client"))
    if gfx.passwd is None:
        parts.append(("disable-ticketing", True))
    if gfx.default_mode == "insecure":
        parts.append(("plaintext-channel", "default"))
    for name, mode in _channel_modes(gfx):
        if mode == "insecure":
            parts.append(("plaintext-channel", name))
    for tag, attr, key in _SETTINGS:
        value = setting(gfx, tag, attr)
        if value is not None:
            parts.append((key, value))
    if setting(gfx, "clipboard", "copypaste") == "no":
        parts.append(("disable-copy-paste", True))
    if setting(gfx, "filetransfer", "enable") == "no":
        parts.append(("disable-agent-file-xfer", True))
    if setting(gfx, "gl", "enable") == "yes":
        parts += [("gl", True), ("rendernode", setting(gfx, "gl", "rendernode"))]
    parts.append(("seamless-migration", True))
    return parts
