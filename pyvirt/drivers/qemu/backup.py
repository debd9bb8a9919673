"""Backups of running QEMU guests (libvirt's virDomainBackupBegin).

Push mode: a ``blockdev-backup`` job per disk copies it into a new target
image (``sync=full``, or ``sync=incremental`` with a bitmap made from the
checkpoint the backup starts from, so only the clusters written since are
copied).  Pull mode: each disk gets a scratch qcow2 image whose backing is
the disk, a ``blockdev-backup sync=none`` keeps there the old data the
guest overwrites, and the scratch node is exported read-only over NBD
(``nbd-server-start``, ``block-export-add``) until the job is aborted.

All the jobs start in one QMP ``transaction``, with the bitmaps of a
checkpoint created at the same instant when one is asked for.  A watcher
thread follows the jobs: at the end it removes the backup's block nodes,
temporary bitmaps and scratch files (and the targets it created, when the
backup failed or was aborted), and emits ``VIR_DOMAIN_EVENT_ID_JOB_COMPLETED``.
What a backup created is listed in ``{state_dir}/NAME.backup.json`` so that a
process started after one killed during a backup cleans up before the next.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt import errors as _errors
from pyvirt.errors import libvirtError, report
from pyvirt.util.fileutil import atomic_write, remove_durably
from pyvirt.util.lazy import lazy_module

if TYPE_CHECKING:
    from pyvirt.conf.backup import BackupDisk, DomainBackupDef
    from pyvirt.drivers.qemu import address, command, domain, snapjob
    from pyvirt.drivers.qemu.domobj import DomainObj
else:
    address = lazy_module("pyvirt.drivers.qemu.address", globals())
    command = lazy_module("pyvirt.drivers.qemu.command", globals())
    domain = lazy_module("pyvirt.drivers.qemu.domain", globals())
    snapjob = lazy_module("pyvirt.drivers.qemu.snapjob", globals())

_FROM = C.VIR_FROM_QEMU
log = logging.getLogger(__name__)
# How often a backup's watcher reads query-jobs when no job event woke it.
_POLL = 0.5
_PREFIX = "pyvirt-backup-"


def _record_path(drv: Any, vm: DomainObj) -> str:
    return os.path.join(drv.cfg.state_dir, f"{vm.name}.backup.json")


def _node(index: int, layer: str) -> str:
    """A backup target's node name, as libvirt's: libvirt-N-storage / libvirt-N-format."""
    return f"libvirt-{index}-{layer}"


class BackupJob:
    """A backup in progress: what ``jobInfo`` reports and ``abortJob`` stops."""

    kind = "backup"

    def __init__(self, drv: Any, vm: DomainObj, bdef: DomainBackupDef,
                 disks: list[tuple[Any, BackupDisk]]) -> None:
        self.drv, self.vm, self.bdef, self.disks = drv, vm, bdef, disks
        self.mon = domain.active_monitor(vm)
        self.started = time.monotonic()
        self.aborted = False
        self.pull = bdef.mode.value == "pull"
        self.jobs = [_PREFIX + d.alias for d, _b in disks]
        self.nodes: list[str] = []
        self.bitmaps: list[tuple[str, str]] = []
        self.created: list[str] = []             # target files made here
        self.scratch: list[str] = []
        self.nbd = False
        self.tls = False                         # the TLS credentials object was added
        self.done = threading.Event()
        self.held = False
        self.final: dict[str, Any] = {}

    # --- progress ---------------------------------------------------------------
    def _progress(self) -> tuple[int, int]:
        total = done = 0
        with contextlib.suppress(libvirtError):
            for job in self.mon.execute("query-jobs"):
                if job.get("id") in self.jobs:
                    total += int(job.get("total-progress", 0))
                    done += int(job.get("current-progress", 0))
        return total, done

    def _counters(self, total: int, done: int) -> dict[str, Any]:
        """libvirt's keys for the bytes a backup moved: copied to the targets (push),
        or kept in the scratch files (pull)."""
        elapsed = int((time.monotonic() - self.started) * 1000)
        out: dict[str, Any] = {"operation": C.VIR_DOMAIN_JOB_OPERATION_BACKUP,
                               "time_elapsed": elapsed}
        if self.pull:
            out.update(disk_temp_used=done, disk_temp_total=total)
        else:
            out.update(disk_total=total, disk_processed=done,
                       disk_remaining=max(total - done, 0))
        return out

    def stats(self) -> dict[str, Any]:
        """libvirt's job statistics of the running backup."""
        if self.final:
            return {"type": self.final["type"], **self.final}
        return {"type": C.VIR_DOMAIN_JOB_UNBOUNDED, **self._counters(*self._progress())}

    def abort(self) -> None:
        """Cancel the jobs; the watcher then cleans up (and for pull mode, ends it)."""
        self.aborted = True
        for jid in self.jobs:
            with contextlib.suppress(libvirtError):
                self.mon.execute("job-cancel", {"id": jid})
        self.done.wait(30)

    # --- the end --------------------------------------------------------------------
    def watch(self) -> None:
        """Follow the jobs to their end, then clean up (watcher thread)."""
        error = None
        try:
            with snapjob.woken_by(self.jobs) as changed:
                while True:
                    changed.clear()     # a change from now on ends the wait below
                    states = {}
                    for job in self.mon.execute("query-jobs"):
                        if job.get("id") in self.jobs:
                            states[job["id"]] = job
                    if all(j.get("status") in ("concluded", "null")
                           for j in states.values()):
                        errors = [j.get("error") for j in states.values() if j.get("error")]
                        error = errors[0] if errors else None
                        break
                    changed.wait(_POLL)
        except libvirtError as exc:
            error = str(exc)
            if self.mon.closed:
                # the driver let go of the guest (process exit): the backup goes
                # on in QEMU and the next process on the root cleans it up
                self.done.set()
                return
        # as libvirt: a pull backup ends by being stopped, so only a failure is not
        # a completion; a push backup stopped before its end is cancelled
        failed = error is not None and not self.aborted
        outcome = (C.VIR_DOMAIN_JOB_FAILED if failed else C.VIR_DOMAIN_JOB_CANCELLED
                if self.aborted and not self.pull else C.VIR_DOMAIN_JOB_COMPLETED)
        final = self._counters(*self._progress())
        final["success"] = outcome == C.VIR_DOMAIN_JOB_COMPLETED
        if error:
            final["errmsg"] = str(error)
        if failed:
            log.warning("%s: backup failed: %s", self.vm.name, error)
        self.cleanup(failed=outcome != C.VIR_DOMAIN_JOB_COMPLETED)
        self.final = {"type": outcome, **final}
        from pyvirt.drivers.qemu import jobdone
        jobdone.record(self.drv.cfg, self.vm, self.final)
        with self.vm.lock:
            if self.vm.async_job is self:
                self.vm.async_job = None
        self.drv.emit(self.vm, C.VIR_DOMAIN_EVENT_ID_JOB_COMPLETED, final)
        self.done.set()
        self.release()

    def hold(self) -> None:
        """Keep the driver started while the backup runs, even when its last
        connection closes (pyvirtd between two virsh commands), as libvirtd keeps
        its QEMU driver: the next client finds the backup and can abort it."""
        from pyvirt.drivers.qemu import driver
        driver.open_driver(self.drv.cfg)
        self.held = True

    def release(self) -> None:
        """Let go of the driver :meth:`hold` kept (it shuts down if it was the last)."""
        if self.held:
            self.held = False
            from pyvirt.drivers.qemu import driver
            driver.close_driver(self.drv)

    def cleanup(self, failed: bool) -> None:
        """Remove the backup's jobs, nodes, bitmaps, NBD server and scratch files."""
        mon = self.mon
        for jid in self.jobs:
            with contextlib.suppress(libvirtError):
                mon.execute("job-dismiss", {"id": jid})
        if self.nbd:
            with contextlib.suppress(libvirtError):
                mon.execute("nbd-server-stop")
        if self.tls:
            with contextlib.suppress(libvirtError):
                mon.execute("object-del", {"id": TLS_OBJECT})
        for node in reversed(self.nodes):
            with contextlib.suppress(libvirtError):
                mon.execute("blockdev-del", {"node-name": node})
        for node, name in self.bitmaps:
            with contextlib.suppress(libvirtError):
                mon.execute("block-dirty-bitmap-remove", {"node": node, "name": name})
        for path in self.scratch + (self.created if failed else []):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
        remove_durably(_record_path(self.drv, self.vm))


# --- begin ------------------------------------------------------------------------------

def _align(vm: DomainObj, bdef: DomainBackupDef) -> list[tuple[Any, BackupDisk]]:
    """Every disk of the domain in ``bdef`` (libvirt's defaults), and those backed up."""
    from pyvirt.conf.backup import BackupDisk
    given = {d.name: d for d in bdef.disks}
    out, disks = [], []
    stamp = str(int(time.time()))
    for disk in address.devices(vm.def_, "disk"):
        item = given.pop(disk.target, None) or BackupDisk(disk.target)
        path = command.disk_path(disk)
        if item.backup is None:
            item.backup = "no" if disk.readonly or path is None else "yes"
        if item.enabled:
            if snapjob.disk_job(vm, disk.target) is not None:   # libvirt's words for it
                raise report(C.VIR_ERR_INTERNAL_ERROR,
                             f"disk '{disk.target}' has a blockjob assigned", _FROM)
            if path is None or disk.alias not in vm.blockdev:
                raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                             f"cannot back up empty disk '{disk.target}'", _FROM)
            item.type = item.type or "file"
            item.driver_type = item.driver_type or "qcow2"
            item.backupmode = "incremental" if bdef.incremental else "full"
            item.incremental = bdef.incremental
            if bdef.mode.value == "push":
                item.path = item.path or f"{path}.{stamp}"
            else:
                item.exportname = item.exportname or disk.target
                if bdef.incremental:
                    item.exportbitmap = item.exportbitmap or f"backup-{disk.target}"
                item.path = item.path or os.path.join(vm.domain_dir or "",
                                                      f"{disk.target}.scratch")
            out.append((disk, item))
        disks.append(item)
    if given:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, f"no disk named '{next(iter(given))}'",
                     C.VIR_FROM_DOMAIN)
    if not out:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, "no disks selected for backup", _FROM)
    bdef.disks = disks
    return out


def cleanup_leftovers(drv: Any, vm: DomainObj, mon: Any) -> None:
    """Undo what a backup of a process that died left in QEMU and on disk."""
    path = _record_path(drv, vm)
    try:
        with open(path) as f:
            record = json.load(f)
    except (OSError, ValueError):
        record = None
    with contextlib.suppress(libvirtError):
        for job in mon.execute("query-jobs"):
            jid = str(job.get("id", ""))
            if jid.startswith(_PREFIX):
                with contextlib.suppress(libvirtError):
                    mon.execute("job-cancel", {"id": jid})
                snapjob.wait_job(mon, jid, "cancel of an old backup", 30)
    if record is None:
        return
    nodes = record.get("nodes", [])
    with contextlib.suppress(libvirtError):
        mon.execute("nbd-server-stop")
    with contextlib.suppress(libvirtError):
        mon.execute("object-del", {"id": TLS_OBJECT})
    for node in sorted(nodes, key=lambda n: n.endswith("-storage")):   # formats first
        with contextlib.suppress(libvirtError):
            mon.execute("blockdev-del", {"node-name": node})
    for node, name in record.get("bitmaps", []):
        with contextlib.suppress(libvirtError):
            mon.execute("block-dirty-bitmap-remove", {"node": node, "name": name})
    for leftover in record.get("scratch", []) + record.get("created", []):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(leftover)
    remove_durably(path)


def _save_record(drv: Any, job: BackupJob) -> None:
    atomic_write(_record_path(drv, job.vm), json.dumps({
        "nodes": job.nodes, "bitmaps": job.bitmaps, "created": job.created,
        "scratch": job.scratch}), 0o600)


def begin(drv: Any, vm: DomainObj, backup_xml: str, checkpoint_xml: str | None,
          flags: int) -> None:
    """Start a backup (see the module docstring); returns once the jobs run."""
    from pyvirt.conf.backup import DomainBackupDef
    from pyvirt.drivers.qemu import checkpoint
    _errors.check_flags(flags, C.VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL,
                        "qemuDomainBackupBegin", _FROM)
    bdef = DomainBackupDef.parse(backup_xml)
    with vm.job_scope("backup"):
        snapjob.wait_async_job(vm)              # another backup, a save
        mon = domain.active_monitor(vm)
        cleanup_leftovers(drv, vm, mon)
        tree = checkpoint.checkpoints(drv, vm)
        if bdef.incremental and bdef.incremental not in tree.by_name:
            raise report(C.VIR_ERR_NO_DOMAIN_CHECKPOINT, f"no domain checkpoint with "
                         f"matching name '{bdef.incremental}'", _FROM)
        cdef = checkpoint.prepare(vm, checkpoint_xml) if checkpoint_xml else None
        if cdef is not None and cdef.name in tree.by_name:
            raise report(C.VIR_ERR_OPERATION_FAILED,
                         f"domain moment {cdef.name} already exists", C.VIR_FROM_DOMAIN)
        disks = _align(vm, bdef)
        job = BackupJob(drv, vm, bdef, disks)
        try:
            actions = _prepare_disks(job, flags)
            if cdef is not None:
                cdef.parent_name = tree.current.name if tree.current is not None else None
                actions += checkpoint.add_bitmap_actions(vm, cdef)
            _save_record(drv, job)
            if job.pull:
                _start_nbd(job)
            mon.execute("transaction", {"actions": actions})
            if job.pull:
                _exports(job)
        except BaseException:
            job.cleanup(failed=True)
            raise
        if cdef is not None:
            checkpoint.record(drv, vm, cdef)
        with vm.lock:
            vm.async_job = job
        job.hold()
        threading.Thread(target=job.watch, name=f"pyvirt-backup-{vm.name}",
                         daemon=True).start()


def _prepare_disks(job: BackupJob, flags: int) -> list[dict]:
    """Create the targets (or scratch files) and their nodes; return the job actions."""
    mon, vm = job.mon, job.vm
    actions: list[dict] = []
    nodes = snapjob.block_nodes(mon)
    next_index = snapjob.new_node_index(vm, mon, nodes)
    for disk, item in job.disks:
        index = next_index
        next_index += 1
        item.index = str(index)
        src = address.format_node(vm.blockdev[disk.alias])
        path = item.path or ""
        size = str(snapjob.node_size(nodes, src)
                   or snapjob.image_info(command.disk_path(disk) or "")["virtual-size"])
        if not job.pull and flags & C.VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL:
            if not os.path.exists(path):
                raise report(C.VIR_ERR_INVALID_ARG, f"backup target '{path}' does not exist",
                             _FROM)
        else:
            if os.path.exists(path):
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             f"backup target or scratch file '{path}' already exists", _FROM)
            fmt = item.driver_type if not job.pull else "qcow2"
            snapjob.qemu_img("create", "-q", "-f", fmt or "qcow2", path, size,
                             what=f"cannot create backup file '{path}'")
            (job.scratch if job.pull else job.created).append(path)
        storage, top = _node(index, "storage"), _node(index, "format")
        _add_file_node(mon, path, storage, direct=not job.pull)
        job.nodes.append(storage)
        fmt_node: dict[str, Any] = {"driver": item.driver_type if not job.pull else "qcow2",
                                    "node-name": top, "file": storage}
        if job.pull:
            fmt_node["backing"] = src
        mon.execute("blockdev-add", fmt_node)
        job.nodes.append(top)
        data: dict[str, Any] = {"job-id": _PREFIX + disk.alias, "device": src, "target": top,
                                "sync": "none" if job.pull else "full",
                                "auto-finalize": True, "auto-dismiss": False}
        if item.incremental:
            tmp = f"backup-{disk.target}"
            mon.execute("block-dirty-bitmap-add", {"node": src, "name": tmp,
                                                   "persistent": False, "disabled": True})
            job.bitmaps.append((src, tmp))
            from pyvirt.drivers.qemu import checkpoint
            sources = checkpoint.bitmap_sources(mon, src, item.incremental)
            if not sources:
                raise report(C.VIR_ERR_NO_DOMAIN_CHECKPOINT, f"Checkpoint "
                             f"'{item.incremental}' for incremental backup of disk "
                             f"'{disk.target}' not found", _FROM)
            mon.execute("block-dirty-bitmap-merge", {"node": src, "target": tmp,
                                                     "bitmaps": sources})
            if not job.pull:
                data.update(sync="incremental", bitmap=tmp)
        actions.append({"type": "blockdev-backup", "data": data})
    return actions


def _add_file_node(mon: Any, path: str, node: str, direct: bool) -> None:
    """The file node of a backup target (or scratch file).

    A push target is written with O_DIRECT (``cache.direct``), beyond libvirt
    9.0, which writes it through the page cache: the copy then costs no page
    cache and no big flush at the end, and is as durable (QEMU still flushes
    the file when the job closes it).  On this project's 2-core test VMs a
    1 GiB backup job ran 3-4 times faster so (bench/snapshots.py, under load).
    A file system without O_DIRECT (tmpfs) gets the page cache, as libvirt's."""
    args = {"driver": "file", "filename": path, "node-name": node, "auto-read-only": True,
            "discard": "unmap"}
    if direct:
        try:
            mon.execute("blockdev-add", {**args, "cache": {"direct": True}})
            return
        except libvirtError as exc:
            log.debug("%s: no O_DIRECT (%s), through the page cache", path, exc)
    mon.execute("blockdev-add", args)


# The id of the NBD server's TLS credentials object, libvirt's name for it.
TLS_OBJECT = "objlibvirt_backup_tls0"


def tls_settings(cfg: Any) -> tuple[str, bool]:
    """(certificate directory, verify clients) of TLS backups, from qemu.conf next
    to the driver's config dir, as libvirt reads them: ``backup_tls_x509_cert_dir``
    (else /etc/pki/libvirt-backup if it exists, else ``default_tls_x509_cert_dir``,
    /etc/pki/qemu) and ``backup_tls_x509_verify`` (else ``default_tls_x509_verify``,
    on)."""
    from pyvirt.daemon.config import parse_text
    path = os.path.join(os.path.dirname(cfg.config_dir), "qemu.conf")
    try:
        with open(path) as f:
            conf = parse_text(f.read(), path)
    except FileNotFoundError:
        conf = {}
    except (OSError, ValueError) as exc:
        raise report(C.VIR_ERR_CONF_SYNTAX, str(exc), _FROM) from exc
    default_dir = str(conf.get("default_tls_x509_cert_dir", "/etc/pki/qemu"))
    certdir = conf.get("backup_tls_x509_cert_dir")
    if certdir is None:
        certdir = ("/etc/pki/libvirt-backup" if os.path.isdir("/etc/pki/libvirt-backup")
                   else default_dir)
    elif not os.path.isdir(str(certdir)):
        raise report(C.VIR_ERR_CONF_SYNTAX, f"backup_tls_x509_cert_dir directory "
                     f"'{certdir}' does not exist", _FROM)
    verify = conf.get("backup_tls_x509_verify", conf.get("default_tls_x509_verify", 1))
    return str(certdir), bool(verify)


def _start_nbd(job: BackupJob) -> None:
    server = job.bdef.server
    tls = server is not None and server.tls == "yes"
    if server is None or server.transport == "tcp":
        host = (server.name if server else None) or "localhost"
        port = (server.port if server else None) or "10809"
        addr = {"type": "inet", "data": {"host": host, "port": str(port)}}
    elif server.transport == "unix" and server.socket and not tls:
        addr = {"type": "unix", "data": {"path": server.socket}}
    else:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     f"unsupported NBD transport '{server.transport}'"
                     + (" with TLS" if tls else ""), _FROM)
    args: dict[str, Any] = {"addr": addr}
    if tls:
        certdir, verify = tls_settings(job.drv.cfg)
        job.mon.execute("object-add", {"qom-type": "tls-creds-x509", "id": TLS_OBJECT,
                                       "dir": certdir, "endpoint": "server",
                                       "verify-peer": verify})
        job.tls = True
        args["tls-creds"] = TLS_OBJECT
    job.mon.execute("nbd-server-start", args)
    job.nbd = True


def _exports(job: BackupJob) -> None:
    for disk, item in job.disks:
        args: dict[str, Any] = {"type": "nbd", "id": f"libvirt-nbd-{disk.alias}",
                                "node-name": _node(int(item.index or 0), "format"),
                                "name": item.exportname or disk.target, "writable": False}
        if item.exportbitmap:
            node = address.format_node(job.vm.blockdev[disk.alias])
            # the export carries the backup's bitmap: copy it onto the scratch node
            job.mon.execute("block-dirty-bitmap-add", {
                "node": _node(int(item.index or 0), "format"), "name": item.exportbitmap,
                "persistent": False, "disabled": True})
            job.mon.execute("block-dirty-bitmap-merge", {
                "node": _node(int(item.index or 0), "format"), "target": item.exportbitmap,
                "bitmaps": [{"node": node, "name": f"backup-{disk.target}"}]})
            args["bitmaps"] = [item.exportbitmap]
        job.mon.execute("block-export-add", args)


def get_xml(vm: DomainObj, flags: int) -> str:
    """``virDomainBackupGetXMLDesc``: the running backup's definition."""
    _errors.check_flags(flags, 0, "qemuDomainBackupGetXMLDesc", _FROM)
    job = vm.async_job
    if getattr(job, "kind", None) != "backup":
        raise report(C.VIR_ERR_NO_DOMAIN_BACKUP, "no domain backup job present", _FROM)
    return str(job.bdef.format())


class BackupAPI:
    """``virDomainBackup*`` calls of :class:`pyvirt.drivers.qemu.driver.QemuDriver`."""

    vm_of: Any

    def domainBackupBegin(self, dom: Any, backupXML: str,  # noqa: N802,N803
                          checkpointXML: str | None, flags: int) -> int:
        """Start a push or pull backup of a running domain."""
        begin(self, self.vm_of(dom), backupXML, checkpointXML, flags)
        return 0

    def domainBackupGetXMLDesc(self, dom: Any, flags: int) -> str:  # noqa: N802
        """The XML of the running backup."""
        return get_xml(self.vm_of(dom), flags)


__all__ = ["BackupAPI", "BackupJob", "begin", "cleanup_leftovers", "get_xml"]
