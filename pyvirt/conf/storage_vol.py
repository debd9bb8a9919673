"""Storage volume XML (``<volume>``), as libvirt's storage_conf reads and writes it.

Sizes are read with their units and written back in bytes.  As in libvirt,
a missing ``<allocation>`` equals the capacity, and the runtime facts that a
pool refresh finds (``physical``, ``<timestamps>``, source extents) are not
read from input XML but are written when a driver has set them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import cast

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf import xmlutil
from pyvirt.conf.confutil import E, child_text, open_close, parse_root, parse_uuid
from pyvirt.conf.storage_pool import Permissions, PoolType
from pyvirt.conf.xmlattr import A, Conv, attrs_of, integer, read_attrs
from pyvirt.errors import libvirtError, report

_FROM = C.VIR_FROM_STORAGE


class VolType(enum.Enum):
    """``<volume type=...>``."""

    FILE = "file"
    BLOCK = "block"
    DIR = "dir"
    NETWORK = "network"
    NETDIR = "netdir"
    PLOOP = "ploop"


FILE_FORMATS = ("raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd",
                "ploop", "cow", "qcow", "qcow2", "qed", "vmdk")
PARTITION_FORMATS = ("none", "linux", "fat16", "fat32", "linux-swap", "linux-lvm",
                     "linux-raid", "extended")
# Pool type -> (volume format names, default format); pools absent here
# have no volume formats and write no <format>.
_VOL_FORMATS: dict[PoolType | None, tuple[tuple[str, ...], str]] = {
    None: (FILE_FORMATS, "raw"),
    PoolType.DIR: (FILE_FORMATS, "raw"),
    PoolType.FS: (FILE_FORMATS, "raw"),
    PoolType.NETFS: (FILE_FORMATS, "raw"),
    PoolType.GLUSTER: (FILE_FORMATS, "raw"),
    PoolType.VSTORAGE: (FILE_FORMATS, "raw"),
    PoolType.DISK: (PARTITION_FORMATS, "none"),
    PoolType.RBD: (FILE_FORMATS, "raw"),
}
_SUFFIXES = {
    "": 1, "b": 1, "byte": 1, "bytes": 1,
    "k": 1024, "kib": 1024, "kb": 1000, "m": 1024 ** 2, "mib": 1024 ** 2, "mb": 1000 ** 2,
    "g": 1024 ** 3, "gib": 1024 ** 3, "gb": 1000 ** 3, "t": 1024 ** 4, "tib": 1024 ** 4,
    "tb": 1000 ** 4, "p": 1024 ** 5, "pib": 1024 ** 5, "pb": 1000 ** 5, "e": 1024 ** 6,
    "eib": 1024 ** 6, "eb": 1000 ** 6,
}


def _xml_err(detail: str) -> libvirtError:
    return report(C.VIR_ERR_XML_ERROR, detail, _FROM)


def parse_scaled(elem: etree._Element, what: str) -> int:
    """Return a size element (``<capacity unit='G'>1</capacity>``) in bytes."""
    unit = elem.get("unit") or ""
    factor = _SUFFIXES.get(unit.lower())
    if factor is None:
        raise report(C.VIR_ERR_INVALID_ARG, f"unknown suffix '{unit}'", C.VIR_FROM_NONE)
    try:
        number = int("".join(cast("Iterator[str]", elem.itertext())).strip(), 10)
        if number < 0:
            raise ValueError(number)
    except ValueError:
        raise _xml_err(f"malformed {what} element") from None
    if number * factor > 0xFFFFFFFFFFFFFFFF:  # beyond an unsigned long long
        raise report(C.VIR_ERR_OVERFLOW, f"value too large: {number}{unit}", C.VIR_FROM_NONE)
    return number * factor


@dataclass
class Timestamps:
    """``<timestamps>``: 'seconds.nanoseconds' strings as a refresh finds them."""

    atime: str | None = None
    mtime: str | None = None
    ctime: str | None = None
    btime: str | None = None

    def format(self) -> E:
        return E("timestamps", children=[
            E(tag, text=getattr(self, tag)) if getattr(self, tag) else None
            for tag in ("atime", "mtime", "ctime", "btime")])


class EncryptionFormat(enum.Enum):
    """``<encryption format=...>``."""

    DEFAULT = "default"
    QCOW = "qcow"
    LUKS = "luks"
    LUKS2 = "luks2"
    LUKS_ANY = "luks-any"


def _bad_enc_format(attr: str, elem: str, value: str) -> libvirtError:
    if not value:
        return _xml_err("unknown volume encryption format")
    return report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                  f"unknown volume encryption format type {value}", _FROM)


def _load_enc_uuid(text: str, attr: str, elem: str) -> str | None:
    return parse_uuid(text, _FROM, generate=False,
                      error=lambda: _xml_err("malformed volume encryption uuid"))


#: a secret's uuid, read as libvirt reads uuids (a blank one is left out)
_ENC_UUID = Conv(_load_enc_uuid, str, "str")


@dataclass
class EncryptionSecret:
    """``<secret type= uuid= usage=>`` of an ``<encryption>``."""

    type: str | None = None
    uuid: str | None = None
    usage: str | None = None

    ATTRS = (A("type"), A("uuid", _ENC_UUID), A("usage"))


@dataclass
class Cipher:
    """LUKS ``<cipher name= size= mode= hash=>``."""

    name: str | None = None
    size: str | None = None
    mode: str | None = None
    hash: str | None = None

    ATTRS = (A("name"), A("size"), A("mode"), A("hash"))


@dataclass
class Ivgen:
    """LUKS ``<ivgen name= hash=>``."""

    name: str | None = None
    hash: str | None = None

    ATTRS = (A("name"), A("hash"))


@dataclass
class Encryption:
    """``<encryption format=...>`` with its secrets (and LUKS cipher/ivgen)."""

    format: EncryptionFormat | None = None
    secrets: list[EncryptionSecret] = field(default_factory=list)
    cipher: Cipher | None = None
    ivgen: Ivgen | None = None

    ATTRS = (A("format", EncryptionFormat),)

    @classmethod
    def parse(cls, elem: etree._Element) -> Encryption:
        enc = read_attrs(cls(), elem, cls.ATTRS, _bad_enc_format)
        if enc.format is None:  # libvirt requires the format
            raise _bad_enc_format("format", "encryption", "")
        for sec in elem.findall("secret"):
            secret = read_attrs(EncryptionSecret(), sec, EncryptionSecret.ATTRS)
            if secret.type is None:
                raise _xml_err("missing volume encryption secret type")
            enc.secrets.append(secret)
        cipher, ivgen = elem.find("cipher"), elem.find("ivgen")
        enc.cipher = read_attrs(Cipher(), cipher, Cipher.ATTRS) if cipher is not None else None
        enc.ivgen = read_attrs(Ivgen(), ivgen, Ivgen.ATTRS) if ivgen is not None else None
        return enc

    def format_xml(self) -> E:
        node = E("encryption", attrs_of(self, self.ATTRS), keep=True)
        for secret in self.secrets:
            node.add(E("secret", attrs_of(secret, secret.ATTRS)))
        if self.cipher is not None:
            node.add(E("cipher", attrs_of(self.cipher, Cipher.ATTRS)))
        if self.ivgen is not None:
            node.add(E("ivgen", attrs_of(self.ivgen, Ivgen.ATTRS)))
        return open_close(node)        # libvirt: <encryption ...></encryption> even empty


@dataclass
class VolTarget:
    """A volume's ``<target>`` (also the shape of ``<backingStore>``)."""

    path: str | None = None
    format: str | None = None
    permissions: Permissions | None = None
    timestamps: Timestamps | None = None
    encryption: Encryption | None = None
    compat: str | None = None
    nocow: bool = False
    cluster_size: int | None = None
    features: list[str] = field(default_factory=list)

    #: ``<format type=>`` (the names valid for the pool are checked on reading)
    FORMAT_ATTRS = (A("format", attr="type"),)

    @classmethod
    def parse(cls, elem: etree._Element | None, formats: tuple[str, ...] | None,
              backing: bool = False) -> VolTarget:
        """Read ``<target>``/``<backingStore>``; ``formats`` are the valid names."""
        tgt = cls()
        if elem is None:
            return tgt
        tgt.path = child_text(elem, "path")
        fmt = elem.find("format")
        if fmt is not None:
            read_attrs(tgt, fmt, cls.FORMAT_ATTRS)
            if tgt.format is None or (formats is not None and tgt.format not in formats):
                raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                             f"unknown volume format type {tgt.format}", _FROM)
        tgt.permissions = Permissions.parse(elem.find("permissions"))
        if backing:
            return tgt
        enc = elem.find("encryption")
        tgt.encryption = Encryption.parse(enc) if enc is not None else None
        tgt.compat = child_text(elem, "compat")
        if tgt.compat is not None and not all(p.isdigit() for p in tgt.compat.split(".")):
            raise _xml_err("forbidden characters in 'compat' attribute")
        tgt.nocow = elem.find("nocow") is not None
        cluster = elem.find("clusterSize")
        if cluster is not None:
            tgt.cluster_size = parse_scaled(cluster, "clusterSize")
        feats = elem.find("features")
        if feats is not None:
            for feat in feats:
                if feat.tag not in ("lazy_refcounts", "extended_l2"):
                    raise report(C.VIR_ERR_XML_ERROR,
                                 f"unsupported feature {feat.tag}", _FROM)
                tgt.features.append(feat.tag)
        return tgt

    def format_xml(self, tag: str, with_format: bool) -> E:
        """Return ``<target>`` or ``<backingStore>`` as libvirt writes it."""
        node = E(tag)
        node.add(E("path", text=self.path) if self.path is not None else None)
        if with_format and self.format is not None:
            node.add(E("format", attrs_of(self, self.FORMAT_ATTRS)))
        node.add(self.permissions.format() if self.permissions else None)
        node.add(self.timestamps.format() if self.timestamps else None)
        node.add(self.encryption.format_xml() if self.encryption else None)
        node.add(E("compat", text=self.compat) if self.compat is not None else None)
        if self.cluster_size:
            node.add(E("clusterSize", [("unit", "B")], text=self.cluster_size))
        if self.features:
            node.add(E("features", children=[E(f, keep=True) for f in self.features]))
        return node


@dataclass
class Extent:
    """One extent of a volume on a source device (logical/disk pools)."""

    path: str
    start: int
    end: int

    #: ``<extent start= end=>`` (the path is its ``<device>``'s)
    ATTRS = (A("start", integer()), A("end", integer()))


def _bad_vol_type(attr: str, elem: str, value: str) -> libvirtError:
    return report(C.VIR_ERR_CONFIG_UNSUPPORTED, f"unknown volume type '{value}'", _FROM)


@dataclass
class StorageVolDef:
    """A storage volume definition.

    Drivers use ``name``, ``key``, ``type``, ``capacity``/``allocation``/
    ``physical`` (bytes), ``target`` (``target.path``, ``target.format``) and
    ``backing_store``.
    """

    name: str = ""
    type: VolType = VolType.FILE
    key: str | None = None
    capacity: int = 0
    allocation: int = 0
    physical: int | None = None
    extents: list[Extent] = field(default_factory=list)
    target: VolTarget = field(default_factory=VolTarget)
    backing_store: VolTarget | None = None
    pool_type: PoolType | None = None

    ATTRS = (A("type", VolType),)

    @classmethod
    def parse(cls, xml: str | bytes, pool_type: PoolType | str | None = None) -> StorageVolDef:
        """Parse volume XML; ``pool_type`` (of the pool it is in) picks the formats."""
        root = parse_root(xml, "volume", "storage_volume_definition", _FROM)
        if isinstance(pool_type, str):
            pool_type = PoolType(pool_type)
        vol = cls._from_xml(root, pool_type)
        vol._fill_defaults(root)
        vol._validate()
        return vol

    @property
    def _formats(self) -> tuple[tuple[str, ...], str] | None:
        return _VOL_FORMATS.get(self.pool_type)

    @classmethod
    def _from_xml(cls, root: etree._Element, pool_type: PoolType | None) -> StorageVolDef:
        vol = cls(pool_type=pool_type)
        name = child_text(root, "name")
        if not name:
            raise _xml_err("missing volume name element")
        vol.name = name
        read_attrs(vol, root, cls.ATTRS, _bad_vol_type)
        vol.key = child_text(root, "key")
        cap = root.find("capacity")
        if cap is None:
            raise _xml_err("missing capacity element")
        vol.capacity = parse_scaled(cap, "capacity")
        alloc = root.find("allocation")
        vol.allocation = parse_scaled(alloc, "allocation") if alloc is not None else -1
        formats = vol._formats
        vol.target = VolTarget.parse(root.find("target"), formats[0] if formats else None)
        backing = root.find("backingStore")
        if backing is not None:
            vol.backing_store = VolTarget.parse(backing, None, backing=True)
            if vol.backing_store.path is None:
                raise _xml_err("missing volume backing store path")
        return vol

    def _fill_defaults(self, root: etree._Element) -> None:
        if self.allocation < 0:
            self.allocation = self.capacity
        formats = self._formats
        if formats is not None and self.target.format is None:
            self.target.format = formats[1]
        if self.backing_store is not None and self.backing_store.format is None \
                and formats is not None:
            self.backing_store.format = formats[1]

    def _validate(self) -> None:
        pass

    def format(self) -> str:
        """Return the volume XML as libvirt writes it."""
        root = E("volume", attrs_of(self, self.ATTRS), keep=True)
        root.add(E("name", text=self.name))
        root.add(E("key", text=self.key) if self.key is not None else None)
        if self.extents:
            source = E("source")
            by_path: dict[str, list[Extent]] = {}
            for ext in self.extents:
                by_path.setdefault(ext.path, []).append(ext)
            for path, exts in by_path.items():
                source.add(E("device", [("path", path)], children=[
                    E("extent", attrs_of(e, Extent.ATTRS)) for e in exts]))
            root.add(source)
        root.add(E("capacity", [("unit", "bytes")], text=self.capacity))
        root.add(E("allocation", [("unit", "bytes")], text=self.allocation))
        if self.physical is not None:
            root.add(E("physical", [("unit", "bytes")], text=self.physical))
        with_format = self._formats is not None
        root.add(self.target.format_xml("target", with_format))
        if self.backing_store is not None:
            root.add(self.backing_store.format_xml("backingStore", with_format))
        return xmlutil.to_string(root)


__all__ = [
    "FILE_FORMATS",
    "PARTITION_FORMATS",
    "Encryption",
    "Extent",
    "StorageVolDef",
    "Timestamps",
    "VolTarget",
    "VolType",
    "parse_scaled",
]
