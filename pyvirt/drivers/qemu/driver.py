"""The QEMU hypervisor driver: the driver table of ``qemu://`` connections.

:class:`QemuDriver` implements :class:`pyvirt.driver.interface.HypervisorDriver`
for one state root (``qemu:///embed?root=DIR``, ``qemu:///system``,
``qemu:///session``).  Connections to the same root in one process share
one driver (see :func:`open_driver`); another process is refused while
this one holds the root's lock.

On open the driver loads the persistent definitions, reads the status XML
of guests that were running, takes over those whose QEMU still runs
(reconnecting QMP, watching the pid) and marks the others shut off, then
starts the autostart domains once.

Threads: API calls run in the caller's thread; QMP events arrive on the
library's loop thread (:mod:`pyvirt.util.aioloop`); work that needs a
domain's job slot after an event runs on the driver's worker thread.
"""

from __future__ import annotations

import functools
import logging
import os
import queue
import threading
from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt import errors as _errors
from pyvirt.driver import interface as I
from pyvirt.driver.events import EventRegistry
from pyvirt.drivers.localdomains import DomainTableAPI, RootDrivers, matches
from pyvirt.drivers.qemu import checkpoint, snapshot
from pyvirt.drivers.qemu import status as st
from pyvirt.drivers.qemu.api_agent import AgentAPI
from pyvirt.drivers.qemu.api_devices import DevicesAPI
from pyvirt.drivers.qemu.api_devtune import DevTuneAPI
from pyvirt.drivers.qemu.api_graphics import GraphicsAPI
from pyvirt.drivers.qemu.api_host import HostAPI
from pyvirt.drivers.qemu.api_migparams import MigParamsAPI
from pyvirt.drivers.qemu.api_monitor import MonitorAPI
from pyvirt.drivers.qemu.api_pin import PinAPI
from pyvirt.drivers.qemu.api_resources import ResourcesAPI
from pyvirt.drivers.qemu.api_save import SaveParamsAPI
from pyvirt.drivers.qemu.api_tune import TuneAPI
from pyvirt.drivers.qemu.backup import BackupAPI
from pyvirt.drivers.qemu.blockjob import BlockJobAPI
from pyvirt.drivers.qemu.checkpoint import CheckpointAPI
from pyvirt.drivers.qemu.config import DriverConfig, RootLock
from pyvirt.drivers.qemu.domobj import DomainHandle, DomainList, DomainObj
from pyvirt.drivers.qemu.fdassoc import FDAssocAPI
from pyvirt.drivers.qemu.snapshot import SnapshotAPI
from pyvirt.errors import libvirtError, report
from pyvirt.util.lazy import lazy_module

# Imported when first used: opening a root and listing its guests needs
# neither the domain XML model nor QMP (asyncio) nor the command line.
if TYPE_CHECKING:
    from pyvirt.conf import domain as confdom
    from pyvirt.conf.domain import DomainDef
    from pyvirt.drivers.qemu import (
        address,
        capabilities,
        command,
        console,
        domain,
        hotplug,
        process,
        save,
        stats,
    )
    from pyvirt.drivers.qemu import monitor as qmon
else:
    confdom = lazy_module("pyvirt.conf.domain", globals())
    address = lazy_module("pyvirt.drivers.qemu.address", globals())
    capabilities = lazy_module("pyvirt.drivers.qemu.capabilities", globals())
    command = lazy_module("pyvirt.drivers.qemu.command", globals())
    console = lazy_module("pyvirt.drivers.qemu.console", globals())
    domain = lazy_module("pyvirt.drivers.qemu.domain", globals())
    hotplug = lazy_module("pyvirt.drivers.qemu.hotplug", globals())
    process = lazy_module("pyvirt.drivers.qemu.process", globals())
    save = lazy_module("pyvirt.drivers.qemu.save", globals())
    stats = lazy_module("pyvirt.drivers.qemu.stats", globals())
    qmon = lazy_module("pyvirt.drivers.qemu.monitor", globals())

_FROM = C.VIR_FROM_QEMU
log = logging.getLogger(__name__)

_DEFINE_FLAGS = C.VIR_DOMAIN_DEFINE_VALIDATE
_UNDEFINE_FLAGS = (C.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | C.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
                   | C.VIR_DOMAIN_UNDEFINE_NVRAM | C.VIR_DOMAIN_UNDEFINE_KEEP_NVRAM
                   | C.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA | C.VIR_DOMAIN_UNDEFINE_TPM
                   | C.VIR_DOMAIN_UNDEFINE_KEEP_TPM)


def check_flags(flags: int, allowed: int, func: str) -> None:
    """libvirt's virCheckFlags, reported from the QEMU driver's error domain."""
    _errors.check_flags(flags, allowed, func, _FROM)


def parse_def(xml: str, flags: int = 0) -> DomainDef:
    """Parse domain XML for this driver (optionally validated against the schema)."""
    if flags & C.VIR_DOMAIN_DEFINE_VALIDATE:
        from pyvirt.conf import xmlutil
        xmlutil.validate(xml, "domain")
    return confdom.DomainDef.parse(xml)


class QemuDriver(MonitorAPI, GraphicsAPI, FDAssocAPI, AgentAPI, BlockJobAPI, HostAPI, TuneAPI, PinAPI,
                 DevTuneAPI, ResourcesAPI, DevicesAPI, SnapshotAPI, CheckpointAPI, BackupAPI,
                 SaveParamsAPI, MigParamsAPI, DomainTableAPI, I.HypervisorDriver):
    """The QEMU driver for one state root."""

    error_domain = _FROM
    # Queries that read memory (and /proc) under the short-held domain lock,
    # never the monitor: a daemon may answer them without a thread hop.
    inline_queries = frozenset({"domainGetInfo"})

    def __init__(self, cfg: DriverConfig) -> None:
        self.cfg = cfg
        self.domains = DomainList()
        self.events = EventRegistry()
        self.lock = RootLock(cfg)
        self.refs = 0
        self._work: queue.Queue[tuple | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._closing = False

    @functools.cached_property
    def caps(self) -> capabilities.CapsCache:
        """Probed capabilities of the QEMU binaries (their module imported on first use)."""
        return capabilities.CapsCache(self.cfg.caps_cache_dir)

    # --- life of the driver ---------------------------------------------------------
    def startup(self) -> None:
        """Take the root, load definitions, reconnect to running guests, autostart."""
        self.cfg.make_dirs()
        self.lock.acquire()
        try:
            self._worker = threading.Thread(target=self._work_loop, name="pyvirt-qemu-worker",
                                            daemon=True)
            self._worker.start()
            self._load_configs()
            for path in st.list_status(self.cfg):
                self._reconnect(path)
            self._autostart()
        except BaseException:
            self.shutdown()
            raise

    def shutdown(self) -> None:
        """Let go of the root: close monitors and watchers, leave guests running.

        The worker stops first.  Guest power-offs it has not handled yet stay
        unhandled: their QEMU waits in its 'shutdown' run state for the next
        process on this root, which finishes them (see :meth:`_reconnect`).
        """
        self._closing = True
        if self._worker is not None:
            self._work.put(None)
            self._worker.join(5)
            self._worker = None
        for vm in self.domains.all():
            with vm.lock:
                mon, proc = vm.mon, vm.proc
                vm.mon = vm.proc = None
                consoles = list(vm.consoles.values())
                vm.consoles.clear()
                agent, vm.agent = vm.agent, None
            for con in consoles:
                con.close(eof=True)
            if agent is not None:       # QEMU serves one agent client at a time
                agent.close()
            if mon is not None:
                mon.close()
            if proc is not None:
                proc.close()
        self.lock.release()

    def _load_configs(self) -> None:
        # the XML model is imported only when there is a definition to read
        self.load_configs(lambda text: confdom.DomainDef.parse(text), DomainObj)
        for vm in self.domains.all():
            vm.has_managed_save = os.path.exists(save.managed_path(self.cfg, vm.name))

    def _reconnect(self, path: str) -> None:
        """Take over the guest whose status file is ``path``."""
        try:
            status = st.read_status(path)
            live = confdom.DomainDef.parse(status.domain_xml, live=True)
        except libvirtError as exc:
            log.warning("cannot read status %s: %s", path, exc)
            return
        domain.translate_volumes(self, address.devices(live, "disk"), quiet=True)
        vm = self.domains.by_uuid(live.uuid)
        if vm is None:
            vm = DomainObj(live)
            vm.persistent = False
            self.domains.add(vm)
        persistent = vm.def_ if vm.persistent else None
        domid = _domain_id(status.domain_xml)
        proc = None
        if status.pid and status.starttime is not None:
            proc = process.attach(status.pid, status.starttime)
        with vm.lock:
            vm.def_ = live
            vm.new_def = persistent
            vm.id = domid
            vm.state, vm.reason = status.state, status.reason
            vm.monitor_path = status.monitor_path
            vm.domain_dir = status.domain_dir
            vm.pidfile = status.pidfile
            vm.log_path = status.log_path
            vm.fake_reboot = status.fake_reboot
            vm.got_shutdown = status.got_shutdown
            vm.blockdev = dict(status.blockdev)
            vm.taints = set(status.taints)
        self.domains.note_id(domid)
        if proc is None:
            self._reconnect_failed(vm, status.state)
            return
        vm.proc = proc
        mon = qmon.Monitor(status.monitor_path or "", lambda *a: self.on_qmp_event(vm, proc, *a),
                           name=live.name)
        try:
            mon.connect(timeout=10)
            vm.mon = mon
            running = mon.execute("query-status")
        except (libvirtError, qmon.MonitorEOF) as exc:
            log.warning("%s: cannot reconnect to QEMU: %s", live.name, exc)
            mon.close()
            vm.mon = None
            self._reconnect_failed(vm, status.state)
            return
        with vm.lock:
            powered_off = not running.get("running") and (
                running.get("status") == "shutdown" or vm.got_shutdown
                or vm.state == C.VIR_DOMAIN_SHUTDOWN)
            if running.get("running"):
                if vm.state != C.VIR_DOMAIN_RUNNING:
                    vm.set_state(C.VIR_DOMAIN_RUNNING, C.VIR_DOMAIN_RUNNING_UNPAUSED)
            elif powered_off:
                # The guest powered off while no process watched (QEMU runs
                # with -no-shutdown and waits in its 'shutdown' run state):
                # libvirt's qemuProcessUpdateState + qemuProcessShutdownOrReboot.
                vm.got_shutdown = True
                vm.set_state(C.VIR_DOMAIN_SHUTDOWN, C.VIR_DOMAIN_SHUTDOWN_UNKNOWN)
            elif vm.state == C.VIR_DOMAIN_RUNNING:
                vm.set_state(C.VIR_DOMAIN_PAUSED, C.VIR_DOMAIN_PAUSED_UNKNOWN)
        if powered_off:
            # Finished here, before the open returns, so that this process
            # already answers 'shut off (shutdown)' (or runs the rebooted guest).
            with vm.job_scope("shutdown"):
                domain.finish_shutdown(self, vm, proc)
            if vm.proc is not proc:
                return
        domain.placement.reattach(self, vm)
        proc.watch(lambda p: self.on_process_exit(vm, p))
        st.save_status(self.cfg, vm)

    def _reconnect_failed(self, vm: DomainObj, old_state: int) -> None:
        """QEMU died while nobody watched: shut off, as shutdown or crash."""
        reason = (C.VIR_DOMAIN_SHUTOFF_SHUTDOWN if old_state == C.VIR_DOMAIN_SHUTDOWN or
                  vm.got_shutdown else C.VIR_DOMAIN_SHUTOFF_CRASHED)
        domain.stop(self, vm, reason)
        detail = (C.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN if reason == C.VIR_DOMAIN_SHUTOFF_SHUTDOWN
                  else C.VIR_DOMAIN_EVENT_STOPPED_FAILED)
        domain.lifecycle(self, vm, C.VIR_DOMAIN_EVENT_STOPPED, detail)

    def _autostart(self) -> None:
        self.autostart_once(lambda vm: domain.start(self, vm))

    # --- events and work ----------------------------------------------------------------
    def emit(self, vm: DomainObj, event_id: int, *args: Any) -> None:
        """Queue a domain event to the registered callbacks."""
        self.events.emit("domain", event_id, vm.handle(), vm.uuid, *args)

    def on_qmp_event(self, vm: DomainObj, proc: Any, name: str, data: dict,
                     seconds: float = 0.0) -> None:
        """QMP event from ``vm``'s QEMU (loop thread)."""
        domain.on_qmp_event(self, vm, proc, name, data)

    def on_process_exit(self, vm: DomainObj, proc: Any) -> None:
        """``vm``'s QEMU exited (loop thread)."""
        self.queue_work(vm, "exit", proc)

    def queue_work(self, vm: DomainObj, kind: str, proc: Any, *args: Any) -> None:
        """Hand work to the worker thread."""
        self._work.put((vm, kind, proc, args))

    def _work_loop(self) -> None:
        while True:
            item = self._work.get()
            if item is None:
                return
            vm, kind, proc, args = item
            if self._closing and kind in _LEFT_FOR_NEXT_PROCESS:
                continue
            try:
                domain.process_work(self, vm, kind, proc, *args)
            except Exception:  # noqa: BLE001 - the worker must survive any one failure
                log.exception("%s: %s handling failed", vm.name, kind)

    def hotplug_removed(self, vm: DomainObj, proc: Any, alias: str) -> None:
        """QEMU finished unplugging ``alias`` (worker thread)."""
        hotplug.device_removed(self, vm, proc, alias)

    # --- the connection ----------------------------------------------------------------------
    def connectClose(self) -> int:  # noqa: N802
        close_driver(self)
        return 0

    def connectGetType(self) -> str:  # noqa: N802
        return "QEMU"

    def connectGetURI(self) -> str:  # noqa: N802
        return self.cfg.uri()

    def connectGetVersion(self) -> int:  # noqa: N802
        binary = capabilities.find_binary(capabilities.host_arch())
        return self.caps.get(binary).version if binary else 0

    def connectGetMaxVcpus(self, type: str | None) -> int:  # noqa: N802,A002
        if type is not None and type.lower() not in ("qemu", "kvm"):
            raise report(C.VIR_ERR_INVALID_ARG, f"unknown type '{type}'", _FROM)
        return capabilities.connect_max_vcpus(type)

    def connectGetCapabilities(self) -> str:  # noqa: N802
        return capabilities.format_capabilities(
            [self.caps.get(b) for b in capabilities.probe_all_known()])

    def connectGetDomainCapabilities(self, emulatorbin: str | None, arch: str | None,  # noqa: N802
                                     machine: str | None, virttype: str | None,
                                     flags: int) -> str:
        check_flags(flags, 0, "qemuConnectGetDomainCapabilities")
        return capabilities.domain_capabilities(self.caps, emulatorbin, arch, machine,
                                                virttype)

    def connectGetCPUModelNames(self, arch: str, flags: int) -> list[str]:  # noqa: N802
        check_flags(flags, 0, "qemuConnectGetCPUModelNames")
        return capabilities.cpu_model_names(arch)

    def connectDomainXMLToNative(self, nativeFormat: str, domainXml: str,  # noqa: N802,N803
                                 flags: int) -> str:
        check_flags(flags, 0, "qemuConnectDomainXMLToNative")
        if nativeFormat != "qemu-argv":
            raise report(C.VIR_ERR_INVALID_ARG,
                         f"unsupported config type {nativeFormat}", _FROM)
        def_ = parse_def(domainXml)
        caps = domain.caps_for(self, def_)
        domain.prepare_live(def_, caps)
        domain.translate_volumes(self, address.devices(def_, "disk"))
        from pyvirt.drivers.qemu import spice
        spice.resolve_network_listens(self.cfg, def_)
        dom_dir = os.path.join(self.cfg.state_dir, f"domain--1-{def_.name}")
        ctx = command.BuildContext(caps=caps, monitor_fd=3, domain_dir=dom_dir)
        for i, net in enumerate(address.devices(def_, "interface")):
            if net.type.value in ("ethernet", "bridge", "network"):
                ctx.tap_fds[net.alias] = 100 + i
        return command.build(def_, ctx).to_text().replace(" \\\n", " ").strip()

    def has_snapshots(self, vm: Any) -> bool:
        """Whether ``vm`` has snapshot metadata (listAllDomains' HAS_/NO_SNAPSHOT)."""
        return len(snapshot.snapshots(self, vm)) > 0

    def has_checkpoints(self, vm: Any) -> bool:
        """Whether ``vm`` has checkpoints (listAllDomains' HAS_/NO_CHECKPOINT)."""
        return len(checkpoint.checkpoints(self, vm)) > 0

    # --- define / undefine ---------------------------------------------------------------
    def _add(self, def_: DomainDef, live: bool) -> tuple[DomainObj, Any]:
        """Add or update the domain of ``def_``; return (vm, old persistent def or None)."""
        vm, old = self.add_domain(def_, live, DomainObj)
        return vm, old

    def _post_parse(self, def_: DomainDef) -> None:
        """The QEMU driver's define-time defaults: emulator, machine, devices, addresses."""
        command.check_lifecycle(def_)
        caps = domain.caps_for(self, def_)
        if not def_.emulator:
            def_.emulator = caps.binary
        machine = caps.canonical_machine(def_.os.machine)
        if machine is not None:
            def_.os.machine = machine
        address.prepare(def_)

    def domainDefineXML(self, xml: str) -> DomainHandle:  # noqa: N802
        return self.domainDefineXMLFlags(xml, 0)

    def domainDefineXMLFlags(self, xml: str, flags: int) -> DomainHandle:  # noqa: N802
        check_flags(flags, _DEFINE_FLAGS, "qemuDomainDefineXMLFlags")
        def_ = parse_def(xml, flags)
        self._post_parse(def_)
        return self.define_domain(def_, DomainObj)  # type: ignore[no-any-return]

    def domainUndefine(self, dom: Any) -> int:  # noqa: N802
        return self.domainUndefineFlags(dom, 0)

    def domainUndefineFlags(self, dom: Any, flags: int) -> int:  # noqa: N802
        check_flags(flags, _UNDEFINE_FLAGS, "qemuDomainUndefineFlags")
        vm = self.vm_of(dom)
        with vm.job_scope("undefine"):
            if not vm.persistent:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             "cannot undefine transient domain", _FROM)
            if vm.has_managed_save:
                if not flags & C.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE:
                    raise report(C.VIR_ERR_OPERATION_INVALID,
                                 "Refusing to undefine while domain managed save image exists",
                                 _FROM)
                save.remove_managed(self, vm)
            snapshot.undefine_check(self, vm, flags)
            checkpoint.undefine_check(self, vm, flags)
            st.delete_config(self.cfg, vm.name)
            nvram = vm.persistent_def().os.nvram
            if nvram and flags & C.VIR_DOMAIN_UNDEFINE_NVRAM:
                try:
                    os.unlink(nvram)
                except FileNotFoundError:
                    pass
            with vm.lock:
                vm.persistent = False
                vm.autostart = False
                vm.new_def = None
                active = vm.is_active()
            domain.lifecycle(self, vm, C.VIR_DOMAIN_EVENT_UNDEFINED,
                             C.VIR_DOMAIN_EVENT_UNDEFINED_REMOVED)
            if not active:
                self.domains.remove(vm)
        return 0

    # --- lifecycle ----------------------------------------------------------------------
    def domainCreate(self, dom: Any) -> int:  # noqa: N802
        return self.domainCreateWithFlags(dom, 0)

    def domainCreateWithFlags(self, dom: Any, flags: int) -> int:  # noqa: N802
        check_flags(flags, C.VIR_DOMAIN_START_PAUSED | C.VIR_DOMAIN_START_AUTODESTROY
                    | C.VIR_DOMAIN_START_BYPASS_CACHE | C.VIR_DOMAIN_START_FORCE_BOOT
                    | C.VIR_DOMAIN_START_RESET_NVRAM, "qemuDomainCreateWithFlags")
        vm = self.vm_of(dom)
        with vm.job_scope("start"):
            if vm.is_active() or not save.start_managed(self, vm, flags):
                domain.start(self, vm, flags)
        dom.id = vm.id              # libvirt updates the caller's handle
        return 0

    def domainCreateXML(self, xmlDesc: str, flags: int) -> DomainHandle:  # noqa: N802,N803
        check_flags(flags, C.VIR_DOMAIN_START_PAUSED | C.VIR_DOMAIN_START_AUTODESTROY
                    | C.VIR_DOMAIN_START_VALIDATE | C.VIR_DOMAIN_START_RESET_NVRAM,
                    "qemuDomainCreateXML")
        def_ = parse_def(xmlDesc, C.VIR_DOMAIN_DEFINE_VALIDATE
                         if flags & C.VIR_DOMAIN_START_VALIDATE else 0)
        vm, old = self._add(def_, live=True)
        try:
            with vm.job_scope("start"):
                domain.start(self, vm, flags & C.VIR_DOMAIN_START_PAUSED, run_def=def_)
        except BaseException:
            if old is None and not vm.persistent:
                self.domains.remove(vm)
            raise
        return vm.handle()

    def domainDestroy(self, dom: Any) -> int:  # noqa: N802
        return self.domainDestroyFlags(dom, 0)

    def domainDestroyFlags(self, dom: Any, flags: int) -> int:  # noqa: N802
        check_flags(flags, C.VIR_DOMAIN_DESTROY_GRACEFUL, "qemuDomainDestroyFlags")
        domain.destroy(self, self.vm_of(dom), flags)
        dom.id = -1
        return 0

    def domainShutdown(self, dom: Any) -> int:  # noqa: N802
        return self.domainShutdownFlags(dom, 0)

    def domainShutdownFlags(self, dom: Any, flags: int) -> int:  # noqa: N802
        check_flags(flags, C.VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN
                    | C.VIR_DOMAIN_SHUTDOWN_GUEST_AGENT, "qemuDomainShutdownFlags")
        vm = self.vm_of(dom)
        if self.agent_power_first(vm, flags, reboot=False):
            return 0
        with vm.job_scope("modify"):
            domain.shutdown(self, vm)
        return 0

    def domainReboot(self, dom: Any, flags: int) -> int:  # noqa: N802
        check_flags(flags, C.VIR_DOMAIN_REBOOT_ACPI_POWER_BTN | C.VIR_DOMAIN_REBOOT_GUEST_AGENT,
                    "qemuDomainReboot")
        vm = self.vm_of(dom)
        if self.agent_power_first(vm, flags, reboot=True):
            return 0
        with vm.job_scope("modify"):
            domain.reboot(self, vm)
        return 0

    def domainReset(self, dom: Any, flags: int) -> int:  # noqa: N802
        check_flags(flags, 0, "qemuDomainReset")
        vm = self.vm_of(dom)
        with vm.job_scope("modify"):
            domain.reset(self, vm)
        return 0

    def domainSuspend(self, dom: Any) -> int:  # noqa: N802
        vm = self.vm_of(dom)
        with vm.job_scope("suspend"):
            domain.suspend(self, vm)
        return 0

    def domainResume(self, dom: Any) -> int:  # noqa: N802
        vm = self.vm_of(dom)
        with vm.job_scope("modify"):
            domain.resume(self, vm)
        return 0

    # --- save and restore (save.py) ----------------------------------------------------------
    def domainSave(self, dom: Any, to: str) -> int:  # noqa: N802
        return self.domainSaveFlags(dom, to, None, 0)

    def domainCreateLinux(self, xmlDesc: str, flags: int) -> DomainHandle:  # noqa: N802,N803
        """virDomainCreateLinux: the old name of virDomainCreateXML."""
        return self.domainCreateXML(xmlDesc, flags)

    def domainSaveFlags(self, dom: Any, to: str, dxml: str | None,  # noqa: N802
                        flags: int) -> int:
        check_flags(flags, _SAVE_FLAGS, "qemuDomainSaveFlags")
        _check_run_pause(flags)
        save.save(self, self.vm_of(dom), to, dxml, flags)
        dom.id = -1
        return 0

    def domainManagedSave(self, dom: Any, flags: int) -> int:  # noqa: N802
        check_flags(flags, _SAVE_FLAGS, "qemuDomainManagedSave")
        _check_run_pause(flags)
        vm = self.vm_of(dom)
        if not vm.persistent:
            raise report(C.VIR_ERR_OPERATION_INVALID,
                         "cannot do managed save for transient domain", _FROM)
        path = save.managed_path(self.cfg, vm.name)
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        save.save(self, vm, path, None, flags, managed=True)
        dom.id = -1
        return 0

    def domainHasManagedSaveImage(self, dom: Any, flags: int) -> int:  # noqa: N802
        check_flags(flags, 0, "qemuDomainHasManagedSaveImage")
        return int(self.vm_of(dom).has_managed_save)

    def domainManagedSaveRemove(self, dom: Any, flags: int) -> int:  # noqa: N802
        check_flags(flags, 0, "qemuDomainManagedSaveRemove")
        vm = self.vm_of(dom)
        with vm.job_scope("modify"):
            save.remove_managed(self, vm)
        return 0

    def domainManagedSaveGetXMLDesc(self, dom: Any, flags: int) -> str:  # noqa: N802
        check_flags(flags, C.VIR_DOMAIN_SAVE_IMAGE_XML_SECURE, "qemuDomainManagedSaveGetXMLDesc")
        return save.image_get_xml(save.managed_image(self, self.vm_of(dom)), flags)

    def domainManagedSaveDefineXML(self, dom: Any, dxml: str,  # noqa: N802
                                   flags: int) -> int:
        check_flags(flags, C.VIR_DOMAIN_SAVE_RUNNING | C.VIR_DOMAIN_SAVE_PAUSED,
                    "qemuDomainManagedSaveDefineXML")
        _check_run_pause(flags)
        vm = self.vm_of(dom)
        with vm.job_scope("modify"):
            save.image_define_xml(save.managed_image(self, vm), dxml, flags)
        return 0

    def domainRestore(self, frm: str) -> int:  # noqa: N802
        return self.domainRestoreFlags(frm, None, 0)

    def domainRestoreFlags(self, frm: str, dxml: str | None, flags: int) -> int:  # noqa: N802
        check_flags(flags, C.VIR_DOMAIN_SAVE_BYPASS_CACHE | C.VIR_DOMAIN_SAVE_RUNNING
                    | C.VIR_DOMAIN_SAVE_PAUSED, "qemuDomainRestoreFlags")
        _check_run_pause(flags)
        save.restore(self, frm, dxml, flags)
        return 0

    def domainSaveImageGetXMLDesc(self, file: str, flags: int) -> str:  # noqa: N802
        check_flags(flags, C.VIR_DOMAIN_SAVE_IMAGE_XML_SECURE, "qemuDomainSaveImageGetXMLDesc")
        return save.image_get_xml(file, flags)

    def domainSaveImageDefineXML(self, file: str, dxml: str,  # noqa: N802
                                 flags: int) -> int:
        check_flags(flags, C.VIR_DOMAIN_SAVE_RUNNING | C.VIR_DOMAIN_SAVE_PAUSED,
                    "qemuDomainSaveImageDefineXML")
        _check_run_pause(flags)
        save.image_define_xml(file, dxml, flags)
        return 0

    # --- jobs ----------------------------------------------------------------------------------
    def domainGetJobInfo(self, dom: Any) -> list[int]:  # noqa: N802
        return save.job_info(self.vm_of(dom))

    def domainGetJobStats(self, dom: Any, flags: int) -> dict[str, int]:  # noqa: N802
        check_flags(flags, C.VIR_DOMAIN_JOB_STATS_COMPLETED
                    | C.VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED, "qemuDomainGetJobStats")
        vm = self.vm_of(dom)
        if flags & C.VIR_DOMAIN_JOB_STATS_COMPLETED:
            from pyvirt.drivers.qemu import jobdone
            done = jobdone.fetch(self.cfg, vm,
                                 bool(flags & C.VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED))
            return done or {"type": C.VIR_DOMAIN_JOB_NONE}
        return save.job_stats(vm)

    def domainAbortJob(self, dom: Any) -> int:  # noqa: N802
        save.abort_job(self.vm_of(dom))
        return 0

    def domainAbortJobFlags(self, dom: Any, flags: int) -> int:  # noqa: N802
        check_flags(flags, 0, "qemuDomainAbortJobFlags")
        return self.domainAbortJob(dom)

    # --- simple queries ----------------------------------------------------------------------
    def domainGetOSType(self, dom: Any) -> str:  # noqa: N802
        return str(self.vm_of(dom).def_.os.type)

    def domainGetMaxMemory(self, dom: Any) -> int:  # noqa: N802
        return self.vm_of(dom).def_.memory

    def domainGetMaxVcpus(self, dom: Any) -> int:  # noqa: N802
        vm = self.vm_of(dom)
        if not vm.is_active():
            raise domain.not_running()
        return vm.def_.max_vcpus

    def domainGetVcpusFlags(self, dom: Any, flags: int) -> int:  # noqa: N802
        vm = self.vm_of(dom)
        def_ = vm.persistent_def() if flags & C.VIR_DOMAIN_AFFECT_CONFIG else vm.def_
        if flags & C.VIR_DOMAIN_VCPU_MAXIMUM:
            return def_.max_vcpus
        return def_.vcpus or def_.max_vcpus

    def domainGetState(self, dom: Any, flags: int) -> list[int]:  # noqa: N802
        check_flags(flags, 0, "qemuDomainGetState")
        vm = self.vm_of(dom)
        with vm.lock:
            return [vm.state, vm.reason]

    def domainGetInfo(self, dom: Any) -> list[int]:  # noqa: N802
        return stats.info(self.vm_of(dom))

    def domainGetXMLDesc(self, dom: Any, flags: int) -> str:  # noqa: N802
        check_flags(flags, C.VIR_DOMAIN_XML_SECURE | C.VIR_DOMAIN_XML_INACTIVE
                    | C.VIR_DOMAIN_XML_UPDATE_CPU | C.VIR_DOMAIN_XML_MIGRATABLE,
                    "qemuDomainGetXMLDesc")
        vm = self.vm_of(dom)
        with vm.lock:
            if flags & C.VIR_DOMAIN_XML_INACTIVE or not vm.is_active():
                return vm.persistent_def().format(flags=flags | C.VIR_DOMAIN_XML_INACTIVE)
            return vm.def_.format(id=vm.id, flags=flags)

    # --- statistics (stats.py) --------------------------------------------------------------
    def domainGetCPUStats(self, dom: Any, total: bool, flags: int) -> Any:  # noqa: N802
        return stats.cpu_stats(self.vm_of(dom), total)

    def domainMemoryStats(self, dom: Any) -> dict[str, int]:  # noqa: N802
        return stats.memory_stats(self.vm_of(dom))

    def domainBlockStats(self, dom: Any, path: str) -> tuple:  # noqa: N802
        return stats.block_stats(self.vm_of(dom), path)

    def domainGetBlockInfo(self, dom: Any, path: str, flags: int) -> list[int]:  # noqa: N802
        check_flags(flags, 0, "qemuDomainGetBlockInfo")
        return stats.block_info(self.vm_of(dom), path)

    def domainBlockStatsFlags(self, dom: Any, path: str, flags: int) -> dict:  # noqa: N802
        rd_req, rd_bytes, wr_req, wr_bytes, errs = stats.block_stats(self.vm_of(dom), path)
        return {"rd_operations": rd_req, "rd_bytes": rd_bytes, "wr_operations": wr_req,
                "wr_bytes": wr_bytes, "errs": errs}

    def domainInterfaceStats(self, dom: Any, path: str) -> tuple:  # noqa: N802
        return stats.interface_stats(self.vm_of(dom), path)

    def domainGetVcpus(self, dom: Any) -> tuple:  # noqa: N802
        return stats.vcpus(self.vm_of(dom))

    def connectGetAllDomainStats(self, stats_: int, flags: int) -> list:  # noqa: N802
        vms = [vm for vm in self.domains.all() if matches(vm, flags & _STATS_FILTERS)]
        return [(vm.handle(), stats.domain_stats(vm, stats_)) for vm in vms]

    def domainListGetStats(self, doms: list, stats_: int, flags: int) -> list:  # noqa: N802
        return [(vm.handle(), stats.domain_stats(vm, stats_))
                for vm in (self.vm_of(d) for d in doms)]

    # --- devices (hotplug.py) and consoles (console.py) ----------------------------------
    def domainAttachDevice(self, dom: Any, xml: str) -> int:  # noqa: N802
        return self.domainAttachDeviceFlags(dom, xml, C.VIR_DOMAIN_AFFECT_LIVE)

    def domainAttachDeviceFlags(self, dom: Any, xml: str, flags: int) -> int:  # noqa: N802
        hotplug.attach(self, self.vm_of(dom), xml, flags)
        return 0

    def domainDetachDevice(self, dom: Any, xml: str) -> int:  # noqa: N802
        return self.domainDetachDeviceFlags(dom, xml, C.VIR_DOMAIN_AFFECT_LIVE)

    def domainDetachDeviceFlags(self, dom: Any, xml: str, flags: int) -> int:  # noqa: N802
        hotplug.detach(self, self.vm_of(dom), xml, flags)
        return 0

    def domainDetachDeviceAlias(self, dom: Any, alias: str, flags: int) -> int:  # noqa: N802
        hotplug.detach_alias(self, self.vm_of(dom), alias, flags)
        return 0

    def domainUpdateDeviceFlags(self, dom: Any, xml: str, flags: int) -> int:  # noqa: N802
        hotplug.update(self, self.vm_of(dom), xml, flags)
        return 0

    def domainOpenConsole(self, dom: Any, dev_name: str | None, st_: Any,  # noqa: N802
                          flags: int) -> int:
        check_flags(flags, C.VIR_DOMAIN_CONSOLE_FORCE | C.VIR_DOMAIN_CONSOLE_SAFE,
                    "qemuDomainOpenConsole")
        console.open_console(self, self.vm_of(dom), dev_name, st_, flags)
        return 0


# Work a closing driver leaves to the next process on its root: a powered-off
# guest's QEMU waits (-no-shutdown) and tells that process what happened.
_LEFT_FOR_NEXT_PROCESS = frozenset({"shutdown", "fake-reboot"})

_SAVE_FLAGS = C.VIR_DOMAIN_SAVE_BYPASS_CACHE | C.VIR_DOMAIN_SAVE_RUNNING | C.VIR_DOMAIN_SAVE_PAUSED


def _check_run_pause(flags: int) -> None:
    both = C.VIR_DOMAIN_SAVE_RUNNING | C.VIR_DOMAIN_SAVE_PAUSED
    if flags & both == both:
        raise report(C.VIR_ERR_INVALID_ARG, "flags 'running' and 'paused' are mutually "
                     "exclusive", _FROM)


_STATS_FILTERS = (C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE
                  | C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE
                  | C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_PERSISTENT
                  | C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_TRANSIENT
                  | C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_RUNNING
                  | C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_PAUSED
                  | C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_SHUTOFF
                  | C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_OTHER)


def _domain_id(xml: str) -> int:
    from lxml import etree
    try:
        return int(etree.fromstring(xml.encode()).get("id", "-1"))
    except (ValueError, etree.XMLSyntaxError):
        return -1


# --- one driver per root per process ----------------------------------------------------------

_roots = RootDrivers(QemuDriver)


def open_driver(cfg: DriverConfig) -> QemuDriver:
    """The driver for ``cfg``'s root, started on first use and shared after."""
    drv: QemuDriver = _roots.open(cfg)
    return drv


def close_driver(drv: QemuDriver) -> None:
    """Drop one connection's reference; the last one shuts the driver down."""
    _roots.close(drv)
