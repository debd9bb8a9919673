"""Block jobs of the QEMU driver: copy, commit, pull, and their life (a mixin of QemuDriver).

A job runs in QEMU (``blockdev-mirror``, ``block-commit``, ``block-stream``)
with ``auto-dismiss`` off, so its end is seen as a ``concluded`` status
(``JOB_STATUS_CHANGE``) and read back with ``query-jobs`` before it is
dismissed.  The driver then finishes it as libvirt does
(qemu_blockjob.c): a pivoted copy or active commit puts the new image in
the disk's place, an aborted copy removes its target nodes, and it emits
``VIR_DOMAIN_EVENT_ID_BLOCK_JOB`` (with the disk's path) and
``VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2`` (with its target name) with READY,
COMPLETED, FAILED or CANCELED.

While a copy (or an active commit) runs, the live XML shows the disk's
``<mirror>``; it is part of the status file, so a driver that starts again
finds the job (its QEMU id tells kind, disk and target node) with
``query-block-jobs`` and takes it over.

QMP events arrive on the loop thread under ``vm.lock``; the finishing work
(monitor commands) runs on the driver's worker thread without the domain's
job slot (a synchronous ``blockJobAbort`` waits for it while it holds no
job), serialised per domain by ``BlockJob.cond``.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pyvirt import constants as C
from pyvirt import errors as _errors
from pyvirt.conf.xmlutil import E
from pyvirt.drivers.qemu.domobj import DomainObj
from pyvirt.errors import libvirtError, report

_FROM = C.VIR_FROM_QEMU

KIND_NAMES = {C.VIR_DOMAIN_BLOCK_JOB_TYPE_PULL: "pull", C.VIR_DOMAIN_BLOCK_JOB_TYPE_COPY: "copy",
              C.VIR_DOMAIN_BLOCK_JOB_TYPE_COMMIT: "commit",
              C.VIR_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT: "active-commit"}
_KIND_OF = {v: k for k, v in KIND_NAMES.items()}

# how long a synchronous abort waits for QEMU to end the job
ABORT_WAIT = 60.0


def _check(flags: int, allowed: int, func: str) -> None:
    _errors.check_flags(flags, allowed, func, _FROM)


@dataclass
class Mirror:
    """Where a copy goes (or an active commit ends): an image and its nodes."""

    type: str                 # 'file' or 'block'
    path: str
    format: str
    index: int | None = None  # libvirt-N-* node index, None for a node QEMU named
    node: str | None = None   # its format node
    volume: tuple[str, str] | None = None   # (pool, volume) of a volume destination


@dataclass
class BlockJob:
    """One block job of one disk."""

    disk: str                 # target ('vda')
    kind: int                 # VIR_DOMAIN_BLOCK_JOB_TYPE_*
    job_id: str
    proc: Any                 # the QEMU process it runs in
    path: str                 # the disk's source when it started (BLOCK_JOB's path)
    mirror: Mirror | None = None
    state: str = "running"    # running, ready, pivoting, aborting, then ended
    ended: int | None = None  # VIR_DOMAIN_BLOCK_JOB_COMPLETED/FAILED/CANCELED
    error: str | None = None
    cond: threading.Condition = field(default_factory=threading.Condition)


def job_id(kind: int, disk: str, node: str) -> str:
    """QEMU's id of a job, as libvirt names it: kind, disk, the disk's top node."""
    return f"{KIND_NAMES[kind]}-{disk}-{node}"


def parse_job_id(text: str) -> tuple[int, str, str] | None:
    """(kind, disk, node) of an id made by :func:`job_id`, or None."""
    for name, kind in sorted(_KIND_OF.items(), key=lambda kv: -len(kv[0])):
        prefix = name + "-"
        if text.startswith(prefix):
            disk, sep, node = text[len(prefix):].partition("-")
            if sep and disk and node:
                return kind, disk, node
    return None


def node_index(node: str) -> int | None:
    """N of a 'libvirt-N-format' node name (None for another name)."""
    parts = node.split("-")
    if len(parts) == 3 and parts[0] == "libvirt" and parts[1].isdigit():
        return int(parts[1])
    return None


def image_chain(path: str) -> list[dict]:
    """``qemu-img info --backing-chain`` of ``path`` (top first), read while QEMU has it open."""
    res = subprocess.run(["qemu-img", "info", "-U", "--backing-chain", "--output=json", path],
                         capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise report(C.VIR_ERR_OPERATION_FAILED,
                     f"cannot read the backing chain of '{path}': {res.stderr.strip()}", _FROM)
    data = json.loads(res.stdout)
    return data if isinstance(data, list) else [data]


def parse_devstr(dev: str) -> tuple[str, int | None]:
    """A disk name with an optional backing chain index: 'vda' -> ('vda', None),
    'vda[2]' -> ('vda', 2); libvirt's VIR_ERR_INVALID_ARG for anything else."""
    name, sep, rest = dev.partition("[")
    if not sep:
        return dev, None
    if not name or not rest.endswith("]") or not rest[:-1].isdigit():
        raise report(C.VIR_ERR_INVALID_ARG, f"failed to parse block device '{dev}'", _FROM)
    return name, int(rest[:-1])


def mirror_element(job: BlockJob) -> E:
    """The ``<mirror>`` element libvirt shows on a disk during a copy or active commit
    (with the old ``file``/``format`` attributes beside ``<format>``/``<source>``)."""
    m = job.mirror
    assert m is not None
    src = E("source", [("file" if m.type == "file" else "dev", m.path)])
    ready = {"ready": "yes", "pivoting": "pivot", "aborting": "abort"}.get(job.state)
    return E("mirror", [("type", m.type), ("file", m.path if m.type == "file" else None),
                        ("format", m.format if m.type == "file" else None),
                        ("job", KIND_NAMES[job.kind]), ("ready", ready)],
             children=[E("format", [("type", m.format)]), src])


def _create_target(disk: str, mirror: Mirror, chain: list[dict], shallow: bool) -> bool:
    """Create the file a copy writes to, refusing to overwrite one with data (as libvirt);
    True when the file is new.

    A raw target is made here, empty and sparse at the source's size (QEMU
    writes every block): no qemu-img process on the path of the copy.  A
    qcow2 target (with the source's backing file when shallow) is made by
    qemu-img.
    """
    try:
        st = os.stat(mirror.path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise report(C.VIR_ERR_SYSTEM_ERROR, f"unable to stat for disk {disk}: "
                     f"{mirror.path}: {exc.strerror}", _FROM) from None
    if st is not None and not stat.S_ISBLK(st.st_mode) and st.st_size:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, f"external destination file for disk "
                     f"{disk} already exists and is not a block device: {mirror.path}", _FROM)
    size = int(chain[0]["virtual-size"])
    created = st is None
    if mirror.format == "raw":
        try:
            fd = os.open(mirror.path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                os.ftruncate(fd, size)
            finally:
                os.close(fd)
        except OSError as exc:
            raise report(C.VIR_ERR_OPERATION_FAILED,
                         f"cannot create '{mirror.path}': {exc.strerror}", _FROM) from None
        return created
    argv = ["qemu-img", "create", "-q", "-f", mirror.format]
    if shallow and mirror.format == "qcow2":
        argv += ["-F", chain[1].get("format", "raw"), "-b", chain[1]["filename"]]
    argv += [mirror.path, str(size)]
    res = subprocess.run(argv, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise report(C.VIR_ERR_OPERATION_FAILED, f"cannot create '{mirror.path}': "
                     f"{res.stderr.strip()}", _FROM)
    return created


class BlockJobAPI:
    """Driver methods for block jobs, resize and write thresholds."""

    # provided by QemuDriver
    cfg: Any
    vm_of: Callable[[Any], DomainObj]
    emit: Callable[..., None]
    queue_work: Callable[..., None]

    # --- lookups ----------------------------------------------------------------------------
    def _running(self, vm: DomainObj) -> tuple[Any, Any]:
        with vm.lock:
            if not vm.is_active() or vm.mon is None:
                raise report(C.VIR_ERR_OPERATION_INVALID, "domain is not running",
                             C.VIR_FROM_DOMAIN)
            return vm.mon, vm.proc

    def _disk(self, vm: DomainObj, name: str) -> Any:
        from pyvirt.drivers.qemu import address, command
        for disk in address.devices(vm.def_, "disk"):
            if name in (disk.target, command.disk_path(disk)):
                return disk
        raise report(C.VIR_ERR_INVALID_ARG, f"disk '{name}' not found in domain", _FROM)

    def _job(self, vm: DomainObj, target: str) -> BlockJob | None:
        with vm.lock:
            job = vm.block_jobs.get(target)
            if job is not None and (job.proc is not vm.proc or job.ended is not None):
                vm.block_jobs.pop(target, None)
                job = None
        if job is None:
            job = self._adopt(vm, target)
        return job

    def _adopt(self, vm: DomainObj, target: str) -> BlockJob | None:
        """Take over a job QEMU runs that this process did not start (after a restart)."""
        with vm.lock:
            mon, proc = vm.mon, vm.proc
        if mon is None:
            return None
        try:
            jobs = mon.execute("query-block-jobs")
        except libvirtError:
            return None
        for info in jobs:
            parsed = parse_job_id(str(info.get("device", "")))
            if parsed is None or parsed[1] != target:
                continue
            kind, disk_name, _node = parsed
            disk = self._disk(vm, disk_name)
            from pyvirt.drivers.qemu import command
            job = BlockJob(disk_name, kind, info["device"], proc, command.disk_path(disk) or "")
            for node in disk.kept:
                if node.tag == "mirror":
                    attrs = dict(node.attrs)
                    src = next((c for c in node.children if c.tag == "source"), None)
                    fmt = next((c for c in node.children if c.tag == "format"), None)
                    sattrs = dict(src.attrs) if src is not None else {}
                    mpath = str(sattrs.get("file") or sattrs.get("dev") or "")
                    try:
                        mnode: str | None = self._node_of_file(mon, mpath)
                    except libvirtError:
                        mnode = None
                    job.mirror = Mirror(str(attrs.get("type", "file")), mpath,
                                        str(dict(fmt.attrs).get("type", "raw")
                                            if fmt is not None else "raw"),
                                        node_index(mnode or "")
                                        if kind == C.VIR_DOMAIN_BLOCK_JOB_TYPE_COPY else None,
                                        mnode)
            if info.get("ready"):
                job.state = "ready"
            with vm.lock:
                vm.block_jobs[disk_name] = job
            return job
        return None

    def _busy(self, vm: DomainObj, disk: Any) -> None:
        from pyvirt.drivers.qemu import snapjob
        snapjob.check_disk_idle(vm, disk.target)     # this process's jobs, a backup's disks
        if self._job(vm, disk.target) is not None:
            raise report(C.VIR_ERR_BLOCK_COPY_ACTIVE,
                         f"disk '{disk.target}' already in active block job", _FROM)

    def _format_node(self, vm: DomainObj, disk: Any) -> str:
        from pyvirt.drivers.qemu import address
        with vm.lock:
            index = vm.blockdev.get(disk.alias)
            named = vm.block_nodes.get(disk.alias)
        if named is not None and named[0] is vm.proc:
            return str(named[1])
        if index is None:
            raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                         f"disk '{disk.target}' has no image QEMU opened", _FROM)
        return address.format_node(index)

    def _node_of_file(self, mon: Any, path: str) -> str:
        """The format node QEMU opened ``path`` with (a backing layer's node)."""
        real = os.path.realpath(path)
        for node in mon.execute("query-named-block-nodes", {"flat": True}):
            if node.get("drv") in ("file", "host_device", "host_cdrom"):
                continue
            if os.path.realpath(str(node.get("file", ""))) == real:
                return str(node["node-name"])
        raise report(C.VIR_ERR_INVALID_ARG, f"could not find image '{path}' in the disk's "
                     "backing chain", _FROM)

    def _start(self, vm: DomainObj, job: BlockJob, cmd: str, args: dict) -> None:
        """Run the QMP command that starts ``job``; record it, save the status."""
        from pyvirt.drivers.qemu import status as st
        mon, _proc = self._running(vm)
        with vm.lock:
            vm.block_jobs[job.disk] = job
        try:
            mon.execute(cmd, {"job-id": job.job_id, "auto-dismiss": False, **args})
        except libvirtError:
            with vm.lock:
                vm.block_jobs.pop(job.disk, None)
            raise
        if job.mirror is not None:
            self._show_mirror(vm, job)
        st.save_status(self.cfg, vm)

    def _show_mirror(self, vm: DomainObj, job: BlockJob | None, disk: Any = None) -> None:
        disk = disk or (self._disk(vm, job.disk) if job else None)
        with vm.lock:
            disk.kept = [k for k in disk.kept if k.tag != "mirror"]
            if job is not None and job.mirror is not None:
                disk.kept.append(mirror_element(job))

    def _emit_job(self, vm: DomainObj, job: BlockJob, status: int) -> None:
        self.emit(vm, C.VIR_DOMAIN_EVENT_ID_BLOCK_JOB, job.path, job.kind, status)
        self.emit(vm, C.VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2, job.disk, job.kind, status)

    # --- QEMU's events ------------------------------------------------------------------------
    def qmp_job_status_change(self, vm: DomainObj, data: dict) -> None:
        """A job's status changed (loop thread, ``vm.lock`` held)."""
        from pyvirt.drivers.qemu import snapjob
        snapjob.job_changed(str(data.get("id", "")), str(data.get("status", "")))
        status = data.get("status")
        parsed = parse_job_id(str(data.get("id", "")))
        if parsed is None or status not in ("ready", "concluded"):
            return
        self.queue_work(vm, "blockjob", vm.proc, parsed[1], str(data.get("id")), status)

    def work_blockjob(self, vm: DomainObj, proc: Any, disk: str, qemu_id: str,
                      status: str) -> None:
        """Handle a job's new status (worker thread)."""
        if vm.proc is not proc:
            return
        job = self._job(vm, disk)
        if job is None or job.job_id != qemu_id:
            return
        with job.cond:
            if status == "ready" and job.state == "running":
                job.state = "ready"
                if job.mirror is not None:
                    self._show_mirror(vm, job)
                self._save(vm)
                self._emit_job(vm, job, C.VIR_DOMAIN_BLOCK_JOB_READY)
            elif status == "concluded" and job.ended is None:
                self._conclude(vm, job)
            job.cond.notify_all()

    def _conclude(self, vm: DomainObj, job: BlockJob) -> None:
        """The job ended in QEMU: read how, dismiss it, finish it as libvirt does."""
        mon = vm.mon
        error = None
        try:
            for info in mon.execute("query-jobs"):
                if info.get("id") == job.job_id:
                    error = info.get("error")
            mon.execute("job-dismiss", {"id": job.job_id})
        except libvirtError as exc:
            error = error or str(exc)
        disk = self._disk(vm, job.disk)
        if job.state == "aborting":          # QEMU says 'Operation canceled'
            result = C.VIR_DOMAIN_BLOCK_JOB_CANCELED
            error = None
        elif error:
            result = C.VIR_DOMAIN_BLOCK_JOB_FAILED
        else:
            result = C.VIR_DOMAIN_BLOCK_JOB_COMPLETED
        pivoted = result == C.VIR_DOMAIN_BLOCK_JOB_COMPLETED and job.mirror is not None
        if pivoted:
            self._pivot(vm, job, disk)
        elif job.kind == C.VIR_DOMAIN_BLOCK_JOB_TYPE_COPY and job.mirror is not None:
            self._del_nodes(mon, job.mirror.index)
        job.error = error
        job.ended = result
        with vm.lock:
            if vm.block_jobs.get(job.disk) is job:
                del vm.block_jobs[job.disk]
        self._show_mirror(vm, None, disk)
        self._save(vm)
        self._emit_job(vm, job, result)

    def _pivot(self, vm: DomainObj, job: BlockJob, disk: Any) -> None:
        """Put the mirror (a copy's target, an active commit's base) in the disk's place."""
        from pyvirt.conf.domain_disk import DiskDriver, DiskSource, DiskType
        m = job.mirror
        assert m is not None
        with vm.lock:
            old = vm.blockdev.get(disk.alias)
            disk.type = DiskType.BLOCK if m.type == "block" else DiskType.FILE
            disk.source = DiskSource(file=m.path) if m.type == "file" else DiskSource(dev=m.path)
            if m.volume is not None:
                disk.type = DiskType.VOLUME
                disk.source.pool, disk.source.volume = m.volume
            if disk.driver is None:
                disk.driver = DiskDriver(name="qemu")
            disk.driver.type = m.format
            disk.kept = [k for k in disk.kept if k.tag != "backingStore"]
            if m.index is not None:
                vm.blockdev[disk.alias] = m.index
                vm.block_nodes.pop(disk.alias, None)
            elif m.node is not None:
                # an active commit's base: a node QEMU named when it opened the chain
                vm.block_nodes[disk.alias] = (vm.proc, m.node)
        if old is not None:
            self._del_nodes(vm.mon, old)

    @staticmethod
    def _del_nodes(mon: Any, index: int | None) -> None:
        from pyvirt.drivers.qemu import address
        if index is None or mon is None:
            return
        for node in (address.format_node(index), address.storage_node(index)):
            try:
                mon.execute("blockdev-del", {"node-name": node})
            except libvirtError:
                pass

    def _save(self, vm: DomainObj) -> None:
        from pyvirt.drivers.qemu import status as st
        if vm.is_active():
            st.save_status(self.cfg, vm)

    def qmp_block_write_threshold(self, vm: DomainObj, data: dict) -> None:
        """QEMU's BLOCK_WRITE_THRESHOLD (loop thread): emit libvirt's BLOCK_THRESHOLD,
        naming the disk or backing image as domainSetBlockThreshold was given it."""
        from pyvirt.drivers.qemu import address, command
        node = data.get("node-name")
        with vm.lock:
            named = vm.thresholds.pop(str(node), None)    # QEMU's threshold is one-shot
        if named is not None:
            self.emit(vm, C.VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD, named[0], named[1],
                      int(data.get("write-threshold", 0)), int(data.get("amount-exceeded", 0)))
            return
        for disk in address.devices(vm.def_, "disk"):
            index = vm.blockdev.get(disk.alias)
            if index is not None and node in (address.storage_node(index),
                                              address.format_node(index)):
                self.emit(vm, C.VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD, disk.target,
                          command.disk_path(disk), int(data.get("write-threshold", 0)),
                          int(data.get("amount-exceeded", 0)))
                return

    # --- starting jobs ---------------------------------------------------------------------
    def _new_index(self, vm: DomainObj) -> int:
        from pyvirt.drivers.qemu import snapjob
        return snapjob.new_node_index(vm, vm.mon)

    def _dest(self, vm: DomainObj, destxml: str) -> Mirror:
        """The destination of a copy from its ``<disk>`` XML (file, block or volume)."""
        from lxml import etree

        from pyvirt.conf.domain_disk import Disk, DiskSource, DiskType
        from pyvirt.drivers.qemu import domain
        try:
            elem = etree.fromstring(destxml.encode())
        except etree.XMLSyntaxError as exc:
            raise report(C.VIR_ERR_XML_ERROR, f"(disk_definition):1: {exc}", C.VIR_FROM_XML
                         ) from None
        kind = elem.get("type", "file")
        src = elem.find("source")
        drv = elem.find("driver")
        fmt = drv.get("type") if drv is not None else None
        if src is None:
            raise report(C.VIR_ERR_XML_ERROR, "missing source information for device",
                         C.VIR_FROM_DOMAIN)
        if kind == "file" and src.get("file"):
            return Mirror("file", str(src.get("file")), fmt or "")
        if kind == "block" and src.get("dev"):
            return Mirror("block", str(src.get("dev")), fmt or "")
        if kind == "volume" and src.get("volume"):
            pool, vol = str(src.get("pool", "")), str(src.get("volume"))
            tmp = Disk(type=DiskType.VOLUME, source=DiskSource(pool=pool, volume=vol),
                       target="mirror")
            domain.translate_volumes(self, [tmp])
            path = tmp.source.file if tmp.source else None
            if not path:
                raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                             f"volume '{pool}/{vol}' has no local file", _FROM)
            kind = "block" if path.startswith("/dev/") else "file"
            return Mirror(kind, path, fmt or "", volume=(pool, vol))
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     f"block copy to a disk of type '{kind}' is not supported", _FROM)

    def domainBlockCopy(self, dom: Any, disk: str, destxml: str,  # noqa: N802
                        params: dict | None, flags: int) -> int:
        _check(flags, C.VIR_DOMAIN_BLOCK_COPY_SHALLOW | C.VIR_DOMAIN_BLOCK_COPY_REUSE_EXT
               | C.VIR_DOMAIN_BLOCK_COPY_TRANSIENT_JOB
               | C.VIR_DOMAIN_BLOCK_COPY_SYNCHRONOUS_WRITES, "qemuDomainBlockCopy")
        params = dict(params or {})
        unknown = set(params) - {"bandwidth", "granularity", "buf-size"}
        if unknown:
            raise report(C.VIR_ERR_INVALID_ARG,
                         f"parameter '{min(unknown)}' not supported", _FROM)
        gran = int(params.get("granularity", 0) or 0)
        if gran and (gran & (gran - 1) or not 512 <= gran <= 64 << 20):
            raise report(C.VIR_ERR_INVALID_ARG,
                         "granularity must be power of 2 in range [512,67108864]", _FROM)
        vm = self.vm_of(dom)
        with vm.job_scope("modify"):
            mon, proc = self._running(vm)
            src_disk = self._disk(vm, disk)
            self._busy(vm, src_disk)
            mirror = self._dest(vm, destxml)
            return self._copy(vm, src_disk, mirror, flags, int(params.get("bandwidth", 0) or 0),
                              gran, int(params.get("buf-size", 0) or 0), mon, proc)

    def _copy(self, vm: DomainObj, disk: Any, mirror: Mirror, flags: int, bandwidth: int,
              gran: int, buf: int, mon: Any, proc: Any) -> int:
        from pyvirt.drivers.qemu import command
        src_path = command.disk_path(disk) or ""
        chain = image_chain(src_path)
        shallow = bool(flags & C.VIR_DOMAIN_BLOCK_COPY_SHALLOW) and len(chain) > 1
        reuse = bool(flags & C.VIR_DOMAIN_BLOCK_COPY_REUSE_EXT)
        created = False
        if reuse:
            if not os.path.exists(mirror.path):
                raise report(C.VIR_ERR_INVALID_ARG, f"missing destination file for disk "
                             f"{disk.target}: {mirror.path}", _FROM)
            if not mirror.format:
                mirror.format = image_chain(mirror.path)[0].get("format", "raw")
        else:
            mirror.format = mirror.format or command.disk_format(disk)
            if mirror.type == "file":
                created = _create_target(disk.target, mirror, chain, shallow)
        try:
            self._start_copy(vm, disk, mirror, shallow, chain, flags, bandwidth, gran, buf,
                             mon, proc, src_path)
        except libvirtError:
            if created:                 # as libvirt: a target it made goes on failure
                with contextlib.suppress(OSError):
                    os.unlink(mirror.path)
            raise
        return 0

    def _start_copy(self, vm: DomainObj, disk: Any, mirror: Mirror, shallow: bool,
                    chain: list[dict], flags: int, bandwidth: int, gran: int, buf: int,
                    mon: Any, proc: Any, src_path: str) -> None:
        """Open the copy's target in QEMU and start blockdev-mirror to it."""
        from pyvirt.drivers.qemu import address, command
        index = self._new_index(vm)
        mirror.index = index
        mirror.node = address.format_node(index)
        storage = {"driver": "host_device" if mirror.type == "block" else "file",
                   "filename": mirror.path, "node-name": address.storage_node(index),
                   "auto-read-only": True, "discard": "unmap"}
        fmt: dict[str, Any] = {"node-name": mirror.node, "read-only": False,
                               "driver": mirror.format, "file": address.storage_node(index)}
        if mirror.format == "qcow2":
            fmt["backing"] = (self._node_of_file(mon, chain[1]["filename"]) if shallow
                              else None)
        mon.execute("blockdev-add", storage)
        try:
            mon.execute("blockdev-add", fmt)
        except libvirtError:
            self._del_nodes(mon, index)
            raise
        job = BlockJob(disk.target, C.VIR_DOMAIN_BLOCK_JOB_TYPE_COPY,
                       job_id(C.VIR_DOMAIN_BLOCK_JOB_TYPE_COPY, disk.target,
                              self._format_node(vm, disk)), proc, src_path, mirror)
        args = {"device": self._format_node(vm, disk), "target": mirror.node,
                "sync": "top" if shallow else "full", "speed": bandwidth or None,
                "granularity": gran or None, "buf-size": buf or None,
                "copy-mode": "write-blocking"
                if flags & C.VIR_DOMAIN_BLOCK_COPY_SYNCHRONOUS_WRITES else None}
        try:
            self._start(vm, job, "blockdev-mirror", command.present(args))
        except libvirtError:
            self._del_nodes(mon, index)
            raise

    def domainBlockRebase(self, dom: Any, disk: str, base: str | None,  # noqa: N802
                          bandwidth: int, flags: int) -> int:
        _check(flags, C.VIR_DOMAIN_BLOCK_REBASE_SHALLOW | C.VIR_DOMAIN_BLOCK_REBASE_REUSE_EXT
               | C.VIR_DOMAIN_BLOCK_REBASE_COPY_RAW | C.VIR_DOMAIN_BLOCK_REBASE_COPY
               | C.VIR_DOMAIN_BLOCK_REBASE_RELATIVE | C.VIR_DOMAIN_BLOCK_REBASE_COPY_DEV
               | C.VIR_DOMAIN_BLOCK_REBASE_BANDWIDTH_BYTES, "qemuDomainBlockRebase")
        speed = self._speed(bandwidth, flags & C.VIR_DOMAIN_BLOCK_REBASE_BANDWIDTH_BYTES)
        if not flags & C.VIR_DOMAIN_BLOCK_REBASE_COPY:
            return self._pull(dom, disk, base, speed, flags)
        if not base:
            raise report(C.VIR_ERR_INVALID_ARG, "destination must be specified for a copy",
                         _FROM)
        kind = "block" if flags & C.VIR_DOMAIN_BLOCK_REBASE_COPY_DEV else "file"
        attr = "dev" if kind == "block" else "file"
        fmt = "<driver type='raw'/>" if flags & C.VIR_DOMAIN_BLOCK_REBASE_COPY_RAW else ""
        from pyvirt.conf.xmlutil import escape_attr
        xml = f"<disk type='{kind}'>{fmt}<source {attr}='{escape_attr(base)}'/></disk>"
        copy_flags = ((C.VIR_DOMAIN_BLOCK_COPY_SHALLOW
                       if flags & C.VIR_DOMAIN_BLOCK_REBASE_SHALLOW else 0)
                      | (C.VIR_DOMAIN_BLOCK_COPY_REUSE_EXT
                         if flags & C.VIR_DOMAIN_BLOCK_REBASE_REUSE_EXT else 0))
        return self.domainBlockCopy(dom, disk, xml, {"bandwidth": speed}, copy_flags)

    def domainBlockPull(self, dom: Any, disk: str, bandwidth: int,  # noqa: N802
                        flags: int) -> int:
        _check(flags, C.VIR_DOMAIN_BLOCK_PULL_BANDWIDTH_BYTES, "qemuDomainBlockPull")
        return self._pull(dom, disk, None, self._speed(
            bandwidth, flags & C.VIR_DOMAIN_BLOCK_PULL_BANDWIDTH_BYTES), 0)

    def _idle_disk(self, vm: DomainObj, disk: str) -> tuple[Any, Any, Any, str]:
        """(monitor, process, disk, its path) of a running domain's disk with no job."""
        from pyvirt.drivers.qemu import command
        mon, proc = self._running(vm)
        d = self._disk(vm, disk)
        self._busy(vm, d)
        return mon, proc, d, command.disk_path(d) or ""

    def _pull(self, dom: Any, disk: str, base: str | None, speed: int, flags: int) -> int:
        from pyvirt.drivers.qemu import command
        vm = self.vm_of(dom)
        with vm.job_scope("modify"):
            mon, proc, d, path = self._idle_disk(vm, disk)
            args: dict[str, Any] = {"device": self._format_node(vm, d), "speed": speed or None}
            if base:
                args["base-node"] = self._node_of_file(mon, base)
                if flags & C.VIR_DOMAIN_BLOCK_REBASE_RELATIVE:
                    args["backing-file"] = os.path.relpath(base, os.path.dirname(path))
            job = BlockJob(d.target, C.VIR_DOMAIN_BLOCK_JOB_TYPE_PULL,
                           job_id(C.VIR_DOMAIN_BLOCK_JOB_TYPE_PULL, d.target, args["device"]),
                           proc, path)
            self._start(vm, job, "block-stream", command.present(args))
        return 0

    def domainBlockCommit(self, dom: Any, disk: str, base: str | None,  # noqa: N802
                          top: str | None, bandwidth: int, flags: int) -> int:
        _check(flags, C.VIR_DOMAIN_BLOCK_COMMIT_SHALLOW | C.VIR_DOMAIN_BLOCK_COMMIT_DELETE
               | C.VIR_DOMAIN_BLOCK_COMMIT_ACTIVE | C.VIR_DOMAIN_BLOCK_COMMIT_RELATIVE
               | C.VIR_DOMAIN_BLOCK_COMMIT_BANDWIDTH_BYTES, "qemuDomainBlockCommit")
        if flags & C.VIR_DOMAIN_BLOCK_COMMIT_DELETE:
            raise report(C.VIR_ERR_ARGUMENT_UNSUPPORTED,
                         "deletion of committed images is not supported", _FROM)
        speed = self._speed(bandwidth, flags & C.VIR_DOMAIN_BLOCK_COMMIT_BANDWIDTH_BYTES)
        vm = self.vm_of(dom)
        from pyvirt.drivers.qemu import command
        with vm.job_scope("modify"):
            mon, proc, d, path = self._idle_disk(vm, disk)
            chain = image_chain(path)
            files = [os.path.realpath(c["filename"]) for c in chain]
            if len(chain) == 1:
                raise report(C.VIR_ERR_INVALID_ARG, f"could not find base image in chain "
                             f"for '{disk}'", C.VIR_FROM_STORAGE)
            with vm.lock:
                top_index = vm.blockdev.get(d.alias, 0)
            top_i = 0 if not top else self._chain_index(files, top, disk, top_index)
            if top_i == len(chain) - 1:
                raise report(C.VIR_ERR_INVALID_ARG, f"top '{chain[top_i]['filename']}' in "
                             f"chain for '{disk}' has no backing file", _FROM)
            active = top_i == 0
            if active and not flags & C.VIR_DOMAIN_BLOCK_COMMIT_ACTIVE:
                raise report(C.VIR_ERR_INVALID_ARG, f"commit of '{disk}' active layer "
                             "requires active flag", _FROM)
            if flags & C.VIR_DOMAIN_BLOCK_COMMIT_SHALLOW:
                if base:
                    raise report(C.VIR_ERR_INVALID_ARG, "base and shallow flag are mutually "
                                 "exclusive", _FROM)
                base_i = top_i + 1
            else:
                base_i = (len(chain) - 1 if not base
                          else self._chain_index(files, base, disk, top_index))
            if base_i <= top_i:
                raise report(C.VIR_ERR_INVALID_ARG, f"base '{base}' is not below top in the "
                             f"chain of disk '{disk}'", _FROM)
            base_node = self._node_of_file(mon, chain[base_i]["filename"])
            args: dict[str, Any] = {"device": self._format_node(vm, d), "base-node": base_node,
                                    "speed": speed or None}
            if not active:
                args["top-node"] = self._node_of_file(mon, chain[top_i]["filename"])
            if flags & C.VIR_DOMAIN_BLOCK_COMMIT_RELATIVE and top_i + 1 < len(chain) and \
                    not active:
                above = chain[top_i - 1]["filename"]
                args["backing-file"] = os.path.relpath(chain[base_i]["filename"],
                                                       os.path.dirname(above))
            kind = (C.VIR_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT if active
                    else C.VIR_DOMAIN_BLOCK_JOB_TYPE_COMMIT)
            mirror = None
            if active:
                bfile = chain[base_i]["filename"]
                mirror = Mirror("block" if bfile.startswith("/dev/") else "file", bfile,
                                chain[base_i].get("format", "raw"), None, base_node)
            job = BlockJob(d.target, kind, job_id(kind, d.target, args["device"]), proc, path,
                           mirror)
            self._start(vm, job, "block-commit", command.present(args))
        return 0

    @staticmethod
    def _chain_index(files: list[str], name: str, disk: str, top_index: int) -> int:
        """The position in the chain (0: the top) of image ``name``: a path, or
        ``vda[N]`` numbered as domainSetBlockThreshold numbers it."""
        real = os.path.realpath(name)
        if real in files:
            return files.index(real)
        if name.startswith(disk + "[") and name.endswith("]") and name[len(disk) + 1:-1].isdigit():
            i = int(name[len(disk) + 1:-1]) - top_index
            if 0 <= i < len(files):
                return i
        raise report(C.VIR_ERR_INVALID_ARG, f"could not find image '{name}' in chain for "
                     f"'{disk}'", _FROM)

    @staticmethod
    def _speed(bandwidth: int, in_bytes: int) -> int:
        if bandwidth < 0:
            raise report(C.VIR_ERR_INVALID_ARG, f"bandwidth must be less than "
                         f"'{(1 << 63) - 1}'", _FROM)
        if in_bytes:
            return bandwidth
        if bandwidth > ((1 << 63) - 1) >> 20:
            raise report(C.VIR_ERR_OVERFLOW, f"bandwidth must be less than "
                         f"'{((1 << 63) - 1) >> 20}'", _FROM)
        return bandwidth << 20

    # --- running jobs ---------------------------------------------------------------------------
    def domainGetBlockJobInfo(self, dom: Any, path: str, flags: int) -> dict:  # noqa: N802
        _check(flags, C.VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES, "qemuDomainGetBlockJobInfo")
        vm = self.vm_of(dom)
        mon, _proc = self._running(vm)
        d = self._disk(vm, path)
        job = self._job(vm, d.target)
        if job is None:
            return {}
        info = next((j for j in mon.execute("query-block-jobs")
                     if j.get("device") == job.job_id), None)
        if info is None:
            return {}
        speed = int(info.get("speed", 0))
        if not flags & C.VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES:
            speed >>= 20
        cur, end = int(info.get("offset", 0)), int(info.get("len", 0))
        if info.get("ready") and cur == end == 0:
            end = 1         # libvirt: a ready job with nothing to copy reports 1/1
            cur = 1
        return {"type": job.kind, "bandwidth": speed, "cur": cur, "end": end}

    def domainBlockJobSetSpeed(self, dom: Any, disk: str, bandwidth: int,  # noqa: N802
                               flags: int) -> int:
        _check(flags, C.VIR_DOMAIN_BLOCK_JOB_SPEED_BANDWIDTH_BYTES, "qemuDomainBlockJobSetSpeed")
        speed = self._speed(bandwidth, flags & C.VIR_DOMAIN_BLOCK_JOB_SPEED_BANDWIDTH_BYTES)
        vm = self.vm_of(dom)
        mon, _proc = self._running(vm)
        job = self._job(vm, self._disk(vm, disk).target)
        if job is None:
            raise report(C.VIR_ERR_OPERATION_INVALID,
                         f"disk {disk} does not have an active block job", _FROM)
        mon.execute("block-job-set-speed", {"device": job.job_id, "speed": speed})
        return 0

    def domainBlockJobAbort(self, dom: Any, disk: str, flags: int) -> int:  # noqa: N802
        _check(flags, C.VIR_DOMAIN_BLOCK_JOB_ABORT_ASYNC | C.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT,
               "qemuDomainBlockJobAbort")
        vm = self.vm_of(dom)
        pivot = bool(flags & C.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT)
        with vm.job_scope("modify"):
            mon, _proc = self._running(vm)
            d = self._disk(vm, disk)
            job = self._job(vm, d.target)
            if job is None:
                raise report(C.VIR_ERR_INVALID_ARG,
                             f"disk {d.target} does not have an active block job", _FROM)
            with job.cond:
                if job.state in ("pivoting", "aborting"):
                    raise report(C.VIR_ERR_OPERATION_INVALID, f"block job on disk "
                                 f"'{d.target}' is still being ended", _FROM)
                if pivot:
                    if job.mirror is None:
                        raise report(C.VIR_ERR_OPERATION_INVALID, f"pivot of disk "
                                     f"'{d.target}' requires an active copy job", _FROM)
                    if job.state != "ready":
                        raise report(C.VIR_ERR_BLOCK_COPY_ACTIVE,
                                     f"block job '{job.job_id}' not ready for pivot yet", _FROM)
                    mon.execute("block-job-complete", {"device": job.job_id})
                    job.state = "pivoting"
                else:
                    mon.execute("block-job-cancel", {"device": job.job_id, "force": True})
                    job.state = "aborting"
                if job.mirror is not None:
                    self._show_mirror(vm, job)
                self._save(vm)
        if not flags & C.VIR_DOMAIN_BLOCK_JOB_ABORT_ASYNC:
            with job.cond:
                if not job.cond.wait_for(lambda: job.ended is not None, ABORT_WAIT):
                    raise report(C.VIR_ERR_OPERATION_TIMEOUT, f"block job on disk "
                                 f"'{d.target}' did not end in {ABORT_WAIT:.0f} s", _FROM)
            if job.ended == C.VIR_DOMAIN_BLOCK_JOB_FAILED:
                raise report(C.VIR_ERR_OPERATION_FAILED, f"block job on disk '{d.target}' "
                             f"failed: {job.error}", _FROM)
        return 0

    # --- resize and thresholds ------------------------------------------------------------------
    def domainBlockResize(self, dom: Any, disk: str, size: int, flags: int) -> int:  # noqa: N802
        _check(flags, C.VIR_DOMAIN_BLOCK_RESIZE_BYTES, "qemuDomainBlockResize")
        if not flags & C.VIR_DOMAIN_BLOCK_RESIZE_BYTES:
            if size > ((1 << 64) - 1) // 1024:
                raise report(C.VIR_ERR_OVERFLOW, f"size must be less than "
                             f"{((1 << 64) - 1) // 1024}", _FROM)
            size *= 1024
        vm = self.vm_of(dom)
        with vm.job_scope("modify"):
            mon, _proc = self._running(vm)
            try:
                d = self._disk(vm, disk)
            except libvirtError:
                raise report(C.VIR_ERR_INVALID_ARG, f"disk '{disk}' was not found in the "
                             "domain config", _FROM) from None
            from pyvirt.drivers.qemu import command
            if command.disk_format(d) == "raw" and size % 512:
                size += 512 - size % 512       # libvirt rounds a raw image up to sectors
            mon.execute("block_resize", {"node-name": self._format_node(vm, d), "size": size})
        return 0

    def domainSetBlockThreshold(self, dom: Any, dev: str, threshold: int,  # noqa: N802
                                flags: int) -> int:
        """Set the write threshold of a disk (``vda``) or of an image of its backing
        chain (``vda[N]``, N as libvirt numbers the chain: the top's node index, then
        one more per backing image); BLOCK_THRESHOLD names it the same way."""
        _check(flags, 0, "qemuDomainSetBlockThreshold")
        name, number = parse_devstr(dev)
        vm = self.vm_of(dom)
        with vm.job_scope("modify"):
            mon, _proc = self._running(vm)
            from pyvirt.drivers.qemu import address, command
            try:
                d = self._disk(vm, name)
            except libvirtError:
                raise report(C.VIR_ERR_INVALID_ARG, f"failed to find disk '{name}'",
                             _FROM) from None
            with vm.lock:
                index = vm.blockdev.get(d.alias)
            path = command.disk_path(d)
            if index is None or path is None:
                raise report(C.VIR_ERR_INVALID_ARG, f"failed to find disk '{dev}'", _FROM)
            if not number or number == index:
                node, number = address.storage_node(index), (None if number is None else index)
            else:
                chain = image_chain(path) if number > index else []
                if number - index >= len(chain):
                    raise report(C.VIR_ERR_INVALID_ARG, f"failed to find disk '{dev}'", _FROM)
                path = chain[number - index]["filename"]
                node = self._storage_node_of_file(mon, path)
            mon.execute("block-set-write-threshold",
                        {"node-name": node, "write-threshold": threshold})
            with vm.lock:
                # the event names the image with its index when it was asked with
                # one (libvirt: "vda[1]" for the top asked as "vda[0]" or "vda[1]")
                vm.thresholds[node] = (d.target if number is None else f"{d.target}[{number}]",
                                       path)
        return 0

    def _storage_node_of_file(self, mon: Any, path: str) -> str:
        """The protocol node QEMU reads ``path`` with (a backing image's storage)."""
        real = os.path.realpath(path)
        for node in mon.execute("query-named-block-nodes", {"flat": True}):
            if node.get("drv") in ("file", "host_device", "host_cdrom") and \
                    os.path.realpath(str(node.get("file", ""))) == real:
                return str(node["node-name"])
        raise report(C.VIR_ERR_INVALID_ARG, f"could not find image '{path}' in the disk's "
                     "backing chain", _FROM)
