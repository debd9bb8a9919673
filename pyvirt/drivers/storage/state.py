"""What the storage driver keeps on disk, as libvirt lays it out.

==========================================  =====================================
``<config_dir>/storage/NAME.xml``           persistent pool definitions
``<config_dir>/storage/autostart/NAME.xml``  a symlink to the definition
``<run_dir>/storage/NAME.xml``              ``<poolstate>``: the live definition
                                            of a running pool
==========================================  =====================================

Every file is written with :func:`pyvirt.util.fileutil.atomic_write`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from lxml import etree

from pyvirt.conf.storage_pool import StoragePoolDef
from pyvirt.errors import libvirtError
from pyvirt.util.fileutil import atomic_write, fsync_dir, remove_durably

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StorageDirs:
    """The storage driver's directories under a host root."""

    config_dir: str
    autostart_dir: str
    state_dir: str

    @classmethod
    def of(cls, config_root: str, run_root: str) -> StorageDirs:
        """The layout under a root's config and run directories."""
        cfg = os.path.join(config_root, "storage")
        return cls(cfg, os.path.join(cfg, "autostart"), os.path.join(run_root, "storage"))

    def make(self) -> None:
        """Create the directories (config 0755, live state 0700)."""
        os.makedirs(self.autostart_dir, mode=0o755, exist_ok=True)
        os.makedirs(self.state_dir, mode=0o700, exist_ok=True)

    def config_file(self, name: str) -> str:
        """The persistent definition of pool ``name``."""
        return os.path.join(self.config_dir, f"{name}.xml")

    def autostart_link(self, name: str) -> str:
        """The autostart link of pool ``name``."""
        return os.path.join(self.autostart_dir, f"{name}.xml")

    def status_file(self, name: str) -> str:
        """The live status of running pool ``name``."""
        return os.path.join(self.state_dir, f"{name}.xml")


def _persistent_xml(def_: StoragePoolDef) -> str:
    """The definition without the sizes a refresh found (libvirt saves them as 0)."""
    import copy
    saved = copy.copy(def_)
    saved.capacity = saved.allocation = saved.available = None
    return saved.format()


def save_config(dirs: StorageDirs, def_: StoragePoolDef) -> None:
    """Write the persistent definition of a pool."""
    atomic_write(dirs.config_file(def_.name), _persistent_xml(def_), 0o600)


def delete_config(dirs: StorageDirs, name: str) -> None:
    """Remove a pool's definition and autostart link."""
    remove_durably(dirs.autostart_link(name))
    remove_durably(dirs.config_file(name))


def set_autostart(dirs: StorageDirs, name: str, on: bool) -> None:
    """Create or remove the autostart link of a pool."""
    link = dirs.autostart_link(name)
    if not on:
        remove_durably(link)
        return
    if os.path.islink(link):
        return
    os.symlink(dirs.config_file(name), link)
    fsync_dir(dirs.autostart_dir)


def autostart(dirs: StorageDirs, name: str) -> bool:
    """Whether pool ``name`` has an autostart link."""
    return os.path.islink(dirs.autostart_link(name))


def save_status(dirs: StorageDirs, def_: StoragePoolDef) -> None:
    """Write the live status of a running pool."""
    body = def_.format()
    indented = "".join(f"  {line}\n" if line else "\n" for line in body.splitlines())
    atomic_write(dirs.status_file(def_.name), f"<poolstate>\n{indented}</poolstate>\n", 0o600)


def delete_status(dirs: StorageDirs, name: str) -> None:
    """Forget that a pool runs."""
    remove_durably(dirs.status_file(name))


def _read(path: str, wrapped: bool) -> StoragePoolDef | None:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        if wrapped:
            root = etree.fromstring(data)
            pool = root.find("pool")
            if pool is None:
                raise ValueError("no <pool> in <poolstate>")
            data = etree.tostring(pool)
        return StoragePoolDef.parse(data)
    except (OSError, ValueError, etree.XMLSyntaxError, libvirtError) as exc:
        log.warning("ignoring storage pool file %s: %s", path, exc)
        return None


def load_configs(dirs: StorageDirs) -> list[StoragePoolDef]:
    """The persistent definitions (files that do not parse are skipped and logged)."""
    return [d for d in (_read(os.path.join(dirs.config_dir, f), False)
                        for f in sorted(os.listdir(dirs.config_dir)) if f.endswith(".xml"))
            if d is not None]


def load_status(dirs: StorageDirs) -> list[StoragePoolDef]:
    """The live definitions of the pools that were running."""
    return [d for d in (_read(os.path.join(dirs.state_dir, f), True)
                        for f in sorted(os.listdir(dirs.state_dir)) if f.endswith(".xml"))
            if d is not None]
