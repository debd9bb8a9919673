"""Storage pool XML (``<pool type=...>``), as libvirt's storage_conf reads and writes it.

Which ``<source>`` parts a pool type uses, its format names and its
default format come from one table, :data:`POOL_TYPES`; parsing, defaults,
validation and output all follow it.
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import cast

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf import xmlutil
from pyvirt.conf.confutil import (
    E,
    child_text,
    open_close,
    parse_enum,
    parse_root,
    parse_uuid,
)
from pyvirt.conf.xmlattr import YESNO, message, optional, uint
from pyvirt.errors import libvirtError, report

_FROM = C.VIR_FROM_STORAGE


class PoolType(enum.Enum):
    """``<pool type=...>``."""

    DIR = "dir"
    FS = "fs"
    NETFS = "netfs"
    LOGICAL = "logical"
    DISK = "disk"
    ISCSI = "iscsi"
    ISCSI_DIRECT = "iscsi-direct"
    SCSI = "scsi"
    MPATH = "mpath"
    RBD = "rbd"
    SHEEPDOG = "sheepdog"
    GLUSTER = "gluster"
    ZFS = "zfs"
    VSTORAGE = "vstorage"


class Src(enum.Flag):
    """The ``<source>`` parts a pool type uses."""

    NONE = 0
    HOST = enum.auto()
    DEVICE = enum.auto()
    DIR = enum.auto()
    ADAPTER = enum.auto()
    NAME = enum.auto()
    INITIATOR = enum.auto()
    NETWORK = enum.auto()   # no local target


@dataclass(frozen=True)
class PoolTypeInfo:
    """What a pool type reads and writes: source parts, formats, default format."""

    source: Src
    formats: tuple[str, ...] = ()
    default_format: str | None = None


_FS_FORMATS = ("auto", "ext2", "ext3", "ext4", "ufs", "iso9660", "udf", "gfs", "gfs2",
               "vfat", "hfs+", "xfs", "ocfs2", "vmfs")
POOL_TYPES: dict[PoolType, PoolTypeInfo] = {
    PoolType.DIR: PoolTypeInfo(Src.NONE),
    PoolType.FS: PoolTypeInfo(Src.DEVICE, _FS_FORMATS, "auto"),
    PoolType.NETFS: PoolTypeInfo(Src.HOST | Src.DIR, ("auto", "nfs", "glusterfs", "cifs"),
                                 "auto"),
    PoolType.LOGICAL: PoolTypeInfo(Src.NAME | Src.DEVICE, ("unknown", "lvm2"), "lvm2"),
    PoolType.DISK: PoolTypeInfo(Src.DEVICE, ("unknown", "dos", "dvh", "gpt", "mac", "bsd",
                                             "pc98", "sun", "lvm2"), "unknown"),
    PoolType.ISCSI: PoolTypeInfo(Src.HOST | Src.DEVICE | Src.INITIATOR),
    PoolType.ISCSI_DIRECT: PoolTypeInfo(Src.HOST | Src.DEVICE | Src.NETWORK | Src.INITIATOR),
    PoolType.SCSI: PoolTypeInfo(Src.ADAPTER),
    PoolType.MPATH: PoolTypeInfo(Src.NONE),
    PoolType.RBD: PoolTypeInfo(Src.HOST | Src.NETWORK | Src.NAME),
    PoolType.SHEEPDOG: PoolTypeInfo(Src.HOST | Src.NETWORK | Src.NAME),
    PoolType.GLUSTER: PoolTypeInfo(Src.HOST | Src.NETWORK | Src.NAME | Src.DIR),
    PoolType.ZFS: PoolTypeInfo(Src.NAME | Src.DEVICE),
    PoolType.VSTORAGE: PoolTypeInfo(Src.NAME),
}


def _xml_err(detail: str) -> libvirtError:
    return report(C.VIR_ERR_XML_ERROR, detail, _FROM)


def sanitize_path(path: str) -> str:
    """Collapse repeated '/' and drop a trailing one, as libvirt does.

    A leading '//' (and not '///') is kept: POSIX gives it its own meaning.
    """
    lead = "/" if path.startswith("//") and not path.startswith("///") else ""
    cleaned = lead + re.sub(r"/{2,}", "/", path)
    if len(cleaned) > 1 and cleaned.endswith("/"):
        cleaned = cleaned.rstrip("/") or "/"
    return cleaned


def parse_size(elem: etree._Element | None) -> int | None:
    """Return a ``<capacity unit=...>N</capacity>`` style size in bytes (None if absent)."""
    if elem is None:
        return None
    text = "".join(cast("Iterator[str]", elem.itertext()))
    try:
        return xmlutil.scale_bytes(text, elem.get("unit"), "bytes", elem.tag, _FROM)
    except libvirtError:
        return None


def format_size(tag: str, value: int | None) -> E:
    """``<tag unit='bytes'>N</tag>`` (None is written as 0)."""
    return E(tag, [("unit", "bytes")], text=value or 0)


# --- permissions ----------------------------------------------------------------------

@dataclass
class Permissions:
    """``<permissions>`` of a pool or volume target."""

    mode: int | None = None
    owner: int | None = None
    group: int | None = None
    label: str | None = None

    @classmethod
    def parse(cls, elem: etree._Element | None) -> Permissions | None:
        """Read ``<permissions>`` (None when absent)."""
        if elem is None:
            return None
        perms = cls()
        mode = child_text(elem, "mode")
        if mode is not None:
            try:
                perms.mode = int(mode.strip(), 8)
                if not 0 <= perms.mode <= 0o777:
                    raise ValueError(mode)
            except ValueError:
                raise _xml_err("malformed octal mode") from None
        for name in ("owner", "group"):
            text = child_text(elem, name)
            if text is None:
                continue
            try:
                number = int(text.strip())
            except ValueError:
                raise _xml_err(f"malformed {name} element") from None
            if number != -1:
                setattr(perms, name, number)
        perms.label = child_text(elem, "label")
        return perms

    def format(self) -> E:
        """Return ``<permissions>`` (left out when it carries nothing)."""
        node = E("permissions")
        if self.mode is not None:
            node.add(E("mode", text=f"{self.mode:04o}"))
        if self.owner is not None:
            node.add(E("owner", text=self.owner))
        if self.group is not None:
            node.add(E("group", text=self.group))
        if self.label is not None:
            node.add(E("label", text=self.label))
        return node


# --- source -----------------------------------------------------------------------------

@dataclass
class Host:
    """A ``<host name port>`` of a pool source."""

    name: str = ""
    port: int | None = None


@dataclass
class Device:
    """A ``<device path>`` of a pool source."""

    path: str = ""
    part_separator: bool | None = None
    #: (start, end) byte ranges a disk pool's refresh found free (never read from input)
    free_extents: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Auth:
    """``<auth type username><secret uuid|usage/>``."""

    type: str = "chap"
    username: str = ""
    secret_uuid: str | None = None
    secret_usage: str | None = None

    @classmethod
    def parse(cls, elem: etree._Element) -> Auth:
        auth = cls()
        kind = elem.get("type")
        if kind not in ("chap", "ceph"):
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, f"unknown auth type '{kind}'", _FROM)
        auth.type = kind
        username = elem.get("username")
        if username is None:
            raise _xml_err("missing username for auth")
        auth.username = username
        secret = elem.find("secret")
        if secret is None:
            raise _xml_err("Missing <secret> element in auth")
        auth.secret_usage = secret.get("usage")
        if secret.get("uuid") is not None:
            auth.secret_uuid = parse_uuid(secret.get("uuid"), _FROM, error=lambda: _xml_err(
                "invalid auth secret uuid"))
        if auth.secret_uuid is None and auth.secret_usage is None:
            raise _xml_err("either auth secret uuid or usage expected")
        return auth

    def format(self) -> E:
        return E("auth", [("type", self.type), ("username", self.username)],
                 children=[E("secret", [("uuid", self.secret_uuid),
                                        ("usage", self.secret_usage)])])


@dataclass
class Adapter:
    """A SCSI pool's ``<adapter>``: a scsi_host by name/parent address, or an fc_host."""

    type: str = "scsi_host"
    name: str | None = None
    parentaddr_unique_id: int | None = None
    parentaddr: tuple[int, int, int, int] | None = None
    parent: str | None = None
    managed: bool | None = None
    parent_wwnn: str | None = None
    parent_wwpn: str | None = None
    parent_fabric_wwn: str | None = None
    wwnn: str | None = None
    wwpn: str | None = None

    @classmethod
    def parse(cls, elem: etree._Element) -> Adapter:
        ad = cls()
        kind = elem.get("type")
        if kind is not None and kind not in ("scsi_host", "fc_host"):
            raise report(C.VIR_ERR_XML_ERROR, f"Invalid value for attribute 'type' in "
                         f"element 'adapter': '{kind}'.", C.VIR_FROM_XML)
        ad.type = kind or ("fc_host" if elem.get("wwnn") else "scsi_host")
        if ad.type == "fc_host":
            for attr in ("parent", "parent_wwnn", "parent_wwpn", "parent_fabric_wwn",
                         "wwnn", "wwpn"):
                setattr(ad, attr, elem.get(attr))
            ad.managed = optional(elem, "managed", YESNO)
            if ad.wwnn is None or ad.wwpn is None:
                raise _xml_err("'wwnn' and 'wwpn' must be specified for adapter type 'fchost'")
            for wwn in (ad.wwnn, ad.wwpn, ad.parent_wwnn, ad.parent_wwpn,
                        ad.parent_fabric_wwn):
                if wwn is not None and not re.fullmatch(r"(0x)?[0-9a-fA-F]{16}", wwn):
                    raise report(C.VIR_ERR_INTERNAL_ERROR, f"Malformed wwn: {wwn}",
                                 C.VIR_FROM_NONE)
            return ad
        ad.name = elem.get("name")
        paddr = elem.find("parentaddr")
        if paddr is not None:
            ad.parentaddr_unique_id = uint(10, message(
                "Missing or invalid scsi adapter 'unique_id' value", domain=_FROM)).load(
                paddr.get("unique_id", ""), "unique_id", "parentaddr")
            addr = paddr.find("address")
            if addr is None:
                raise _xml_err("Missing scsi_host PCI address element")
            ad.parentaddr = tuple(  # type: ignore[assignment]
                xmlutil.parse_int(addr.get(k, "0"), k, _FROM, base=0) or 0
                for k in ("domain", "bus", "slot", "function"))
        if ad.name is None and paddr is None:
            raise _xml_err("Either 'name' or 'parent' must be specified for the "
                           "'scsi_host' adapter")
        return ad

    def format(self) -> E:
        node = E("adapter", [("type", self.type)], keep=True)
        if self.type == "fc_host":
            node.set("parent", self.parent)
            node.set("managed", xmlutil.yesno(self.managed))
            for attr in ("parent_wwnn", "parent_wwpn", "parent_fabric_wwn", "wwnn", "wwpn"):
                node.set(attr, getattr(self, attr))
            return node
        node.set("name", self.name)
        if self.parentaddr is not None:
            dom, bus, slot, fn = self.parentaddr
            node.add(E("parentaddr", [("unique_id", self.parentaddr_unique_id)], children=[
                E("address", [("domain", f"0x{dom:04x}"), ("bus", f"0x{bus:02x}"),
                              ("slot", f"0x{slot:02x}"), ("function", f"0x{fn:x}")])]))
        return node


@dataclass
class PoolSource:
    """A pool's ``<source>``."""

    hosts: list[Host] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)
    dir: str | None = None
    adapter: Adapter | None = None
    name: str | None = None
    initiator_iqn: str | None = None
    format_type: str | None = None
    auth: Auth | None = None
    protocol_ver: str | None = None
    vendor: str | None = None
    product: str | None = None

    @classmethod
    def parse(cls, elem: etree._Element | None, info: PoolTypeInfo) -> PoolSource:
        """Read ``<source>``; ``info`` says which format names are valid."""
        src = cls()
        if elem is None:
            return src
        src.name = child_text(elem, "name")
        for host in elem.findall("host"):
            name = host.get("name")
            if name is None:
                raise _xml_err("missing storage pool host name")
            port = host.get("port")
            number = None
            if port is not None:
                try:
                    number = int(port)
                except ValueError:
                    raise report(C.VIR_ERR_XML_ERROR, f"Invalid value for attribute 'port' "
                                 f"in element 'host': '{port}'. Expected integer value",
                                 C.VIR_FROM_XML) from None
            src.hosts.append(Host(name, number))
        for dev in elem.findall("device"):
            if dev.get("path") is None:
                raise _xml_err("missing storage pool source device path")
            sep = optional(dev, "part_separator", YESNO)
            src.devices.append(Device(dev.get("path", ""), sep))
        dir_elem = elem.find("dir")
        if dir_elem is not None and dir_elem.get("path") is not None:
            src.dir = sanitize_path(dir_elem.get("path", ""))
        adapter = elem.find("adapter")
        if adapter is not None:
            src.adapter = Adapter.parse(adapter)
        iqn = elem.find("initiator/iqn")
        if iqn is not None:
            src.initiator_iqn = iqn.get("name")
        # libvirt reads <format> only for pool types that have formats
        fmt = elem.find("format") if info.formats else None
        if fmt is not None:
            src.format_type = fmt.get("type")
            if src.format_type is None:
                raise _xml_err("missing pool source format name")
            if src.format_type not in info.formats:
                raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                             f"unknown pool format type {src.format_type}", _FROM)
        auth = elem.find("auth")
        if auth is not None:
            src.auth = Auth.parse(auth)
        proto = elem.find("protocol")
        if proto is not None:
            src.protocol_ver = proto.get("ver")
        for name in ("vendor", "product"):
            node = elem.find(name)
            if node is not None:
                setattr(src, name, node.get("name"))
        return src

    def format(self, info: PoolTypeInfo) -> E:
        """Return ``<source>``, written with open and close tags as libvirt does."""
        node = E("source")
        flags = info.source
        if Src.HOST in flags:
            for host in self.hosts:
                node.add(E("host", [("name", host.name), ("port", host.port)]))
        if Src.DEVICE in flags:
            for dev in self.devices:
                node.add(E("device", [("path", dev.path),
                                      ("part_separator", xmlutil.yesno(dev.part_separator))],
                           children=[E("freeExtent", [("start", s), ("end", e)])
                                     for s, e in dev.free_extents]))
        if Src.DIR in flags and self.dir is not None:
            node.add(E("dir", [("path", self.dir)]))
        if Src.ADAPTER in flags and self.adapter is not None:
            node.add(self.adapter.format())
        if Src.NAME in flags and self.name is not None:
            node.add(E("name", text=self.name))
        if Src.INITIATOR in flags and self.initiator_iqn is not None:
            node.add(E("initiator", children=[E("iqn", [("name", self.initiator_iqn)])]))
        if info.formats and self.format_type is not None:
            node.add(E("format", [("type", self.format_type)]))
        node.add(self.auth.format() if self.auth else None)
        node.add(E("protocol", [("ver", self.protocol_ver)]))
        node.add(E("vendor", [("name", self.vendor)]))
        node.add(E("product", [("name", self.product)]))
        return open_close(node)


# --- the pool -----------------------------------------------------------------------------

@dataclass
class StoragePoolDef:
    """A storage pool definition.

    Drivers use ``type``, ``name``, ``uuid``, ``target_path``, ``source`` and the
    sizes ``capacity``/``allocation``/``available`` (bytes).
    """

    type: PoolType = PoolType.DIR
    name: str = ""
    uuid: str = ""
    capacity: int | None = None
    allocation: int | None = None
    available: int | None = None
    source: PoolSource = field(default_factory=PoolSource)
    target_path: str | None = None
    permissions: Permissions | None = None

    @property
    def info(self) -> PoolTypeInfo:
        """The :class:`PoolTypeInfo` of this pool's type."""
        return POOL_TYPES[self.type]

    @classmethod
    def parse(cls, xml: str | bytes) -> StoragePoolDef:
        """Parse pool XML; raise libvirt's errors for bad input."""
        root = parse_root(xml, "pool", "storage_pool_definition", _FROM)
        pool = cls._from_xml(root)
        pool._fill_defaults()
        pool._validate()
        return pool

    @classmethod
    def _from_xml(cls, root: etree._Element) -> StoragePoolDef:
        pool = cls()
        kind = root.get("type")
        if kind is None:
            raise report(C.VIR_ERR_XML_ERROR, "Missing required attribute 'type' in element "
                         "'pool'", C.VIR_FROM_XML)
        pool.type = parse_enum(PoolType, kind, error=lambda v: report(
            C.VIR_ERR_XML_ERROR, f"Invalid value for attribute 'type' in element 'pool': "
            f"'{v}'.", C.VIR_FROM_XML))
        pool.source = PoolSource.parse(root.find("source"), pool.info)
        pool.name = child_text(root, "name") or ""
        pool.uuid = parse_uuid(child_text(root, "uuid"), _FROM, error=lambda: _xml_err(
            "malformed uuid element"))  # type: ignore[assignment]
        pool.capacity = parse_size(root.find("capacity"))
        pool.allocation = parse_size(root.find("allocation"))
        pool.available = parse_size(root.find("available"))
        target = root.find("target")
        if target is not None:
            path = child_text(target, "path")
            pool.target_path = sanitize_path(path) if path else None
            pool.permissions = Permissions.parse(target.find("permissions"))
        return pool

    def _fill_defaults(self) -> None:
        info, src = self.info, self.source
        if not self.name and Src.NAME in info.source:
            self.name = src.name or ""
        if not self.name:
            raise _xml_err("missing pool source name element")
        if Src.NAME in info.source and src.name is None and self.type is not PoolType.RBD:
            src.name = self.name
        if info.default_format is not None and src.format_type is None:
            src.format_type = info.default_format
        if self.type is PoolType.GLUSTER and src.dir is None:
            src.dir = "/"
        if self.target_path is None and src.name:
            if self.type is PoolType.LOGICAL:
                self.target_path = f"/dev/{src.name}"
            elif self.type is PoolType.ZFS:
                self.target_path = f"/dev/zvol/{src.name}"

    def _validate(self) -> None:
        info, src = self.info, self.source
        if Src.HOST in info.source and not src.hosts:
            raise _xml_err("missing storage pool source host name")
        if Src.DIR in info.source and src.dir is None:
            raise _xml_err("missing storage pool source path")
        if self.type is PoolType.RBD and src.name is None:
            raise _xml_err("element 'name' is mandatory for RBD pool")
        if Src.DEVICE in info.source and not src.devices and self.type in (
                PoolType.FS, PoolType.DISK):
            raise _xml_err("missing storage pool source device name")
        if Src.ADAPTER in info.source and src.adapter is None:
            raise _xml_err("missing storage pool source adapter")
        if self.type is PoolType.ISCSI_DIRECT and not src.initiator_iqn:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, "missing initiator IQN", _FROM)
        if Src.NETWORK not in info.source and not self.target_path:
            raise _xml_err("missing storage pool target path")

    def format(self) -> str:
        """Return the pool XML as libvirt writes it."""
        root = E("pool", [("type", self.type.value)], keep=True)
        root.add(E("name", text=self.name))
        root.add(E("uuid", text=self.uuid))
        root.add(format_size("capacity", self.capacity))
        root.add(format_size("allocation", self.allocation))
        root.add(format_size("available", self.available))
        root.add(self.source.format(self.info))
        if Src.NETWORK not in self.info.source:
            target = E("target", keep=True)
            target.add(E("path", text=self.target_path))
            target.add(self.permissions.format() if self.permissions else None)
            root.add(target)
        return xmlutil.to_string(root)


def default_target(pool: StoragePoolDef, vol_name: str) -> str:
    """The path a volume named ``vol_name`` gets in ``pool``."""
    return os.path.join(pool.target_path or "", vol_name)


__all__ = [
    "POOL_TYPES",
    "Adapter",
    "Auth",
    "Device",
    "Host",
    "Permissions",
    "PoolSource",
    "PoolType",
    "PoolTypeInfo",
    "StoragePoolDef",
    "default_target",
    "format_size",
    "parse_size",
    "sanitize_path",
]
