"""File descriptors a client hands the QEMU driver (virDomainFDAssociate).

A client that may not (or need not) let the host open an image passes
open descriptors under a name; a disk whose source says
``<source file='PATH' fdgroup='NAME'/>`` is then opened by QEMU from those
descriptors instead of PATH, as in libvirt 9.0:

- the driver keeps duplicates of the client's descriptors on the domain
  object (replacing an earlier group of the same name), running or not,
  until the pyvirtd client that gave them goes away (libvirt forgets them
  with the connection; in-process they last as long as the driver);
- at start each such disk gets an fd set (``-add-fd set=N,fd=M,
  opaque=libvirt-I-storageK``, one line per descriptor, fresh duplicates
  QEMU inherits) and its storage node reads ``/dev/fdset/N``, with
  ``read-only`` stated instead of ``auto-read-only`` (QEMU cannot reopen a
  descriptor by name);
- a disk naming a group nobody associated fails the start with libvirt's
  VIR_ERR_INVALID_ARG.

:class:`FDAssocAPI` is a mixin of :class:`pyvirt.drivers.qemu.driver.QemuDriver`.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass, field
from typing import Any

from pyvirt import constants as C
from pyvirt.driver import caller
from pyvirt.errors import check_flags, libvirtError, report, report_system

_FROM = C.VIR_FROM_QEMU
_FLAGS = C.VIR_DOMAIN_FD_ASSOCIATE_SECLABEL_RESTORE | C.VIR_DOMAIN_FD_ASSOCIATE_SECLABEL_WRITABLE
_lock = threading.Lock()     # guards every domain's ``fdgroups`` dict


class FDGroup:
    """Duplicates of the descriptors associated under one name (closed with the group);
    ``owner`` is the pyvirtd client that associated them (None: in-process)."""

    def __init__(self, fds: list[int], writable: bool, restore_label: bool,
                 owner: object | None = None) -> None:
        self.fds = fds
        self.writable = writable
        self.restore_label = restore_label
        self.owner = owner

    def close(self) -> None:
        """Close the descriptors (once)."""
        fds, self.fds = self.fds, []
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)

    def __del__(self) -> None:
        self.close()


@dataclass
class FDSet:
    """The fd set of one disk's storage node at start: QEMU's id and the descriptors."""

    fdset: int
    fds: list[int] = field(default_factory=list)


def _groups(vm: Any) -> dict[str, FDGroup]:
    groups: dict[str, FDGroup] = vm.fdgroups
    return groups


def associate(vm: Any, name: str, files: list[int], flags: int) -> None:
    """Keep duplicates of ``files`` on ``vm`` under ``name`` (replacing a group of that name)."""
    fds: list[int] = []
    try:
        for i, fd in enumerate(files):
            try:
                fds.append(os.dup(int(fd)))
            except (OSError, TypeError, ValueError) as exc:
                raise report_system(getattr(exc, "errno", None) or 9,
                                    f"failed to duplicate passed fd with index '{i}'",
                                    _FROM) from None
    except BaseException:
        FDGroup(fds, False, False).close()
        raise
    group = FDGroup(fds, bool(flags & C.VIR_DOMAIN_FD_ASSOCIATE_SECLABEL_WRITABLE),
                    bool(flags & C.VIR_DOMAIN_FD_ASSOCIATE_SECLABEL_RESTORE),
                    caller.current.get())
    with _lock:
        old = _groups(vm).get(name)
        _groups(vm)[name] = group
    if old is not None:
        old.close()


def prepare(vm: Any, disks: list[Any], blockdev: dict[str, int],
            inherited: contextlib.ExitStack) -> dict[int, FDSet]:
    """The fd sets of the disks of a starting ``vm`` that read an fd group, by
    storage node index.  The duplicates QEMU inherits are closed by ``inherited``.

    Raises VIR_ERR_INVALID_ARG for a group that was never associated.
    """
    out: dict[int, FDSet] = {}
    for disk in disks:
        name = disk.source.fdgroup if disk.source is not None else None
        index = blockdev.get(disk.alias or "")
        if name is None or index is None:
            continue
        fds = _group_fds(vm, name)
        fdset = FDSet(len(out))
        for fd in fds:
            try:
                dup = os.dup(fd)
            except OSError as exc:
                raise report_system(exc.errno or 0, "failed to duplicate file descriptor for "
                                    f"fd group '{name}'", _FROM) from None
            inherited.callback(os.close, dup)
            fdset.fds.append(dup)
        out[index] = fdset
    return out


def _group_fds(vm: Any, name: str) -> list[int]:
    with _lock:
        group = _groups(vm).get(name)
        fds = list(group.fds) if group is not None else []
    if not fds:
        raise report(C.VIR_ERR_INVALID_ARG, f"file descriptor group '{name}' was not "
                     "associated with the domain", _FROM)
    return fds


def hotplug_fdset(vm: Any, mon: Any, disk: Any, node: str,
                  undo: contextlib.ExitStack) -> tuple[int, int] | None:
    """Hand QEMU the descriptors of a disk being attached that reads an fd group, in a
    new fd set (``add-fd``, opaque ``NODE0``, ``NODE1``...); return (fd set id, count),
    or None for a disk without one.  ``undo`` removes the set again."""
    if not has_fdgroup(disk):
        return None
    fds = _group_fds(vm, disk.source.fdgroup)
    used = [s.get("fdset-id", 0) for s in mon.execute("query-fdsets")]
    fdset = max(used) + 1 if used else 0
    undo.callback(_remove_fdset, mon, fdset)
    for n, fd in enumerate(fds):
        mon.add_fd(fd, fdset, f"{node}{n}")
    return fdset, len(fds)


def remove_fdsets(mon: Any, node: str) -> None:
    """Remove the fd sets of storage node ``node`` (after a disk is detached)."""
    try:
        sets = mon.execute("query-fdsets")
    except libvirtError:
        return
    for fdset in sets:
        if any(str(fd.get("opaque", "")).startswith(node) and
               str(fd.get("opaque", ""))[len(node):].isdigit() for fd in fdset.get("fds", [])):
            _remove_fdset(mon, fdset.get("fdset-id", 0))


def _remove_fdset(mon: Any, fdset: int) -> None:
    with contextlib.suppress(libvirtError):
        mon.execute("remove-fd", {"fdset-id": fdset})


def has_fdgroup(disk: Any) -> bool:
    """Whether ``disk`` is opened from associated descriptors (no host path to check)."""
    return disk.source is not None and disk.source.fdgroup is not None


class FDAssocAPI:
    """virDomainFDAssociate for the QEMU driver."""

    vm_of: Any
    domains: Any

    def release_caller(self, owner: object) -> None:
        """Drop the groups pyvirtd client ``owner`` associated: it went away (as libvirt
        forgets them with the connection that made them; a running QEMU keeps its own)."""
        dropped = []
        with _lock:
            for vm in self.domains.all():
                groups = _groups(vm)
                for name in [n for n, g in groups.items() if g.owner is owner]:
                    dropped.append(groups.pop(name))
        for group in dropped:
            group.close()

    def domainFDAssociate(self, dom: Any, name: str, files: Any,
                          flags: int) -> int:
        """Associate the descriptors ``files`` with the domain under ``name``."""
        check_flags(flags, _FLAGS, "qemuDomainFDAssociate", _FROM)
        files = list(files or ())
        if not files:
            return 0
        vm = self.vm_of(dom)
        associate(vm, name, files, flags)
        return 0
