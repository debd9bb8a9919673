"""The storage driver of a host root: pools, their volumes, events.

One instance serves every connection of a root (see
:mod:`pyvirt.drivers.hostroot`).  Pools are :class:`PoolObj` (shared with
the test driver, as is the pool-clash check and the listAll filter); their
storage is handled by the backend of the pool type
(:mod:`pyvirt.drivers.storage.backends`).  A volume's XML and info are
read from its file each time they are asked for, as libvirt refreshes a
volume first.

One lock guards the pools; volume transfers (upload, download) run
without it, and a volume in a transfer counts as in use.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from pyvirt import constants as C
from pyvirt.conf import xmlutil
from pyvirt.conf.storage_pool import PoolType, StoragePoolDef
from pyvirt.conf.storage_vol import EncryptionFormat, StorageVolDef, VolType
from pyvirt.driver import interface as I
from pyvirt.driver.events import EventRegistry
from pyvirt.drivers import hostroot
from pyvirt.drivers.storage import luks, state, transfer
from pyvirt.drivers.storage.backends import Backend, backend_for
from pyvirt.drivers.test.network import uuid_from_bytes, uuid_from_string
from pyvirt.drivers.test.state import Store
from pyvirt.drivers.test.storage import LIST_FLAGS, PoolObj, VolObj, add_pool, filter_pools
from pyvirt.errors import check_flags as _check_flags
from pyvirt.errors import libvirtError, report

_FROM = C.VIR_FROM_STORAGE
_VOL_TYPES = {VolType.FILE: C.VIR_STORAGE_VOL_FILE, VolType.BLOCK: C.VIR_STORAGE_VOL_BLOCK,
              VolType.DIR: C.VIR_STORAGE_VOL_DIR, VolType.NETWORK: C.VIR_STORAGE_VOL_NETWORK,
              VolType.NETDIR: C.VIR_STORAGE_VOL_NETDIR, VolType.PLOOP: C.VIR_STORAGE_VOL_PLOOP}
_LIFECYCLE = C.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE
log = logging.getLogger(__name__)

_BUILD_FLAGS = (C.VIR_STORAGE_POOL_BUILD_REPAIR | C.VIR_STORAGE_POOL_BUILD_RESIZE
                | C.VIR_STORAGE_POOL_BUILD_NO_OVERWRITE | C.VIR_STORAGE_POOL_BUILD_OVERWRITE)
_CREATE_BUILD = (C.VIR_STORAGE_POOL_CREATE_WITH_BUILD
                 | C.VIR_STORAGE_POOL_CREATE_WITH_BUILD_OVERWRITE
                 | C.VIR_STORAGE_POOL_CREATE_WITH_BUILD_NO_OVERWRITE)
_VOL_CREATE = (C.VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA | C.VIR_STORAGE_VOL_CREATE_REFLINK
               | C.VIR_STORAGE_VOL_CREATE_VALIDATE)


def check_flags(flags: int, allowed: int, func: str) -> None:
    """libvirt's virCheckFlags in the storage error domain."""
    _check_flags(flags, allowed, func, _FROM)


def _build_flags(create_flags: int) -> int:
    """The pool build flags a create's WITH_BUILD_* flags ask for."""
    flags = 0
    if create_flags & C.VIR_STORAGE_POOL_CREATE_WITH_BUILD_OVERWRITE:
        flags |= C.VIR_STORAGE_POOL_BUILD_OVERWRITE
    if create_flags & C.VIR_STORAGE_POOL_CREATE_WITH_BUILD_NO_OVERWRITE:
        flags |= C.VIR_STORAGE_POOL_BUILD_NO_OVERWRITE
    return flags


def _check_name(name: str) -> None:
    if "/" in name:
        raise report(C.VIR_ERR_XML_ERROR, f"name {name} cannot contain '/'", _FROM)


def _check_luks_secret(vol: StorageVolDef) -> None:
    """A LUKS volume names exactly one passphrase secret (checked before any backend)."""
    enc = vol.target.encryption
    if enc is None or enc.format is not EncryptionFormat.LUKS:
        return
    if len(enc.secrets) != 1 or enc.secrets[0].type != "passphrase":
        raise report(C.VIR_ERR_INVALID_ARG, "A single <secret type='passphrase'...> element "
                     "is expected in encryption description", _FROM)


class StorageDriver(I.StorageDriver):
    """Pools and volumes of one host root."""

    error_domain = _FROM

    def __init__(self, root: hostroot.HostRoot) -> None:
        self.root = root
        self.dirs = state.StorageDirs.of(root.config_dir, root.run_dir)
        self.pools = Store()
        self.lock = threading.RLock()
        self.events = EventRegistry()

    # --- life of the driver ---------------------------------------------------------------
    def startup(self) -> None:
        """Load definitions, take back the pools that ran, start autostart pools."""
        self.dirs.make()
        for def_ in state.load_configs(self.dirs):
            try:
                obj = add_pool(self.pools, def_, live=False, check_live=False)
            except libvirtError as exc:
                log.warning("storage pool %s not loaded: %s", def_.name, exc)
                continue
            obj.autostart = state.autostart(self.dirs, obj.name)
        for def_ in state.load_status(self.dirs):
            self._readopt(def_)
        for obj in self.pools.values():
            if obj.autostart and not obj.active:
                try:
                    self._start(obj, 0)
                except libvirtError as exc:
                    log.warning("autostart of storage pool %s failed: %s", obj.name, exc)

    def _readopt(self, def_: StoragePoolDef) -> None:
        obj = self.pools.get_uuid(def_.uuid)
        if obj is None:
            try:
                obj = add_pool(self.pools, def_, live=False, check_live=False)
            except libvirtError as exc:
                log.warning("storage pool %s not taken back: %s", def_.name, exc)
                state.delete_status(self.dirs, def_.name)
                return
            obj.persistent = False
        elif obj.def_ is not def_:
            obj.new_def, obj.def_ = obj.def_, def_
        try:
            if not backend_for(def_.type).is_running(def_):
                raise report(C.VIR_ERR_OPERATION_FAILED, "its storage is gone", _FROM)
            self._refresh(obj)
            obj.active = True
        except libvirtError as exc:
            log.warning("storage pool %s no longer runs: %s", def_.name, exc)
            state.delete_status(self.dirs, def_.name)
            self._inactive(obj)

    def shutdown(self) -> None:
        """Nothing to stop: pools keep running without the driver."""

    def connectClose(self) -> int:
        """One connection of the root is done with the driver."""
        hostroot.release("storage", self.root)
        return 0

    # --- objects ---------------------------------------------------------------------------
    @staticmethod
    def _found(obj: PoolObj | None, what: str) -> PoolObj:
        if obj is None:
            raise report(C.VIR_ERR_NO_STORAGE_POOL, f"no storage pool with matching {what}",
                         _FROM)
        return obj

    def _pool_named(self, name: str) -> PoolObj:
        return self._found(self.pools.get(name), f"name '{name}'")

    def _pool_uuid(self, uuid: str) -> PoolObj:
        return self._found(self.pools.get_uuid(uuid), f"uuid '{uuid}'")

    def _pool_of(self, pool: Any) -> PoolObj:
        """The pool of an API handle, found by its UUID (virStoragePoolObjFromStoragePool)."""
        return self._found(self.pools.get_uuid(pool.uuid), f"uuid '{pool.uuid}' ({pool.name})")

    @staticmethod
    def _running(obj: PoolObj) -> PoolObj:
        if not obj.active:
            raise report(C.VIR_ERR_OPERATION_INVALID,
                         f"storage pool '{obj.name}' is not active", _FROM)
        return obj

    def _pool_active(self, pool: Any) -> PoolObj:
        return self._running(self._pool_of(pool))

    def _pool_inactive(self, pool: Any, what: str) -> PoolObj:
        obj = self._pool_of(pool)
        if obj.active:
            raise report(C.VIR_ERR_OPERATION_INVALID, f"storage pool '{obj.name}' is {what}",
                         _FROM)
        return obj

    def _emit(self, obj: PoolObj, event: int) -> None:
        self.events.emit("pool", _LIFECYCLE, obj, obj.uuid, event, 0)

    def _backend(self, obj: PoolObj) -> Backend:
        backend = backend_for(obj.def_.type)
        backend.root = self.root
        return backend

    # --- pool lookups and listing ----------------------------------------------------------
    def storagePoolLookupByName(self, name: str) -> PoolObj:
        """The pool called ``name``."""
        return self._pool_named(name)

    def storagePoolLookupByUUID(self, uuid: bytes) -> PoolObj:
        """The pool with the 16-byte ``uuid``."""
        return self._pool_uuid(uuid_from_bytes(uuid, "virStoragePoolLookupByUUID", _FROM))

    def storagePoolLookupByUUIDString(self, uuidstr: str) -> PoolObj:
        """The pool with UUID ``uuidstr``."""
        return self._pool_uuid(uuid_from_string(uuidstr, "virStoragePoolLookupByUUIDString",
                                                _FROM))

    def storagePoolLookupByVolume(self, vol: Any) -> PoolObj:
        """The pool that holds ``vol``."""
        return self._pool_named(vol.pool)

    def storagePoolLookupByTargetPath(self, path: str) -> PoolObj:
        """The running pool whose target is ``path``."""
        for obj in self.pools.values():
            if obj.active and obj.def_.target_path == path:
                return obj
        raise report(C.VIR_ERR_NO_STORAGE_POOL,
                     f"no storage pool with matching target path '{path}'", _FROM)

    def connectNumOfStoragePools(self) -> int:
        """Count the running pools."""
        return sum(1 for o in self.pools.values() if o.active)

    def connectNumOfDefinedStoragePools(self) -> int:
        """Count the pools that are not running."""
        return sum(1 for o in self.pools.values() if not o.active)

    def connectListStoragePools(self) -> list[str]:
        """The names of the running pools."""
        return [o.name for o in self.pools.values() if o.active]

    def connectListDefinedStoragePools(self) -> list[str]:
        """The names of the pools that are not running."""
        return [o.name for o in self.pools.values() if not o.active]

    def connectListAllStoragePools(self, flags: int) -> list[PoolObj]:
        """The pools that ``flags`` (VIR_CONNECT_LIST_STORAGE_POOLS_*) select."""
        check_flags(flags, LIST_FLAGS, "storageConnectListAllStoragePools")
        return filter_pools(self.pools.values(), flags)

    # --- pool state --------------------------------------------------------------------------
    def storagePoolIsActive(self, pool: Any) -> int:
        """1 when the pool runs."""
        return int(self._pool_of(pool).active)

    def storagePoolIsPersistent(self, pool: Any) -> int:
        """1 when the pool has a persistent definition."""
        return int(self._pool_of(pool).persistent)

    def storagePoolGetInfo(self, pool: Any) -> list[int]:
        """[state, capacity, allocation, available] (sizes of a running pool)."""
        obj = self._pool_of(pool)
        if not obj.active:
            return [C.VIR_STORAGE_POOL_INACTIVE, 0, 0, 0]
        d = obj.def_
        return [C.VIR_STORAGE_POOL_RUNNING, d.capacity or 0, d.allocation or 0,
                d.available or 0]

    def storagePoolGetXMLDesc(self, pool: Any, flags: int) -> str:
        """The pool's XML (``VIR_STORAGE_XML_INACTIVE``: the next boot's definition)."""
        check_flags(flags, C.VIR_STORAGE_XML_INACTIVE, "storagePoolGetXMLDesc")
        obj = self._pool_of(pool)
        if flags & C.VIR_STORAGE_XML_INACTIVE and obj.new_def is not None:
            return obj.new_def.format()
        return obj.def_.format()

    def storagePoolGetAutostart(self, pool: Any) -> int:
        """1 when the pool starts with the driver."""
        obj = self._pool_of(pool)
        return int(obj.persistent and obj.autostart)

    def storagePoolSetAutostart(self, pool: Any, autostart: int) -> int:
        """Set whether a persistent pool starts with the driver (a link in autostart/)."""
        with self.lock:
            obj = self._pool_of(pool)
            if not obj.persistent:
                raise report(C.VIR_ERR_INVALID_ARG, "pool has no config file", _FROM)
            try:
                state.set_autostart(self.dirs, obj.name, bool(autostart))
            except OSError as exc:
                raise report(C.VIR_ERR_INTERNAL_ERROR, f"Failed to set autostart link for "
                             f"pool '{obj.name}': {exc.strerror}", _FROM) from None
            obj.autostart = bool(autostart)
        return 0

    # --- pool life cycle ---------------------------------------------------------------------
    def _parse(self, xml: str, validate: bool) -> StoragePoolDef:
        if validate:
            xmlutil.validate(xml, "storagepool", C.VIR_FROM_XML)
        def_ = StoragePoolDef.parse(xml)
        _check_name(def_.name)
        backend_for(def_.type)
        return def_

    def storagePoolDefineXML(self, xml: str, flags: int) -> PoolObj:
        """Define (or redefine) a persistent pool; its XML goes to the config dir."""
        check_flags(flags, C.VIR_STORAGE_POOL_DEFINE_VALIDATE, "storagePoolDefineXML")
        def_ = self._parse(xml, bool(flags & C.VIR_STORAGE_POOL_DEFINE_VALIDATE))
        with self.lock:
            existed = self.pools.get_uuid(def_.uuid) is not None
            obj = add_pool(self.pools, def_, live=False, check_live=False)
            try:
                state.save_config(self.dirs, def_)
            except OSError as exc:
                if not existed:
                    self.pools.remove(obj)
                raise report(C.VIR_ERR_OPERATION_FAILED, f"cannot save config file "
                             f"'{self.dirs.config_file(def_.name)}': {exc.strerror}",
                             _FROM) from None
            obj.persistent = True
            self._emit(obj, C.VIR_STORAGE_POOL_EVENT_DEFINED)
        return obj

    def storagePoolCreateXML(self, xmlDesc: str, flags: int) -> PoolObj:
        """Start a transient pool from XML (building it first when asked)."""
        check_flags(flags, _CREATE_BUILD, "storagePoolCreateXML")
        def_ = self._parse(xmlDesc, False)
        with self.lock:
            obj = add_pool(self.pools, def_, live=False, check_live=True)
            obj.persistent = False
            try:
                self._start(obj, flags & _CREATE_BUILD)
            except BaseException:
                if not obj.active:
                    self.pools.remove(obj)
                raise
        return obj

    def _start(self, obj: PoolObj, build_flags: int) -> None:
        backend = self._backend(obj)
        if build_flags:
            backend.build(obj.def_, _build_flags(build_flags))
            self._emit(obj, C.VIR_STORAGE_POOL_EVENT_CREATED)
        backend.start(obj.def_)
        try:
            self._refresh(obj)
            state.save_status(self.dirs, obj.def_)
        except BaseException:
            backend.stop(obj.def_)
            raise
        obj.active = True
        self._emit(obj, C.VIR_STORAGE_POOL_EVENT_STARTED)

    def storagePoolCreate(self, pool: Any, flags: int) -> int:
        """Start a defined pool."""
        check_flags(flags, _CREATE_BUILD, "storagePoolCreate")
        with self.lock:
            obj = self._pool_inactive(pool, "already active")
            self._start(obj, flags & _CREATE_BUILD)
        return 0

    def storagePoolBuild(self, pool: Any, flags: int) -> int:
        """Make a pool's storage (a dir pool: its directory)."""
        check_flags(flags, _BUILD_FLAGS, "storagePoolBuild")
        with self.lock:
            obj = self._pool_inactive(pool, "already active")
            self._backend(obj).build(obj.def_, flags)
            self._emit(obj, C.VIR_STORAGE_POOL_EVENT_CREATED)
        return 0

    def _inactive(self, obj: PoolObj) -> None:
        """The bookkeeping of a pool that stopped."""
        obj.active = False
        obj.volumes.clear()
        if obj.new_def is not None:
            obj.def_, obj.new_def = obj.new_def, None
        if not obj.persistent:
            self.pools.remove(obj)

    def storagePoolDestroy(self, pool: Any) -> int:
        """Stop a pool (a transient one is gone after)."""
        with self.lock:
            obj = self._pool_active(pool)
            busy = [v.name for v in obj.volumes.values() if transfer.busy(v)]
            if busy:
                raise report(C.VIR_ERR_OPERATION_INVALID, f"pool '{obj.name}' has "
                             "asynchronous jobs running.", _FROM)
            self._backend(obj).stop(obj.def_)
            state.delete_status(self.dirs, obj.name)
            self._emit(obj, C.VIR_STORAGE_POOL_EVENT_STOPPED)
            self._inactive(obj)
        return 0

    def storagePoolDelete(self, pool: Any, flags: int) -> int:
        """Remove the storage of a pool that does not run."""
        check_flags(flags, C.VIR_STORAGE_POOL_DELETE_ZEROED, "storagePoolDelete")
        with self.lock:
            obj = self._pool_inactive(pool, "still active")
            self._backend(obj).delete(obj.def_, flags)
            self._emit(obj, C.VIR_STORAGE_POOL_EVENT_DELETED)
        return 0

    def storagePoolUndefine(self, pool: Any) -> int:
        """Forget a pool that does not run."""
        with self.lock:
            obj = self._pool_inactive(pool, "still active")
            if not obj.persistent:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             f"storage pool '{obj.name}' is not persistent", _FROM)
            state.delete_config(self.dirs, obj.name)
            self.pools.remove(obj)
            self._emit(obj, C.VIR_STORAGE_POOL_EVENT_UNDEFINED)
        return 0

    def _refresh(self, obj: PoolObj) -> None:
        """Read the pool's volumes and sizes from its storage."""
        found = self._backend(obj).refresh(obj.def_)
        old = obj.volumes
        obj.volumes = {}
        for vol in found:
            handle = old.get(vol.name)
            if handle is None or handle.path != vol.target.path:
                handle = VolObj(vol, obj.name)
            handle.def_ = vol
            obj.volumes[vol.name] = handle

    def storagePoolRefresh(self, pool: Any, flags: int) -> int:
        """Rescan a running pool (a pool whose storage is gone stops)."""
        check_flags(flags, 0, "storagePoolRefresh")
        with self.lock:
            obj = self._pool_active(pool)
            if any(transfer.busy(v) for v in obj.volumes.values()):
                raise report(C.VIR_ERR_OPERATION_INVALID, f"pool '{obj.name}' has "
                             "asynchronous jobs running.", _FROM)
            try:
                self._refresh(obj)
            except libvirtError:
                self._backend(obj).stop(obj.def_)
                state.delete_status(self.dirs, obj.name)
                self._emit(obj, C.VIR_STORAGE_POOL_EVENT_STOPPED)
                self._inactive(obj)
                raise
            self.events.emit("pool", C.VIR_STORAGE_POOL_EVENT_ID_REFRESH, obj, obj.uuid)
        return 0

    # --- volumes of a pool -------------------------------------------------------------------
    def storagePoolNumOfVolumes(self, pool: Any) -> int:
        """Count the volumes of a running pool."""
        return len(self._pool_active(pool).volumes)

    def storagePoolListVolumes(self, pool: Any) -> list[str]:
        """The names of the volumes of a running pool."""
        return list(self._pool_active(pool).volumes)

    def storagePoolListAllVolumes(self, pool: Any, flags: int) -> list[VolObj]:
        """The volumes of a running pool."""
        check_flags(flags, 0, "storagePoolListAllVolumes")
        return list(self._pool_active(pool).volumes.values())

    def _vol_in(self, obj: PoolObj, name: str) -> VolObj:
        vol = obj.volumes.get(name)
        if vol is None:
            raise report(C.VIR_ERR_NO_STORAGE_VOL,
                         f"no storage vol with matching name '{name}'", _FROM)
        return vol

    def _vol(self, vol: Any) -> tuple[PoolObj, VolObj]:
        obj = self._running(self._pool_named(vol.pool))
        return obj, self._vol_in(obj, vol.name)

    def _fresh(self, obj: PoolObj, vol: VolObj) -> StorageVolDef:
        """The volume as its file says now."""
        now = self._backend(obj).refresh_vol(obj.def_, vol.def_)
        if now is None:
            raise report(C.VIR_ERR_NO_STORAGE_VOL,
                         f"no storage vol with matching name '{vol.name}'", _FROM)
        vol.def_ = now
        return now

    def storageVolLookupByName(self, pool: Any, name: str) -> VolObj:
        """The volume ``name`` of a running pool."""
        return self._vol_in(self._pool_active(pool), name)

    def _vol_find(self, match: Callable[[VolObj], bool]) -> VolObj | None:
        for obj in self.pools.values():
            if obj.active:
                for vol in obj.volumes.values():
                    if match(vol):
                        return vol
        return None

    def storageVolLookupByKey(self, key: str) -> VolObj:
        """The volume whose key is ``key``."""
        vol = self._vol_find(lambda v: v.key == key)
        if vol is None:
            raise report(C.VIR_ERR_NO_STORAGE_VOL, f"no storage vol with matching key {key}",
                         _FROM)
        return vol

    def storageVolLookupByPath(self, path: str) -> VolObj:
        """The volume whose file is ``path``."""
        real = os.path.realpath(path)
        vol = self._vol_find(lambda v: v.path in (path, real))
        if vol is None:
            raise report(C.VIR_ERR_NO_STORAGE_VOL,
                         f"no storage vol with matching path '{path}'", _FROM)
        return vol

    def _new_vol(self, obj: PoolObj, xml: str, flags: int) -> StorageVolDef:
        if flags & C.VIR_STORAGE_VOL_CREATE_VALIDATE:
            xmlutil.validate(xml, "storagevol", C.VIR_FROM_XML)
        vol = StorageVolDef.parse(xml, obj.def_.type)
        if "/" in vol.name:
            raise report(C.VIR_ERR_OPERATION_INVALID,
                         f"volume name '{vol.name}' cannot contain '/'", _FROM)
        if vol.name in obj.volumes:
            raise report(C.VIR_ERR_STORAGE_VOL_EXIST, f"'{vol.name}'", _FROM)
        _check_luks_secret(vol)
        self._backend(obj).place_vol(obj.def_, vol)
        return vol

    def volume_secret(self, vol: StorageVolDef) -> bytes | None:
        """The passphrase of an encrypted volume from the root's secret driver (by its
        uuid or usage); VIR_ERR_NO_SECRET when there is no such secret or it has no value."""
        enc = vol.target.encryption
        if enc is None or not enc.secrets:
            return None
        ref = enc.secrets[0]
        secrets = hostroot.current("secret", self.root)
        obj = None
        if secrets is not None:
            if ref.uuid:
                obj = secrets.state.secrets.get_uuid(ref.uuid)
            elif ref.usage:
                obj = next((o for o in secrets.state.secrets.values()
                            if o.def_.usage_id == ref.usage), None)
        if obj is None:
            what = f"uuid '{ref.uuid}'" if ref.uuid else f"usage '{ref.usage}'"
            raise report(C.VIR_ERR_NO_SECRET, f"no secret with matching {what}",
                         C.VIR_FROM_SECRET)
        if obj.value is None:
            raise report(C.VIR_ERR_NO_SECRET, f"secret '{obj.def_.uuid}' does not have a "
                         "value", C.VIR_FROM_SECRET)
        value: bytes = obj.value
        return value

    def _build_vol(self, obj: PoolObj, vol: StorageVolDef, build: Callable[[], None],
                   src: VolObj | None = None) -> VolObj:
        """Run ``build`` (which makes the volume's storage) without the driver's lock, as
        libvirt builds volumes: meanwhile the new volume is listed and being built, and
        the clone source in use, so neither can be deleted, nor their pool stopped or
        refreshed.  Called with the lock held; returns with it held."""
        handle = VolObj(vol, obj.name)
        obj.volumes[vol.name] = handle
        try:
            self._unlocked([src] if src is not None else [], build, built=[handle])
        except BaseException:
            if obj.volumes.get(vol.name) is handle:
                del obj.volumes[vol.name]
            raise
        handle.def_ = self._backend(obj).refresh_vol(obj.def_, vol) or vol
        self._refresh_sizes(obj)
        return handle

    def _unlocked(self, busy: list[VolObj], work: Callable[[], Any],
                  built: list[VolObj] | None = None) -> Any:
        """Run ``work`` (a long storage operation) without the driver's lock, the volumes
        ``busy`` marked in use and those ``built`` marked being built meanwhile (so they
        cannot be deleted, wiped or resized, nor their pool stopped or refreshed), as
        libvirt marks a volume it wipes or clones from and one it builds.  Called with
        the lock held; returns (or raises) with it held again."""
        marks = [(vol.path, False) for vol in busy] + [(vol.path, True) for vol in built or ()]
        for path, build in marks:
            transfer.hold(path, build)
        self.lock.release()
        try:
            return work()
        finally:
            self.lock.acquire()
            for path, build in marks:
                transfer.drop(path, build)

    def _refresh_sizes(self, obj: PoolObj) -> None:
        try:
            self._backend(obj).update_sizes(obj.def_)
        except libvirtError as exc:
            log.warning("sizes of storage pool %s not updated: %s", obj.name, exc)

    def storageVolCreateXML(self, pool: Any, xmlDesc: str, flags: int) -> VolObj:
        """Create a volume in a running pool (raw files, qcow2 through qemu-img)."""
        check_flags(flags, _VOL_CREATE, "storageVolCreateXML")
        with self.lock:
            obj = self._pool_active(pool)
            vol = self._new_vol(obj, xmlDesc, flags)
            secret = self.volume_secret(vol)
            backend, pool_def = self._backend(obj), obj.def_

            def build() -> None:
                with luks.passphrase(vol.target.path or "", secret):
                    backend.create_vol(pool_def, vol, flags & ~C.VIR_STORAGE_VOL_CREATE_VALIDATE)
            return self._build_vol(obj, vol, build)

    def storageVolCreateXMLFrom(self, pool: Any, xmlDesc: str, clonevol: Any,
                                flags: int) -> VolObj:
        """Create a volume as a copy of ``clonevol`` (qemu-img convert)."""
        check_flags(flags, _VOL_CREATE, "storageVolCreateXMLFrom")
        with self.lock:
            obj = self._pool_active(pool)
            src_pool, src = self._vol(clonevol)
            src_def = self._fresh(src_pool, src)
            if transfer.building(src):
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             f"volume '{src.name}' is still being allocated.", _FROM)
            vol = self._new_vol(obj, xmlDesc, flags)
            vol.capacity = max(vol.capacity, src_def.capacity)
            backend, pool_def = self._backend(obj), obj.def_
            return self._build_vol(obj, vol, lambda: backend.clone_vol(
                pool_def, vol, src_def, flags & ~C.VIR_STORAGE_VOL_CREATE_VALIDATE), src)

    def _vol_idle(self, vol: Any, reading: bool = False) -> tuple[PoolObj, VolObj]:
        """The volume, when no long job uses it and it is not being built (libvirt's
        checks and messages, in its order); ``reading`` (a download) minds only the
        build, as libvirt's download does."""
        obj, handle = self._vol(vol)
        if not reading and transfer.in_use(handle):
            raise report(C.VIR_ERR_OPERATION_INVALID,
                         f"volume '{handle.name}' is still in use.", _FROM)
        if transfer.building(handle):
            raise report(C.VIR_ERR_OPERATION_INVALID,
                         f"volume '{handle.name}' is still being allocated.", _FROM)
        return obj, handle

    def storageVolDelete(self, vol: Any, flags: int) -> int:
        """Delete a volume and its file."""
        check_flags(flags, C.VIR_STORAGE_VOL_DELETE_ZEROED
                    | C.VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS, "storageVolDelete")
        with self.lock:
            obj, handle = self._vol_idle(vol)
            backend = self._backend(obj)
            if flags & C.VIR_STORAGE_VOL_DELETE_ZEROED:
                pool_def, vol_def = obj.def_, handle.def_
                self._unlocked([handle], lambda: backend.wipe_vol(
                    pool_def, vol_def, C.VIR_STORAGE_VOL_WIPE_ALG_ZERO))
                obj, handle = self._vol_idle(vol)
            backend.delete_vol(obj.def_, handle.def_, flags)
            del obj.volumes[handle.name]
            if backend.rescan_after_delete:
                self._refresh(obj)
            else:
                self._refresh_sizes(obj)
        return 0

    def storageVolWipe(self, vol: Any, flags: int) -> int:
        """Zero a volume's data."""
        return self.storageVolWipePattern(vol, C.VIR_STORAGE_VOL_WIPE_ALG_ZERO, flags)

    def storageVolWipePattern(self, vol: Any, algorithm: int, flags: int) -> int:
        """Overwrite a volume's data (zeros; other patterns through ``scrub``)."""
        check_flags(flags, 0, "storageVolWipePattern")
        if not 0 <= algorithm <= C.VIR_STORAGE_VOL_WIPE_ALG_TRIM:
            raise report(C.VIR_ERR_INVALID_ARG, f"wiping algorithm {algorithm} not supported",
                         _FROM)
        with self.lock:
            obj, handle = self._vol_idle(vol)
            backend, pool_def, vol_def = self._backend(obj), obj.def_, handle.def_
            self._unlocked([handle], lambda: backend.wipe_vol(pool_def, vol_def, algorithm))
            self._fresh(*self._vol(vol))
        return 0

    def storageVolResize(self, vol: Any, capacity: int, flags: int) -> int:
        """Change a volume's capacity (shrinking needs VIR_STORAGE_VOL_RESIZE_SHRINK)."""
        check_flags(flags, C.VIR_STORAGE_VOL_RESIZE_ALLOCATE | C.VIR_STORAGE_VOL_RESIZE_DELTA
                    | C.VIR_STORAGE_VOL_RESIZE_SHRINK, "storageVolResize")
        with self.lock:
            obj, handle = self._vol_idle(vol)
            cur = self._fresh(obj, handle)
            if flags & C.VIR_STORAGE_VOL_RESIZE_DELTA:
                if flags & C.VIR_STORAGE_VOL_RESIZE_SHRINK:
                    if capacity > cur.capacity:
                        raise report(C.VIR_ERR_INVALID_ARG, "can't shrink capacity below "
                                     "zero", _FROM)
                    target = cur.capacity - capacity
                else:
                    target = cur.capacity + capacity
            else:
                target = capacity
            if target < cur.allocation and cur.type is VolType.NETWORK:
                # libvirt checks the allocation first; it matters where it is the capacity
                raise report(C.VIR_ERR_INVALID_ARG, "can't shrink capacity below existing "
                             "allocation", _FROM)
            if target < cur.capacity and not flags & C.VIR_STORAGE_VOL_RESIZE_SHRINK:
                raise report(C.VIR_ERR_INVALID_ARG, "Can't shrink capacity below current "
                             "capacity unless shrink flag explicitly specified", _FROM)
            if target < cur.allocation and (cur.target.format or "raw") != "raw":
                raise report(C.VIR_ERR_INVALID_ARG, "Can't shrink capacity below current "
                             "allocation", _FROM)
            if flags & C.VIR_STORAGE_VOL_RESIZE_ALLOCATE and \
                    target - cur.allocation > (obj.def_.available or 0):
                raise report(C.VIR_ERR_INVALID_ARG,
                             "Not enough space left in storage pool", _FROM)
            backend, pool_def = self._backend(obj), obj.def_
            secret = self.volume_secret(cur) if cur.target.encryption else None

            def resize() -> None:
                with luks.passphrase(cur.target.path or "", secret):
                    backend.resize_vol(pool_def, cur, target, flags)
            self._unlocked([handle], resize)
            obj, handle = self._vol(vol)
            self._fresh(obj, handle)
            self._refresh_sizes(obj)
        return 0

    def storageVolGetInfo(self, vol: Any) -> list[int]:
        """[type, capacity, allocation] as the file says now."""
        return self.storageVolGetInfoFlags(vol, 0)

    def storageVolGetInfoFlags(self, vol: Any, flags: int) -> list[int]:
        """[type, capacity, allocation or (VIR_STORAGE_VOL_GET_PHYSICAL) physical]."""
        check_flags(flags, C.VIR_STORAGE_VOL_GET_PHYSICAL, "storageVolGetInfoFlags")
        with self.lock:
            obj, handle = self._vol(vol)
            d = self._fresh(obj, handle)
        alloc = d.physical if flags & C.VIR_STORAGE_VOL_GET_PHYSICAL else d.allocation
        return [_VOL_TYPES.get(d.type, C.VIR_STORAGE_VOL_FILE), d.capacity, alloc or 0]

    def storageVolGetXMLDesc(self, vol: Any, flags: int) -> str:
        """The volume's XML as libvirt writes it (read from the file now)."""
        check_flags(flags, 0, "storageVolGetXMLDesc")
        with self.lock:
            obj, handle = self._vol(vol)
            return self._fresh(obj, handle).format()

    def storageVolGetPath(self, vol: Any) -> str:
        """The volume's file."""
        return self._vol(vol)[1].path

    # --- transfers -------------------------------------------------------------------------
    def storageVolUpload(self, vol: Any, stream: Any, offset: int, length: int,
                         flags: int) -> int:
        """Write what the application sends into the volume's file."""
        check_flags(flags, C.VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM, "storageVolUpload")
        with self.lock:
            obj, handle = self._vol_idle(vol)
            self._fresh(obj, handle)
            transfer.upload(handle, stream, offset, length,
                            lambda: self._after_upload(obj.name, handle),
                            self._backend(obj).open_io(obj.def_, handle.def_, True),
                            bool(flags & C.VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM))
        return 0

    def _after_upload(self, pool_name: str, handle: VolObj) -> None:
        with self.lock:
            obj = self.pools.get(pool_name)
            if obj is None or not obj.active:
                return
            try:
                self._fresh(obj, handle)
            except libvirtError:
                return
            self._refresh_sizes(obj)
            self.events.emit("pool", C.VIR_STORAGE_POOL_EVENT_ID_REFRESH, obj, obj.uuid)

    def storageVolDownload(self, vol: Any, stream: Any, offset: int, length: int,
                           flags: int) -> int:
        """Send the volume's file (from ``offset``, ``length`` bytes or to its end)."""
        check_flags(flags, C.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM, "storageVolDownload")
        with self.lock:
            obj, handle = self._vol_idle(vol, reading=True)
            transfer.download(handle, stream, offset, length,
                              self._backend(obj).open_io(obj.def_, handle.def_, False),
                              bool(flags & C.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM))
        return 0

    def connectFindStoragePoolSources(self, type: str, srcSpec: str | None,
                                      flags: int) -> str:
        """``<sources>`` of pools of ``type`` the host offers (logical: LVM volume
        groups; netfs: a host's NFS exports; iscsi: a portal's targets)."""
        check_flags(flags, 0, "storageConnectFindStoragePoolSources")
        try:
            kind = PoolType(type)
        except ValueError:
            raise report(C.VIR_ERR_INTERNAL_ERROR, f"unknown storage pool type {type}",
                         _FROM) from None
        return backend_for(kind).find_sources(srcSpec)

    # --- guests' disks -------------------------------------------------------------------------
    def _disk_pool(self, pool: str, volume: str) -> PoolObj:
        obj = self._pool_named(pool)
        if not obj.active:
            raise report(C.VIR_ERR_OPERATION_INVALID, f"storage pool '{pool}' containing "
                         f"volume '{volume}' is not active", _FROM)
        return obj

    def translate_disk(self, disk: Any) -> None:
        """Point a guest's ``<disk type='volume'>`` at its volume's storage (a file, or a
        network source with its authentication for network pools)."""
        with self.lock:
            obj = self._disk_pool(disk.source.pool or "", disk.source.volume)
            handle = self._vol_in(obj, disk.source.volume)
            self._backend(obj).disk_source(obj.def_, handle.def_, disk)

    # --- events ------------------------------------------------------------------------------
    def connectStoragePoolEventRegisterAny(self, pool: Any, eventID: int,
                                           callback: Callable[..., Any]) -> int:
        """Register ``callback`` for pool events (of ``pool`` only, if given)."""
        return self.events.register("pool", eventID, None if pool is None else pool.uuid,
                                    callback)

    def connectStoragePoolEventDeregisterAny(self, callbackID: int) -> int:
        """Remove a pool event callback."""
        self.events.deregister(callbackID)
        return 0


def open_storage(root: hostroot.HostRoot) -> StorageDriver:
    """The storage driver of ``root``, one more connection's reference."""
    drv: StorageDriver = hostroot.acquire("storage", root, StorageDriver)
    return drv
