"""What the network driver keeps on disk, as libvirt lays it out.

==============================================  =====================================
``<config_dir>/qemu/networks/NAME.xml``         persistent network definitions
``<config_dir>/qemu/networks/autostart/NAME.xml``  a symlink to the definition
``<run_dir>/network/NAME.xml``                  ``<networkstatus>``: the live
                                                definition of a running network
``<run_dir>/network/dnsmasq/NAME.*``            its dnsmasq's conf, hosts files,
                                                leases and pid file
==============================================  =====================================

Autostart links and file removal are the storage driver's helpers (same
layout); every file is written with :func:`pyvirt.util.fileutil.atomic_write`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from lxml import etree

from pyvirt.conf.network import NetworkDef
from pyvirt.drivers.network.dnsmasq import DnsmasqFiles
from pyvirt.drivers.storage.state import StorageDirs, autostart, delete_status, set_autostart
from pyvirt.errors import libvirtError
from pyvirt.util.fileutil import atomic_write, remove_durably

__all__ = ["NetworkDirs", "autostart", "delete_status", "set_autostart"]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NetworkDirs(StorageDirs):
    """The network driver's directories under a host root."""

    dnsmasq_dir: str = ""

    @classmethod
    def of(cls, config_root: str, run_root: str) -> NetworkDirs:
        """The layout under a root's config and run directories."""
        cfg = os.path.join(config_root, "qemu", "networks")
        run = os.path.join(run_root, "network")
        return cls(cfg, os.path.join(cfg, "autostart"), run, os.path.join(run, "dnsmasq"))

    def make(self) -> None:
        """Create the directories.  dnsmasq gives up root once started and reads its
        hosts files again on SIGHUP as user ``dnsmasq``: the live state directory is
        searchable (0711: status files stay 0600) and dnsmasq's own one readable (0755),
        as libvirt's ``/var/lib/libvirt/dnsmasq``.  When a directory above is not
        searchable (:meth:`unreachable_by_dnsmasq`), dnsmasq keeps root instead."""
        super().make()
        os.chmod(self.state_dir, 0o711)
        os.makedirs(self.dnsmasq_dir, mode=0o755, exist_ok=True)
        os.chmod(self.dnsmasq_dir, 0o755)

    def unreachable_by_dnsmasq(self) -> str | None:
        """The first directory above dnsmasq's files others may not search, if any."""
        path = os.path.dirname(self.dnsmasq_dir)
        while path and path != "/":
            try:
                if not os.stat(path).st_mode & 0o001:
                    return path
            except OSError:
                return path
            path = os.path.dirname(path)
        return None

    def dnsmasq(self, name: str) -> DnsmasqFiles:
        """The dnsmasq files of network ``name``."""
        return DnsmasqFiles.of(self.dnsmasq_dir, name, self.unreachable_by_dnsmasq() is not None)


def first_autostart(dirs: NetworkDirs) -> bool:
    """True the first time it is asked for the run directory (once per boot when it is on
    a tmpfs such as ``/run``); it leaves an ``autostarted`` mark there."""
    mark = os.path.join(dirs.state_dir, "autostarted")
    if os.path.exists(mark):
        return False
    atomic_write(mark, "", 0o600)
    return True


def save_config(dirs: NetworkDirs, def_: NetworkDef) -> None:
    """Write the persistent definition of a network."""
    atomic_write(dirs.config_file(def_.name), def_.format(), 0o600)


def delete_config(dirs: NetworkDirs, name: str) -> None:
    """Remove a network's definition and autostart link."""
    remove_durably(dirs.autostart_link(name))
    remove_durably(dirs.config_file(name))


def save_status(dirs: NetworkDirs, def_: NetworkDef, dnsmasq_pid: int | None) -> None:
    """Write the live status of a running network (its definition and dnsmasq's pid)."""
    body = "".join(f"  {line}\n" if line else "\n" for line in def_.format().splitlines())
    pid = f"  <dnsmasq pid='{dnsmasq_pid}'/>\n" if dnsmasq_pid else ""
    atomic_write(dirs.status_file(def_.name), f"<networkstatus>\n{pid}{body}</networkstatus>\n",
                 0o600)


def _read(path: str) -> NetworkDef | None:
    try:
        with open(path, "rb") as fh:
            return NetworkDef.parse(fh.read())
    except (OSError, ValueError, etree.XMLSyntaxError, libvirtError) as exc:
        log.warning("ignoring network file %s: %s", path, exc)
        return None


def load_configs(dirs: NetworkDirs) -> list[NetworkDef]:
    """The persistent definitions (files that do not parse are skipped and logged)."""
    return [d for d in (_read(os.path.join(dirs.config_dir, f))
                        for f in sorted(os.listdir(dirs.config_dir)) if f.endswith(".xml"))
            if d is not None]


def load_status(dirs: NetworkDirs) -> list[tuple[NetworkDef, int | None]]:
    """The live definitions of the networks that were running, with dnsmasq's pid."""
    out = []
    for name in sorted(os.listdir(dirs.state_dir)):
        path = os.path.join(dirs.state_dir, name)
        if not name.endswith(".xml"):
            continue
        try:
            root = etree.parse(path).getroot()
            net = root.find("network")
            if net is None:
                raise ValueError("no <network> in <networkstatus>")
            def_ = NetworkDef.parse(etree.tostring(net))
            pid_elem = root.find("dnsmasq")
            pid = int(pid_elem.get("pid", "0")) if pid_elem is not None else 0
        except (OSError, ValueError, etree.XMLSyntaxError, libvirtError) as exc:
            log.warning("ignoring network status %s: %s", path, exc)
            continue
        out.append((def_, pid or None))
    return out
