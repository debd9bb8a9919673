"""Domain snapshots of the test driver.

Snapshots only record the domain's definition and run state (the test
driver has no disks or memory to copy); reverting puts that definition
back and moves the domain to the recorded state, with the lifecycle events
libvirt 9.0's test driver emits for each transition.
"""

from __future__ import annotations

import copy
import os
import time
from typing import TYPE_CHECKING

from pyvirt import constants as C
from pyvirt.driver.moments import (
    Moment,
    MomentHandle,
    check_cycles,
    delete_moment,
    select,
)
from pyvirt.driver.moments import snapshot_filter as _snapshot_filter
from pyvirt.drivers.test.access import DomainAccess
from pyvirt.drivers.test.objects import (
    DomainHandle,
    DomainObj,
    check_flags,
    read_node_file,
)
from pyvirt.errors import report
from pyvirt.util.lazy import lazy_module

if TYPE_CHECKING:
    from lxml import etree

    from pyvirt.conf import snapshot as snapconf
    from pyvirt.conf import xmlutil
    from pyvirt.drivers.test import domconf
else:
    etree = lazy_module("lxml.etree", globals())
    domconf = lazy_module("pyvirt.drivers.test.domconf", globals())
    snapconf = lazy_module("pyvirt.conf.snapshot", globals())
    xmlutil = lazy_module("pyvirt.conf.xmlutil", globals())

_FROM = C.VIR_FROM_TEST
_FROM_DOM = C.VIR_FROM_DOMAIN
S = C  # the VIR_DOMAIN_SNAPSHOT_* constants

# virDomainSnapshotState shares its numbers with virDomainState (plus disk-snapshot).
_STATES = ("nostate", "running", "blocked", "paused", "shutdown", "shutoff", "crashed",
           "pmsuspended")  # SnapshotState values, by state number

_LIST_FLAGS = (S.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS | S.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL
               | S.VIR_DOMAIN_SNAPSHOT_LIST_LEAVES | S.VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES
               | S.VIR_DOMAIN_SNAPSHOT_LIST_METADATA | S.VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA
               | S.VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE | S.VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE
               | S.VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY | S.VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL
               | S.VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL)
_CREATE_FLAGS = (S.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE | S.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT
                 | S.VIR_DOMAIN_SNAPSHOT_CREATE_HALT | S.VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE
                 | S.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC | S.VIR_DOMAIN_SNAPSHOT_CREATE_LIVE
                 | S.VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE)


def parse_redefined(xml: str | bytes,
                    uuid: str) -> tuple[snapconf.DomainSnapshotDef, domconf.TestDef | None]:
    """Parse the XML of a snapshot being redefined (or loaded from a <node> file)
    of the domain ``uuid``: it must be named; its domain is read and written back
    canonically (a snapshot without one names just the domain's UUID, as libvirt
    writes it), and its memory location follows its state when not given."""
    root = etree.fromstring(xml.encode() if isinstance(xml, str) else xml)
    if not (root.findtext("name") or "").strip():
        raise report(C.VIR_ERR_XML_ERROR, "a redefined snapshot must have a name",
                     C.VIR_FROM_DOMAIN_SNAPSHOT)
    sdef = snapconf.DomainSnapshotDef.parse(xml)
    dom = domconf.TestDef.parse(sdef.domain_xml) if sdef.domain_xml else None
    if dom is not None:
        sdef.domain_xml = dom.format(flags=C.VIR_DOMAIN_XML_INACTIVE).rstrip("\n")
    else:
        sdef.domain_xml = f"<domain>\n  <uuid>{uuid}</uuid>\n</domain>"
    if sdef.memory is None:
        offline = sdef.state in (snapconf.SnapshotState.SHUTOFF,
                                 snapconf.SnapshotState.DISK_SNAPSHOT)
        sdef.memory = (snapconf.SnapshotLocation.NO if offline
                       else snapconf.SnapshotLocation.INTERNAL)
    return sdef, dom


def load_snapshots(obj: DomainObj, elems: list[etree._Element], base_dir: str) -> None:
    """Load the ``<test:domainsnapshot>`` elements of a ``<node>`` domain (each is a
    snapshot, or names the file holding one)."""
    for elem in elems:
        rel = elem.get("file")
        if rel is not None:
            path = rel if os.path.isabs(rel) else os.path.join(base_dir, rel)
            text = read_node_file(path)
        else:
            node = etree.Element("domainsnapshot")
            node.extend(copy.deepcopy(c) for c in elem if isinstance(c.tag, str))
            text = etree.tostring(node)
        sdef, dom = parse_redefined(text, obj.uuid)
        moment = Moment(sdef, dom)
        obj.snapshots.add(moment)
        if sdef.active:
            if obj.snapshots.current is not None:
                raise report(C.VIR_ERR_INTERNAL_ERROR,
                             "more than one snapshot claims to be active", _FROM)
            obj.snapshots.current = moment
        sdef.active = None
    obj.snapshots.relink()


class SnapshotMixin(DomainAccess):
    """virDomainSnapshot* operations."""

    def _snap_obj(self, obj: DomainObj, name: str) -> Moment:
        moment = obj.snapshots.by_name.get(name)
        if moment is None:
            raise report(C.VIR_ERR_NO_DOMAIN_SNAPSHOT,
                         f"no domain snapshot with matching name '{name}'", _FROM)
        return moment

    def _snap_of(self, snap: MomentHandle) -> tuple[DomainObj, Moment]:
        obj = self._dom_obj(snap.domain)
        return obj, self._snap_obj(obj, snap.name)

    # --- create -------------------------------------------------------------------
    def _snap_align(self, obj: DomainObj, sdef: snapconf.DomainSnapshotDef) -> None:
        """Fill state, memory and per-disk locations as libvirt's test driver does."""
        value = _STATES[obj.state] if obj.state < len(_STATES) else "nostate"
        sdef.state = snapconf.SnapshotState(value)
        if sdef.memory is not snapconf.SnapshotLocation.EXTERNAL:
            sdef.memory = (snapconf.SnapshotLocation.NO
                           if sdef.state is snapconf.SnapshotState.SHUTOFF
                           else snapconf.SnapshotLocation.INTERNAL)
        given = {d.name: d for d in sdef.disks}
        disks = []
        for disk in obj.def_.disks():
            item = given.pop(disk.target, None) or snapconf.SnapshotDisk(disk.target)
            if item.snapshot is None:
                empty = disk.source is None or not disk.source.path()
                item.snapshot = (snapconf.SnapshotLocation.NO if empty or disk.readonly
                                 else snapconf.SnapshotLocation.INTERNAL)
            disks.append(item)
        if given:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                         f"no disk named '{next(iter(given))}'", _FROM_DOM)
        sdef.disks = disks

    def domainSnapshotCreateXML(self, dom: DomainHandle, xmlDesc: str,  # noqa: N802,N803
                                flags: int) -> MomentHandle:
        """Take (or with REDEFINE, record) a snapshot."""
        check_flags(flags, _CREATE_FLAGS, "testDomainSnapshotCreateXML")
        redefine = bool(flags & S.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE)
        update_current = not redefine or bool(flags & S.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT)
        with self.state.lock:
            obj = self._dom_obj(dom)
            if obj.checkpoints.by_name:
                raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                             "cannot create snapshot while checkpoint exists", _FROM)
            if not obj.persistent and flags & S.VIR_DOMAIN_SNAPSHOT_CREATE_HALT:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             "cannot halt after transient domain snapshot", _FROM)
            if flags & S.VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE:
                xmlutil.validate(xmlDesc, "domainsnapshot", C.VIR_FROM_XML)
            snapshots = obj.snapshots
            if redefine:
                moment = self._snap_redefine(obj, xmlDesc)
            else:
                sdef = snapconf.DomainSnapshotDef.parse(xmlDesc)
                if sdef.name in snapshots.by_name:
                    raise report(C.VIR_ERR_OPERATION_FAILED,
                                 f"domain moment {sdef.name} already exists", _FROM_DOM)
                self._snap_align(obj, sdef)
                sdef.creation_time = int(time.time())
                sdef.parent_name = snapshots.current.name if snapshots.current else None
                dom_copy = obj.def_.copy()
                sdef.domain_xml = dom_copy.format(flags=C.VIR_DOMAIN_XML_INACTIVE).rstrip("\n")
                moment = Moment(sdef, dom_copy)
                snapshots.add(moment)
                if flags & S.VIR_DOMAIN_SNAPSHOT_CREATE_HALT and obj.active:
                    self._dom_stop(obj, C.VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT, dom)
                    self._dom_emit(obj, C.VIR_DOMAIN_EVENT_STOPPED,
                               C.VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT)
            if update_current:
                snapshots.current = moment
            return MomentHandle(moment.name, dom)

    def _snap_redefine(self, obj: DomainObj, xml: str) -> Moment:
        sdef, dom_def = parse_redefined(xml, obj.uuid)
        if dom_def is not None and dom_def.uuid != obj.uuid:
            raise report(C.VIR_ERR_INVALID_ARG, f"definition for snapshot {sdef.name} must "
                         f"use uuid {obj.uuid}", _FROM_DOM)
        snapshots = obj.snapshots
        check_cycles(snapshots, sdef.name, sdef.parent_name, "snapshot")
        old = snapshots.by_name.get(sdef.name)
        if old is not None:
            old.def_ = sdef
            old.dom = dom_def
            snapshots.relink()
            return old
        moment = Moment(sdef, dom_def)
        snapshots.add(moment)
        return moment

    # --- lookup and listing -----------------------------------------------------------
    def domainSnapshotLookupByName(self, dom: DomainHandle, name: str,  # noqa: N802
                                   flags: int) -> MomentHandle:
        """The snapshot named ``name``."""
        check_flags(flags, 0, "testDomainSnapshotLookupByName")
        with self.state.lock:
            moment = self._snap_obj(self._dom_obj(dom), name)
            return MomentHandle(moment.name, dom)

    def domainSnapshotListNames(self, dom: DomainHandle, flags: int) -> list[str]:  # noqa: N802
        """Names of the snapshots ``flags`` select."""
        return [m.name for m in self._snap_list(dom, flags, "testDomainSnapshotListNames")]

    def domainSnapshotNum(self, dom: DomainHandle, flags: int) -> int:  # noqa: N802
        """How many snapshots ``flags`` select."""
        return len(self._snap_list(dom, flags, "testDomainSnapshotNum"))

    def domainListAllSnapshots(self, dom: DomainHandle, flags: int) -> list[MomentHandle]:  # noqa: N802
        """Handles of the snapshots ``flags`` select."""
        return [MomentHandle(m.name, dom)
                for m in self._snap_list(dom, flags, "testDomainListAllSnapshots")]

    def _snap_list(self, dom: DomainHandle, flags: int, func: str) -> list[Moment]:
        check_flags(flags, _LIST_FLAGS, func)
        with self.state.lock:
            obj = self._dom_obj(dom)
            return select(obj.snapshots, None, flags, S.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS,
                          S.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL, _snapshot_filter)

    def _snap_children(self, snap: MomentHandle, flags: int, func: str) -> list[Moment]:
        check_flags(flags, _LIST_FLAGS, func)
        with self.state.lock:
            obj, moment = self._snap_of(snap)
            return select(obj.snapshots, moment, flags, S.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS,
                          S.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL, _snapshot_filter)

    def domainSnapshotListChildrenNames(self, snap: MomentHandle, flags: int) -> list[str]:  # noqa: N802
        """Names of the children (or descendants) of a snapshot."""
        return [m.name for m in self._snap_children(snap, flags, "testDomainSnapshotListChildrenNames")]

    def domainSnapshotNumChildren(self, snap: MomentHandle, flags: int) -> int:  # noqa: N802
        """How many children (or descendants) a snapshot has."""
        return len(self._snap_children(snap, flags, "testDomainSnapshotNumChildren"))

    def domainSnapshotListAllChildren(self, snap: MomentHandle,  # noqa: N802
                                      flags: int) -> list[MomentHandle]:
        """Handles of the children (or descendants) of a snapshot."""
        return [MomentHandle(m.name, snap.domain)
                for m in self._snap_children(snap, flags, "testDomainSnapshotListAllChildren")]

    def domainHasCurrentSnapshot(self, dom: DomainHandle, flags: int) -> int:  # noqa: N802
        """1 when the domain has a current snapshot."""
        check_flags(flags, 0, "testDomainHasCurrentSnapshot")
        with self.state.lock:
            return int(self._dom_obj(dom).snapshots.current is not None)

    def domainSnapshotCurrent(self, dom: DomainHandle, flags: int) -> MomentHandle:  # noqa: N802
        """The current snapshot."""
        check_flags(flags, 0, "testDomainSnapshotCurrent")
        with self.state.lock:
            current = self._dom_obj(dom).snapshots.current
            if current is None:
                raise report(C.VIR_ERR_NO_DOMAIN_SNAPSHOT,
                             "the domain does not have a current snapshot", _FROM)
            return MomentHandle(current.name, dom)

    def domainSnapshotGetParent(self, snap: MomentHandle, flags: int) -> MomentHandle:  # noqa: N802
        """The parent of a snapshot."""
        check_flags(flags, 0, "testDomainSnapshotGetParent")
        with self.state.lock:
            _obj, moment = self._snap_of(snap)
            parent = moment.def_.parent_name
            if parent is None:
                raise report(C.VIR_ERR_NO_DOMAIN_SNAPSHOT,
                             f"snapshot '{moment.name}' does not have a parent", _FROM)
            return MomentHandle(parent, snap.domain)

    def domainSnapshotGetXMLDesc(self, snap: MomentHandle, flags: int) -> str:  # noqa: N802
        """The snapshot's XML."""
        check_flags(flags, S.VIR_DOMAIN_SNAPSHOT_XML_SECURE, "testDomainSnapshotGetXMLDesc")
        with self.state.lock:
            return self._snap_of(snap)[1].def_.format()

    def domainSnapshotIsCurrent(self, snap: MomentHandle, flags: int) -> int:  # noqa: N802
        """1 when the snapshot is the current one."""
        check_flags(flags, 0, "testDomainSnapshotIsCurrent")
        with self.state.lock:
            obj, moment = self._snap_of(snap)
            return int(obj.snapshots.current is moment)

    def domainSnapshotHasMetadata(self, snap: MomentHandle, flags: int) -> int:  # noqa: N802
        """Always 1: the test driver keeps metadata for every snapshot."""
        check_flags(flags, 0, "testDomainSnapshotHasMetadata")
        with self.state.lock:
            self._snap_of(snap)
            return 1

    # --- delete and revert -------------------------------------------------------------
    def domainSnapshotDelete(self, snap: MomentHandle, flags: int) -> None:  # noqa: N802
        """Delete a snapshot (and/or its descendants)."""
        check_flags(flags, S.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN
                    | S.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY, "testDomainSnapshotDelete")
        with self.state.lock:
            obj, moment = self._snap_of(snap)
            delete_moment(obj.snapshots, moment, flags, S.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN,
                          S.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY)

    def domainRevertToSnapshot(self, dom: DomainHandle, snap: MomentHandle,  # noqa: N802
                               flags: int) -> None:
        """Put the domain back to the definition and state of a snapshot."""
        check_flags(flags, S.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING
                    | S.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED | S.VIR_DOMAIN_SNAPSHOT_REVERT_FORCE,
                    "testDomainRevertToSnapshot")
        start_flags = S.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING | S.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED
        with self.state.lock:
            obj, moment = self._snap_of(snap)
            state = moment.def_.state
            running_snap = state in (snapconf.SnapshotState.RUNNING, snapconf.SnapshotState.PAUSED)
            if not obj.persistent and not running_snap and not flags & start_flags:
                raise report(C.VIR_ERR_OPERATION_INVALID, "transient domain needs to request "
                             "run or pause to revert to inactive snapshot", _FROM)
            if moment.dom is None:
                raise report(C.VIR_ERR_SNAPSHOT_REVERT_RISKY, f"snapshot '{moment.name}' "
                             f"lacks domain '{obj.name}' rollback info", _FROM)
            obj.snapshots.current = None
            config = moment.dom.copy()
            if running_snap:
                self._snap_revert_running(obj, dom, config, state, flags)
            else:
                self._snap_revert_inactive(obj, dom, config, flags)
            obj.snapshots.current = moment

    def _snap_revert_running(self, obj: DomainObj, dom: DomainHandle, config: domconf.TestDef,
                           state: snapconf.SnapshotState, flags: int) -> None:
        if obj.active:
            self._dom_stop(obj, C.VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT, dom)
            self._dom_emit(obj, C.VIR_DOMAIN_EVENT_STOPPED, C.VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT)
        obj.def_ = config
        self._dom_start(obj, C.VIR_DOMAIN_RUNNING_FROM_SNAPSHOT)
        self._dom_emit(obj, C.VIR_DOMAIN_EVENT_STARTED, C.VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT)
        if not flags & S.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING and (
                state is snapconf.SnapshotState.PAUSED
                or flags & S.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED):
            obj.set_state(C.VIR_DOMAIN_PAUSED, C.VIR_DOMAIN_PAUSED_FROM_SNAPSHOT)
            self._dom_emit(obj, C.VIR_DOMAIN_EVENT_SUSPENDED,
                       C.VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT)

    def _snap_revert_inactive(self, obj: DomainObj, dom: DomainHandle, config: domconf.TestDef,
                            flags: int) -> None:
        if obj.active:
            obj.new_def = config
            self._dom_stop(obj, C.VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT, dom)
            self._dom_emit(obj, C.VIR_DOMAIN_EVENT_STOPPED, C.VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT)
        else:
            obj.def_ = config
        if flags & (S.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING | S.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED):
            # libvirt 9.0's test driver announces a start here but does not start.
            self._dom_emit(obj, C.VIR_DOMAIN_EVENT_STARTED, C.VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT)
            if flags & S.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED:
                self._dom_emit(obj, C.VIR_DOMAIN_EVENT_SUSPENDED,
                           C.VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT)


__all__ = ["SnapshotMixin", "check_cycles", "delete_moment", "load_snapshots", "select"]
