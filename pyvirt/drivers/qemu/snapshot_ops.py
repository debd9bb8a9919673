"""What snapshots do to a QEMU guest's disks and memory.

* **Internal** snapshots live inside qcow2 images.  Of a running guest, QEMU
  saves the disks and the memory and device state (``snapshot-save``; the
  vCPUs are paused around it, as libvirt does); of a shut-off guest,
  ``qemu-img snapshot -c`` writes each disk's.  Reverting loads them back
  (``snapshot-load`` into the running QEMU, ``-loadvm`` when it has to
  start, ``qemu-img snapshot -a`` for a shut-off snapshot).
* **External** disk-only snapshots put a new qcow2 overlay on each disk:
  the old image becomes the read-only backing file.  A running guest
  switches all its disks in one QMP ``transaction``; a shut-off one gets its
  overlays from ``qemu-img create`` and its definition updated.  Beyond
  libvirt 9.0, such a snapshot can be reverted to (new overlays on the
  snapshot's backing files; the guest restarts from its disks) and deleted
  (the overlay's data is committed down into its backing file, or the
  overlays that are no longer in use are removed).

:func:`prepare` fills in and checks the snapshot definition the way
libvirt's ``virDomainSnapshotAlignDisks`` and ``qemuSnapshotPrepare`` do.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt.conf.snapshot import (
    DomainSnapshotDef,
    SnapshotDisk,
    SnapshotLocation,
    SnapshotState,
)
from pyvirt.conf.xmlutil import E
from pyvirt.drivers.qemu import address, checkpoint, command, domain, snapjob
from pyvirt.drivers.qemu import status as st
from pyvirt.drivers.qemu.domobj import state_name
from pyvirt.errors import libvirtError, report

if TYPE_CHECKING:
    from pyvirt.driver.moments import Moment, MomentList
    from pyvirt.drivers.qemu.domobj import DomainObj

_FROM = C.VIR_FROM_QEMU
log = logging.getLogger(__name__)
INTERNAL, EXTERNAL, NO = (SnapshotLocation.INTERNAL, SnapshotLocation.EXTERNAL,
                          SnapshotLocation.NO)


def _unsupported(message: str) -> libvirtError:
    return report(C.VIR_ERR_CONFIG_UNSUPPORTED, message, _FROM)


# --- prepare ---------------------------------------------------------------------------------

def _default_file(path: str, name: str) -> str:
    """libvirt's default overlay name: the image's suffix replaced by the snapshot's name."""
    base, dot, _ext = path.rpartition(".")
    if dot and "/" not in _ext:
        return f"{base}.{name}"
    return f"{path}.{name}"


def prepare(drv: Any, vm: DomainObj, sdef: DomainSnapshotDef, flags: int) -> None:
    """Fill ``sdef``'s state, memory and disks from the domain and check them."""
    with vm.lock:
        active = vm.is_active()
        state = vm.state
        live = vm.def_
        inactive = vm.new_def if vm.new_def is not None else None
    disk_only = bool(flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)
    if flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_LIVE and (not active or disk_only):
        raise report(C.VIR_ERR_OPERATION_INVALID,
                     "live snapshot creation is supported only during full system snapshots",
                     _FROM)
    # libvirt: a disk-only snapshot of a shut-off guest is in state 'shutoff'
    sdef.state = (SnapshotState.DISK_SNAPSHOT if disk_only and active
                  else SnapshotState(state_name(state)))
    if disk_only or not active:
        if sdef.memory not in (None, NO):
            raise _unsupported("memory state cannot be saved with offline or disk-only "
                               "snapshot")
        sdef.memory = NO
    elif sdef.memory is None:
        sdef.memory = INTERNAL
    default = EXTERNAL if disk_only or sdef.memory is EXTERNAL else INTERNAL
    given = {d.name: d for d in sdef.disks}
    disks = []
    for disk in address.devices(live, "disk"):
        item = given.pop(disk.target, None) or SnapshotDisk(disk.target)
        path = command.disk_path(disk)
        if item.snapshot is None:
            item.snapshot = NO if disk.readonly or path is None else default
        if item.snapshot is not NO and active:
            snapjob.check_disk_idle(vm, disk.target)
        if item.snapshot is EXTERNAL:
            _fill_external(item, disk, path, sdef.name)
        disks.append(item)
    if given:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, f"no disk named '{next(iter(given))}'",
                     C.VIR_FROM_DOMAIN)
    sdef.disks = disks
    _check_locations(sdef, live, active, disk_only)
    secure = C.VIR_DOMAIN_XML_SECURE
    if active:
        sdef.domain_xml = live.format(flags=secure).rstrip("\n")
        if inactive is not None:
            sdef.inactive_domain_xml = inactive.format(
                flags=secure | C.VIR_DOMAIN_XML_INACTIVE).rstrip("\n")
    else:
        sdef.domain_xml = live.format(flags=secure | C.VIR_DOMAIN_XML_INACTIVE).rstrip("\n")


def _fill_external(item: SnapshotDisk, disk: Any, path: str | None, name: str) -> None:
    if path is None:
        raise _unsupported(f"cannot create external snapshot of empty disk '{disk.target}'")
    target = item.source_file or _default_file(path, name)
    fmt = item.driver_type or "qcow2"
    if fmt != "qcow2":
        raise _unsupported(f"external snapshot format for disk {disk.target} is unsupported: "
                           f"{fmt}")
    item.type = item.type or "file"
    item.children = [E("driver", {"type": fmt}), E("source", {"file": target})]


def _check_locations(sdef: DomainSnapshotDef, live: Any, active: bool, disk_only: bool) -> None:
    by_target = {d.target: d for d in address.devices(live, "disk")}
    internal = [d for d in sdef.disks if d.snapshot is INTERNAL]
    external = [d for d in sdef.disks if d.snapshot is EXTERNAL]
    if internal and (external or sdef.memory is EXTERNAL):
        raise _unsupported("mixing internal and external targets for a snapshot is not yet "
                           "supported")
    for item in internal:
        if active and disk_only:
            raise _unsupported(f"active qemu domains require external disk snapshots; disk "
                               f"{item.name} requested internal")
        fmt = command.disk_format(by_target[item.name])
        if fmt != "qcow2":
            raise _unsupported(f"internal snapshot for disk {item.name} unsupported for "
                               f"storage type {fmt}")
    if not internal and not external and sdef.memory in (NO, None):
        raise _unsupported("nothing selected for snapshot")


@contextlib.contextmanager
def quiesced(drv: Any, vm: DomainObj) -> Iterator[None]:
    """Freeze the guest's file systems through its agent for the body, thaw them after.

    As libvirt's: the agent's errors when there is none, it is not connected
    or the guest is paused; nothing to thaw when the agent froze nothing; a
    thaw that fails is the error only of a body that succeeded (the body's
    own error is worth more); no thaw once the guest is gone.
    """
    frozen = int(drv.agent_run(vm, "guest-fsfreeze-freeze"))
    try:
        yield
    except BaseException:
        if frozen and vm.is_active():
            with contextlib.suppress(libvirtError):
                drv.agent_run(vm, "guest-fsfreeze-thaw")
        raise
    if frozen and vm.is_active():
        drv.agent_run(vm, "guest-fsfreeze-thaw")


# --- helpers ---------------------------------------------------------------------------

def _disk(def_: Any, target: str) -> Any:
    for disk in address.devices(def_, "disk"):
        if disk.target == target:
            return disk
    raise report(C.VIR_ERR_OPERATION_INVALID, f"disk '{target}' is no longer in the domain",
                 _FROM)


def _nodes(vm: DomainObj, sdef: DomainSnapshotDef) -> list[str]:
    """Format node names of the running disks that hold ``sdef``'s internal snapshot."""
    nodes = []
    for item in sdef.disks:
        if item.snapshot is INTERNAL:
            disk = _disk(vm.def_, item.name)
            nodes.append(address.format_node(vm.blockdev[disk.alias]))
    return nodes


def _internal_paths(def_: Any, sdef: DomainSnapshotDef) -> list[str]:
    return [command.disk_path(_disk(def_, d.name)) or "" for d in sdef.disks
            if d.snapshot is INTERNAL]


def _halt(drv: Any, vm: DomainObj) -> None:
    domain.stop(drv, vm, C.VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT)
    domain.lifecycle(drv, vm, C.VIR_DOMAIN_EVENT_STOPPED, C.VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT)


# --- create ----------------------------------------------------------------------------------

def take(drv: Any, vm: DomainObj, sdef: DomainSnapshotDef, flags: int) -> None:
    """Make the snapshot ``prepare`` described; on failure nothing is left of it."""
    active = vm.is_active()
    if sdef.memory is EXTERNAL:
        _external_memory(drv, vm, sdef, flags)
    elif any(d.snapshot is EXTERNAL for d in sdef.disks):
        if active and flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE:
            with quiesced(drv, vm):
                _external_live(drv, vm, sdef, flags)
        elif active:
            _external_live(drv, vm, sdef, flags)
        else:
            _external_offline(drv, vm, sdef, flags)
    elif active:
        _internal_live(drv, vm, sdef)
    else:
        _internal_offline(vm, sdef)
    if flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_HALT and vm.is_active():
        _halt(drv, vm)


def _load_job(drv: Any, vm: DomainObj, sdef: DomainSnapshotDef) -> bool:
    """Pause a running guest (PAUSED_FROM_SNAPSHOT) and load ``sdef`` into it
    (QEMU's snapshot-load job, which leaves it paused); return whether the
    guest was running."""
    mon = domain.active_monitor(vm)
    nodes = _nodes(vm, sdef)
    with vm.lock:
        running = vm.state == C.VIR_DOMAIN_RUNNING
    if running:
        domain.suspend(drv, vm, C.VIR_DOMAIN_PAUSED_FROM_SNAPSHOT, save=False)
    snapjob.run_job(mon, "snapshot-load", {"tag": sdef.name, "vmstate": nodes[0],
                                           "devices": nodes},
                    f"snapshot-load of snapshot '{sdef.name}'", "snapshot-load")
    return running


def _internal_live(drv: Any, vm: DomainObj, sdef: DomainSnapshotDef) -> None:
    """QEMU's snapshot-save job of an active guest.  The job pauses a running
    guest itself for the save and lets it run again after it, failed or not
    (as HMP savevm, which libvirt 9.0 wraps in its own stop/cont): its STOP
    and RESUME events give the guest the states and events libvirt's pause
    gives it (PAUSED_SAVE, then RUNNING_UNPAUSED), without two round trips
    and a flush of every disk in the pause."""
    mon = domain.active_monitor(vm)
    nodes = _nodes(vm, sdef)
    with vm.lock:
        running = vm.state == C.VIR_DOMAIN_RUNNING
        if running:
            vm.paused_reason = C.VIR_DOMAIN_PAUSED_SAVE
            vm.running_reason = C.VIR_DOMAIN_RUNNING_UNPAUSED
    try:
        snapjob.run_job(mon, "snapshot-save", {"tag": sdef.name, "vmstate": nodes[0],
                                               "devices": nodes},
                        f"snapshot-save of snapshot '{sdef.name}'", "snapshot-save")
    finally:
        if running and vm.is_active():
            _running_again(drv, vm)


def _running_again(drv: Any, vm: DomainObj) -> None:
    """After a snapshot-save of a running guest: QEMU's events have made it
    RUNNING (their RESUME came before the job's end); if one was missed, ask
    QEMU and set the state it gives, with the events it would have brought."""
    with vm.lock:
        vm.paused_reason = None          # not consumed when the job paused nothing
        vm.running_reason = None
        settled = vm.state == C.VIR_DOMAIN_RUNNING
    if settled:
        return
    with contextlib.suppress(libvirtError):
        if domain.active_monitor(vm).execute("query-status").get("running"):
            with vm.lock:
                vm.set_state(C.VIR_DOMAIN_RUNNING, C.VIR_DOMAIN_RUNNING_UNPAUSED)
                domain.lifecycle(drv, vm, C.VIR_DOMAIN_EVENT_RESUMED,
                                 C.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED)
            st.save_status(drv.cfg, vm)


def _internal_offline(vm: DomainObj, sdef: DomainSnapshotDef) -> None:
    done: list[str] = []
    try:
        for path in _internal_paths(vm.def_, sdef):
            snapjob.qemu_img("snapshot", "-c", sdef.name, path,
                             what=f"cannot create internal snapshot of '{path}'")
            done.append(path)
    except libvirtError:
        for path in done:
            with contextlib.suppress(libvirtError):
                snapjob.qemu_img("snapshot", "-d", sdef.name, path, what="undo")
        raise


def _check_overlay(item: SnapshotDisk, overlay: str, reuse: bool) -> None:
    """libvirt's checks of an external snapshot's file: it must exist with
    REUSE_EXT, and must not without it."""
    if reuse:
        if not os.path.exists(overlay):
            raise report(C.VIR_ERR_OPERATION_INVALID, f"external snapshot file for "
                         f"disk {item.name} does not exist: '{overlay}'", _FROM)
    elif os.path.exists(overlay):
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, f"external snapshot file for disk "
                     f"{item.name} already exists and is not a block device: {overlay}", _FROM)


def _external_items(vm: DomainObj, sdef: DomainSnapshotDef) -> list[tuple[Any, Any, str]]:
    """[(snapshot disk, domain disk, overlay path)] of ``sdef``'s external disks."""
    return [(item, _disk(vm.def_, item.name), item.source_file or "")
            for item in sdef.disks if item.snapshot is EXTERNAL]


def _overlays(vm: DomainObj, sdef: DomainSnapshotDef, flags: int,
              undo: contextlib.ExitStack) -> list[tuple[Any, str, str]]:
    """Of a shut-off guest: create (or with REUSE_EXT, check) each external disk's
    overlay file with ``qemu-img``: [(disk, backing path, overlay path)]."""
    reuse = bool(flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT)
    out = []
    for item, disk, overlay in _external_items(vm, sdef):
        backing = command.disk_path(disk) or ""
        _check_overlay(item, overlay, reuse)
        if not reuse:
            size = str(snapjob.image_info(backing)["virtual-size"])
            snapjob.qemu_img("create", "-q", "-f", "qcow2", "-F", command.disk_format(disk),
                             "-b", backing, "-u", overlay, size,
                             what=f"cannot create overlay '{overlay}'")
            undo.callback(_unlink, overlay)
        out.append((disk, backing, overlay))
    return out


def _unlink(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _point_at(def_: Any, target: str, path: str) -> None:
    """Make disk ``target`` of ``def_`` a qcow2 image at ``path``."""
    if def_ is None:
        return
    for disk in address.devices(def_, "disk"):
        if disk.target == target:
            disk.source.file = path
            if disk.driver is not None:
                disk.driver.type = "qcow2"


def _external_offline(drv: Any, vm: DomainObj, sdef: DomainSnapshotDef, flags: int) -> None:
    with contextlib.ExitStack() as undo:
        made = _overlays(vm, sdef, flags, undo)
        new = vm.def_.copy()
        for disk, _backing, overlay in made:
            _point_at(new, disk.target, overlay)
        if vm.persistent:
            st.save_config(drv.cfg, new)
        with vm.lock:
            vm.def_ = new
        undo.pop_all()


def _external_live(drv: Any, vm: DomainObj, sdef: DomainSnapshotDef, flags: int) -> None:
    """New overlays on a running guest's disks, as libvirt makes them: QEMU
    formats each new file (a ``blockdev-create`` job on its file node) and
    one ``transaction`` switches every disk to its overlay."""
    mon = domain.active_monitor(vm)
    reuse = bool(flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT)
    with contextlib.ExitStack() as undo:
        nodes = snapjob.block_nodes(mon)
        next_index = snapjob.new_node_index(vm, mon, nodes)
        actions: list[dict] = []
        indexes: dict[str, int] = {}
        made: list[tuple[Any, str]] = []
        for item, disk, overlay in _external_items(vm, sdef):
            _check_overlay(item, overlay, reuse)
            index = next_index
            next_index += 1
            top = address.format_node(vm.blockdev[disk.alias])
            storage, fmt = address.storage_node(index), address.format_node(index)
            if not reuse:
                _new_file(overlay)
                undo.callback(_unlink, overlay)
            mon.execute("blockdev-add", {"driver": "file", "filename": overlay,
                                         "node-name": storage, "auto-read-only": True,
                                         "discard": "unmap"})
            undo.callback(_quiet_del, mon, storage)
            if not reuse:
                _format_overlay(mon, storage, overlay, disk, snapjob.node_size(nodes, top))
            mon.execute("blockdev-add", {"driver": "qcow2", "node-name": fmt,
                                         "file": storage, "backing": None})
            undo.callback(_quiet_del, mon, fmt)
            # checkpoints' bitmaps go on recording in the overlay, as libvirt's
            actions += checkpoint.propagate_actions(mon, top, fmt)
            actions.append({"type": "blockdev-snapshot", "data": {"node": top,
                                                                  "overlay": fmt}})
            indexes[disk.alias] = index
            made.append((disk, overlay))
        mon.execute("transaction", {"actions": actions})
        undo.pop_all()
    with vm.lock:
        vm.blockdev.update(indexes)
        for disk, overlay in made:
            _point_at(vm.def_, disk.target, overlay)
            _point_at(vm.new_def, disk.target, overlay)
    st.save_status(drv.cfg, vm)
    if vm.persistent and vm.new_def is not None:
        st.save_config(drv.cfg, vm.new_def)


def _new_file(path: str) -> None:
    """Create the empty file ``path`` (it must not exist) for QEMU to format."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644))
    except OSError as exc:
        raise report(C.VIR_ERR_OPERATION_FAILED, f"cannot create overlay '{path}': "
                     f"{exc.strerror}", _FROM) from exc


def _format_overlay(mon: Any, storage: str, overlay: str, disk: Any, size: int | None) -> None:
    """Make the empty file behind node ``storage`` a qcow2 image of ``size`` bytes
    backed by ``disk``'s image (QEMU's ``blockdev-create`` job)."""
    backing = command.disk_path(disk) or ""
    if size is None:            # QEMU did not say: the image itself does
        size = int(snapjob.image_info(backing)["virtual-size"])
    snapjob.run_job(mon, "blockdev-create", {"options": {
        "driver": "qcow2", "file": storage, "size": size, "backing-file": backing,
        "backing-fmt": command.disk_format(disk)}},
        f"creation of overlay '{overlay}'", "create")


def _external_memory(drv: Any, vm: DomainObj, sdef: DomainSnapshotDef, flags: int) -> None:
    """Memory and disks of a running guest: pause, new overlays on the disks, the
    memory written through the durable save path, resume.  If the memory cannot
    be written (a full disk ...), the overlays are merged back and removed, no
    memory file is left (an older one stays as it was) and the guest runs on."""
    from pyvirt.drivers.qemu import save
    mon = domain.active_monitor(vm)
    path = os.path.abspath(sdef.memory_file or "")
    with vm.lock:
        running = vm.state == C.VIR_DOMAIN_RUNNING
        xml = save.image_xml(vm, None)
        memory = (vm.def_.memory or 0) * 1024
    if running:
        domain.suspend(drv, vm, C.VIR_DOMAIN_PAUSED_SNAPSHOT)
    overlays = False
    try:
        if any(d.snapshot is EXTERNAL for d in sdef.disks):
            _external_live(drv, vm, sdef, flags)
            overlays = True
        save.write_image(drv, vm, mon, path, xml, memory, running, None,
                         operation=C.VIR_DOMAIN_JOB_OPERATION_SNAPSHOT)
    except libvirtError:
        if overlays:
            try:
                _delete_external(drv, vm, sdef)
            except libvirtError as exc:
                log.warning("%s: cannot undo the overlays of snapshot '%s': %s", vm.name,
                            sdef.name, exc)
        if running and vm.is_active():
            domain.resume(drv, vm)
        raise
    sdef.memory_file = path
    if running and not flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_HALT:
        domain.resume(drv, vm)


def _quiet_del(mon: Any, node: str) -> None:
    with contextlib.suppress(libvirtError):
        mon.execute("blockdev-del", {"node-name": node})


# --- revert ------------------------------------------------------------------------------

def _want_running(sdef: DomainSnapshotDef, flags: int) -> bool:
    if flags & C.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING:
        return True
    if flags & C.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED:
        return False
    return sdef.state is SnapshotState.RUNNING


def _check_revert(vm: DomainObj, sdef: DomainSnapshotDef, flags: int) -> None:
    start = C.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING | C.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED
    offline = sdef.state in (SnapshotState.SHUTOFF, SnapshotState.DISK_SNAPSHOT)
    if not vm.persistent and offline and not flags & start:
        raise report(C.VIR_ERR_OPERATION_INVALID, "transient domain needs to request run or "
                     "pause to revert to inactive snapshot", _FROM)
    mon = vm.mon
    if vm.is_active() and mon is not None and snapjob.block_jobs(mon):
        raise report(C.VIR_ERR_OPERATION_INVALID, "domain has active block job", _FROM)


def revert_internal(drv: Any, vm: DomainObj, moment: Moment, flags: int) -> None:
    """Revert to an internal snapshot (memory too when it has memory)."""
    sdef = moment.def_
    _check_revert(vm, sdef, flags)
    running = _want_running(sdef, flags)
    if sdef.state in (SnapshotState.RUNNING, SnapshotState.PAUSED):
        if vm.is_active():
            _load_job(drv, vm, sdef)
            if running:
                domain.resume(drv, vm, C.VIR_DOMAIN_RUNNING_FROM_SNAPSHOT, save=False)
            else:
                with vm.lock:
                    vm.set_state(C.VIR_DOMAIN_PAUSED, C.VIR_DOMAIN_PAUSED_FROM_SNAPSHOT)
                st.save_status(drv.cfg, vm)
        else:
            domain.start(drv, vm, 0 if running else C.VIR_DOMAIN_START_PAUSED,
                         loadvm=sdef.name)
        return
    if vm.is_active():
        _halt(drv, vm)
    for path in _internal_paths(vm.def_, sdef):
        snapjob.qemu_img("snapshot", "-a", sdef.name, path,
                         what=f"cannot revert '{path}' to snapshot '{sdef.name}'")
    if flags & (C.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING | C.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED):
        domain.start(drv, vm, 0 if running else C.VIR_DOMAIN_START_PAUSED)


def revert_external(drv: Any, vm: DomainObj, moment: Moment, flags: int) -> None:
    """Revert to an external snapshot (beyond libvirt 9.0).

    The snapshot's overlays hold what was written after it; its backing files
    are the disks as they were.  The guest is stopped and each disk gets a
    fresh overlay on the snapshot's backing file (the later overlays stay, for
    the snapshots made on them).  A snapshot with memory then starts from its
    memory file (running or paused as it was, or as the flags say); a
    disk-only one starts with --running or --paused.
    """
    sdef = moment.def_
    _check_revert(vm, sdef, flags)
    if vm.is_active():
        _halt(drv, vm)
    new = vm.def_.copy()
    made: list[str] = []
    try:
        for item in sdef.disks:
            if item.snapshot is not EXTERNAL:
                continue
            backing = _backing_of(item.source_file or "")
            fresh = f"{item.source_file}.revert-{_stamp()}"
            disk = _disk(new, item.name)
            fmt = snapjob.image_info(backing).get("format", "qcow2")
            size = str(snapjob.image_info(backing)["virtual-size"])
            snapjob.qemu_img("create", "-q", "-f", "qcow2", "-F", fmt, "-b", backing, "-u",
                             fresh, size, what=f"cannot create overlay '{fresh}'")
            made.append(fresh)
            _point_at(new, disk.target, fresh)
        if vm.persistent:
            st.save_config(drv.cfg, new)
    except libvirtError:
        for path in made:
            _unlink(path)
        raise
    with vm.lock:
        vm.def_ = new
    if sdef.memory is EXTERNAL and sdef.memory_file:
        from pyvirt.drivers.qemu import save
        start = C.VIR_DOMAIN_SAVE_PAUSED if not _want_running(sdef, flags) \
            else C.VIR_DOMAIN_SAVE_RUNNING
        save.start_from_image(drv, vm, sdef.memory_file, new, start)
    elif flags & (C.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING | C.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED):
        domain.start(drv, vm, C.VIR_DOMAIN_START_PAUSED
                     if flags & C.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED else 0)


def _stamp() -> str:
    import time
    return str(int(time.time() * 1000))


def _backing_of(path: str) -> str:
    info = snapjob.image_info(path)
    backing = info.get("full-backing-filename") or info.get("backing-filename")
    if not backing:
        raise report(C.VIR_ERR_OPERATION_INVALID,
                     f"overlay '{path}' has no backing file to revert to", _FROM)
    return str(backing)


# --- delete ----------------------------------------------------------------------------------

def check_delete(drv: Any, vm: DomainObj, tree: MomentList, doomed: list[Moment]) -> None:
    """libvirt 9.0's checks before deleting snapshot data of a running guest: an
    internal snapshot must still be in the images the disks use now; an
    external one is merged by a block job, which cannot run beside another."""
    from pyvirt.driver.moments import is_external
    mon = vm.mon
    if not vm.is_active() or mon is None:
        return
    for moment in doomed:
        sdef = moment.def_
        if is_external(sdef):
            if snapjob.block_jobs(mon):
                raise report(C.VIR_ERR_OPERATION_UNSUPPORTED, "cannot delete external "
                             "snapshots when there is another active block job", _FROM)
            continue
        then = _snapshot_paths(sdef)
        for item in sdef.disks:
            if item.snapshot is INTERNAL and item.name in then and \
                    command.disk_path(_disk(vm.def_, item.name)) != then[item.name]:
                raise report(C.VIR_ERR_OPERATION_UNSUPPORTED, f"disk image '{item.name}' "
                             f"for internal snapshot '{sdef.name}' is not the same as disk "
                             "image currently used by VM", _FROM)


def _snapshot_paths(sdef: DomainSnapshotDef) -> dict[str, str]:
    """{target: source path} of the disks in the domain a snapshot recorded."""
    if not sdef.domain_xml:
        return {}
    from pyvirt.conf.domain import DomainDef
    then = DomainDef.parse(sdef.domain_xml)
    return {d.target: command.disk_path(d) or "" for d in address.devices(then, "disk")}


def delete_data(drv: Any, vm: DomainObj, moment: Moment) -> None:
    """Remove the data of one snapshot: its internal snapshots, or for an
    external one, merge its overlay away (see :func:`_delete_external`)."""
    sdef = moment.def_
    internal = [d for d in sdef.disks if d.snapshot is INTERNAL]
    if internal:
        if vm.is_active():
            mon = domain.active_monitor(vm)
            nodes = _nodes(vm, sdef)
            snapjob.run_job(mon, "snapshot-delete", {"tag": sdef.name, "devices": nodes},
                            f"delete of snapshot '{sdef.name}'", "snapdel")
        else:
            for path in _internal_paths(vm.def_, sdef):
                if sdef.name in snapjob.image_snapshots(path):
                    snapjob.qemu_img("snapshot", "-d", sdef.name, path,
                                     what=f"cannot delete snapshot '{sdef.name}' of '{path}'")
        return
    _delete_external(drv, vm, sdef)


def _delete_external(drv: Any, vm: DomainObj, sdef: DomainSnapshotDef) -> None:
    """An external snapshot's overlay is merged into its backing file when the
    disk still runs on that overlay (block commit, pivoting back to the
    backing file); an overlay no longer in use is left as the user's file."""
    for item in sdef.disks:
        if item.snapshot is not EXTERNAL or not item.source_file:
            continue
        disk = _disk(vm.def_, item.name)
        if command.disk_path(disk) != item.source_file:
            continue
        backing = _backing_of(item.source_file)
        if vm.is_active():
            mon = domain.active_monitor(vm)
            top = address.format_node(vm.blockdev[disk.alias])
            jid = snapjob.job_id("commit")
            # into the overlay's own backing file, not the bottom of a longer chain
            mon.execute("block-commit", {"job-id": jid, "device": top, "top-node": top,
                                         "base": backing, "auto-finalize": True,
                                         "auto-dismiss": False})
            snapjob.wait_block_job(mon, jid, f"commit of '{item.source_file}'", complete=True)
            base = _top_index(mon, disk.alias)
            if base is not None and base != vm.blockdev[disk.alias]:
                _quiet_del(mon, top)
                _quiet_del(mon, address.storage_node(vm.blockdev[disk.alias]))
            with vm.lock:
                if base is not None:
                    vm.blockdev[disk.alias] = base
                _point_at(vm.def_, disk.target, backing)
                _point_at(vm.new_def, disk.target, backing)
            st.save_status(drv.cfg, vm)
        else:
            snapjob.qemu_img("commit", "-q", item.source_file,
                             what=f"cannot commit '{item.source_file}'")
            _point_at(vm.def_, disk.target, backing)
        if vm.persistent:
            st.save_config(drv.cfg, vm.persistent_def())
        _unlink(item.source_file)


def _top_index(mon: Any, alias: str) -> int | None:
    """The node index (libvirt-N-format) disk ``alias`` runs on now (``query-block``)."""
    for blk in mon.execute("query-block"):
        qdev = str(blk.get("qdev", ""))
        if qdev != alias and f"/{alias}/" not in qdev:
            continue
        node = str((blk.get("inserted") or {}).get("node-name", ""))
        parts = node.split("-")
        if len(parts) == 3 and parts[0] == "libvirt" and parts[1].isdigit():
            return int(parts[1])
    return None
