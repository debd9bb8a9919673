"""Finding the objects a command names, with virsh's rules and wording.

A domain is tried by id (a non-negative integer), then UUID (36
characters), then name; networks and pools by UUID then name; volumes by
name inside ``--pool``, then by key, then by path.  Failures raise
:class:`CmdError` carrying virsh's message and, where virsh shows it, the
library error behind it.
"""

from __future__ import annotations

import re
from typing import Any

import pyvirt as libvirt
from pyvirt.shell.command import Args, CmdError

UUID_LEN = 36
_MAC = re.compile(r"^[0-9a-fA-F]{1,2}([:-][0-9a-fA-F]{1,2}){5}$")


def _attempt(func: Any, *args: Any) -> tuple[Any, BaseException | None]:
    try:
        return func(*args), None
    except libvirt.libvirtError as exc:
        return None, exc


def domain_by(conn: Any, name: str) -> Any:
    """The domain called ``name`` (id, UUID or name); CmdError if none."""
    dom = None
    numeric = name.isdigit() or (name[:1] == "+" and name[1:].isdigit())
    if numeric and int(name) < 2 ** 31:
        dom, _ = _attempt(conn.lookupByID, int(name))
    if dom is None and len(name) == UUID_LEN:
        dom, _ = _attempt(conn.lookupByUUIDString, name)
    if dom is None:
        dom, _ = _attempt(conn.lookupByName, name)
    if dom is None:
        raise CmdError(f"failed to get domain '{name}'")
    return dom


def domain(shell: Any, args: Args, opt: str = "domain") -> tuple[Any, str]:
    """The domain named by option ``opt``, and the name as given."""
    name = args.req(opt)
    return domain_by(shell.conn, name), name


def network(shell: Any, args: Args, opt: str = "network", by_name: bool = True) -> Any:
    """The network named by ``opt`` (UUID, then name)."""
    name = args.req(opt)
    net, err = None, None
    if len(name) == UUID_LEN:
        net, err = _attempt(shell.conn.networkLookupByUUIDString, name)
    if net is None and by_name:
        net, err = _attempt(shell.conn.networkLookupByName, name)
    if net is None:
        raise CmdError(f"failed to get network '{name}'", err)
    return net


def pool_by(conn: Any, name: str) -> Any:
    """The storage pool ``name`` (UUID, then name)."""
    pool, err = None, None
    if len(name) == UUID_LEN:
        pool, err = _attempt(conn.storagePoolLookupByUUIDString, name)
    if pool is None:
        pool, err = _attempt(conn.storagePoolLookupByName, name)
    if pool is None:
        raise CmdError(f"failed to get pool '{name}'", err)
    return pool


def pool(shell: Any, args: Args, opt: str = "pool") -> Any:
    """The storage pool named by option ``opt``."""
    return pool_by(shell.conn, args.req(opt))


def volume(shell: Any, args: Args, opt: str = "vol", pool_opt: str | None = "pool") -> Any:
    """The volume named by ``opt``, inside ``--pool`` when given."""
    name = args.req(opt)
    pool_name = args.get(pool_opt) if pool_opt else None
    parent = None
    if pool_name is not None:
        parent = pool_by(shell.conn, pool_name)
        if not _is_active(parent):
            raise CmdError(f"pool '{pool_name}' is not active")
    vol, err = None, None
    if parent is not None:
        vol, err = _attempt(parent.storageVolLookupByName, name)
    if vol is None:
        vol, err = _attempt(shell.conn.storageVolLookupByKey, name)
    if vol is None:
        vol, err = _attempt(shell.conn.storageVolLookupByPath, name)
    if vol is None:
        if parent is not None or not pool_opt:
            raise CmdError(f"failed to get vol '{name}'", err)
        raise CmdError(f"failed to get vol '{name}', specifying --{pool_opt} might help", err)
    if parent is not None:
        owner, _ = _attempt(vol.storagePoolLookupByVolume)
        if owner is not None and owner.name() != parent.name():
            raise CmdError(f"Requested volume '{name}' is not in pool '{parent.name()}'")
    return vol


def _is_active(obj: Any) -> bool:
    try:
        return bool(obj.isActive())
    except libvirt.libvirtError:
        return False


def secret(shell: Any, args: Args, opt: str = "secret") -> Any:
    """The secret whose UUID is given by ``opt``."""
    name = args.req(opt)
    found, err = _attempt(shell.conn.secretLookupByUUIDString, name)
    if found is None:
        raise CmdError(f"failed to get secret '{name}'", err)
    return found


def interface(shell: Any, args: Args, opt: str = "interface") -> Any:
    """The host interface named by ``opt`` (name, or MAC address)."""
    name = args.req(opt)
    if _MAC.match(name):
        found, err = _attempt(shell.conn.interfaceLookupByMACString, name)
    else:
        found, err = _attempt(shell.conn.interfaceLookupByName, name)
    if found is None:
        raise CmdError(f"failed to get interface '{name}'", err)
    return found


def node_device(shell: Any, args: Args, opt: str = "device") -> Any:
    """The node device named by ``opt`` (name, or ``wwnn,wwpn``)."""
    name = args.req(opt)
    if "," in name:
        parts = name.split(",")
        if len(parts) != 2:
            raise CmdError(f"Malformed device value '{name}'")
        found, err = _attempt(shell.conn.nodeDeviceLookupSCSIHostByWWN, parts[0], parts[1], 0)
    else:
        found, err = _attempt(shell.conn.nodeDeviceLookupByName, name)
    if found is None:
        raise CmdError(f"Could not find matching device '{name}'", err)
    return found


def snapshot(dom: Any, args: Args, opt: str = "snapshotname",
             current_opt: str | None = "current") -> tuple[Any, str]:
    """The snapshot named by ``opt`` or, with ``--current``, the current one.

    Mirrors virsh: ``--snapshotname`` and ``--current`` may not both be
    given, and one of them is needed.
    """
    name = args.get(opt)
    use_current = bool(current_opt) and args.flag(current_opt or "")
    if use_current and name is not None:
        raise CmdError(f"--{opt} and --current are mutually exclusive")
    if name is not None:
        try:
            snap = dom.snapshotLookupByName(name, 0)
        except libvirt.libvirtError as exc:
            raise CmdError(None, exc) from None
        return snap, name
    if use_current:
        try:
            snap = dom.snapshotCurrent(0)
        except libvirt.libvirtError as exc:
            raise CmdError(None, exc) from None
        return snap, snap.getName()
    raise CmdError(f"--{opt} or --current is required")
