"""Domain checkpoints of the test driver (records only: no bitmaps to track)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyvirt import constants as C
from pyvirt.driver.moments import (
    Moment,
    MomentHandle,
    check_cycles,
    delete_moment,
    select,
)
from pyvirt.driver.moments import checkpoint_filter as _checkpoint_filter
from pyvirt.drivers.test.access import DomainAccess
from pyvirt.drivers.test.objects import DomainHandle, DomainObj, check_flags
from pyvirt.errors import report
from pyvirt.util.lazy import lazy_module

if TYPE_CHECKING:
    from pyvirt.conf import checkpoint as ckptconf
    from pyvirt.drivers.test import domconf
else:
    ckptconf = lazy_module("pyvirt.conf.checkpoint", globals())
    domconf = lazy_module("pyvirt.drivers.test.domconf", globals())

_FROM = C.VIR_FROM_TEST
_FROM_DOM = C.VIR_FROM_DOMAIN
K = C  # the VIR_DOMAIN_CHECKPOINT_* constants

_LIST_FLAGS = (K.VIR_DOMAIN_CHECKPOINT_LIST_ROOTS | K.VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL
               | K.VIR_DOMAIN_CHECKPOINT_LIST_LEAVES | K.VIR_DOMAIN_CHECKPOINT_LIST_NO_LEAVES)


class CheckpointMixin(DomainAccess):
    """virDomainCheckpoint* operations."""

    def _chk_obj(self, obj: DomainObj, name: str) -> Moment:
        moment = obj.checkpoints.by_name.get(name)
        if moment is None:
            raise report(C.VIR_ERR_NO_DOMAIN_CHECKPOINT,
                         f"no domain checkpoint with matching name '{name}'", _FROM)
        return moment

    def _chk_of(self, chk: MomentHandle) -> tuple[DomainObj, Moment]:
        obj = self._dom_obj(chk.domain)
        return obj, self._chk_obj(obj, chk.name)

    def _chk_align(self, obj: DomainObj, cdef: ckptconf.DomainCheckpointDef) -> None:
        cdef.align([(d.target, not (d.source is None or not d.source.path() or d.readonly))
                    for d in obj.def_.disks()])

    def domainCheckpointCreateXML(self, dom: DomainHandle, xmlDesc: str,  # noqa: N802,N803
                                  flags: int) -> MomentHandle:
        """Create (or with REDEFINE, record) a checkpoint of a running domain."""
        check_flags(flags, K.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE
                    | K.VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE, "testDomainCheckpointCreateXML")
        redefine = bool(flags & K.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE)
        with self.state.lock:
            obj = self._dom_obj(dom)
            if obj.snapshots.by_name:
                raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                             "cannot create checkpoint while snapshot exists", _FROM)
            if not obj.active:
                raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                             "cannot create checkpoint for inactive domain", _FROM)
            cdef = ckptconf.DomainCheckpointDef.parse(xmlDesc)
            checkpoints = obj.checkpoints
            if redefine:
                check_cycles(checkpoints, cdef.name, cdef.parent_name, "checkpoint")
                dom_def = domconf.TestDef.parse(cdef.domain_xml) if cdef.domain_xml else None
                old = checkpoints.by_name.get(cdef.name)
                if old is not None:
                    old.def_, old.dom = cdef, dom_def
                    checkpoints.relink()
                    return MomentHandle(old.name, dom)
                moment = Moment(cdef, dom_def)
                checkpoints.add(moment)
                return MomentHandle(moment.name, dom)
            if cdef.name in checkpoints.by_name:
                raise report(C.VIR_ERR_OPERATION_FAILED,
                             f"domain moment {cdef.name} already exists", _FROM_DOM)
            self._chk_align(obj, cdef)
            dom_copy = obj.def_.copy()
            cdef.domain_xml = dom_copy.format(flags=C.VIR_DOMAIN_XML_INACTIVE).rstrip("\n")
            cdef.parent_name = checkpoints.current.name if checkpoints.current else None
            moment = Moment(cdef, dom_copy)
            checkpoints.add(moment)
            checkpoints.current = moment
            return MomentHandle(moment.name, dom)

    def domainCheckpointLookupByName(self, dom: DomainHandle, name: str,  # noqa: N802
                                     flags: int) -> MomentHandle:
        """The checkpoint named ``name``."""
        check_flags(flags, 0, "testDomainCheckpointLookupByName")
        with self.state.lock:
            return MomentHandle(self._chk_obj(self._dom_obj(dom), name).name, dom)

    def domainListAllCheckpoints(self, dom: DomainHandle, flags: int) -> list[MomentHandle]:  # noqa: N802
        """Handles of the checkpoints ``flags`` select."""
        check_flags(flags, _LIST_FLAGS, "testDomainListAllCheckpoints")
        with self.state.lock:
            obj = self._dom_obj(dom)
            return [MomentHandle(m.name, dom) for m in select(
                obj.checkpoints, None, flags, K.VIR_DOMAIN_CHECKPOINT_LIST_ROOTS,
                K.VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL, _checkpoint_filter)]

    def domainCheckpointListAllChildren(self, chk: MomentHandle,  # noqa: N802
                                        flags: int) -> list[MomentHandle]:
        """Handles of the children (or descendants) of a checkpoint."""
        check_flags(flags, _LIST_FLAGS, "testDomainCheckpointListAllChildren")
        with self.state.lock:
            obj, moment = self._chk_of(chk)
            return [MomentHandle(m.name, chk.domain) for m in select(
                obj.checkpoints, moment, flags, K.VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS,
                K.VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL, _checkpoint_filter)]

    def domainCheckpointGetParent(self, chk: MomentHandle, flags: int) -> MomentHandle:  # noqa: N802
        """The parent of a checkpoint."""
        check_flags(flags, 0, "testDomainCheckpointGetParent")
        with self.state.lock:
            _obj, moment = self._chk_of(chk)
            parent = moment.def_.parent_name
            if parent is None:
                raise report(C.VIR_ERR_NO_DOMAIN_CHECKPOINT,
                             f"checkpoint '{moment.name}' does not have a parent", _FROM)
            return MomentHandle(parent, chk.domain)

    def domainCheckpointGetXMLDesc(self, chk: MomentHandle, flags: int) -> str:  # noqa: N802
        """The checkpoint's XML (without the domain, or with bitmap sizes, per flags)."""
        check_flags(flags, K.VIR_DOMAIN_CHECKPOINT_XML_SECURE
                    | K.VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN | K.VIR_DOMAIN_CHECKPOINT_XML_SIZE,
                    "testDomainCheckpointGetXMLDesc")
        with self.state.lock:
            obj, moment = self._chk_of(chk)
            cdef = moment.def_
            if flags & K.VIR_DOMAIN_CHECKPOINT_XML_SIZE:
                if not obj.active:
                    from pyvirt.drivers.test.access import not_running
                    raise not_running()
                for disk in cdef.disks:
                    if disk.checkpoint is ckptconf.CheckpointType.BITMAP:
                        disk.size = 1024
            return cdef.format_flags(flags)

    def domainCheckpointDelete(self, chk: MomentHandle, flags: int) -> None:  # noqa: N802
        """Delete a checkpoint (and/or its descendants)."""
        check_flags(flags, K.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN
                    | K.VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY
                    | K.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY, "testDomainCheckpointDelete")
        with self.state.lock:
            obj, moment = self._chk_of(chk)
            delete_moment(obj.checkpoints, moment, flags,
                          K.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN,
                          K.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY)


__all__ = ["CheckpointMixin"]
