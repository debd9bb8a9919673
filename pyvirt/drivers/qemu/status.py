"""What the driver keeps on disk: persistent definitions and live status XML.

Persistent definitions are ``config_dir/NAME.xml`` (the inactive XML) with
autostart links in ``config_dir/autostart/``.  A running domain also has
``state_dir/NAME.xml``, libvirt's *status XML*: the live definition (with
the aliases, addresses and pty paths QEMU was started with) wrapped in a
``<domstatus>`` that records the run state and what a later process needs
to take the QEMU over::

    <domstatus state='running' reason='booted' pid='1234'>
      <monitor path='.../domain-1-vm/monitor.sock' type='unix'/>
      <pyvirt starttime='8765' domaindir='...' pidfile='...' log='...'
              persistent='yes' fakereboot='no' gotshutdown='no'/>
      <domain type='qemu' id='1'>...</domain>
    </domstatus>

Every file is written with :func:`pyvirt.util.fileutil.atomic_write`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf import xmlutil
from pyvirt.conf.xmlutil import E
from pyvirt.drivers.qemu import domobj, taint
from pyvirt.drivers.qemu.config import DriverConfig
from pyvirt.errors import libvirtError, report
from pyvirt.util.fileutil import atomic_write, remove_durably

_FROM = C.VIR_FROM_QEMU


def _yn(flag: bool) -> str:
    return "yes" if flag else "no"


# --- persistent definitions ---------------------------------------------------------

def config_path(cfg: DriverConfig, name: str) -> str:
    """Where the persistent definition of ``name`` lives."""
    return os.path.join(cfg.config_dir, f"{name}.xml")


def autostart_path(cfg: DriverConfig, name: str) -> str:
    """Where the autostart link of ``name`` lives."""
    return os.path.join(cfg.autostart_dir, f"{name}.xml")


def save_config(cfg: DriverConfig, def_: Any) -> None:
    """Write ``def_``'s inactive XML as the persistent definition."""
    xml = def_.format(flags=C.VIR_DOMAIN_XML_INACTIVE | C.VIR_DOMAIN_XML_SECURE)
    try:
        atomic_write(config_path(cfg, def_.name), xml, 0o600)
    except OSError as exc:
        raise report(C.VIR_ERR_WRITE_FAILED,
                     f"cannot save config of domain '{def_.name}': {exc.strerror}",
                     _FROM) from exc


def delete_config(cfg: DriverConfig, name: str) -> None:
    """Remove the definition, autostart link and stop record of ``name``."""
    remove_durably(autostart_path(cfg, name))
    remove_durably(config_path(cfg, name))
    remove_durably(stopped_path(cfg, name))


def set_autostart(cfg: DriverConfig, name: str, on: bool) -> None:
    """Create or remove the autostart link of ``name``."""
    link = autostart_path(cfg, name)
    if on:
        if not os.path.islink(link):
            tmp = link + ".tmp"
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            os.symlink(os.path.join("..", f"{name}.xml"), tmp)
            os.replace(tmp, link)
    else:
        remove_durably(link)


def is_autostart(cfg: DriverConfig, name: str) -> bool:
    """True when ``name`` has an autostart link."""
    return os.path.lexists(autostart_path(cfg, name))


def list_configs(cfg: DriverConfig) -> list[str]:
    """Paths of every persistent definition."""
    try:
        names = sorted(os.listdir(cfg.config_dir))
    except FileNotFoundError:
        return []
    return [os.path.join(cfg.config_dir, n) for n in names
            if n.endswith(".xml") and not n.startswith(".")]


# --- live status ------------------------------------------------------------------------

def status_path(cfg: DriverConfig, name: str) -> str:
    """Where the live status of ``name`` lives."""
    return os.path.join(cfg.state_dir, f"{name}.xml")


def format_status(vm: domobj.DomainObj) -> str:
    """The status XML of a running ``vm`` (caller holds ``vm.lock``)."""
    proc = vm.proc
    root = E("domstatus", [("state", domobj.state_name(vm.state)),
                           ("reason", domobj.reason_name(vm.state, vm.reason)),
                           ("pid", proc.pid if proc else None)])
    root.add(E("monitor", [("path", vm.monitor_path), ("type", "unix")]))
    root.add(E("pyvirt", [
        ("starttime", proc.starttime if proc else None),
        ("domaindir", vm.domain_dir), ("pidfile", vm.pidfile), ("log", vm.log_path),
        ("persistent", _yn(vm.persistent)), ("fakereboot", _yn(vm.fake_reboot)),
        ("gotshutdown", _yn(vm.got_shutdown)),
    ]))
    root.add(E("blockdevs", children=[E("blockdev", [("alias", a), ("index", i)])
                                      for a, i in sorted(vm.blockdev.items())]))
    for flag in taint.in_order(vm.taints):
        root.add(E("taint", [("flag", flag)]))
    text = xmlutil.to_string(root)
    live = vm.def_.format(id=vm.id, flags=C.VIR_DOMAIN_XML_SECURE)
    inner = "".join("  " + line + "\n" if line else "\n" for line in live.splitlines())
    return text.replace("</domstatus>\n", inner + "</domstatus>\n")


def save_status(cfg: DriverConfig, vm: domobj.DomainObj) -> None:
    """Write the status XML of ``vm`` (takes ``vm.lock`` to read it)."""
    with vm.lock:
        if not vm.is_active():
            return
        text = format_status(vm)
        name = vm.name
    atomic_write(status_path(cfg, name), text, 0o600)


def delete_status(cfg: DriverConfig, name: str) -> None:
    """Remove the status XML of ``name``."""
    remove_durably(status_path(cfg, name))


# --- how a persistent domain last stopped -----------------------------------------------
#
# libvirtd forgets why an inactive domain stopped when it restarts; with embed
# roots every pyvirsh command is such a restart, so the reason is kept in a
# one-word file beside the status files and read back with the definitions.

def stopped_path(cfg: DriverConfig, name: str) -> str:
    """Where the reason ``name`` last stopped for is kept."""
    return os.path.join(cfg.state_dir, f"{name}.stopped")


def save_stopped(cfg: DriverConfig, name: str, reason: int) -> None:
    """Record that ``name`` stopped for ``reason`` (a VIR_DOMAIN_SHUTOFF_* value)."""
    atomic_write(stopped_path(cfg, name),
                 domobj.reason_name(C.VIR_DOMAIN_SHUTOFF, reason) + "\n", 0o600)


def read_stopped(cfg: DriverConfig, name: str) -> int:
    """The reason ``name`` last stopped for (VIR_DOMAIN_SHUTOFF_UNKNOWN if not kept)."""
    try:
        with open(stopped_path(cfg, name)) as f:
            word = f.read().strip()
    except OSError:
        return C.VIR_DOMAIN_SHUTOFF_UNKNOWN
    return domobj.parse_state("shutoff", word)[1]


@dataclass
class Status:
    """A status file read back."""

    path: str
    state: int
    reason: int
    pid: int | None
    starttime: int | None
    monitor_path: str | None
    domain_dir: str | None
    pidfile: str | None
    log_path: str | None
    persistent: bool
    fake_reboot: bool
    got_shutdown: bool
    blockdev: dict[str, int]
    domain_xml: str
    taints: set[str]


def read_status(path: str) -> Status:
    """Parse a status file; raise libvirtError when it is unusable."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise report(C.VIR_ERR_READ_FAILED, f"{path}: {exc.strerror}", _FROM) from exc
    root = xmlutil.parse_xml(data, "domstatus", domain=_FROM)
    state, reason = domobj.parse_state(root.get("state", "nostate"),
                                       root.get("reason", "unknown"))
    mon = root.find("monitor")
    priv = root.find("pyvirt")
    dom = root.find("domain")
    if dom is None or priv is None:
        raise report(C.VIR_ERR_INTERNAL_ERROR, f"{path}: incomplete status XML", _FROM)

    def num(text: str | None) -> int | None:
        return int(text) if text and text.isdigit() else None

    return Status(
        path=path, state=state, reason=reason, pid=num(root.get("pid")),
        starttime=num(priv.get("starttime")),
        monitor_path=mon.get("path") if mon is not None else None,
        domain_dir=priv.get("domaindir"), pidfile=priv.get("pidfile"),
        log_path=priv.get("log"), persistent=priv.get("persistent") == "yes",
        fake_reboot=priv.get("fakereboot") == "yes",
        got_shutdown=priv.get("gotshutdown") == "yes",
        blockdev={b.get("alias", ""): int(b.get("index", "0"))
                  for b in root.findall("blockdevs/blockdev")},
        domain_xml=etree.tostring(dom, encoding="unicode"),
        taints={t.get("flag", "") for t in root.findall("taint")})


def list_status(cfg: DriverConfig) -> list[str]:
    """Paths of every status file."""
    try:
        names = sorted(os.listdir(cfg.state_dir))
    except FileNotFoundError:
        return []
    return [os.path.join(cfg.state_dir, n) for n in names
            if n.endswith(".xml") and not n.startswith(".")]


def describe(exc: libvirtError) -> str:
    """A one-line description of an error, for logs."""
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
