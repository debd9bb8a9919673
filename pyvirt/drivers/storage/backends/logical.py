"""``<pool type='logical'>``: an LVM volume group; volumes are its logical volumes.

Everything goes through LVM's tools as argv lists built by the functions
below (tests compare them as data): ``pvcreate``/``vgcreate`` build the
group, ``vgchange -aly``/``-aln`` start and stop it, ``vgs`` and ``lvs``
refresh it, ``lvcreate``/``lvremove`` make and drop volumes, ``pvs`` finds
pool sources.  Logical volumes need the kernel's device-mapper; where it
is missing the tools' own error (naming device-mapper) is reported, as
libvirt reports it.
"""

from __future__ import annotations

import os
import subprocess

from pyvirt import constants as C
from pyvirt.conf.storage_pool import PoolType, StoragePoolDef
from pyvirt.conf.storage_vol import Extent, StorageVolDef, VolTarget, VolType
from pyvirt.drivers.storage import volfile
from pyvirt.drivers.storage.backends import Backend
from pyvirt.drivers.storage.backends.disk import probe
from pyvirt.errors import report, report_system

_FROM = C.VIR_FROM_STORAGE
SBIN = "/sbin"          # libvirt runs LVM's tools by the path they had when it was built
LV_FIELDS = "lv_name,origin,uuid,devices,segtype,stripes,seg_size,vg_extent_size,size,lv_attr"


# --- command lines ---------------------------------------------------------------------

def pvcreate_argv(device: str) -> list[str]:
    """Make ``device`` an LVM physical volume."""
    return [f"{SBIN}/pvcreate", device]


def vgcreate_argv(vg: str, devices: list[str]) -> list[str]:
    """Make the volume group ``vg`` of ``devices``."""
    return [f"{SBIN}/vgcreate", vg, *devices]


def vgchange_argv(vg: str, on: bool) -> list[str]:
    """Activate (``-aly``) or deactivate (``-aln``) the group's volumes locally."""
    return [f"{SBIN}/vgchange", "-aly" if on else "-aln", vg]


def vgs_argv(vg: str) -> list[str]:
    """The group's size and free bytes, ``SIZE:FREE``."""
    return [f"{SBIN}/vgs", "--separator", ":", "--noheadings", "--units", "b", "--unbuffered",
            "--nosuffix", "--options", "vg_size,vg_free", vg]


def lvs_argv(vg: str) -> list[str]:
    """One line per segment of each logical volume, fields separated by '#'."""
    return [f"{SBIN}/lvs", "--separator", "#", "--noheadings", "--units", "b", "--unbuffered",
            "--nosuffix", "--options", LV_FIELDS, vg]


def lvcreate_argv(vg: str, vol: StorageVolDef) -> list[str]:
    """``lvcreate`` for a new volume (sparse when the allocation is below the capacity,
    a snapshot when it has a backing store)."""
    argv = [f"{SBIN}/lvcreate", "--name", vol.name]
    cap_k, alloc_k = (vol.capacity + 1023) // 1024, (vol.allocation + 1023) // 1024
    if vol.backing_store is None and alloc_k and alloc_k < cap_k:
        argv += ["-L", f"{alloc_k}K", "--virtualsize", f"{cap_k}K"]
    else:
        argv += ["-L", f"{cap_k}K"]
    if vol.backing_store is not None:
        argv += ["-s", vol.backing_store.path or ""]
    else:
        argv.append(vg)
    return [*argv, "--yes"]


def lvremove_argv(vg: str, name: str) -> list[list[str]]:
    """Deactivate then remove ``vg/name``."""
    return [[f"{SBIN}/lvchange", "-aln", f"{vg}/{name}"], [f"{SBIN}/lvremove", "-f", f"{vg}/{name}"]]


def vgremove_argv(vg: str) -> list[str]:
    """Remove the volume group."""
    return [f"{SBIN}/vgremove", "-f", vg]


def pvremove_argv(device: str) -> list[str]:
    """Wipe the LVM label of ``device``."""
    return [f"{SBIN}/pvremove", device]


PVS_ARGV = [f"{SBIN}/pvs", "--noheadings", "-o", "pv_name,vg_name"]


def _vg(pool: StoragePoolDef) -> str:
    return pool.source.name or pool.name


def parse_lvs(pool: StoragePoolDef, text: str) -> list[StorageVolDef]:
    """Volumes from ``lvs`` output (several lines for a volume of several segments)."""
    vols: dict[str, StorageVolDef] = {}
    target = pool.target_path or f"/dev/{_vg(pool)}"
    for line in text.splitlines():
        f = line.strip().split("#")
        if len(f) < 10:
            continue
        name, origin, uuid, devices, _seg, _stripes, seg_size, ext_size, size, _attr = f[:10]
        vol = vols.get(name)
        if vol is None:
            path = os.path.join(target, name)
            vol = StorageVolDef(name=name, type=VolType.BLOCK, key=uuid,
                                pool_type=PoolType.LOGICAL)
            vol.target = VolTarget(path=path)
            vol.capacity = int(size)
            vol.allocation = 0
            if origin:
                vol.backing_store = VolTarget(path=os.path.join(target, origin))
            try:
                st = os.stat(path)
                vol.target.permissions = volfile.perms_of(st)
                vol.target.timestamps = volfile.timestamps_of(st)
            except OSError:
                pass
            vols[name] = vol
        vol.allocation += int(seg_size)
        dev, _, first = devices.partition("(")
        if dev and first.rstrip(")").isdigit():
            start = int(first.rstrip(")")) * int(ext_size)
            vol.extents.append(Extent(dev, start, start + int(seg_size)))
    return list(vols.values())


def parse_pvs(text: str) -> str:
    """``<sources>`` XML of the volume groups ``pvs`` lists (devices without a group are
    left out)."""
    groups: dict[str, list[str]] = {}
    for line in text.splitlines():
        f = line.split()
        if len(f) == 2:
            groups.setdefault(f[1], []).append(f[0])
    out = ["<sources>"]
    for vg, devs in groups.items():
        out.append("  <source>")
        out += [f"    <device path='{d}'/>" for d in devs]
        out += [f"    <name>{vg}</name>", "    <format type='lvm2'/>", "  </source>"]
    out.append("</sources>")
    return "\n".join(out) + "\n"


class LogicalBackend(Backend):
    """Pools that are an LVM volume group."""

    pool_type = PoolType.LOGICAL

    def is_running(self, pool: StoragePoolDef) -> bool:
        return subprocess.run(vgs_argv(_vg(pool)), capture_output=True,
                              check=False).returncode == 0

    def build(self, pool: StoragePoolDef, flags: int) -> None:
        if (flags & C.VIR_STORAGE_POOL_BUILD_OVERWRITE
                and flags & C.VIR_STORAGE_POOL_BUILD_NO_OVERWRITE):
            raise report(C.VIR_ERR_INVALID_ARG, "Flags 'VIR_STORAGE_POOL_BUILD_OVERWRITE' and "
                         "'VIR_STORAGE_POOL_BUILD_NO_OVERWRITE' are mutually exclusive", _FROM)
        devices = [d.path for d in pool.source.devices]
        if not devices:
            raise report(C.VIR_ERR_INVALID_ARG, "cannot build a logical pool without source "
                         "devices", _FROM)
        if not flags & C.VIR_STORAGE_POOL_BUILD_OVERWRITE:
            for dev in devices:
                found = probe(dev)
                if found is not None:
                    raise report(C.VIR_ERR_STORAGE_POOL_BUILT,
                                 f"Device '{dev}' already formatted using '{found}'", _FROM)
        for dev in devices:
            _blank_first_sector(dev)
            volfile.run_command(pvcreate_argv(dev))
        volfile.run_command(vgcreate_argv(_vg(pool), devices))

    def start(self, pool: StoragePoolDef) -> None:
        vg = _vg(pool)
        subprocess.run([f"{SBIN}/vgscan"], capture_output=True, check=False)
        pvs = [line.split() for line in volfile.run_command(PVS_ARGV).splitlines()]
        mine = [f[0] for f in pvs if len(f) == 2 and f[1] == vg]
        if not mine:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                         f"cannot find logical volume group name '{vg}'", _FROM)
        wanted = [d.path for d in pool.source.devices]
        if wanted and not any(os.path.realpath(d) in map(os.path.realpath, mine)
                              for d in wanted):
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, "cannot find any matching source "
                         f"devices for logical volume group '{vg}'", _FROM)
        volfile.run_command(vgchange_argv(vg, True))

    def stop(self, pool: StoragePoolDef) -> None:
        volfile.run_command(vgchange_argv(_vg(pool), False))

    def delete(self, pool: StoragePoolDef, flags: int) -> None:
        volfile.run_command(vgremove_argv(_vg(pool)))
        for dev in pool.source.devices:
            volfile.run_command(pvremove_argv(dev.path))

    def refresh(self, pool: StoragePoolDef) -> list[StorageVolDef]:
        vols = parse_lvs(pool, volfile.run_command(lvs_argv(_vg(pool))))
        self.update_sizes(pool)
        return vols

    def update_sizes(self, pool: StoragePoolDef) -> None:
        line = volfile.run_command(vgs_argv(_vg(pool))).strip().rstrip(":")
        size, _, free = line.partition(":")
        pool.capacity, pool.available = int(size), int(free)
        pool.allocation = pool.capacity - pool.available

    def refresh_vol(self, pool: StoragePoolDef, vol: StorageVolDef) -> StorageVolDef | None:
        found = parse_lvs(pool, volfile.run_command(lvs_argv(_vg(pool))))
        return next((v for v in found if v.name == vol.name), None)

    def place_vol(self, pool: StoragePoolDef, vol: StorageVolDef) -> None:
        vol.type = VolType.BLOCK
        vol.target.path = os.path.join(pool.target_path or f"/dev/{_vg(pool)}", vol.name)
        vol.key = vol.target.path

    def create_vol(self, pool: StoragePoolDef, vol: StorageVolDef, flags: int) -> None:
        if vol.target.encryption is not None:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                         "storage pool does not support encrypted volumes", _FROM)
        volfile.run_command(lvcreate_argv(_vg(pool), vol))

    def clone_vol(self, pool: StoragePoolDef, vol: StorageVolDef, src: StorageVolDef,
                  flags: int) -> None:
        self.clone_into_block(pool, vol, src, flags)

    def delete_vol(self, pool: StoragePoolDef, vol: StorageVolDef, flags: int) -> None:
        deactivate, remove = lvremove_argv(_vg(pool), vol.name)
        subprocess.run(deactivate, capture_output=True, check=False)
        volfile.run_command(remove)

    def resize_vol(self, pool: StoragePoolDef, vol: StorageVolDef, capacity: int,
                   flags: int) -> None:
        raise report(C.VIR_ERR_NO_SUPPORT,
                     "storage pool does not support changing of volume capacity", _FROM)

    def wipe_vol(self, pool: StoragePoolDef, vol: StorageVolDef, algorithm: int) -> None:
        volfile.wipe(vol.target.path or "", algorithm)

    def find_sources(self, spec: str | None) -> str:
        subprocess.run([f"{SBIN}/vgscan"], capture_output=True, check=False)
        return parse_pvs(volfile.run_command(PVS_ARGV))


def _blank_first_sector(device: str) -> None:
    """LVM wants the first sector of a whole disk blank before pvcreate."""
    try:
        fd = os.open(device, os.O_WRONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise report_system(exc.errno or 0, f"cannot open device '{device}'", _FROM) from None
    try:
        os.pwrite(fd, bytes(512), 0)
    except OSError as exc:
        raise report_system(exc.errno or 0, f"cannot clear device header of '{device}'",
                            _FROM) from None
    finally:
        os.close(fd)
