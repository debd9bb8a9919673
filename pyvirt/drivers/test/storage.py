"""The test driver's storage pools and volumes, as libvirt's test driver keeps them.

Pools live in ``state.pools`` (by name and UUID); a :class:`PoolObj`
is the API's handle for a pool and a :class:`VolObj` (name, key, pool name)
for a volume.  Nothing touches a disk: every pool reports 100 GiB of
capacity, and a volume's allocation is added to its pool's allocation when
it is created and taken off when it is deleted, as libvirt's test driver
does.  Like libvirt's, this driver offers no volume upload, download, wipe,
resize or infoFlags, no pool lookup by target path and no pool
capabilities: those calls keep raising ``VIR_ERR_NO_SUPPORT``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt.driver import interface
from pyvirt.drivers.test.network import (
    element_xml,
    pair_filter,
    uuid_from_bytes,
    uuid_from_string,
)
from pyvirt.drivers.test.objects import check_flags
from pyvirt.errors import report
from pyvirt.util.lazy import lazy_module

if TYPE_CHECKING:
    from pyvirt.conf import storage_pool as poolconf
    from pyvirt.conf import storage_vol as volconf
    from pyvirt.conf import xmlutil
else:
    poolconf = lazy_module("pyvirt.conf.storage_pool", globals())
    volconf = lazy_module("pyvirt.conf.storage_vol", globals())
    xmlutil = lazy_module("pyvirt.conf.xmlutil", globals())

_FROM = C.VIR_FROM_TEST
_STOR = C.VIR_FROM_STORAGE
_LIFECYCLE = C.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE

DEFAULT_POOL_CAPACITY = 100 * 1024 ** 3

# The answers of connectFindStoragePoolSources (libvirt's test driver's fixed text).
_LOGICAL_SOURCES = """<sources>
  <source>
    <device path='/dev/sda20'/>
    <name>testvg1</name>
    <format type='lvm2'/>
  </source>
  <source>
    <device path='/dev/sda21'/>
    <name>testvg2</name>
    <format type='lvm2'/>
  </source>
</sources>
"""
_NETFS_SOURCES = """<sources>
  <source>
    <host name='{host}'/>
    <dir path='/testshare'/>
    <format type='nfs'/>
  </source>
</sources>
"""

# Pool types (PoolType values) whose volumes are files or network volumes;
# every other pool type holds block volumes.
_VOL_TYPES = {
    "dir": C.VIR_STORAGE_VOL_FILE, "fs": C.VIR_STORAGE_VOL_FILE,
    "netfs": C.VIR_STORAGE_VOL_FILE, "vstorage": C.VIR_STORAGE_VOL_FILE,
    "sheepdog": C.VIR_STORAGE_VOL_NETWORK, "iscsi-direct": C.VIR_STORAGE_VOL_NETWORK,
    "gluster": C.VIR_STORAGE_VOL_NETWORK, "rbd": C.VIR_STORAGE_VOL_NETWORK,
}

# PoolType value -> VIR_CONNECT_LIST_STORAGE_POOLS_* filter bit
_TYPE_FILTERS = {
    "dir": C.VIR_CONNECT_LIST_STORAGE_POOLS_DIR,
    "fs": C.VIR_CONNECT_LIST_STORAGE_POOLS_FS,
    "netfs": C.VIR_CONNECT_LIST_STORAGE_POOLS_NETFS,
    "logical": C.VIR_CONNECT_LIST_STORAGE_POOLS_LOGICAL,
    "disk": C.VIR_CONNECT_LIST_STORAGE_POOLS_DISK,
    "iscsi": C.VIR_CONNECT_LIST_STORAGE_POOLS_ISCSI,
    "scsi": C.VIR_CONNECT_LIST_STORAGE_POOLS_SCSI,
    "mpath": C.VIR_CONNECT_LIST_STORAGE_POOLS_MPATH,
    "rbd": C.VIR_CONNECT_LIST_STORAGE_POOLS_RBD,
    "sheepdog": C.VIR_CONNECT_LIST_STORAGE_POOLS_SHEEPDOG,
    "gluster": C.VIR_CONNECT_LIST_STORAGE_POOLS_GLUSTER,
    "zfs": C.VIR_CONNECT_LIST_STORAGE_POOLS_ZFS,
    "vstorage": C.VIR_CONNECT_LIST_STORAGE_POOLS_VSTORAGE,
    "iscsi-direct": C.VIR_CONNECT_LIST_STORAGE_POOLS_ISCSI_DIRECT,
}
_TYPE_FILTER_ALL = sum(_TYPE_FILTERS.values())
_STATE_FILTERS = (C.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE
                  | C.VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE
                  | C.VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT
                  | C.VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT
                  | C.VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART
                  | C.VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART)


LIST_FLAGS = _STATE_FILTERS | _TYPE_FILTER_ALL


def filter_pools(pools: list[PoolObj], flags: int) -> list[PoolObj]:
    """The pools that the VIR_CONNECT_LIST_STORAGE_POOLS_* bits of ``flags`` select
    (virStoragePoolObjListExport's filter; shared with the storage driver)."""
    types = flags & _TYPE_FILTER_ALL
    return [o for o in pools
            if pair_filter(flags, C.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE,
                           C.VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE, o.active)
            and pair_filter(flags, C.VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT,
                            C.VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT, o.persistent)
            and pair_filter(flags, C.VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART,
                            C.VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART, o.autostart)
            and (not types or types & _TYPE_FILTERS[o.def_.type.value])]


# --- the store -------------------------------------------------------------------

class VolObj:
    """One volume.  It is the API's handle (``name``, ``key``; ``pool`` is its pool's name)."""

    __slots__ = ("def_", "key", "name", "path", "pool")

    def __init__(self, def_: volconf.StorageVolDef, pool: str) -> None:
        self.def_ = def_
        self.name = def_.name
        self.key: str = def_.key or ""
        self.path: str = def_.target.path or ""
        self.pool = pool


class PoolObj:
    """One storage pool, its definitions, state and volumes.  It is the API's handle."""

    __slots__ = ("active", "autostart", "def_", "name", "new_def", "persistent", "uuid",
                 "volumes")

    def __init__(self, def_: poolconf.StoragePoolDef) -> None:
        self.def_ = def_
        self.name = def_.name
        self.uuid = def_.uuid
        self.new_def: poolconf.StoragePoolDef | None = None
        self.active = False
        self.persistent = True       # libvirt: the pool has a config file
        self.autostart = False
        self.volumes: dict[str, VolObj] = {}

    def set_defaults(self) -> None:
        """Give the pool the test driver's fixed size (testStoragePoolObjSetDefaults)."""
        set_default_sizes(self.def_)
        self.persistent = True

    def add_volume(self, vol: VolObj) -> None:
        """Add ``vol`` and charge its allocation to the pool."""
        self.volumes[vol.name] = vol
        self._charge(vol.def_.allocation)

    def remove_volume(self, vol: VolObj) -> None:
        """Remove ``vol`` and give its allocation back to the pool."""
        del self.volumes[vol.name]
        self._charge(-vol.def_.allocation)

    def _charge(self, amount: int) -> None:
        def_ = self.def_
        def_.allocation = (def_.allocation or 0) + amount
        def_.available = (def_.capacity or 0) - def_.allocation


def set_default_sizes(def_: poolconf.StoragePoolDef) -> None:
    """100 GiB capacity, nothing allocated."""
    def_.capacity = DEFAULT_POOL_CAPACITY
    def_.allocation = 0
    def_.available = DEFAULT_POOL_CAPACITY


def add_pool(store: Any, def_: poolconf.StoragePoolDef, live: bool, check_live: bool) -> PoolObj:
    """Add ``def_`` to the store or give it to the pool of the same UUID
    (virStoragePoolObjListAdd): refuse a source, name or UUID clash."""
    for other in store.values():
        if other.name != def_.name and _same_source(other.def_, def_):
            raise report(C.VIR_ERR_OPERATION_FAILED,
                         f"Storage source conflict with pool: '{other.name}'", _STOR)
    obj = store.get_uuid(def_.uuid)
    if obj is None:
        other = store.get(def_.name)
        if other is not None:
            raise report(C.VIR_ERR_OPERATION_FAILED, f"pool '{def_.name}' already exists "
                         f"with uuid {other.uuid}", _STOR)
        return store.add(PoolObj(def_))
    if obj.name != def_.name:
        raise report(C.VIR_ERR_OPERATION_FAILED, f"pool '{obj.name}' is already defined "
                     f"with uuid {obj.uuid}", _STOR)
    if check_live and obj.active:
        raise report(C.VIR_ERR_OPERATION_INVALID,
                     f"pool is already active as '{obj.name}'", _STOR)
    if obj.active:
        obj.new_def = def_
    else:
        if obj.new_def is None and live:
            obj.new_def = obj.def_
        obj.def_ = def_
    return obj


def _one_host(a: poolconf.PoolSource, b: poolconf.PoolSource) -> bool:
    if len(a.hosts) != 1 or len(b.hosts) != 1:
        return False
    return a.hosts[0].name == b.hosts[0].name and a.hosts[0].port == b.hosts[0].port


_DEVICE_POOLS = ("iscsi", "fs", "logical", "disk", "zfs")  # PoolType values


def _same_source(old: poolconf.StoragePoolDef, new: poolconf.StoragePoolDef) -> bool:
    """True when two pools would use the same storage (virStoragePoolObjSourceFindDuplicate)."""
    kind = old.type
    if kind.value in _DEVICE_POOLS:
        if new.type.value not in _DEVICE_POOLS or (
                poolconf.PoolType.ISCSI in (kind, new.type) and kind is not new.type):
            return False
        paths = {d.path for d in old.source.devices}
        if not any(d.path in paths for d in new.source.devices):
            return False
        if kind is poolconf.PoolType.ISCSI:
            return _one_host(old.source, new.source) and (
                old.source.initiator_iqn == new.source.initiator_iqn)
        return True
    if new.type is not kind:
        return False
    if kind is poolconf.PoolType.DIR:
        return old.target_path == new.target_path
    if kind is poolconf.PoolType.NETFS:
        return old.source.dir == new.source.dir and _one_host(old.source, new.source)
    if kind is poolconf.PoolType.GLUSTER:
        return (old.source.name == new.source.name and old.source.dir == new.source.dir
                and _one_host(old.source, new.source))
    if kind is poolconf.PoolType.SCSI:
        return _same_adapter(old, new)
    if kind is poolconf.PoolType.SHEEPDOG:
        return _one_host(old.source, new.source)
    if kind is poolconf.PoolType.MPATH:
        return True
    if kind is poolconf.PoolType.VSTORAGE:
        return old.source.name == new.source.name
    return False


def _same_adapter(old: poolconf.StoragePoolDef, new: poolconf.StoragePoolDef) -> bool:
    a, b = old.source.adapter, new.source.adapter
    if a is None or b is None or a.type != b.type:
        return False
    if a.type == "fc_host":
        return a.wwnn == b.wwnn and a.wwpn == b.wwpn
    return a.name is not None and a.name == b.name


def load(state: Any, node_elem: Any, base_dir: str) -> None:
    """Add the ``<pool>`` elements of a <node> document, each running, with the
    ``<volume>`` elements nested in them (``file=`` references already resolved)."""
    for elem in node_elem.findall("pool"):
        obj = add_pool(state.pools, poolconf.StoragePoolDef.parse(element_xml(elem)), live=False,
                       check_live=False)
        obj.set_defaults()
        obj.active = True
        for vol_elem in elem.findall("volume"):
            vol = volconf.StorageVolDef.parse(element_xml(vol_elem), obj.def_.type)
            if not vol.target.path:
                vol.target.path = f"{obj.def_.target_path}/{vol.name}"
            if not vol.key:
                vol.key = vol.target.path
            obj.add_volume(VolObj(vol, obj.name))


# --- the driver ------------------------------------------------------------------

class StorageMixin(interface.StorageDriver):
    """The storage pool and volume operations of the test driver, on ``self.state``."""

    state: Any

    # -- pool lookups

    def _pool_named(self, name: str) -> PoolObj:
        obj = self.state.pools.get(name)
        if obj is None:
            raise report(C.VIR_ERR_NO_STORAGE_POOL,
                         f"no storage pool with matching name '{name}'", _FROM)
        return obj

    def _pool_uuid(self, uuid: str) -> PoolObj:
        obj = self.state.pools.get_uuid(uuid)
        if obj is None:
            raise report(C.VIR_ERR_NO_STORAGE_POOL,
                         f"no storage pool with matching uuid '{uuid}'", _FROM)
        return obj

    def _pool_active(self, name: str) -> PoolObj:
        obj = self._pool_named(name)
        if not obj.active:
            raise report(C.VIR_ERR_OPERATION_INVALID,
                         f"storage pool '{name}' is not active", _FROM)
        return obj

    def _pool_inactive(self, name: str) -> PoolObj:
        obj = self._pool_named(name)
        if obj.active:
            raise report(C.VIR_ERR_OPERATION_INVALID, f"storage pool '{name}' is active", _FROM)
        return obj

    def _pool_emit(self, obj: PoolObj, event: int) -> None:
        self.state.events.emit("pool", _LIFECYCLE, obj, obj.uuid, event, 0)

    def storagePoolLookupByName(self, name: str) -> PoolObj:
        """Return the pool called ``name``."""
        return self._pool_named(name)

    def storagePoolLookupByUUID(self, uuid: bytes) -> PoolObj:
        """Return the pool with the 16-byte ``uuid``."""
        return self._pool_uuid(uuid_from_bytes(uuid, "virStoragePoolLookupByUUID", _STOR))

    def storagePoolLookupByUUIDString(self, uuidstr: str) -> PoolObj:
        """Return the pool with UUID ``uuidstr``."""
        return self._pool_uuid(uuid_from_string(uuidstr, "virStoragePoolLookupByUUIDString",
                                                _STOR))

    def storagePoolLookupByVolume(self, vol: VolObj) -> PoolObj:
        """Return the pool that holds ``vol``."""
        return self._pool_named(vol.pool)

    # -- pool listing

    def connectNumOfStoragePools(self) -> int:
        """Count the running pools."""
        return sum(1 for o in self.state.pools.by_uuid.values() if o.active)

    def connectNumOfDefinedStoragePools(self) -> int:
        """Count the pools that are not running."""
        return sum(1 for o in self.state.pools.by_uuid.values() if not o.active)

    def connectListStoragePools(self) -> list[str]:
        """Return the names of the running pools."""
        return [o.name for o in self.state.pools.values() if o.active]

    def connectListDefinedStoragePools(self) -> list[str]:
        """Return the names of the pools that are not running."""
        return [o.name for o in self.state.pools.values() if not o.active]

    def connectListAllStoragePools(self, flags: int) -> list[PoolObj]:
        """Return the pools that ``flags`` (VIR_CONNECT_LIST_STORAGE_POOLS_*) select."""
        check_flags(flags, LIST_FLAGS, "testConnectListAllStoragePools")
        return filter_pools(self.state.pools.values(), flags)

    def connectFindStoragePoolSources(self, type: str, srcSpec: str | None,
                                      flags: int) -> str:
        """Return libvirt's test driver's fixed answer for logical and netfs pools."""
        check_flags(flags, 0, "testConnectFindStoragePoolSources")
        try:
            # libvirt's test treats 'dir' (type number 0) as unknown
            kind = poolconf.PoolType(type) if type != "dir" else None
        except ValueError:
            kind = None
        if kind is None:
            raise report(C.VIR_ERR_INTERNAL_ERROR, f"unknown storage pool type {type}", _FROM)
        source = None
        if srcSpec:
            elem = xmlutil.parse_xml(srcSpec, "source", what="(storage_source_specification)",
                                     domain=_STOR)
            source = poolconf.PoolSource.parse(elem, poolconf.POOL_TYPES[kind])
        if kind is poolconf.PoolType.LOGICAL:
            return _LOGICAL_SOURCES
        if kind is poolconf.PoolType.NETFS:
            if source is None or not source.hosts or not source.hosts[0].name:
                raise report(C.VIR_ERR_INVALID_ARG,
                             "hostname must be specified for netfs sources", _FROM)
            return _NETFS_SOURCES.format(host=source.hosts[0].name)
        raise report(C.VIR_ERR_NO_SUPPORT,
                     f"pool type '{type}' does not support source discovery", _FROM)

    # -- pool state

    def storagePoolIsActive(self, pool: PoolObj) -> int:
        """1 when the pool runs."""
        return int(self._pool_uuid(pool.uuid).active)

    def storagePoolIsPersistent(self, pool: PoolObj) -> int:
        """1 when the pool has a persistent definition."""
        return int(self._pool_uuid(pool.uuid).persistent)

    def storagePoolGetInfo(self, pool: PoolObj) -> list[int]:
        """Return [state, capacity, allocation, available]."""
        obj = self._pool_named(pool.name)
        def_ = obj.def_
        state = C.VIR_STORAGE_POOL_RUNNING if obj.active else C.VIR_STORAGE_POOL_INACTIVE
        return [state, def_.capacity or 0, def_.allocation or 0, def_.available or 0]

    def storagePoolGetXMLDesc(self, pool: PoolObj, flags: int) -> str:
        """Return the pool's XML (libvirt's test driver takes no flags)."""
        check_flags(flags, 0, "testStoragePoolGetXMLDesc")
        return self._pool_named(pool.name).def_.format()

    def storagePoolGetAutostart(self, pool: PoolObj) -> int:
        """1 when the pool starts with the host (never for a transient pool)."""
        obj = self._pool_named(pool.name)
        return int(obj.persistent and obj.autostart)

    def storagePoolSetAutostart(self, pool: PoolObj, autostart: int) -> int:
        """Set whether a persistent pool starts with the host."""
        obj = self._pool_named(pool.name)
        if not obj.persistent:
            raise report(C.VIR_ERR_INVALID_ARG, "pool has no config file", _FROM)
        obj.autostart = bool(autostart)
        return 0

    # -- pool life cycle

    def storagePoolDefineXML(self, xml: str, flags: int) -> PoolObj:
        """Define (or redefine) a persistent pool."""
        check_flags(flags, C.VIR_STORAGE_POOL_DEFINE_VALIDATE, "testStoragePoolDefineXML")
        if flags & C.VIR_STORAGE_POOL_DEFINE_VALIDATE:
            xmlutil.validate(xml, "storagepool", C.VIR_FROM_XML)
        def_ = poolconf.StoragePoolDef.parse(xml)
        set_default_sizes(def_)
        with self.state.lock:
            obj = add_pool(self.state.pools, def_, live=False, check_live=False)
            self._pool_emit(obj, C.VIR_STORAGE_POOL_EVENT_DEFINED)
            obj.set_defaults()
        return obj

    def storagePoolCreateXML(self, xmlDesc: str, flags: int) -> PoolObj:
        """Start a transient pool from XML (an fc_host adapter gets a mock vHBA)."""
        check_flags(flags, 0, "testStoragePoolCreateXML")
        def_ = poolconf.StoragePoolDef.parse(xmlDesc)
        with self.state.lock:
            store = self.state.pools
            obj = add_pool(store, def_, live=False, check_live=True)
            adapter = obj.def_.source.adapter
            if adapter is not None and adapter.type == "fc_host":
                from pyvirt.drivers.test import nodedev
                try:
                    nodedev.mock_create_vport(self.state, adapter.wwnn, adapter.wwpn)
                except Exception:
                    store.remove(obj)
                    raise
            obj.set_defaults()
            obj.persistent = False
            obj.active = True
            self._pool_emit(obj, C.VIR_STORAGE_POOL_EVENT_STARTED)
        return obj

    def storagePoolCreate(self, pool: PoolObj, flags: int) -> int:
        """Start a defined pool."""
        check_flags(flags, 0, "testStoragePoolCreate")
        with self.state.lock:
            obj = self._pool_inactive(pool.name)
            obj.active = True
            self._pool_emit(obj, C.VIR_STORAGE_POOL_EVENT_STARTED)
        return 0

    def storagePoolBuild(self, pool: PoolObj, flags: int) -> int:
        """'Build' a pool that is not running (only the event)."""
        check_flags(flags, 0, "testStoragePoolBuild")
        with self.state.lock:
            obj = self._pool_inactive(pool.name)
            self._pool_emit(obj, C.VIR_STORAGE_POOL_EVENT_CREATED)
        return 0

    def storagePoolDestroy(self, pool: PoolObj) -> int:
        """Stop a pool; a transient one disappears; an fc_host pool's vHBA goes."""
        with self.state.lock:
            obj = self._pool_active(pool.name)
            obj.active = False
            adapter = obj.def_.source.adapter
            if adapter is not None and adapter.type == "fc_host":
                from pyvirt.drivers.test import nodedev
                nodedev.mock_destroy_vport(self.state)
            self._pool_emit(obj, C.VIR_STORAGE_POOL_EVENT_STOPPED)
            if not obj.persistent:
                self.state.pools.remove(obj)
        return 0

    def storagePoolDelete(self, pool: PoolObj, flags: int) -> int:
        """'Delete' the storage of a pool that is not running (only the event)."""
        check_flags(flags, 0, "testStoragePoolDelete")
        with self.state.lock:
            obj = self._pool_inactive(pool.name)
            self._pool_emit(obj, C.VIR_STORAGE_POOL_EVENT_DELETED)
        return 0

    def storagePoolUndefine(self, pool: PoolObj) -> int:
        """Forget a pool that is not running."""
        with self.state.lock:
            obj = self._pool_inactive(pool.name)
            self.state.pools.remove(obj)
            self._pool_emit(obj, C.VIR_STORAGE_POOL_EVENT_UNDEFINED)
        return 0

    def storagePoolRefresh(self, pool: PoolObj, flags: int) -> int:
        """Refresh a running pool (only the refresh event)."""
        check_flags(flags, 0, "testStoragePoolRefresh")
        obj = self._pool_active(pool.name)
        self.state.events.emit("pool", C.VIR_STORAGE_POOL_EVENT_ID_REFRESH, obj, obj.uuid)
        return 0

    # -- volumes of a pool

    def storagePoolNumOfVolumes(self, pool: PoolObj) -> int:
        """Count the volumes of a running pool."""
        return len(self._pool_active(pool.name).volumes)

    def storagePoolListVolumes(self, pool: PoolObj) -> list[str]:
        """Return the names of the volumes of a running pool."""
        return list(self._pool_active(pool.name).volumes)

    def storagePoolListAllVolumes(self, pool: PoolObj, flags: int) -> list[VolObj]:
        """Return the volumes of a running pool."""
        check_flags(flags, 0, "testStoragePoolListAllVolumes")
        obj = self._pool_uuid(pool.uuid)
        if not obj.active:
            raise report(C.VIR_ERR_OPERATION_INVALID, "storage pool is not active", _FROM)
        return list(obj.volumes.values())

    def _vol_named(self, obj: PoolObj, name: str) -> VolObj:
        vol = obj.volumes.get(name)
        if vol is None:
            raise report(C.VIR_ERR_NO_STORAGE_VOL,
                         f"no storage vol with matching name '{name}'", _FROM)
        return vol

    def _vol_of(self, vol: VolObj) -> VolObj:
        return self._vol_named(self._pool_active(vol.pool), vol.name)

    def storageVolLookupByName(self, pool: PoolObj, name: str) -> VolObj:
        """Return the volume ``name`` of a running pool."""
        return self._vol_named(self._pool_active(pool.name), name)

    def _vol_find(self, match: Callable[[VolObj], bool], what: str, value: str) -> VolObj:
        for obj in self.state.pools.values():
            if obj.active:
                for vol in obj.volumes.values():
                    if match(vol):
                        return vol
        raise report(C.VIR_ERR_NO_STORAGE_VOL,
                     f"no storage vol with matching {what} '{value}'", _FROM)

    def storageVolLookupByKey(self, key: str) -> VolObj:
        """Return the volume whose key is ``key`` (in a running pool)."""
        return self._vol_find(lambda v: v.key == key, "key", key)

    def storageVolLookupByPath(self, path: str) -> VolObj:
        """Return the volume whose path is ``path`` (in a running pool)."""
        return self._vol_find(lambda v: v.path == path, "path", path)

    def storageVolCreateXML(self, pool: PoolObj, xmlDesc: str, flags: int) -> VolObj:
        """Create a volume in a running pool, if the pool has room for its allocation."""
        check_flags(flags, C.VIR_STORAGE_VOL_CREATE_VALIDATE, "testStorageVolCreateXML")
        return self._vol_create(pool, xmlDesc, flags, None)

    def storageVolCreateXMLFrom(self, pool: PoolObj, xmlDesc: str,
                                clonevol: VolObj, flags: int) -> VolObj:
        """Create a volume 'cloned' from ``clonevol`` (looked up by name in ``pool``, as
        libvirt's test driver does; nothing is copied)."""
        check_flags(flags, C.VIR_STORAGE_VOL_CREATE_VALIDATE, "testStorageVolCreateXMLFrom")
        return self._vol_create(pool, xmlDesc, flags, clonevol)

    def _vol_create(self, pool: PoolObj, xml: str, flags: int,
                    clone: VolObj | None) -> VolObj:
        with self.state.lock:
            obj = self._pool_active(pool.name)
            def_ = obj.def_
            if flags & C.VIR_STORAGE_VOL_CREATE_VALIDATE:
                xmlutil.validate(xml, "storagevol", C.VIR_FROM_XML)
            vol = volconf.StorageVolDef.parse(xml, def_.type)
            if vol.name in obj.volumes:
                raise report(C.VIR_ERR_OPERATION_FAILED, "storage vol already exists", _FROM)
            if clone is not None:
                self._vol_named(obj, clone.name)
            if (def_.allocation or 0) + vol.allocation > (def_.capacity or 0):
                raise report(C.VIR_ERR_INTERNAL_ERROR,
                             f"Not enough free space in pool for volume '{vol.name}'", _FROM)
            vol.target.path = f"{def_.target_path}/{vol.name}"
            vol.key = vol.target.path
            handle = VolObj(vol, obj.name)
            obj.add_volume(handle)
        return handle

    def storageVolDelete(self, vol: VolObj, flags: int) -> int:
        """Delete a volume and give its allocation back to the pool."""
        check_flags(flags, 0, "testStorageVolDelete")
        with self.state.lock:
            obj = self._pool_active(vol.pool)
            obj.remove_volume(self._vol_named(obj, vol.name))
        return 0

    def storageVolGetInfo(self, vol: VolObj) -> list[int]:
        """Return [type, capacity, allocation]; the type follows the pool's type."""
        obj = self._pool_active(vol.pool)
        def_ = self._vol_named(obj, vol.name).def_
        return [_VOL_TYPES.get(obj.def_.type.value, C.VIR_STORAGE_VOL_BLOCK), def_.capacity,
                def_.allocation]

    def storageVolGetXMLDesc(self, vol: VolObj, flags: int) -> str:
        """Return the volume's XML (libvirt's test driver takes no flags)."""
        check_flags(flags, 0, "testStorageVolGetXMLDesc")
        return self._vol_of(vol).def_.format()

    def storageVolGetPath(self, vol: VolObj) -> str:
        """Return the volume's path."""
        return self._vol_of(vol).path

    # -- events

    def connectStoragePoolEventRegisterAny(self, pool: PoolObj | None, eventID: int,
                                           callback: Callable[..., Any]) -> int:
        """Register ``callback`` for pool events (of ``pool`` only, if given)."""
        return self.state.events.register("pool", eventID,
                                           None if pool is None else pool.uuid, callback)

    def connectStoragePoolEventDeregisterAny(self, callbackID: int) -> int:
        """Remove a pool event callback."""
        self.state.events.deregister(callbackID)
        return 0
