"""The QEMU driver's domain objects, their list, and the job slot.

A :class:`DomainObj` is libvirt's ``virDomainObj`` with the QEMU driver's
private data: the live definition, the persistent one while running, the
state and reason, and the running QEMU (process, monitor, paths).

Locking follows libvirt:

* ``vm.lock`` is short-held: it guards the fields and is never held across a
  monitor command or a wait.  QMP event handlers take it on the loop thread.
* the *job slot* (:meth:`DomainObj.begin_job`) serialises operations that
  change the domain (start, destroy, hotplug ...).  Queries take no job.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

from pyvirt import constants as C
from pyvirt.errors import report

_FROM = C.VIR_FROM_QEMU

# How long an operation waits for another's job to end (libvirt: 30 s).
JOB_WAIT = 30.0

# --- state and reason names (libvirt's virDomainState*TypeToString) -----------------

STATE_NAMES = ["nostate", "running", "blocked", "paused", "shutdown", "shutoff", "crashed",
               "pmsuspended"]
REASON_NAMES = {
    C.VIR_DOMAIN_NOSTATE: ["unknown"],
    C.VIR_DOMAIN_RUNNING: ["unknown", "booted", "migrated", "restored", "from snapshot",
                           "unpaused", "migration canceled", "save canceled", "wakeup",
                           "crashed", "post-copy", "post-copy failed"],
    C.VIR_DOMAIN_BLOCKED: ["unknown"],
    C.VIR_DOMAIN_PAUSED: ["unknown", "user", "migration", "save", "dump", "ioerror",
                          "watchdog", "from snapshot", "shutdown", "snapshot", "panicked",
                          "starting up", "post-copy", "post-copy failed", "api error"],
    C.VIR_DOMAIN_SHUTDOWN: ["unknown", "user"],
    C.VIR_DOMAIN_SHUTOFF: ["unknown", "shutdown", "destroyed", "crashed", "migrated",
                           "saved", "failed", "from snapshot", "daemon"],
    C.VIR_DOMAIN_CRASHED: ["unknown", "panicked"],
    C.VIR_DOMAIN_PMSUSPENDED: ["unknown"],
}


def state_name(state: int) -> str:
    """libvirt's name of a state ('running')."""
    return STATE_NAMES[state]


def reason_name(state: int, reason: int) -> str:
    """libvirt's name of a reason in a state ('booted')."""
    names = REASON_NAMES.get(state, ["unknown"])
    return names[reason] if 0 <= reason < len(names) else "unknown"


def parse_state(state: str, reason: str) -> tuple[int, int]:
    """The numbers for names written by :func:`state_name` / :func:`reason_name`."""
    s = STATE_NAMES.index(state) if state in STATE_NAMES else C.VIR_DOMAIN_NOSTATE
    names = REASON_NAMES.get(s, ["unknown"])
    return s, names.index(reason) if reason in names else 0


# --- handles ---------------------------------------------------------------------------

class DomainHandle:
    """A domain as the API holds it: name, UUID and the id it had when looked up."""

    __slots__ = ("id", "name", "uuid")

    def __init__(self, name: str, uuid: str, id: int) -> None:  # noqa: A002
        self.name = name
        self.uuid = uuid
        self.id = id

    def __repr__(self) -> str:
        return f"<DomainHandle {self.name} {self.uuid} id={self.id}>"


# --- the object --------------------------------------------------------------------------

class DomainObj:
    """One domain: definitions, state, and the QEMU running it."""

    def __init__(self, def_: Any) -> None:
        self.lock = threading.RLock()
        self.def_ = def_                  # the live definition while running
        self.new_def: Any = None          # the persistent one, while running
        self.persistent = False
        self.autostart = False
        self.id = -1
        self.state = C.VIR_DOMAIN_SHUTOFF
        self.reason = C.VIR_DOMAIN_SHUTOFF_UNKNOWN
        self.removed = False              # undefined/vanished: handles no longer find it
        # the job slot
        self._job_cond = threading.Condition(self.lock)
        self.job: str | None = None
        self.job_owner: int | None = None
        # runtime of the running QEMU (see domain.py)
        self.proc: Any = None             # process.QemuProcess
        self.mon: Any = None              # monitor.Monitor
        self.monitor_path: str | None = None
        self.pidfile: str | None = None
        self.domain_dir: str | None = None
        self.log_path: str | None = None
        self.being_destroyed = False
        self.mig_max_bandwidth: int | None = None  # MiB/s set by migrateSetMaxSpeed
        self.fake_reboot = False
        self.got_shutdown = False
        self.paused_shutdown = False             # QEMU paused itself after SHUTDOWN
        self.blockdev: dict[str, int] = {}       # disk alias -> libvirt-N-* node index
        self.paused_reason: int | None = None    # reason for the next STOP event
        self.running_reason: int | None = None   # reason for the next RESUME event
        self.deleted_devices: set[str] = set()   # aliases QEMU reported DEVICE_DELETED
        self.pending_unplug: dict[str, Any] = {}  # alias -> device being unplugged
        self.device_cond = threading.Condition(self.lock)
        self.consoles: dict[str, Any] = {}       # chardev alias -> open console
        self.started_at = 0.0
        self.balloon_actual: int | None = None   # KiB, from BALLOON_CHANGE
        self.migration_status: str | None = None  # from QEMU's MIGRATION events
        self.migration_cond = threading.Condition(self.lock)
        self.async_job: Any = None               # save.SaveJob while a save runs
        self.has_managed_save = False            # a managed save image exists
        self.snapshots: Any = None               # snapshot tree (snapshot.py), loaded on use
        self.checkpoints: Any = None             # checkpoint tree (checkpoint.py), loaded on use
        self.completed_job: dict | None = None   # stats of the last finished job (backup.py)
        self.cgroup: Any = None                  # cgroup.Cgroup of the running QEMU
        self.perf_fds: dict[str, int] = {}       # perf event name -> counter fd
        self.agent: Any = None                   # agent.Agent of the running QEMU
        self.agent_state: bool | None = None     # agent channel open (None: not asked yet)
        self.agent_timeout = C.VIR_DOMAIN_AGENT_RESPONSE_TIMEOUT_BLOCK
        self.block_jobs: dict[str, Any] = {}     # disk target -> blockjob.BlockJob
        self.block_nodes: dict[str, tuple[Any, str]] = {}  # alias -> (proc, node) after a commit
        self.fdgroups: dict[str, Any] = {}       # name -> fdassoc.FDGroup (virDomainFDAssociate)
        self.thresholds: dict[str, tuple[str, str]] = {}  # node -> (dev, path) of its event
        self.taints: set[str] = set()            # taint.TAINTS names while running

    # --- identity ------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The domain's name."""
        return self.def_.name

    @property
    def uuid(self) -> str:
        """The domain's UUID (canonical string)."""
        return self.def_.uuid

    def handle(self) -> DomainHandle:
        """A handle for the API layer, with the current id."""
        return DomainHandle(self.def_.name, self.def_.uuid, self.id)

    def is_active(self) -> bool:
        """True while a QEMU runs for the domain."""
        return self.id != -1

    def persistent_def(self) -> Any:
        """The definition the next start uses."""
        return self.new_def if self.new_def is not None else self.def_

    def set_state(self, state: int, reason: int) -> None:
        """Set state and reason (caller holds ``lock``)."""
        self.state = state
        self.reason = reason

    # --- the job slot -----------------------------------------------------------------
    def begin_job(self, job: str, timeout: float = JOB_WAIT) -> None:
        """Take the job slot for ``job`` or raise VIR_ERR_OPERATION_TIMEOUT."""
        me = threading.get_ident()
        deadline = time.monotonic() + timeout
        with self.lock:
            while self.job is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not self._job_cond.wait(left):
                    if self.job is None:
                        break
                    raise report(C.VIR_ERR_OPERATION_TIMEOUT,
                                 f"cannot acquire state change lock (held by "
                                 f"monitor={self.job}) for job={job}", _FROM)
            self.job = job
            self.job_owner = me

    def end_job(self) -> None:
        """Release the job slot."""
        with self.lock:
            self.job = None
            self.job_owner = None
            self._job_cond.notify_all()

    @contextlib.contextmanager
    def job_scope(self, job: str, timeout: float = JOB_WAIT) -> Iterator[None]:
        """``with vm.job_scope('modify'):`` hold the job slot for the block."""
        self.begin_job(job, timeout)
        try:
            yield
        finally:
            self.end_job()


class DomainList:
    """The driver's domains, by UUID, name and id (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_uuid: dict[str, DomainObj] = {}
        self._by_name: dict[str, DomainObj] = {}
        self._next_id = 1

    def all(self) -> list[DomainObj]:
        """Every domain, in name order."""
        with self._lock:
            return sorted(self._by_uuid.values(), key=lambda v: v.name)

    def by_uuid(self, uuid: str) -> DomainObj | None:
        """The domain with ``uuid``, or None."""
        with self._lock:
            return self._by_uuid.get(uuid)

    def by_name(self, name: str) -> DomainObj | None:
        """The domain called ``name``, or None."""
        with self._lock:
            return self._by_name.get(name)

    def by_id(self, domid: int) -> DomainObj | None:
        """The running domain with id ``domid``, or None."""
        with self._lock:
            for vm in self._by_uuid.values():
                if vm.id == domid and domid != -1:
                    return vm
        return None

    def add(self, vm: DomainObj) -> None:
        """Add ``vm`` (the caller checked for clashes)."""
        with self._lock:
            self._by_uuid[vm.uuid] = vm
            self._by_name[vm.name] = vm
            vm.removed = False

    def remove(self, vm: DomainObj) -> None:
        """Forget ``vm`` (if it is still the one registered under its UUID)."""
        with self._lock:
            if self._by_uuid.get(vm.uuid) is vm:
                del self._by_uuid[vm.uuid]
            if self._by_name.get(vm.name) is vm:
                del self._by_name[vm.name]
            vm.removed = True

    def rename(self, vm: DomainObj, old: str) -> None:
        """Re-key ``vm`` after its name changed from ``old``."""
        with self._lock:
            if self._by_name.get(old) is vm:
                del self._by_name[old]
            self._by_name[vm.name] = vm

    def new_id(self) -> int:
        """The next domain id."""
        with self._lock:
            domid = self._next_id
            self._next_id += 1
            return domid

    def note_id(self, domid: int) -> None:
        """Make sure later ids are above ``domid`` (after a reconnect)."""
        with self._lock:
            self._next_id = max(self._next_id, domid + 1)
