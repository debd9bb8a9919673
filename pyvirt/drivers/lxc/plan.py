"""From a container's domain definition to the controller's plan (a JSON spec).

Everything the controller needs is resolved here, in the driver, where
errors can still be reported as libvirt errors before any process exists:
the root filesystem and other mounts, init's argv and environment, the
uid/gid maps, the cgroup and its settings, the device nodes of disks and
host devices.
"""

from __future__ import annotations

import itertools
import os
from typing import Any

from pyvirt import constants as C
from pyvirt.drivers.lxc.cgroup import UNLIMITED
from pyvirt.errors import report

_FROM = C.VIR_FROM_LXC

_UNIT_KIB = {"b": 1 / 1024, "bytes": 1 / 1024, "k": 1, "kib": 1, "kb": 1000 / 1024,
             "m": 1024, "mib": 1024, "mb": 1000 ** 2 / 1024, "g": 1024 ** 2, "gib": 1024 ** 2,
             "gb": 1000 ** 3 / 1024}


def os_items(def_: Any, tag: str) -> list[Any]:
    """The kept ``<os>`` children named ``tag`` (``init``, ``initarg``, ...)."""
    return [k for k in def_.os.kept if getattr(k, "tag", None) == tag]


def os_text(def_: Any, tag: str) -> str | None:
    """The text of the first ``<os>`` child ``tag``, or None."""
    items = os_items(def_, tag)
    return items[0].text if items else None


def idmap_of(def_: Any) -> dict[str, list[list[int]]] | None:
    """The ``<idmap>`` ranges as {'uid': [[start, target, count]], 'gid': [...]}."""
    elems = [k for k in def_.kept if getattr(k, "tag", None) == "idmap"]
    if not elems:
        return None
    out: dict[str, list[list[int]]] = {"uid": [], "gid": []}
    for child in elems[0].children:
        attrs = dict(child.attrs)
        try:
            rng = [int(attrs["start"]), int(attrs["target"]), int(attrs["count"])]
        except (KeyError, ValueError):
            raise report(C.VIR_ERR_XML_ERROR,
                         f"invalid idmap {child.tag} entry {attrs}", _FROM) from None
        out.setdefault(child.tag, []).append(rng)
    return out


def check_idmap(idmap: dict[str, list[list[int]]]) -> None:
    """libvirt's rules: uid and gid maps both, root mapped, no range overlapping another."""
    for kind in ("uid", "gid"):
        ranges = idmap.get(kind, [])
        if not ranges:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                         f"the idmap has no {kind} map; containers with a user namespace "
                         "need both uid and gid maps", _FROM)
        if not any(start == 0 for start, _t, _c in ranges):
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                         "You must map the root user of container", _FROM)
        for col, what in ((0, "start"), (1, "target")):
            spans = sorted((r[col], r[col] + r[2]) for r in ranges)
            for (a0, a1), (b0, b1) in itertools.pairwise(spans):
                if b0 < a1:
                    raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                                 f"idmap {kind} ranges overlap: {what} {a0}-{a1 - 1} and "
                                 f"{b0}-{b1 - 1}", _FROM)


def _kib(fs: Any) -> int:
    usage = fs.source.get("usage", "0")
    unit = fs.source.get("units", "KiB").lower()
    return int(int(usage) * _UNIT_KIB.get(unit, 1))


def _fs_entry(fs: Any) -> dict[str, Any]:
    kind = fs.type.value
    entry: dict[str, Any] = {"type": kind, "target": fs.target, "readonly": fs.readonly}
    if kind == "ram":
        entry["usage_kib"] = _kib(fs)
        return entry
    if kind not in ("mount", "file", "block"):
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     f"Unexpected filesystem type {kind}", _FROM)
    src = fs.source.get({"mount": "dir", "file": "file", "block": "dev"}[kind])
    if not src:
        raise report(C.VIR_ERR_XML_ERROR, f"missing source for filesystem '{fs.target}'",
                     _FROM)
    if not os.path.exists(src):
        raise report(C.VIR_ERR_SYSTEM_ERROR,
                     f"Failed to access '{src}': No such file or directory", _FROM)
    entry["source"] = src
    if fs.driver and fs.driver.get("format"):
        entry["format"] = fs.driver["format"]
    return entry


def cgroup_settings(def_: Any) -> list[tuple[str, str, int]]:
    """The limits to set at start, as :meth:`Cgroup.apply
    <pyvirt.drivers.lxc.cgroup.Cgroup.apply>` takes them: (controller, field,
    value) for memory (KiB), memtune, CPU tuning and the blkio weight."""
    out = [("memory", "hard_limit", int(def_.memory))]
    mt = def_.memtune
    if mt is not None:
        for value, name in ((mt.hard_limit, "hard_limit"), (mt.soft_limit, "soft_limit")):
            if value is not None and int(value) < UNLIMITED:
                out.append(("memory", name, int(value)))
    ct = def_.cputune
    if ct is not None:
        for value, name in ((ct.shares, "shares"), (ct.period, "period"), (ct.quota, "quota")):
            if value is not None:
                out.append(("cpu", name, int(value)))
    weight = getattr(def_, "blkio_weight", None)
    if weight:
        out.append(("blkio", "weight", int(weight)))
    return out


def build_spec(def_: Any, domain_dir: str, cgroup_parent: str,
               nets: list[dict[str, Any]] | None = None,
               cgroup_mode: str = "auto") -> dict[str, Any]:
    """The controller's spec for running ``def_`` (raises libvirtError on bad input)."""
    init = os_text(def_, "init")
    if not init:
        raise report(C.VIR_ERR_XML_ERROR, "init binary must be specified", _FROM)
    rootfs = None
    others = []
    for fs in def_.devices.filesystems:
        entry = _fs_entry(fs)
        if fs.target == "/":
            rootfs = entry
        else:
            others.append(entry)
    if rootfs is not None and rootfs["type"] == "mount":
        path = os.path.join(rootfs["source"], init.lstrip("/"))
        if not os.path.lexists(path):
            raise report(C.VIR_ERR_SYSTEM_ERROR,
                         f"cannot find init path '{init}' relative to container root: "
                         "No such file or directory", _FROM)
    idmap = idmap_of(def_)
    if idmap is not None:
        check_idmap(idmap)
        if def_.devices.interfaces:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                         "network interfaces of containers with an <idmap> are not "
                         "supported by this driver", _FROM)
    from pyvirt.drivers.lxc import devnodes
    nodes = [devnodes.node_of(d) for d in [*def_.devices.disks, *def_.devices.hostdevs]]
    args = [k.text or "" for k in os_items(def_, "initarg")]
    env = {"PATH": "/bin:/sbin", "TERM": "linux", "container": "lxc-libvirt", "HOME": "/",
           "container_uuid": def_.uuid, "LIBVIRT_LXC_UUID": def_.uuid,
           "LIBVIRT_LXC_NAME": def_.name}
    for k in os_items(def_, "initenv"):
        env[dict(k.attrs).get("name", "")] = k.text or ""
    return {
        "name": def_.name, "uuid": def_.uuid, "hostname": def_.name,
        "cgroup_parent": cgroup_parent, "cgroup_settings": cgroup_settings(def_),
        "cgroup_mode": cgroup_mode,
        "rootdir": os.path.join(domain_dir, "root"), "rootfs": rootfs, "filesystems": others,
        "consoles": len(def_.devices.consoles), "init": [init, *args], "env": env,
        "initdir": os_text(def_, "initdir"), "inituser": os_text(def_, "inituser"),
        "initgroup": os_text(def_, "initgroup"), "idmap": idmap,
        "state_file": os.path.join(domain_dir, "state"), "nets": nets or [],
        "devnodes": nodes,
        # /proc/meminfo shows swap figures when the domain limits memory+swap
        "swap_limit": bool(def_.memtune is not None and def_.memtune.swap_hard_limit
                           is not None and int(def_.memtune.swap_hard_limit) < UNLIMITED),
    }
