"""The network source of a guest disk: what QEMU needs to reach an RBD image or iSCSI LUN.

A ``<disk type='network'>`` carries it in its XML (protocol, name, hosts,
``<auth>``); a ``<disk type='volume'>`` of a network pool gets it from the
pool when the guest starts (:func:`network_source`), kept in the source's
``network`` field, which is never formatted -- the live XML still shows
``<source pool= volume=>`` as libvirt's does.
The QEMU driver reads it with :func:`of_disk`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyvirt.conf.storage_pool import StoragePoolDef


@dataclass
class NetAuth:
    """``<auth type username><secret uuid|usage>`` of a disk or pool."""

    type: str
    username: str
    secret_uuid: str | None = None
    secret_usage: str | None = None


@dataclass
class NetSource:
    """A network disk's source: ``protocol`` (rbd, iscsi), ``name`` (POOL/IMAGE,
    IQN/LUN), ``hosts`` [(name, port)], ``auth`` and the initiator IQN (iSCSI)."""

    protocol: str
    name: str
    hosts: list[tuple[str, int | None]] = field(default_factory=list)
    auth: NetAuth | None = None
    initiator: str | None = None
    #: the secret's value, looked up when the guest starts (:func:`resolve_secrets`)
    secret: bytes | None = None


def network_source(disk: Any, protocol: str, name: str, pool: StoragePoolDef,
                   default_port: int | None) -> None:
    """Give a volume disk the network source of ``pool``'s volume ``name``."""
    auth = pool.source.auth
    disk.source.network = NetSource(
        protocol, name, [(h.name, h.port or default_port) for h in pool.source.hosts],
        None if auth is None else NetAuth(auth.type, auth.username, auth.secret_uuid,
                                          auth.secret_usage),
        pool.source.initiator_iqn)


def _auth_of(kept: list[Any]) -> NetAuth | None:
    for node in kept:
        if node.tag != "auth":
            continue
        attrs = dict(node.attrs)
        secret = next((c for c in node.children if c.tag == "secret"), None)
        sec = dict(secret.attrs) if secret is not None else {}
        return NetAuth(str(sec.get("type", "ceph")), str(attrs.get("username", "")),
                       sec.get("uuid"), sec.get("usage"))  # type: ignore[arg-type]
    return None


def of_disk(disk: Any) -> NetSource | None:
    """The network source of a disk (None for local storage)."""
    src = disk.source
    if src is None:
        return None
    found: NetSource | None = src.network
    if found is not None:
        return found
    if getattr(disk.type, "value", disk.type) != "network" or not src.protocol:
        return None
    initiator = None
    for node in src.kept:
        if node.tag == "initiator":
            iqn = next((c for c in node.children if c.tag == "iqn"), None)
            initiator = dict(iqn.attrs).get("name") if iqn is not None else None
    auth = _auth_of(src.kept) or _auth_of(getattr(disk, "kept", []))
    found = NetSource(src.protocol, src.name or "", [(h.name or "", h.port)
                                                     for h in src.hosts], auth, initiator)
    src.network = found
    return found


def resolve_secrets(root: Any, disks: Any) -> None:
    """Look up the secret of every network disk with ``<auth>`` in the root's secret
    driver (VIR_ERR_NO_SECRET when it is missing)."""
    from pyvirt.conf.storage_pool import Auth
    from pyvirt.drivers.storage.backends.netauth import secret_value
    for disk in disks:
        src = of_disk(disk)
        if src is None or src.auth is None:
            continue
        a = src.auth
        src.secret = secret_value(root, Auth(a.type if a.type in ("chap", "ceph") else "ceph",
                                             a.username, a.secret_uuid, a.secret_usage))
