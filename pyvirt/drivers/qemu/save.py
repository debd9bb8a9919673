"""Save, managed save and restore: QEMU's migration stream into a durable image.

Save (``domainSaveFlags``, ``domainManagedSave``), with the async ``save``
job held (queries, ``jobInfo`` and ``abortJob`` keep working meanwhile):

1. build the image data (header + XML) and open the temporary file beside
   the target *before* pausing, so an unwritable directory fails with the
   guest untouched;
2. pause the guest if it runs (PAUSED/SAVE);
3. hand QEMU the write end of a pipe (``getfd``) and ``migrate fd:``; a
   :class:`~pyvirt.util.iohelper.DurableWriter` thread copies the read end
   into the file;
4. on completion: sync, rename over the target, stop QEMU (SHUTOFF/SAVED).

Any failure (ENOSPC, a failed sync, QEMU's error, ``abortJob``) cancels
the migration, removes the temporary file (an older image at the target
stays as it was), resumes the guest if it ran (RUNNING/SAVE_CANCELED) and
raises the first real cause.

Restore (``domainRestoreFlags``, a start from a managed image): the image
header is checked before anything starts; QEMU starts with ``-incoming
defer`` and reads the stream from a pipe fed by a
:class:`~pyvirt.util.iohelper.StreamReader`.  A failure kills QEMU
(SHUTOFF/FAILED) and leaves the image as it was.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import logging
import os
import stat
import time
from collections.abc import Callable
from typing import Any

from pyvirt import constants as C
from pyvirt.conf.domain import DomainDef
from pyvirt.drivers.qemu import domain, saveimage
from pyvirt.drivers.qemu import monitor as qmon
from pyvirt.drivers.qemu.domobj import DomainObj
from pyvirt.errors import libvirtError, report
from pyvirt.util import iohelper
from pyvirt.util.fileutil import read_tail, remove_durably

_FROM = C.VIR_FROM_QEMU
log = logging.getLogger(__name__)

# QEMU's default migration bandwidth (32 MiB/s) would throttle a save: lift it.
# Tests lower it to make a save last long enough to abort.
SAVE_BANDWIDTH = 1 << 62
# The writer's flush before the rename; tests replace it to inject a failure.
image_fsync = os.fdatasync

SAVE_FD = "pyvirt-save"
RESTORE_FD = "pyvirt-restore"
# How long a save or restore waits for the stream to end (no limit on the copy
# itself: it ends when QEMU's migration does) and for the writer after it.
FINISH_WAIT = 60.0
# How long an outgoing stream may stay in a state where QEMU sends nothing yet
# ('setup', 'wait-unplug', or not even listed) before the save or dump fails:
# QEMU 7.2 can sit in 'setup' for ever, e.g. after a vCPU unplug the guest
# never answered.  Setup takes well under a second otherwise.
STALL_TIMEOUT = 30.0
_NOT_SENDING = (None, "setup", "wait-unplug")
_POLL = 0.2
_FINAL = ("completed", "failed", "cancelled")
_XML_FLAGS = C.VIR_DOMAIN_XML_INACTIVE | C.VIR_DOMAIN_XML_SECURE | C.VIR_DOMAIN_XML_MIGRATABLE


def managed_path(cfg: Any, name: str) -> str:
    """The managed save image of domain ``name``: ``{lib_dir}/save/NAME.save``."""
    return os.path.join(cfg.lib_dir, "save", f"{name}.save")


# --- the running job ------------------------------------------------------------------

class SaveJob:
    """A save in progress: what ``jobInfo`` reports and ``abortJob`` stops."""

    def __init__(self, mon: qmon.Monitor, writer: iohelper.DurableWriter,
                 memory: int) -> None:
        self.mon, self.writer = mon, writer
        self.memory = memory          # bytes of guest RAM: the total until QEMU says
        self.started = time.monotonic()
        self.aborted = False

    def abort(self) -> None:
        """Stop the copy and the migration; the save then fails as aborted."""
        self.aborted = True
        self.writer.abort()
        with contextlib.suppress(libvirtError):
            self.mon.execute("migrate_cancel")

    def stats(self) -> dict[str, int]:
        """libvirt's job statistics, from query-migrate (else the writer's counters)."""
        ram: dict = {}
        with contextlib.suppress(libvirtError):
            ram = self.mon.execute("query-migrate").get("ram") or {}
        if ram:
            total, done, left = ram.get("total", 0), ram.get("transferred", 0), \
                ram.get("remaining", 0)
        else:
            total, done = self.memory, self.writer.progress.processed
            left = max(total - done, 0)
        return {"type": C.VIR_DOMAIN_JOB_UNBOUNDED, "operation": C.VIR_DOMAIN_JOB_OPERATION_SAVE,
                "time_elapsed": int((time.monotonic() - self.started) * 1000),
                "data_total": total, "data_processed": done, "data_remaining": left,
                "memory_total": total, "memory_processed": done, "memory_remaining": left}


def finished_stats(job: SaveJob, operation: int) -> dict[str, Any]:
    """libvirt's statistics of a finished copy into a file (save, core dump, external
    snapshot's memory), from QEMU's last migration figures, under their libvirt keys."""
    info: dict = {}
    with contextlib.suppress(libvirtError):
        info = dict(job.mon.execute("query-migrate"))
    ram = info.get("ram") or {}
    total, done = int(ram.get("total", 0)), int(ram.get("transferred", 0))
    left = int(ram.get("remaining", 0))
    out: dict[str, Any] = {
        "type": C.VIR_DOMAIN_JOB_COMPLETED, "operation": operation,
        "time_elapsed": int((time.monotonic() - job.started) * 1000),
        "downtime": int(info.get("downtime", 0)), "setup_time": int(info.get("setup-time", 0))}
    for kind in ("data", "memory"):
        out.update({f"{kind}_total": total, f"{kind}_processed": done,
                    f"{kind}_remaining": left})
    if ram.get("mbps"):                          # libvirt leaves out a zero bandwidth
        out["memory_bps"] = int(float(ram["mbps"]) * 1000 * 1000 / 8)
    for key, qkey in (("memory_constant", "duplicate"), ("memory_normal", "normal"),
                      ("memory_normal_bytes", "normal-bytes"),
                      ("memory_dirty_rate", "dirty-pages-rate"),
                      ("memory_iteration", "dirty-sync-count"),
                      ("memory_postcopy_requests", "postcopy-requests"),
                      ("memory_page_size", "page-size")):
        out[key] = int(ram.get(qkey, 0))
    return out


def job_stats(vm: DomainObj) -> dict[str, int]:
    """``domainGetJobStats``: the running save's statistics, or type NONE."""
    job = vm.async_job
    return job.stats() if job is not None else {"type": C.VIR_DOMAIN_JOB_NONE}


def job_info(vm: DomainObj) -> list[int]:
    """``domainGetJobInfo``: [type, elapsed, remaining, data x3, memory x3, file x3]."""
    s = job_stats(vm)
    if s["type"] == C.VIR_DOMAIN_JOB_NONE:
        return [C.VIR_DOMAIN_JOB_NONE] + [0] * 11
    return [s["type"], s["time_elapsed"], 0, *(int(s.get(f"{kind}_{part}", 0)) for kind in
                                               ("data", "memory", "disk")
                                               for part in ("total", "processed", "remaining"))]


def abort_job(vm: DomainObj) -> None:
    """``domainAbortJob``: abort the running save (VIR_ERR_OPERATION_INVALID if none)."""
    with vm.lock:
        job = vm.async_job
        if job is None:
            if not vm.is_active():
                raise domain.not_running()
            raise report(C.VIR_ERR_OPERATION_INVALID, "no job is active on the domain", _FROM)
    job.abort()


# --- save -------------------------------------------------------------------------------

def _check_target(path: str) -> None:
    try:
        st_ = os.stat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise report(C.VIR_ERR_OPERATION_INVALID,
                     f"cannot save to '{path}': {exc.strerror}", _FROM) from None
    if not stat.S_ISREG(st_.st_mode):
        raise report(C.VIR_ERR_OPERATION_INVALID,
                     f"cannot save to '{path}': not a regular file", _FROM)


def image_xml(vm: DomainObj, dxml: str | None) -> str:
    """The XML an image of ``vm`` stores: the caller's ``dxml`` or the live definition."""
    if not dxml:
        return vm.def_.format(flags=_XML_FLAGS)
    new = DomainDef.parse(dxml)
    check_same_domain(vm.def_, new)
    return new.format(flags=_XML_FLAGS)


def check_same_domain(old: Any, new: Any) -> None:
    """The part of libvirt's ABI check pyvirt makes: same name and UUID."""
    if new.name != old.name:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     f"Target domain name '{new.name}' does not match source '{old.name}'",
                     _FROM)
    if new.uuid != old.uuid:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     f"Target domain uuid {new.uuid} does not match source {old.uuid}", _FROM)


def save(drv: Any, vm: DomainObj, path: str, dxml: str | None, flags: int,
         managed: bool = False) -> None:
    """Save ``vm`` to ``path`` and stop it (SHUTOFF/SAVED); see the module docstring."""
    path = os.path.abspath(path)
    _check_target(path)
    with vm.job_scope("save"):
        mon = domain.active_monitor(vm)
        with vm.lock:
            running = vm.state == C.VIR_DOMAIN_RUNNING
            xml = image_xml(vm, dxml)
            memory = (vm.def_.memory or 0) * 1024
        was_running = running
        if flags & C.VIR_DOMAIN_SAVE_RUNNING:
            was_running = True
        elif flags & C.VIR_DOMAIN_SAVE_PAUSED:
            was_running = False
        write_image(drv, vm, mon, path, xml, memory, was_running,
                    C.VIR_DOMAIN_PAUSED_SAVE if running else None,
                    bool(flags & C.VIR_DOMAIN_SAVE_BYPASS_CACHE))
        domain.stop(drv, vm, C.VIR_DOMAIN_SHUTOFF_SAVED)
        domain.lifecycle(drv, vm, C.VIR_DOMAIN_EVENT_STOPPED, C.VIR_DOMAIN_EVENT_STOPPED_SAVED)
        if managed:
            vm.has_managed_save = True


def write_image(drv: Any, vm: DomainObj, mon: qmon.Monitor, path: str, xml: str, memory: int,
                was_running: bool, pause_reason: int | None, bypass_cache: bool = False,
                operation: int = C.VIR_DOMAIN_JOB_OPERATION_SAVE) -> None:
    """Write ``vm``'s state durably to the save image ``path`` (see the module docstring).

    With ``pause_reason`` the running guest is paused first and, if the write
    fails, resumed.  On success the guest stays paused (QEMU's post-migrate
    state); on failure no new file is left and an older one at ``path`` is
    untouched.  Used by save and by external snapshots with memory.
    """
    data = saveimage.new_save_data(xml, was_running=was_running)
    writer = saveimage.image_writer(path, data, fsync=image_fsync, bypass_cache=bypass_cache)
    _state_to_file(drv, vm, mon, writer, memory, pause_reason is not None,
                   pause_reason if pause_reason is not None else C.VIR_DOMAIN_PAUSED_SAVE,
                   operation)


def dump_state(drv: Any, vm: DomainObj, path: str, bypass_cache: bool, live: bool) -> None:
    """virDomainCoreDump without MEMORY_ONLY: QEMU's migration stream into ``path``.

    As libvirt: the guest is paused for the copy (unless ``live``) and
    resumed after it (after a live one too: QEMU stops it at the end); the
    caller holds the job.
    """
    mon = domain.active_monitor(vm)
    with vm.lock:
        running = vm.state == C.VIR_DOMAIN_RUNNING
        memory = (vm.def_.memory or 0) * 1024
    writer = iohelper.DurableWriter(os.path.abspath(path), bypass_cache=bypass_cache,
                                    fsync=image_fsync)
    pause = running and not live
    _state_to_file(drv, vm, mon, writer, memory, pause, C.VIR_DOMAIN_PAUSED_DUMP,
                   C.VIR_DOMAIN_JOB_OPERATION_DUMP)
    with vm.lock:
        # QEMU stops the vCPUs at the end of any migration, a live one too:
        # a guest that ran before runs again (libvirt)
        stopped = running and vm.state != C.VIR_DOMAIN_RUNNING
    if stopped:
        domain.resume(drv, vm, C.VIR_DOMAIN_RUNNING_UNPAUSED)


def _state_to_file(drv: Any, vm: DomainObj, mon: qmon.Monitor,
                   writer: iohelper.DurableWriter, memory: int, pause: bool,
                   reason: int, operation: int) -> None:
    """Pause the guest (if ``pause``, for ``reason``) and stream its state into ``writer``.

    The copy is the domain's async job meanwhile (jobInfo, abortJob); on
    failure the file is discarded and a paused guest resumed.  A copy that
    worked leaves its statistics for ``jobStats(COMPLETED)`` (``operation``:
    save, dump or snapshot), as libvirt does.
    """
    writer.open()
    job = SaveJob(mon, writer, memory)
    try:
        if pause:
            domain.suspend(drv, vm, reason)
        with vm.lock:
            vm.async_job = job
        _migrate_to_file(drv, vm, mon, writer, job, pause)
        from pyvirt.drivers.qemu import jobdone
        jobdone.record(drv.cfg, vm, finished_stats(job, operation))
    except BaseException:
        writer.discard()
        raise
    finally:
        with vm.lock:
            vm.async_job = None


def _migrate_to_file(drv: Any, vm: DomainObj, mon: qmon.Monitor, writer: iohelper.DurableWriter,
                     job: SaveJob, resume: bool) -> None:
    """Stream QEMU's state into ``writer`` and commit it; undo everything on failure."""
    rfd, wfd = os.pipe2(os.O_CLOEXEC)
    try:
        writer.start(rfd)
        try:
            mon.send_fd(wfd, SAVE_FD)
        finally:
            os.close(wfd)   # QEMU holds the write end now: its close is our EOF
        mon.execute("migrate-set-parameters", {"max-bandwidth": SAVE_BANDWIDTH})
        _migration_events(mon)
        with vm.lock:
            vm.migration_status = None
        mon.execute("migrate", {"uri": f"fd:{SAVE_FD}"})
        _wait_migration(vm, mon, writer, stall_timeout=STALL_TIMEOUT)
        if not writer.wait(FINISH_WAIT):
            raise report(C.VIR_ERR_OPERATION_TIMEOUT,
                         "the save image writer did not finish", _FROM)
        writer.commit()
    except libvirtError as exc:
        cause = _save_failed(drv, vm, mon, writer, job, rfd, resume)
        rfd = -1
        raise (cause or exc) from None
    finally:
        if rfd >= 0:
            os.close(rfd)


def _save_failed(drv: Any, vm: DomainObj, mon: qmon.Monitor, writer: iohelper.DurableWriter,
                 job: SaveJob, rfd: int, resume: bool) -> libvirtError | None:
    """Cancel the copy and the migration, resume the guest; return a better cause, if any."""
    cause = None
    writer.abort()
    with contextlib.suppress(libvirtError):
        if mon.execute("query-migrate").get("status") not in (None, *_FINAL):
            mon.execute("migrate_cancel")
    os.close(rfd)           # a QEMU blocked on a full pipe now gets EPIPE
    with contextlib.suppress(libvirtError):
        _wait_final(mon)
    try:
        writer.wait(FINISH_WAIT)
    except libvirtError as exc:
        if exc.get_error_code() != C.VIR_ERR_OPERATION_ABORTED:
            cause = exc     # ENOSPC, EIO ...: the real reason
    writer.discard()
    if job.aborted and cause is None:
        cause = report(C.VIR_ERR_OPERATION_ABORTED, "job 'domain save' canceled by client",
                       _FROM)
    if resume:
        try:
            domain.resume(drv, vm, C.VIR_DOMAIN_RUNNING_SAVE_CANCELED)
        except libvirtError as exc:
            log.warning("%s: cannot resume after a failed save: %s", vm.name, exc)
    return cause


def _migration_events(mon: qmon.Monitor) -> None:
    mon.execute("migrate-set-capabilities",
                {"capabilities": [{"capability": "events", "state": True}]})


def _wait_final(mon: qmon.Monitor, timeout: float = FINISH_WAIT) -> None:
    deadline = time.monotonic() + timeout
    while mon.execute("query-migrate").get("status") not in (None, *_FINAL):
        if time.monotonic() > deadline:
            return
        time.sleep(0.02)


def _wait_migration(vm: DomainObj, mon: qmon.Monitor,
                    copier: iohelper.DurableWriter | iohelper.StreamReader,
                    copied: Callable[[], None] | None = None,
                    stall_timeout: float | None = None) -> None:
    """Wait for QEMU's MIGRATION to complete; raise its error, or the copier's first.

    The MIGRATION event wakes us; query-migrate is the fallback (and the
    source of QEMU's error text).  The copier is checked because a writer
    that failed stops reading and QEMU would wait on the pipe for ever;
    ``copied`` is called once the copier is done (a restore then closes
    the pipe, so that QEMU sees the end of a truncated stream).  With
    ``stall_timeout``, a migration that stays that long in a state where
    QEMU sends nothing fails with VIR_ERR_OPERATION_FAILED (the caller
    cancels it).
    """
    copier_done = False
    stalled_since = time.monotonic()
    while True:
        with vm.lock:
            vm.migration_cond.wait_for(lambda: vm.migration_status in _FINAL, _POLL)
            status = vm.migration_status
        info: dict = {}
        if status != "completed":
            info = mon.execute("query-migrate")
            status = info.get("status")
        if status == "completed":
            return
        if status in ("failed", "cancelled"):
            desc = info.get("error-desc") or f"migration {status}"
            raise report(C.VIR_ERR_OPERATION_FAILED, desc, _FROM)
        if status not in _NOT_SENDING:
            stalled_since = time.monotonic()
        elif stall_timeout is not None and time.monotonic() - stalled_since > stall_timeout:
            raise report(C.VIR_ERR_OPERATION_FAILED, "migration of the domain's state made no "
                         f"progress in {stall_timeout:g} seconds (QEMU stays in status "
                         f"'{status or 'none'}')", _FROM)
        if not copier_done:
            try:
                copier_done = copier.wait(0)   # raises the copier's error
            except libvirtError as exc:
                # A restore whose QEMU read the whole stream closes the pipe:
                # the reader's EPIPE then means nothing if QEMU completes.
                if (isinstance(copier, iohelper.StreamReader) and _is_epipe(exc)
                        and _completes(vm, mon)):
                    return
                raise
            if copier_done and copied is not None:
                copied()


def _is_epipe(exc: libvirtError) -> bool:
    return exc.get_error_code() == C.VIR_ERR_SYSTEM_ERROR and exc.get_int1() == errno.EPIPE


def _completes(vm: DomainObj, mon: qmon.Monitor, grace: float = 5.0) -> bool:
    """True when QEMU's incoming migration reaches 'completed' within ``grace`` seconds."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        with vm.lock:
            vm.migration_cond.wait_for(lambda: vm.migration_status in _FINAL, _POLL)
            status = vm.migration_status
        if status != "completed":
            status = mon.execute("query-migrate").get("status")
        if status == "completed":
            return True
        if status in ("failed", "cancelled"):
            return False
    return False


# --- restore ----------------------------------------------------------------------------

def _reader_finished(reader: iohelper.StreamReader) -> bool:
    """Wait for the reader after QEMU completed; its EPIPE (QEMU closed early) is fine."""
    try:
        return reader.wait(FINISH_WAIT)
    except libvirtError as exc:
        if _is_epipe(exc):
            return True
        raise


def restore(drv: Any, path: str, dxml: str | None, flags: int) -> Any:
    """``domainRestoreFlags``: start a domain from the image at ``path``; return its handle."""
    data, reader = saveimage.image_reader(
        path, bypass_cache=bool(flags & C.VIR_DOMAIN_SAVE_BYPASS_CACHE))
    def_ = DomainDef.parse(data.xml)
    if dxml:
        new = DomainDef.parse(dxml)
        check_same_domain(def_, new)
        def_ = new
    vm, old = drv._add(def_, live=True)
    try:
        with vm.job_scope("restore"):
            _start_from(drv, vm, path, data, reader, flags, def_)
    except BaseException:
        if old is None and not vm.persistent:
            drv.domains.remove(vm)
        raise
    return vm.handle()


def start_from_image(drv: Any, vm: DomainObj, path: str, def_: Any, flags: int) -> None:
    """Start ``vm`` (caller holds its job) from the image at ``path`` with the
    definition ``def_`` (an external snapshot's revert: its disks on new overlays)."""
    data, reader = saveimage.image_reader(path)
    _start_from(drv, vm, path, data, reader, flags, def_)


def _start_from(drv: Any, vm: DomainObj, path: str, data: saveimage.SaveData,
                reader: iohelper.StreamReader, flags: int, def_: Any) -> None:
    if flags & C.VIR_DOMAIN_SAVE_PAUSED:
        paused = True
    elif flags & C.VIR_DOMAIN_SAVE_RUNNING:
        paused = False
    else:
        paused = not data.header.was_running
    domain.start(drv, vm, C.VIR_DOMAIN_START_PAUSED if paused else 0, run_def=def_,
                 incoming=functools.partial(_incoming, path, reader))


def start_managed(drv: Any, vm: DomainObj, flags: int) -> bool:
    """Start ``vm`` from its managed save image if it has one; False: boot it normally.

    With VIR_DOMAIN_START_FORCE_BOOT, or when the image's header is
    unreadable, the image is removed (as libvirt does).  The image is
    removed after a successful start from it.  The caller holds the job.
    """
    path = managed_path(drv.cfg, vm.name)
    if not os.path.exists(path):
        vm.has_managed_save = False
        return False
    if flags & C.VIR_DOMAIN_START_FORCE_BOOT:
        remove_managed(drv, vm)
        return False
    try:
        data, reader = saveimage.image_reader(
            path, bypass_cache=bool(flags & C.VIR_DOMAIN_START_BYPASS_CACHE))
        def_ = DomainDef.parse(data.xml)
    except libvirtError as exc:
        if exc.get_error_code() != C.VIR_ERR_OPERATION_FAILED:
            raise
        log.warning("%s: removing the unusable managed save image: %s", vm.name, exc)
        remove_managed(drv, vm)
        return False
    _start_from(drv, vm, path, data, reader,
                C.VIR_DOMAIN_SAVE_PAUSED if flags & C.VIR_DOMAIN_START_PAUSED else 0, def_)
    remove_managed(drv, vm)
    return True


def remove_managed(drv: Any, vm: DomainObj) -> None:
    """Remove ``vm``'s managed save image (if any)."""
    remove_durably(managed_path(drv.cfg, vm.name))
    vm.has_managed_save = False


def _incoming(path: str, reader: iohelper.StreamReader, vm: DomainObj,
              mon: qmon.Monitor) -> None:
    """Feed the image's stream to a QEMU started with ``-incoming defer``."""
    rfd, wfd = os.pipe2(os.O_CLOEXEC)
    started = False

    def close_wfd() -> None:
        nonlocal wfd
        if wfd >= 0:
            os.close(wfd)
            wfd = -1

    try:
        try:
            mon.send_fd(rfd, RESTORE_FD)
        finally:
            os.close(rfd)
        _migration_events(mon)
        with vm.lock:
            vm.migration_status = None
        reader.start(wfd)
        started = True
        mon.execute("migrate-incoming", {"uri": f"fd:{RESTORE_FD}"})
        _wait_migration(vm, mon, reader, close_wfd)
        if not _reader_finished(reader):
            raise report(C.VIR_ERR_OPERATION_TIMEOUT, "the save image reader did not finish",
                         _FROM)
    except libvirtError as exc:
        reader.abort()
        if started:
            with contextlib.suppress(libvirtError):
                reader.wait(FINISH_WAIT)
        cause = exc.get_str2() or exc.get_error_message()
        if mon.closed and vm.log_path:
            time.sleep(0.2)   # let QEMU's last words reach the log
            tail = [ln for ln in read_tail(vm.log_path, 2048).splitlines() if ln.strip()]
            cause = "; ".join(tail[-2:]) or cause
        raise report(C.VIR_ERR_OPERATION_FAILED,
                     f"cannot restore domain '{vm.name}' from '{path}': {cause}",
                     _FROM) from None
    finally:
        close_wfd()


# --- the image's XML ----------------------------------------------------------------------

def image_get_xml(path: str, flags: int) -> str:
    """``domainSaveImageGetXMLDesc``: the domain XML stored in the image at ``path``."""
    _hdr, xml = saveimage.read_image_header(path)
    secure = C.VIR_DOMAIN_XML_SECURE if flags & C.VIR_DOMAIN_SAVE_IMAGE_XML_SECURE else 0
    return DomainDef.parse(xml).format(flags=C.VIR_DOMAIN_XML_INACTIVE | secure)


def image_define_xml(path: str, dxml: str, flags: int) -> None:
    """``domainSaveImageDefineXML``: replace the XML (and SAVE_RUNNING/PAUSED) in place."""
    _hdr, xml = saveimage.read_image_header(path)
    new = DomainDef.parse(dxml)
    check_same_domain(DomainDef.parse(xml), new)
    was_running = (True if flags & C.VIR_DOMAIN_SAVE_RUNNING else
                   False if flags & C.VIR_DOMAIN_SAVE_PAUSED else None)
    saveimage.update_xml(path, new.format(flags=_XML_FLAGS), was_running=was_running)


def managed_image(drv: Any, vm: DomainObj) -> str:
    """The path of ``vm``'s managed save image; VIR_ERR_OPERATION_INVALID if it has none."""
    path = managed_path(drv.cfg, vm.name)
    if not os.path.exists(path):
        raise report(C.VIR_ERR_OPERATION_INVALID,
                     "domain does not have managed save image", _FROM)
    return path
