"""Domain snapshots of the QEMU driver: the API calls and the metadata they keep.

The snapshot tree (:mod:`pyvirt.driver.moments`) of a domain is loaded on
first use from ``{lib_dir}/snapshot/NAME/SNAP.xml`` (libvirt's
``/var/lib/libvirt/qemu/snapshot/NAME/``, see :mod:`.momentstore`), one file
per snapshot in libvirt's internal format (with ``<active>1</active>`` on the
current one).  The
work on disks and memory is in :mod:`pyvirt.drivers.qemu.snapshot_ops`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt import errors as _errors
from pyvirt.driver.moments import (
    Moment,
    MomentHandle,
    MomentList,
    check_cycles,
    delete_moment,
    is_external,
    select,
    snapshot_filter,
)
from pyvirt.drivers.qemu import momentstore as store
from pyvirt.errors import report, report_raw
from pyvirt.util.lazy import lazy_module

if TYPE_CHECKING:
    from pyvirt.conf import snapshot as snapconf
    from pyvirt.conf import xmlutil
    from pyvirt.drivers.qemu import snapshot_ops as ops
    from pyvirt.drivers.qemu.domobj import DomainObj
else:
    snapconf = lazy_module("pyvirt.conf.snapshot", globals())
    xmlutil = lazy_module("pyvirt.conf.xmlutil", globals())
    ops = lazy_module("pyvirt.drivers.qemu.snapshot_ops", globals())

_FROM = C.VIR_FROM_QEMU
log = logging.getLogger(__name__)

_LIST_FLAGS = (C.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS | C.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL
               | C.VIR_DOMAIN_SNAPSHOT_LIST_LEAVES | C.VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES
               | C.VIR_DOMAIN_SNAPSHOT_LIST_METADATA | C.VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA
               | C.VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE | C.VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE
               | C.VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY | C.VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL
               | C.VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL)
_CHILD_FLAGS = _LIST_FLAGS & ~C.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS | \
    C.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS
_CREATE_FLAGS = (C.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE | C.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT
                 | C.VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA | C.VIR_DOMAIN_SNAPSHOT_CREATE_HALT
                 | C.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | C.VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT
                 | C.VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE | C.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC
                 | C.VIR_DOMAIN_SNAPSHOT_CREATE_LIVE | C.VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE)
_DELETE_FLAGS = (C.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN
                 | C.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY
                 | C.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY)
_REVERT_FLAGS = (C.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING | C.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED
                 | C.VIR_DOMAIN_SNAPSHOT_REVERT_FORCE | C.VIR_DOMAIN_SNAPSHOT_REVERT_RESET_NVRAM)


def _check(flags: int, allowed: int, func: str) -> None:
    _errors.check_flags(flags, allowed, func, _FROM)


# --- metadata on disk ------------------------------------------------------------------

def snapshot_dir(cfg: Any, name: str) -> str:
    """Where the snapshot metadata of domain ``name`` lives."""
    return store.moment_dir(cfg, "snapshot", name)


def snapshots(drv: Any, vm: DomainObj) -> MomentList:
    """The snapshot tree of ``vm``, loaded from disk on first use."""
    with vm.lock:
        if vm.snapshots is None:
            vm.snapshots = store.load(drv.cfg, "snapshot", vm.name,
                                      snapconf.DomainSnapshotDef.parse)
        return vm.snapshots


def _text(drv: Any, vm: DomainObj, moment: Moment) -> str:
    """``moment``'s metadata file text, marked current or not."""
    sdef = moment.def_
    sdef.active = snapshots(drv, vm).current is moment
    try:
        return sdef.format(internal=True)
    finally:
        sdef.active = None


def write(drv: Any, vm: DomainObj, *moments: Moment) -> None:
    """Write ``moments``' metadata files (each atomically, one directory fsync)."""
    if moments:
        store.write_many(drv.cfg, "snapshot", vm.name,
                         {m.name: _text(drv, vm, m) for m in moments})


def forget(drv: Any, vm: DomainObj, name: str) -> None:
    """Remove the metadata file of snapshot ``name``."""
    store.forget(drv.cfg, "snapshot", vm.name, name)


def set_current(drv: Any, vm: DomainObj, moment: Moment | None) -> None:
    """Make ``moment`` the current snapshot, rewriting the files whose mark changed
    (the old current one first)."""
    tree = snapshots(drv, vm)
    old, tree.current = tree.current, moment
    changed = [item for item in dict.fromkeys((old, moment))
               if item is not None and item.name in tree.by_name
               and (old is not moment or item is moment)]
    write(drv, vm, *changed)


def delete_all(drv: Any, vm: DomainObj) -> int:
    """Forget every snapshot's metadata of ``vm`` (undefine); return how many there were."""
    return store.forget_all(drv.cfg, "snapshot", vm.name, snapshots(drv, vm))


def undefine_check(drv: Any, vm: DomainObj, flags: int) -> None:
    """Undefine of a shut-off domain with snapshots needs SNAPSHOTS_METADATA (which
    forgets them), as libvirt's; a running one keeps them until it stops."""
    count = len(snapshots(drv, vm))
    if not count or vm.is_active():
        return
    if not flags & C.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA:
        raise report(C.VIR_ERR_OPERATION_INVALID, f"cannot delete inactive domain with "
                     f"{count} snapshots", _FROM)
    delete_all(drv, vm)
    with vm.lock:
        vm.snapshots = None


# --- the API --------------------------------------------------------------------------------

class SnapshotAPI:
    """``virDomainSnapshot*`` calls of :class:`pyvirt.drivers.qemu.driver.QemuDriver`."""

    vm_of: Any

    def _snap_of(self, snap: MomentHandle) -> tuple[DomainObj, Moment]:
        vm = self.vm_of(snap.domain)
        moment = snapshots(self, vm).by_name.get(snap.name)
        if moment is None:
            raise report(C.VIR_ERR_NO_DOMAIN_SNAPSHOT,
                         f"no domain snapshot with matching name '{snap.name}'", _FROM)
        return vm, moment

    # --- create ----------------------------------------------------------------------
    def domainSnapshotCreateXML(self, dom: Any, xmlDesc: str,  # noqa: N802,N803
                                flags: int) -> MomentHandle:
        """Take a snapshot (or with REDEFINE, record one's metadata)."""
        _check(flags, _CREATE_FLAGS, "qemuDomainSnapshotCreateXML")
        if flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE and \
                not flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY:
            raise report_raw(C.VIR_ERR_INVALID_ARG, "Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY' "
                             "is required by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE'", _FROM)
        if flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE and flags & (
                C.VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA | C.VIR_DOMAIN_SNAPSHOT_CREATE_HALT
                | C.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY):
            raise report(C.VIR_ERR_INVALID_ARG, "REDEFINE flag cannot be combined with "
                         "NO_METADATA, HALT or DISK_ONLY", _FROM)
        if flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE:
            xmlutil.validate(xmlDesc, "domainsnapshot", C.VIR_FROM_XML)
        vm = self.vm_of(dom)
        with vm.job_scope("snapshot"):
            ops.snapjob.wait_async_job(vm)     # a backup or a save runs: as libvirt's lock
            if flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE:
                moment = self._snap_redefine(vm, xmlDesc, flags)
            else:
                moment = self._snap_take(vm, xmlDesc, flags)
        return MomentHandle(moment.name, dom)

    def _snap_take(self, vm: DomainObj, xml: str, flags: int) -> Moment:
        tree = snapshots(self, vm)
        sdef = snapconf.DomainSnapshotDef.parse(xml)
        if sdef.name in tree.by_name:
            raise report(C.VIR_ERR_OPERATION_FAILED,
                         f"domain moment {sdef.name} already exists", C.VIR_FROM_DOMAIN)
        if not vm.persistent and flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_HALT:
            raise report(C.VIR_ERR_OPERATION_INVALID,
                         "cannot halt after transient domain snapshot", _FROM)
        ops.prepare(self, vm, sdef, flags)
        sdef.parent_name = tree.current.name if tree.current is not None else None
        ops.take(self, vm, sdef, flags)
        moment = Moment(sdef)
        if flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA:
            return moment
        tree.add(moment)
        set_current(self, vm, moment)
        return moment

    def _snap_redefine(self, vm: DomainObj, xml: str, flags: int) -> Moment:
        tree = snapshots(self, vm)
        from lxml import etree
        root = etree.fromstring(xml.encode())
        if not (root.findtext("name") or "").strip():
            raise report(C.VIR_ERR_XML_ERROR, "a redefined snapshot must have a name",
                         C.VIR_FROM_DOMAIN_SNAPSHOT)
        sdef = snapconf.DomainSnapshotDef.parse(xml)
        if sdef.domain_xml is not None:
            dom = etree.fromstring(sdef.domain_xml.encode())
            uuid = dom.findtext("uuid")
            if uuid is not None and uuid.strip() != vm.uuid:
                raise report(C.VIR_ERR_INVALID_ARG, f"definition for snapshot {sdef.name} "
                             f"must use uuid {vm.uuid}", C.VIR_FROM_DOMAIN)
        if sdef.memory is None:
            offline = sdef.state in (snapconf.SnapshotState.SHUTOFF,
                                     snapconf.SnapshotState.DISK_SNAPSHOT)
            sdef.memory = (snapconf.SnapshotLocation.NO if offline
                           else snapconf.SnapshotLocation.INTERNAL)
        check_cycles(tree, sdef.name, sdef.parent_name, "snapshot")
        sdef.active = None
        moment = tree.by_name.get(sdef.name)
        if moment is not None:
            moment.def_ = sdef
            tree.relink()
        else:
            moment = Moment(sdef)
            tree.add(moment)
        if flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT:
            set_current(self, vm, moment)
        else:
            write(self, vm, moment)
        return moment

    # --- lookup and listing ----------------------------------------------------------------
    def domainSnapshotLookupByName(self, dom: Any, name: str,  # noqa: N802
                                   flags: int) -> MomentHandle:
        """The snapshot named ``name``."""
        _check(flags, 0, "qemuDomainSnapshotLookupByName")
        return MomentHandle(self._snap_of(MomentHandle(name, dom))[1].name, dom)

    def _snap_list(self, dom: Any, flags: int, func: str) -> list[Moment]:
        _check(flags, _LIST_FLAGS, func)
        vm = self.vm_of(dom)
        with vm.lock:
            return select(snapshots(self, vm), None, flags, C.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS,
                          C.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL, snapshot_filter)

    def _snap_children(self, snap: MomentHandle, flags: int, func: str) -> list[Moment]:
        _check(flags, _CHILD_FLAGS, func)
        vm, moment = self._snap_of(snap)
        with vm.lock:
            return select(snapshots(self, vm), moment, flags,
                          C.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS,
                          C.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL, snapshot_filter)

    def domainSnapshotListNames(self, dom: Any, flags: int) -> list[str]:  # noqa: N802
        """Names of the snapshots ``flags`` select."""
        return [m.name for m in self._snap_list(dom, flags, "qemuDomainSnapshotListNames")]

    def domainSnapshotNum(self, dom: Any, flags: int) -> int:  # noqa: N802
        """How many snapshots ``flags`` select."""
        return len(self._snap_list(dom, flags, "qemuDomainSnapshotNum"))

    def domainListAllSnapshots(self, dom: Any, flags: int) -> list[MomentHandle]:  # noqa: N802
        """Handles of the snapshots ``flags`` select."""
        return [MomentHandle(m.name, dom)
                for m in self._snap_list(dom, flags, "qemuDomainListAllSnapshots")]

    def domainSnapshotListChildrenNames(self, snap: MomentHandle,  # noqa: N802
                                        flags: int) -> list[str]:
        """Names of a snapshot's children (or descendants)."""
        return [m.name for m in
                self._snap_children(snap, flags, "qemuDomainSnapshotListChildrenNames")]

    def domainSnapshotNumChildren(self, snap: MomentHandle, flags: int) -> int:  # noqa: N802
        """How many children (or descendants) a snapshot has."""
        return len(self._snap_children(snap, flags, "qemuDomainSnapshotNumChildren"))

    def domainSnapshotListAllChildren(self, snap: MomentHandle,  # noqa: N802
                                      flags: int) -> list[MomentHandle]:
        """Handles of a snapshot's children (or descendants)."""
        return [MomentHandle(m.name, snap.domain) for m in
                self._snap_children(snap, flags, "qemuDomainSnapshotListAllChildren")]

    def domainHasCurrentSnapshot(self, dom: Any, flags: int) -> int:  # noqa: N802
        """1 when the domain has a current snapshot."""
        _check(flags, 0, "qemuDomainHasCurrentSnapshot")
        return int(snapshots(self, self.vm_of(dom)).current is not None)

    def domainSnapshotCurrent(self, dom: Any, flags: int) -> MomentHandle:  # noqa: N802
        """The current snapshot."""
        _check(flags, 0, "qemuDomainSnapshotCurrent")
        current = snapshots(self, self.vm_of(dom)).current
        if current is None:
            raise report(C.VIR_ERR_NO_DOMAIN_SNAPSHOT,
                         "the domain does not have a current snapshot", _FROM)
        return MomentHandle(current.name, dom)

    def domainSnapshotGetParent(self, snap: MomentHandle, flags: int) -> MomentHandle:  # noqa: N802
        """The parent of a snapshot."""
        _check(flags, 0, "qemuDomainSnapshotGetParent")
        _vm, moment = self._snap_of(snap)
        if moment.def_.parent_name is None:
            raise report(C.VIR_ERR_NO_DOMAIN_SNAPSHOT,
                         f"snapshot '{moment.name}' does not have a parent", _FROM)
        return MomentHandle(moment.def_.parent_name, snap.domain)

    def domainSnapshotGetXMLDesc(self, snap: MomentHandle, flags: int) -> str:  # noqa: N802
        """The snapshot's XML, as libvirt writes it."""
        _check(flags, C.VIR_DOMAIN_SNAPSHOT_XML_SECURE, "qemuDomainSnapshotGetXMLDesc")
        vm, moment = self._snap_of(snap)
        with vm.lock:
            return moment.def_.format()

    def domainSnapshotIsCurrent(self, snap: MomentHandle, flags: int) -> int:  # noqa: N802
        """1 when the snapshot is the current one."""
        _check(flags, 0, "qemuDomainSnapshotIsCurrent")
        vm, moment = self._snap_of(snap)
        return int(snapshots(self, vm).current is moment)

    def domainSnapshotHasMetadata(self, snap: MomentHandle, flags: int) -> int:  # noqa: N802
        """1: every snapshot a handle can find has metadata."""
        _check(flags, 0, "qemuDomainSnapshotHasMetadata")
        self._snap_of(snap)
        return 1

    # --- delete and revert -----------------------------------------------------------------
    def domainSnapshotDelete(self, snap: MomentHandle, flags: int) -> int:  # noqa: N802
        """Delete a snapshot and/or its descendants (their data too, unless METADATA_ONLY)."""
        _check(flags, _DELETE_FLAGS, "qemuDomainSnapshotDelete")
        vm = self.vm_of(snap.domain)
        with vm.job_scope("snapshot-delete"):
            ops.snapjob.wait_async_job(vm)
            _vm, moment = self._snap_of(snap)
            tree = snapshots(self, vm)
            doomed = []
            if flags & (C.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN
                        | C.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY):
                doomed = moment.descendants()
            if not flags & C.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY:
                doomed.append(moment)
            if not flags & C.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY:
                ops.check_delete(self, vm, tree, doomed)
                for item in reversed(doomed):        # leaves first
                    ops.delete_data(self, vm, item)
            delete_moment(tree, moment, flags, C.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN,
                          C.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY)
            for item in doomed:
                forget(self, vm, item.name)
            write(self, vm, *tree.by_name.values())  # parents and the current mark moved
        return 0

    def domainRevertToSnapshot(self, dom: Any, snap: MomentHandle,  # noqa: N802
                               flags: int) -> int:
        """Put the domain back to the disks, memory and state of a snapshot."""
        _check(flags, _REVERT_FLAGS, "qemuDomainRevertToSnapshot")
        both = C.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING | C.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED
        if flags & both == both:
            raise report(C.VIR_ERR_INVALID_ARG, "flags 'running' and 'paused' are mutually "
                         "exclusive", _FROM)
        vm = self.vm_of(dom)
        with vm.job_scope("snapshot-revert"):
            _vm, moment = self._snap_of(snap)
            if is_external(moment.def_):
                ops.revert_external(self, vm, moment, flags)
            else:
                ops.revert_internal(self, vm, moment, flags)
            set_current(self, vm, moment)
        return 0


__all__ = ["SnapshotAPI", "delete_all", "set_current", "snapshot_dir", "snapshots", "undefine_check", "write"]
