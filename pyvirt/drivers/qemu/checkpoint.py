"""Domain checkpoints of the QEMU driver: persistent dirty bitmaps in qcow2 disks.

A checkpoint adds, in one QMP ``transaction``, a persistent dirty bitmap
named after it to each of its disks' qcow2 nodes (libvirt's
``block-dirty-bitmap-add`` with ``persistent``).  As in libvirt since 6.0,
every checkpoint's bitmap stays active, so the bitmap of checkpoint X holds
exactly what was written since X: its dirty count is the ``size`` of
``--size`` and an incremental backup from X copies it.  Deleting a
checkpoint removes its bitmaps (``block-dirty-bitmap-remove``, or
``qemu-img bitmap --remove`` on a shut-off guest's images); nothing needs
merging because each parent's bitmap already covers its children's writes.

Metadata: ``{lib_dir}/checkpoint/DOMAIN/NAME.xml`` (:mod:`.momentstore`).
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt import errors as _errors
from pyvirt.driver.moments import (
    Moment,
    MomentHandle,
    MomentList,
    check_cycles,
    checkpoint_filter,
    delete_moment,
    select,
)
from pyvirt.drivers.qemu import momentstore as store
from pyvirt.errors import libvirtError, report
from pyvirt.util.lazy import lazy_module

if TYPE_CHECKING:
    from pyvirt.conf import checkpoint as ckptconf
    from pyvirt.conf import xmlutil
    from pyvirt.drivers.qemu import address, command, domain, snapjob
    from pyvirt.drivers.qemu.domobj import DomainObj
else:
    ckptconf = lazy_module("pyvirt.conf.checkpoint", globals())
    xmlutil = lazy_module("pyvirt.conf.xmlutil", globals())
    address = lazy_module("pyvirt.drivers.qemu.address", globals())
    command = lazy_module("pyvirt.drivers.qemu.command", globals())
    domain = lazy_module("pyvirt.drivers.qemu.domain", globals())
    snapjob = lazy_module("pyvirt.drivers.qemu.snapjob", globals())

_FROM = C.VIR_FROM_QEMU
K = C
log = logging.getLogger(__name__)
_LIST_FLAGS = (K.VIR_DOMAIN_CHECKPOINT_LIST_ROOTS | K.VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL
               | K.VIR_DOMAIN_CHECKPOINT_LIST_LEAVES | K.VIR_DOMAIN_CHECKPOINT_LIST_NO_LEAVES)
_CHILD_FLAGS = (_LIST_FLAGS & ~K.VIR_DOMAIN_CHECKPOINT_LIST_ROOTS) | \
    K.VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS
_DELETE_FLAGS = (K.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN
                 | K.VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY
                 | K.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY)


def _check(flags: int, allowed: int, func: str) -> None:
    _errors.check_flags(flags, allowed, func, _FROM)


def checkpoints(drv: Any, vm: DomainObj) -> MomentList:
    """The checkpoint tree of ``vm``, loaded from disk on first use."""
    with vm.lock:
        if vm.checkpoints is None:
            vm.checkpoints = store.load(drv.cfg, "checkpoint", vm.name,
                                        ckptconf.DomainCheckpointDef.parse, newest_current=True)
        return vm.checkpoints


def _write(drv: Any, vm: DomainObj, moment: Moment) -> None:
    store.write(drv.cfg, "checkpoint", vm.name, moment.name, moment.def_.format())


def bitmap_disks(vm: DomainObj, cdef: Any) -> list[tuple[Any, str]]:
    """(domain disk, bitmap name) of each disk ``cdef`` tracks."""
    out = []
    for item in cdef.disks:
        if item.checkpoint is ckptconf.CheckpointType.BITMAP and item.bitmap:
            for disk in address.devices(vm.def_, "disk"):
                if disk.target == item.name:
                    out.append((disk, item.bitmap))
    return out


def add_bitmap_actions(vm: DomainObj, cdef: Any) -> list[dict]:
    """The transaction actions that create ``cdef``'s persistent bitmaps."""
    return [{"type": "block-dirty-bitmap-add", "data": {
        "node": address.format_node(vm.blockdev[disk.alias]), "name": bitmap,
        "persistent": True}} for disk, bitmap in bitmap_disks(vm, cdef)]


def prepare(vm: DomainObj, xml: str) -> Any:
    """Parse and fill a new checkpoint of running ``vm`` (libvirt's checks)."""
    cdef = ckptconf.DomainCheckpointDef.parse(xml)
    with vm.lock:
        live = vm.def_
        if not vm.is_active():
            raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                         "cannot create checkpoint for inactive domain", _FROM)
    disks = address.devices(live, "disk")
    cdef.align([(d.target, not d.readonly and command.disk_path(d) is not None)
                for d in disks])
    for disk, _bitmap in bitmap_disks(vm, cdef):
        fmt = command.disk_format(disk)
        if fmt != "qcow2":
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, f"checkpoint for disk {disk.target} "
                         f"unsupported for storage type {fmt}", _FROM)
    cdef.domain_xml = live.format(flags=C.VIR_DOMAIN_XML_SECURE).rstrip("\n")
    return cdef


def record(drv: Any, vm: DomainObj, cdef: Any) -> Moment:
    """Add a just-created checkpoint to the tree (as the current one) and write it."""
    tree = checkpoints(drv, vm)
    moment = Moment(cdef)
    tree.add(moment)
    tree.current = moment
    _write(drv, vm, moment)
    return moment


def chain_bitmaps(mon: Any, top: str) -> list[tuple[str, list[dict], bool]]:
    """(format node, its dirty bitmaps, read-only) from ``top`` down its backing chain.

    An external snapshot puts an overlay on a disk; the bitmaps of the
    checkpoints made before it stay in the image below (and go on in the
    overlay, see :func:`propagate_actions`), so a checkpoint's changes are
    the union of its bitmaps along the chain, as libvirt merges them.
    """
    nodes = {str(n.get("node-name")): n for n in mon.execute("query-named-block-nodes")}
    by_file = {str(n.get("file")): name for name, n in nodes.items() if n.get("drv") != "file"}
    out: list[tuple[str, list[dict], bool]] = []
    name: str | None = top
    while name is not None and name in nodes and all(name != seen[0] for seen in out):
        node = nodes[name]
        out.append((name, list(node.get("dirty-bitmaps") or []), bool(node.get("ro"))))
        backing = node.get("backing_file")
        name = by_file.get(str(backing)) if backing else None
    return out


def bitmap_sources(mon: Any, top: str, bitmap: str, writable: bool = False) -> list[dict]:
    """The ``{node, name}`` of every bitmap ``bitmap`` down ``top``'s chain (with
    ``writable``, only in the images QEMU may change)."""
    return [{"node": node, "name": bitmap} for node, bitmaps, ro in chain_bitmaps(mon, top)
            if any(b.get("name") == bitmap for b in bitmaps) and not (writable and ro)]


def propagate_actions(mon: Any, top: str, overlay: str) -> list[dict]:
    """Transaction actions that start, in a new overlay ``overlay`` of ``top``, the
    persistent bitmaps recording in ``top`` (libvirt's qemuSnapshotDiskBitmapsPropagate)."""
    chain = chain_bitmaps(mon, top)
    bitmaps = chain[0][1] if chain else []
    return [{"type": "block-dirty-bitmap-add", "data": {
        "node": overlay, "name": b["name"], "persistent": True, "disabled": False,
        "granularity": b["granularity"]}} for b in bitmaps
        if b.get("persistent") and b.get("recording") and not b.get("inconsistent")]


def _merged_size(mon: Any, top: str, bitmap: str) -> int:
    """Dirty bytes of ``bitmap`` merged down ``top``'s chain (a temporary bitmap)."""
    sources = bitmap_sources(mon, top, bitmap)
    if not sources:
        return 0
    tmp = "libvirt-tmp-size-xml"
    with contextlib.suppress(libvirtError):         # left by an earlier call
        mon.execute("block-dirty-bitmap-remove", {"node": top, "name": tmp})
    mon.execute("transaction", {"actions": [
        {"type": "block-dirty-bitmap-add", "data": {"node": top, "name": tmp,
                                                    "persistent": False, "disabled": True}},
        {"type": "block-dirty-bitmap-merge", "data": {"node": top, "target": tmp,
                                                      "bitmaps": sources}}]})
    try:
        chain = chain_bitmaps(mon, top)
        return next((int(b.get("count", 0)) for b in (chain[0][1] if chain else [])
                     if b.get("name") == tmp), 0)
    finally:
        with contextlib.suppress(libvirtError):
            mon.execute("block-dirty-bitmap-remove", {"node": top, "name": tmp})


class CheckpointAPI:
    """``virDomainCheckpoint*`` calls of :class:`pyvirt.drivers.qemu.driver.QemuDriver`."""

    vm_of: Any

    def _chk_of(self, chk: MomentHandle) -> tuple[DomainObj, Moment]:
        vm = self.vm_of(chk.domain)
        moment = checkpoints(self, vm).by_name.get(chk.name)
        if moment is None:
            raise report(C.VIR_ERR_NO_DOMAIN_CHECKPOINT,
                         f"no domain checkpoint with matching name '{chk.name}'", _FROM)
        return vm, moment

    def domainCheckpointCreateXML(self, dom: Any, xmlDesc: str,  # noqa: N802,N803
                                  flags: int) -> MomentHandle:
        """Create a checkpoint (bitmaps on every disk), or with REDEFINE record one."""
        # libvirt 9.0's QEMU driver takes no QUIESCE for checkpoints
        _check(flags, K.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE
               | K.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE, "qemuCheckpointCreateXML")
        vm = self.vm_of(dom)
        with vm.job_scope("checkpoint"):
            tree = checkpoints(self, vm)
            if flags & K.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE:
                cdef = ckptconf.DomainCheckpointDef.parse(xmlDesc)
                check_cycles(tree, cdef.name, cdef.parent_name, "checkpoint")
                old = tree.by_name.get(cdef.name)
                if old is not None:
                    old.def_ = cdef
                    tree.relink()
                    moment = old
                else:
                    moment = Moment(cdef)
                    tree.add(moment)
                _write(self, vm, moment)
                return MomentHandle(moment.name, dom)
            cdef = prepare(vm, xmlDesc)
            if cdef.name in tree.by_name:
                raise report(C.VIR_ERR_OPERATION_FAILED,
                             f"domain moment {cdef.name} already exists", C.VIR_FROM_DOMAIN)
            cdef.parent_name = tree.current.name if tree.current is not None else None
            actions = add_bitmap_actions(vm, cdef)
            if actions:
                domain.active_monitor(vm).execute("transaction", {"actions": actions})
            moment = record(self, vm, cdef)
        return MomentHandle(moment.name, dom)

    def domainCheckpointLookupByName(self, dom: Any, name: str,  # noqa: N802
                                     flags: int) -> MomentHandle:
        """The checkpoint named ``name``."""
        _check(flags, 0, "qemuDomainCheckpointLookupByName")
        return MomentHandle(self._chk_of(MomentHandle(name, dom))[1].name, dom)

    def domainListAllCheckpoints(self, dom: Any, flags: int) -> list[MomentHandle]:  # noqa: N802
        """Handles of the checkpoints ``flags`` select."""
        _check(flags, _LIST_FLAGS, "qemuDomainListAllCheckpoints")
        vm = self.vm_of(dom)
        with vm.lock:
            return [MomentHandle(m.name, dom) for m in select(
                checkpoints(self, vm), None, flags, K.VIR_DOMAIN_CHECKPOINT_LIST_ROOTS,
                K.VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL, checkpoint_filter)]

    def domainCheckpointListAllChildren(self, chk: MomentHandle,  # noqa: N802
                                        flags: int) -> list[MomentHandle]:
        """Handles of a checkpoint's children (or descendants)."""
        _check(flags, _CHILD_FLAGS, "qemuDomainCheckpointListAllChildren")
        vm, moment = self._chk_of(chk)
        with vm.lock:
            return [MomentHandle(m.name, chk.domain) for m in select(
                checkpoints(self, vm), moment, flags, K.VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS,
                K.VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL, checkpoint_filter)]

    def domainCheckpointGetParent(self, chk: MomentHandle, flags: int) -> MomentHandle:  # noqa: N802
        """The parent of a checkpoint."""
        _check(flags, 0, "qemuDomainCheckpointGetParent")
        _vm, moment = self._chk_of(chk)
        if moment.def_.parent_name is None:
            raise report(C.VIR_ERR_NO_DOMAIN_CHECKPOINT,
                         f"checkpoint '{moment.name}' does not have a parent", _FROM)
        return MomentHandle(moment.def_.parent_name, chk.domain)

    def domainCheckpointGetXMLDesc(self, chk: MomentHandle, flags: int) -> str:  # noqa: N802
        """The checkpoint's XML; with SIZE, each bitmap's dirty bytes now."""
        _check(flags, K.VIR_DOMAIN_CHECKPOINT_XML_SECURE | K.VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN
               | K.VIR_DOMAIN_CHECKPOINT_XML_SIZE, "qemuDomainCheckpointGetXMLDesc")
        vm, moment = self._chk_of(chk)
        cdef = moment.def_
        if flags & K.VIR_DOMAIN_CHECKPOINT_XML_SIZE:
            if not vm.is_active():
                raise report(C.VIR_ERR_OPERATION_INVALID, "domain is not running", _FROM)
            mon = domain.active_monitor(vm)
            by_target = {d.target: (address.format_node(vm.blockdev[d.alias]), b)
                         for d, b in bitmap_disks(vm, cdef)}
            for item in cdef.disks:
                key = by_target.get(item.name)
                item.size = _merged_size(mon, *key) if key is not None else None
        with vm.lock:
            return cdef.format_flags(flags)

    def domainCheckpointDelete(self, chk: MomentHandle, flags: int) -> int:  # noqa: N802
        """Delete a checkpoint and/or its descendants, and their bitmaps."""
        _check(flags, _DELETE_FLAGS, "qemuDomainCheckpointDelete")
        vm = self.vm_of(chk.domain)
        with vm.job_scope("checkpoint-delete"):
            _vm, moment = self._chk_of(chk)
            tree = checkpoints(self, vm)
            doomed = []
            if flags & (K.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN
                        | K.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY):
                doomed = moment.descendants()
            if not flags & K.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY:
                doomed.append(moment)
            if not flags & K.VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY:
                for item in doomed:
                    _remove_bitmaps(vm, item.def_)
            delete_moment(tree, moment, flags, K.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN,
                          K.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY)
            for item in doomed:
                store.forget(self.cfg, "checkpoint", vm.name, item.name)  # type: ignore[attr-defined]
            for item in tree.by_name.values():
                _write(self, vm, item)
        return 0


def _remove_bitmaps(vm: DomainObj, cdef: Any) -> None:
    if vm.is_active():
        mon = domain.active_monitor(vm)
        actions = [{"type": "block-dirty-bitmap-remove", "data": source}
                   for disk, bitmap in bitmap_disks(vm, cdef)
                   for source in bitmap_sources(mon, address.format_node(
                       vm.blockdev[disk.alias]), bitmap, writable=True)]
        if actions:
            mon.execute("transaction", {"actions": actions})
        for disk, bitmap in bitmap_disks(vm, cdef):
            _remove_below(mon, address.format_node(vm.blockdev[disk.alias]), bitmap)
        return
    for disk, bitmap in bitmap_disks(vm, cdef):
        path = command.disk_path(disk) or ""
        with contextlib.suppress(libvirtError):     # a bitmap already gone is fine
            snapjob.qemu_img("bitmap", "--remove", path, bitmap,
                             what=f"cannot remove bitmap '{bitmap}' of '{path}'")


def _remove_below(mon: Any, top: str, bitmap: str) -> None:
    """Remove ``bitmap`` from the read-only images below ``top`` (an external
    snapshot's backing files): each is reopened read-write for it and read-only
    again, as libvirt does.  Only images this driver opened (``libvirt-N-format``)
    whose backing link is known are reopened; another keeps its copy."""
    chain = chain_bitmaps(mon, top)
    nodes = {str(n.get("node-name")): n for n in mon.execute("query-named-block-nodes")}
    for i, (name, bitmaps, ro) in enumerate(chain):
        if not ro or not any(b.get("name") == bitmap for b in bitmaps):
            continue
        backing = chain[i + 1][0] if i + 1 < len(chain) else None
        from pyvirt.drivers.qemu.blockjob import node_index
        index = node_index(name)
        if index is None or (backing is None and nodes[name].get("backing_file")):
            log.warning("checkpoint bitmap '%s' stays in read-only node '%s'", bitmap, name)
            continue
        opts = {"driver": nodes[name].get("drv"), "node-name": name,
                "file": address.storage_node(index), "backing": backing, "read-only": False}
        try:
            mon.execute("blockdev-reopen", {"options": [opts]})
            try:
                mon.execute("block-dirty-bitmap-remove", {"node": name, "name": bitmap})
            finally:
                mon.execute("blockdev-reopen", {"options": [{**opts, "read-only": True}]})
        except libvirtError as exc:
            log.warning("cannot remove bitmap '%s' from read-only node '%s': %s", bitmap,
                        name, exc)


def undefine_check(drv: Any, vm: DomainObj, flags: int) -> None:
    """Undefine with checkpoints needs CHECKPOINTS_METADATA (which forgets them)."""
    tree = checkpoints(drv, vm)
    if not len(tree) or vm.is_active():
        return
    if not flags & C.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA:
        raise report(C.VIR_ERR_OPERATION_INVALID, f"cannot delete inactive domain with "
                     f"{len(tree)} checkpoints", _FROM)
    store.forget_all(drv.cfg, "checkpoint", vm.name, tree)
    with vm.lock:
        vm.checkpoints = None


__all__ = ["CheckpointAPI", "add_bitmap_actions", "bitmap_disks", "checkpoints", "prepare",
           "record", "undefine_check"]
