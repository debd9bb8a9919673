"""QEMU's background jobs as snapshots use them (snapshot-save/load/delete,
block-commit, block-stream), and ``qemu-img`` on images no QEMU holds.

A QMP job runs in QEMU while the caller waits: QEMU's ``JOB_STATUS_CHANGE``
events wake it (:func:`job_changed`).  A job started here is followed
through its events from ``created`` on: nothing is asked of QEMU until they
say it ended (or none came for a while); one that concluded without
``aborting`` succeeded, and is dismissed without reading ``query-jobs``.
The dismissal's reply is waited for: sent without waiting, it could be
lost when the connection closed at once (the driver shut down, which
drops what the monitor had not written yet) and the job stayed behind in
QEMU.  Otherwise ``query-jobs`` is read on each event and at
growing intervals, and a concluded job's error is read before it is
dismissed, so no finished job stays behind in QEMU.  Errors come back as
``VIR_ERR_OPERATION_FAILED`` carrying QEMU's words.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

from pyvirt import constants as C
from pyvirt.errors import libvirtError, report

_FROM = C.VIR_FROM_QEMU

# A job's deadline: snapshots of big guests on a loaded host take a while.
JOB_WAIT = 600.0
_POLL = 0.01
# How long a job followed through its events waits for the next one before it
# reads query-jobs after all (an event lost).
_EVENT_WAIT = 0.5
_ids = itertools.count(1)


class _Waker(threading.Event):
    """What wakes a job's waiter, with the statuses QEMU's events gave the job."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def succeeded(self) -> bool:
        """Whether the events alone show the job concluded without error."""
        return self.followed() and "concluded" in self.seen and "aborting" not in self.seen

    def followed(self) -> bool:
        """Whether the events show the job from its start (then query-jobs has
        nothing to add until they say it ended)."""
        return bool(self.seen) and self.seen[0] == "created"

    def ended(self) -> bool:
        """Whether the events say the job concluded (or is gone)."""
        return "concluded" in self.seen or "null" in self.seen


# the jobs being waited for: their id -> what wakes their waiter
_wakers: dict[str, _Waker] = {}


def job_id(kind: str) -> str:
    """A fresh job id for ``kind`` ('snapsave-3')."""
    return f"pyvirt-{kind}-{next(_ids)}"


def _find(mon: Any, jid: str) -> dict | None:
    for job in mon.execute("query-jobs"):
        if job.get("id") == jid:
            return dict(job)
    return None


def job_changed(jid: str, status: str | None = None) -> None:
    """QEMU says job ``jid`` changed to ``status`` (loop thread): wake whoever waits for it."""
    waker = _wakers.get(jid)
    if waker is not None:
        if status:
            waker.seen.append(status)
        waker.set()


@contextlib.contextmanager
def woken_by(jids: list[str]) -> Iterator[threading.Event]:
    """An event that QEMU's status changes of any job in ``jids`` set, for a
    watcher that reads ``query-jobs`` when it is set (and clears it first)."""
    waker = _Waker()
    for jid in jids:
        _wakers[jid] = waker
    try:
        yield waker
    finally:
        for jid in jids:
            if _wakers.get(jid) is waker:
                del _wakers[jid]


def wait_job(mon: Any, jid: str, what: str, timeout: float = JOB_WAIT) -> None:
    """Wait for job ``jid`` to conclude, dismiss it; raise its error as libvirt's."""
    waker = _wakers.setdefault(jid, _Waker())
    try:
        _wait_job(mon, jid, what, timeout, waker)
    finally:
        _wakers.pop(jid, None)


def _wait_job(mon: Any, jid: str, what: str, timeout: float, waker: _Waker) -> None:
    deadline = time.monotonic() + timeout
    delay = _POLL
    quiet = False                  # the last wait for an event timed out
    while True:
        waker.clear()              # a change from now on wakes the wait below
        if waker.succeeded():      # no error to read: only the dismissal is left
            try:
                mon.execute("job-dismiss", {"id": jid})
                return
            except libvirtError:
                pass               # not taken: query-jobs below says why
        if waker.followed() and not waker.ended() and not quiet and \
                time.monotonic() < deadline:
            quiet = not waker.wait(_EVENT_WAIT)     # the next event says more than
            continue                                # query-jobs would now
        quiet = False
        job = _find(mon, jid)
        if job is None:
            return                          # auto-dismissed: it finished without error
        if job.get("status") in ("concluded", "null"):
            with contextlib.suppress(libvirtError):
                mon.execute("job-dismiss", {"id": jid})
            if job.get("error"):
                raise report(C.VIR_ERR_OPERATION_FAILED, f"{what} failed: {job['error']}",
                             _FROM)
            return
        if time.monotonic() > deadline:
            with contextlib.suppress(libvirtError):
                mon.execute("job-cancel", {"id": jid})
            raise report(C.VIR_ERR_OPERATION_TIMEOUT, f"{what} did not finish", _FROM)
        waker.wait(delay)
        delay = min(delay * 1.5, 0.1)


def run_job(mon: Any, cmd: str, args: dict, what: str, kind: str = "snap") -> None:
    """Start QMP job command ``cmd`` (its ``job-id`` filled in) and wait for it."""
    jid = job_id(kind)
    _wakers[jid] = _Waker()     # before the job starts: no change is missed
    try:
        mon.execute(cmd, {"job-id": jid, **args})
        wait_job(mon, jid, what)
    finally:
        _wakers.pop(jid, None)


# How long a snapshot or backup waits for another async job (a backup, a save) to
# end before it gives up, as libvirt's job lock does.
ASYNC_WAIT = 30.0
# The libvirt API whose job a call waits behind, as libvirt names the lock's holder.
_HOLDERS = {"backup": "remoteDispatchDomainBackupBegin"}


def wait_async_job(vm: Any) -> None:
    """Wait (up to :data:`ASYNC_WAIT`) until ``vm`` runs no async job (a backup, a
    save); then libvirt's VIR_ERR_OPERATION_TIMEOUT naming the job's holder."""
    deadline = time.monotonic() + ASYNC_WAIT
    while True:
        with vm.lock:
            job = vm.async_job
        if job is None:
            return
        if time.monotonic() >= deadline:
            holder = _HOLDERS.get(getattr(job, "kind", ""), "remoteDispatchDomainSave")
            raise report(C.VIR_ERR_OPERATION_TIMEOUT, f"cannot acquire state change lock "
                         f"(held by monitor={holder})", C.VIR_FROM_NONE)
        time.sleep(_POLL * 5)


def disk_job(vm: Any, target: str) -> str | None:
    """What block job disk ``target`` is in: 'mirror' (a copy, an active commit),
    'job' (a pull, a commit, the backup the disk is in) or None."""
    mirrors = (C.VIR_DOMAIN_BLOCK_JOB_TYPE_COPY, C.VIR_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT)
    with vm.lock:
        job = vm.block_jobs.get(target)
        backup = vm.async_job if getattr(vm.async_job, "kind", None) == "backup" else None
    if job is not None and job.ended is None and job.proc is vm.proc:
        return "mirror" if job.kind in mirrors else "job"
    if backup is not None and any(d.target == target for d, _item in backup.disks):
        return "job"
    return None


def check_disk_idle(vm: Any, target: str) -> None:
    """libvirt's refusal of a disk in a block job: VIR_ERR_BLOCK_COPY_ACTIVE for a
    mirroring one, VIR_ERR_OPERATION_UNSUPPORTED for another."""
    kind = disk_job(vm, target)
    if kind is not None:
        raise report(C.VIR_ERR_BLOCK_COPY_ACTIVE if kind == "mirror"
                     else C.VIR_ERR_OPERATION_UNSUPPORTED,
                     f"disk '{target}' already in active block job", _FROM)


def block_nodes(mon: Any) -> list[dict]:
    """The block nodes QEMU holds now (``query-named-block-nodes``, flat)."""
    return list(mon.execute("query-named-block-nodes", {"flat": True}))


def node_size(nodes: list[dict], node: str) -> int | None:
    """The virtual size of block node ``node`` in ``nodes`` (:func:`block_nodes`)."""
    for item in nodes:
        if item.get("node-name") == node:
            size = (item.get("image") or {}).get("virtual-size")
            return int(size) if size is not None else None
    return None


def new_node_index(vm: Any, mon: Any, nodes: list[dict] | None = None) -> int:
    """A free N for new ``libvirt-N-*`` block nodes: above the disks', the block
    jobs' and every node QEMU holds now (a backup's targets, a snapshot's overlays);
    ``nodes`` is QEMU's list when the caller already read it."""
    with vm.lock:
        used = set(vm.blockdev.values())
        used |= {j.mirror.index for j in vm.block_jobs.values()
                 if j.mirror is not None and j.mirror.index is not None}
    if nodes is None and mon is not None:
        with contextlib.suppress(libvirtError):
            nodes = block_nodes(mon)
    if nodes:
        from pyvirt.drivers.qemu.blockjob import node_index
        for node in nodes:
            index = node_index(str(node.get("node-name", "")))
            if index is not None:
                used.add(index)
    return max(used, default=0) + 1


def block_jobs(mon: Any) -> list[dict]:
    """The block jobs QEMU runs now (``query-block-jobs``)."""
    return list(mon.execute("query-block-jobs"))


def wait_block_job(mon: Any, jid: str, what: str, complete: bool = False,
                   timeout: float = JOB_WAIT) -> None:
    """Wait for block job ``jid``; with ``complete``, pivot it once it is ready
    (an active commit) before waiting for it to conclude."""
    deadline = time.monotonic() + timeout
    while complete:
        job = _find(mon, jid)
        if job is None or job.get("status") in ("concluded", "null"):
            break
        if job.get("status") == "ready":
            mon.execute("job-complete", {"id": jid})
            break
        if time.monotonic() > deadline:
            raise report(C.VIR_ERR_OPERATION_TIMEOUT, f"{what} did not finish", _FROM)
        time.sleep(_POLL)
    wait_job(mon, jid, what, max(deadline - time.monotonic(), 1.0))


# --- qemu-img -----------------------------------------------------------------------------

def qemu_img(*args: str, what: str) -> str:
    """Run ``qemu-img ARGS``; its stderr becomes the error of a failure."""
    try:
        res = subprocess.run(["qemu-img", *args], capture_output=True, text=True,
                             check=False, timeout=JOB_WAIT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise report(C.VIR_ERR_OPERATION_FAILED, f"{what}: {exc}", _FROM) from exc
    if res.returncode != 0:
        raise report(C.VIR_ERR_OPERATION_FAILED,
                     f"{what}: {res.stderr.strip() or res.stdout.strip()}", _FROM)
    return res.stdout


def image_info(path: str) -> dict:
    """``qemu-img info`` of ``path`` (read even while a QEMU holds it)."""
    return dict(json.loads(qemu_img("info", "-U", "--output=json", path,
                                    what=f"cannot read image '{path}'")))


def image_snapshots(path: str) -> list[str]:
    """Names of the internal snapshots in the qcow2 image ``path``."""
    return [s["name"] for s in image_info(path).get("snapshots") or []]
