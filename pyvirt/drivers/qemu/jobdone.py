"""The statistics of a domain's last finished job (``virDomainGetJobStats`` with
``VIR_DOMAIN_JOB_STATS_COMPLETED``).

libvirtd keeps them in memory for as long as it runs.  A pyvirt driver may
be shut down and started again between two calls (pyvirtd lets a root go
after its last client, as each ``virsh`` command is one client), so they
are also kept in ``{state_dir}/NAME.job.json`` (with the domain's UUID),
written atomically, and read back by the next driver on the root.  Reading them without
``VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED`` forgets them, as libvirt does.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from typing import TYPE_CHECKING, Any

from pyvirt.util.fileutil import atomic_write, remove_durably

if TYPE_CHECKING:
    from pyvirt.drivers.qemu.domobj import DomainObj

log = logging.getLogger(__name__)


def _path(cfg: Any, name: str) -> str:
    return os.path.join(cfg.state_dir, f"{name}.job.json")


def record(cfg: Any, vm: DomainObj, stats: dict[str, Any]) -> None:
    """Remember ``stats`` (with their ``type``) as ``vm``'s last finished job."""
    with vm.lock:
        vm.completed_job = dict(stats)
    try:
        atomic_write(_path(cfg, vm.name), json.dumps({"uuid": vm.uuid, "stats": stats}), 0o600)
    except OSError as exc:        # the statistics stay in memory
        log.warning("%s: cannot keep the finished job's statistics: %s", vm.name, exc)


def fetch(cfg: Any, vm: DomainObj, keep: bool) -> dict[str, Any] | None:
    """The last finished job's statistics (None: none); forgotten unless ``keep``."""
    path = _path(cfg, vm.name)
    with vm.lock:
        done = vm.completed_job
        if done is None:
            with contextlib.suppress(OSError, ValueError):
                with open(path) as f:
                    loaded = json.load(f)
                # another domain of that name (one undefined since) had them
                if isinstance(loaded, dict) and loaded.get("uuid") == vm.uuid:
                    done = dict(loaded.get("stats") or {}) or None
        vm.completed_job = done if keep else None
    if not keep and done is not None:
        with contextlib.suppress(OSError):
            remove_durably(path)
    return dict(done) if done is not None else None


def rename(cfg: Any, old: str, new: str) -> None:
    """The kept statistics follow a domain renamed from ``old`` to ``new``."""
    with contextlib.suppress(OSError):
        remove_durably(_path(cfg, new))
    with contextlib.suppress(OSError):
        os.rename(_path(cfg, old), _path(cfg, new))


__all__ = ["fetch", "record", "rename"]
