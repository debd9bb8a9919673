"""What the local hypervisor drivers (QEMU, LXC) share: their domain table's calls
and one driver per state root per process.

:class:`DomainTableAPI` answers lookups, listings, the plain connection
queries and event registration from ``self.domains`` (a
:class:`pyvirt.drivers.qemu.domobj.DomainList`) and ``self.events``,
reporting from ``self.error_domain``; :class:`RootDrivers` keeps one
started driver per state root, shared by the connections of a process.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid as _uuid
from collections.abc import Callable
from typing import Any

from pyvirt import constants as C
from pyvirt.errors import libvirtError, report

log = logging.getLogger(__name__)


class DomainTableAPI:
    """Lookups, listings, definitions and connection basics of a driver with a
    domain table whose persistent state is laid out as
    :mod:`pyvirt.drivers.qemu.status` writes it under ``self.cfg``."""

    error_domain: int
    domains: Any
    events: Any
    cfg: Any

    def no_domain(self, what: str) -> libvirtError:
        """libvirt's VIR_ERR_NO_DOMAIN with ``what``."""
        return report(C.VIR_ERR_NO_DOMAIN, what, self.error_domain)

    def vm_of(self, dom: Any) -> Any:
        """The domain object behind a handle (VIR_ERR_NO_DOMAIN when gone)."""
        vm = self.domains.by_uuid(dom.uuid)
        if vm is None:
            raise self.no_domain(f"no domain with matching uuid '{dom.uuid}' ({dom.name})")
        return vm

    def domainLookupByName(self, name: str) -> Any:
        vm = self.domains.by_name(name)
        if vm is None:
            raise self.no_domain(f"no domain with matching name '{name}'")
        return vm.handle()

    def domainLookupByUUIDString(self, uuidstr: str) -> Any:
        try:
            key = str(_uuid.UUID(uuidstr))
        except ValueError:
            raise report(C.VIR_ERR_INVALID_ARG, f"invalid UUID '{uuidstr}'",
                         self.error_domain) from None
        vm = self.domains.by_uuid(key)
        if vm is None:
            raise self.no_domain(f"no domain with matching uuid '{key}'")
        return vm.handle()

    def domainLookupByUUID(self, uuid: bytes) -> Any:
        return self.domainLookupByUUIDString(str(_uuid.UUID(bytes=bytes(uuid))))

    def domainLookupByID(self, id: int) -> Any:
        vm = self.domains.by_id(id)
        if vm is None:
            raise self.no_domain(f"no domain with matching id {id}")
        return vm.handle()

    # --- the connection ----------------------------------------------------------------
    def connectGetLibVersion(self) -> int:
        return 9000000

    def connectGetHostname(self) -> str:
        return socket.gethostname()

    def connectIsAlive(self) -> int:
        return 1

    def connectIsEncrypted(self) -> int:
        return 0

    def connectIsSecure(self) -> int:
        return 1

    def connectDomainEventRegisterAny(self, dom: Any, eventID: int,
                                      callback: Any) -> int:
        return int(self.events.register("domain", eventID, dom.uuid if dom else None,
                                        callback))

    def connectDomainEventDeregisterAny(self, callbackID: int) -> int:
        self.events.deregister(callbackID)
        return 0

    # --- listing -------------------------------------------------------------------------
    def connectListAllDomains(self, flags: int) -> list[Any]:
        if not flags:           # no filter (virsh list --all): skip the per-domain checks
            return [vm.handle() for vm in self.domains.all()]
        return [vm.handle() for vm in self.domains.all() if matches(vm, flags, self)]

    def has_snapshots(self, vm: Any) -> bool:
        """Whether ``vm`` has snapshot metadata (none unless the driver keeps some)."""
        return False

    def has_checkpoints(self, vm: Any) -> bool:
        """Whether ``vm`` has checkpoints (none unless the driver keeps some)."""
        return False

    def connectListDomains(self) -> list[int]:
        return sorted(vm.id for vm in self.domains.all() if vm.is_active())

    def connectNumOfDomains(self) -> int:
        return len(self.connectListDomains())

    def connectListDefinedDomains(self) -> list[str]:
        return [vm.name for vm in self.domains.all() if not vm.is_active()]

    def connectNumOfDefinedDomains(self) -> int:
        return len(self.connectListDefinedDomains())

    # --- simple queries --------------------------------------------------------------------
    def domainIsActive(self, dom: Any) -> int:
        return int(self.vm_of(dom).is_active())

    def domainIsPersistent(self, dom: Any) -> int:
        return int(self.vm_of(dom).persistent)

    def domainIsUpdated(self, dom: Any) -> int:
        vm = self.vm_of(dom)
        return int(vm.new_def is not None and vm.is_active()
                   and vm.new_def.format(flags=C.VIR_DOMAIN_XML_INACTIVE)
                   != vm.def_.format(flags=C.VIR_DOMAIN_XML_INACTIVE))

    def domainGetAutostart(self, dom: Any) -> int:
        return int(self.vm_of(dom).autostart)

    def domainSetAutostart(self, dom: Any, autostart: int) -> int:
        from pyvirt.drivers.qemu import status as st
        vm = self.vm_of(dom)
        if not vm.persistent:
            raise report(C.VIR_ERR_OPERATION_INVALID,
                         "cannot set autostart for transient domain", self.error_domain)
        try:
            st.set_autostart(self.cfg, vm.name, bool(autostart))
        except OSError as exc:
            raise report(C.VIR_ERR_SYSTEM_ERROR,
                         f"Failed to set autostart of '{vm.name}': {exc.strerror}",
                         self.error_domain) from exc
        vm.autostart = bool(autostart)
        return 0

    def autostart_once(self, start: Callable[[Any], None]) -> None:
        """Start the autostart domains with ``start(vm)``, once per boot of the host
        (a marker in the run directory, which a reboot empties)."""
        marker = os.path.join(self.cfg.state_dir, "autostarted")
        if os.path.exists(marker):
            return
        with open(marker, "w"):
            pass
        for vm in self.domains.all():
            if vm.autostart and not vm.is_active():
                try:
                    with vm.job_scope("start"):
                        start(vm)
                except libvirtError as exc:
                    log.warning("autostart of %s failed: %s", vm.name, exc)

    # --- define ----------------------------------------------------------------------------
    def load_configs(self, parse: Callable[[str], Any], make: Callable[[Any], Any]) -> None:
        """Add a domain (``make(parse(xml))``) for every persistent definition on disk,
        with its autostart mark and the reason it last stopped."""
        from pyvirt.drivers.qemu import status as st
        for path in st.list_configs(self.cfg):
            try:
                with open(path) as f:
                    def_ = parse(f.read())
            except (OSError, libvirtError) as exc:
                log.warning("cannot load domain config %s: %s", path, exc)
                continue
            vm = make(def_)
            vm.persistent = True
            vm.autostart = st.is_autostart(self.cfg, def_.name)
            vm.reason = st.read_stopped(self.cfg, def_.name)
            self.domains.add(vm)

    def define_domain(self, def_: Any, make: Callable[[Any], Any]) -> Any:
        """Make ``def_`` the persistent definition of its domain (new ones from
        ``make(def_)``): saved, then a DEFINED event; return the domain's handle."""
        from pyvirt.drivers.qemu import status as st
        vm, old = self.add_domain(def_, False, make)
        with vm.lock:
            was_persistent = vm.persistent
            try:
                st.save_config(self.cfg, def_)
            except libvirtError:
                if old is None and not vm.is_active():
                    self.domains.remove(vm)
                raise
            if vm.is_active():
                vm.new_def = def_
            else:
                vm.def_ = def_
            vm.persistent = True
        self.events.emit("domain", C.VIR_DOMAIN_EVENT_ID_LIFECYCLE, vm.handle(), vm.uuid,
                         C.VIR_DOMAIN_EVENT_DEFINED,
                         C.VIR_DOMAIN_EVENT_DEFINED_UPDATED if was_persistent or old
                         else C.VIR_DOMAIN_EVENT_DEFINED_ADDED)
        return vm.handle()

    def add_domain(self, def_: Any, live: bool, make: Callable[[Any], Any]) -> tuple[Any, Any]:
        """Add or update the domain of ``def_`` (a new object from ``make(def_)``);
        return (vm, its old persistent definition or None)."""
        vm = self.domains.by_uuid(def_.uuid)
        if vm is not None:
            if vm.name != def_.name:
                raise report(C.VIR_ERR_OPERATION_FAILED,
                             f"domain '{vm.name}' is already defined with uuid {vm.uuid}",
                             self.error_domain)
            if live and vm.is_active():
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             f"domain '{vm.name}' is already active", self.error_domain)
            return vm, vm.persistent_def() if vm.persistent else None
        other = self.domains.by_name(def_.name)
        if other is not None:
            raise report(C.VIR_ERR_OPERATION_FAILED,
                         f"domain '{def_.name}' already exists with uuid {other.uuid}",
                         self.error_domain)
        vm = make(def_)
        self.domains.add(vm)
        return vm, None


def matches(vm: Any, flags: int, drv: Any = None) -> bool:
    """libvirt's virDomainObjListFilter for the listAllDomains flags (``drv``'s
    ``has_snapshots``/``has_checkpoints`` answer the HAS_/NO_ filters)."""
    def pair(yes: int, no: int, value: bool) -> bool:
        if flags & (yes | no) in (0, yes | no):
            return True
        return bool(flags & yes) == value

    state = vm.state
    if not pair(C.VIR_CONNECT_LIST_DOMAINS_ACTIVE, C.VIR_CONNECT_LIST_DOMAINS_INACTIVE,
                vm.is_active()):
        return False
    if not pair(C.VIR_CONNECT_LIST_DOMAINS_PERSISTENT, C.VIR_CONNECT_LIST_DOMAINS_TRANSIENT,
                vm.persistent):
        return False
    if not pair(C.VIR_CONNECT_LIST_DOMAINS_AUTOSTART, C.VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART,
                vm.autostart):
        return False
    if not pair(C.VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE,
                C.VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE,
                getattr(vm, "has_managed_save", False)):
        return False
    snaps = C.VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT | C.VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT
    if flags & snaps and not pair(
            C.VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT, C.VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT,
            drv is not None and drv.has_snapshots(vm)):
        return False
    chks = C.VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT | C.VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT
    if flags & chks and not pair(
            C.VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT, C.VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT,
            drv is not None and drv.has_checkpoints(vm)):
        return False
    states = flags & (C.VIR_CONNECT_LIST_DOMAINS_RUNNING | C.VIR_CONNECT_LIST_DOMAINS_PAUSED
                      | C.VIR_CONNECT_LIST_DOMAINS_SHUTOFF | C.VIR_CONNECT_LIST_DOMAINS_OTHER)
    if states:
        kind = {C.VIR_DOMAIN_RUNNING: C.VIR_CONNECT_LIST_DOMAINS_RUNNING,
                C.VIR_DOMAIN_PAUSED: C.VIR_CONNECT_LIST_DOMAINS_PAUSED,
                C.VIR_DOMAIN_SHUTOFF: C.VIR_CONNECT_LIST_DOMAINS_SHUTOFF
                }.get(state, C.VIR_CONNECT_LIST_DOMAINS_OTHER)
        if not states & kind:
            return False
    return True


class RootDrivers:
    """One started driver per state root in this process, counted by connections."""

    def __init__(self, make: Callable[[Any], Any]) -> None:
        self._make = make
        self._lock = threading.Lock()
        self._drivers: dict[str, Any] = {}

    def open(self, cfg: Any) -> Any:
        """The driver for ``cfg``'s root, started on first use and shared after."""
        with self._lock:
            drv = self._drivers.get(cfg.state_dir)
            if drv is None:
                drv = self._make(cfg)
                drv.startup()
                self._drivers[cfg.state_dir] = drv
            drv.refs += 1
            return drv

    def close(self, drv: Any) -> None:
        """Drop one connection's reference; the last one shuts the driver down.

        Under the lock: a connection opened meanwhile waits for the root's
        lock file to be free instead of failing with "in use by process <this one>".
        """
        with self._lock:
            drv.refs -= 1
            if drv.refs > 0:
                return
            self._drivers.pop(drv.cfg.state_dir, None)
            drv.shutdown()
