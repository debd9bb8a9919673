"""The LXC hypervisor driver: the driver table of ``lxc://`` connections.

One :class:`LxcDriver` per state root (``lxc:///embed?root=DIR``,
``lxc:///system``), shared by the connections of one process; the root's
lock (:class:`pyvirt.drivers.qemu.config.RootLock`) keeps other processes
out.  On open the driver loads the definitions, takes over the containers
whose controllers still run (:func:`process.reconnect`) and starts the
autostart ones once.  Lifecycle work after a controller exits runs on the
driver's worker thread; API calls run in the caller's thread.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import stat
import threading
from typing import Any

from pyvirt import constants as C
from pyvirt import errors as _errors
from pyvirt.driver import interface as I
from pyvirt.driver.events import EventRegistry
from pyvirt.drivers.localdomains import DomainTableAPI, RootDrivers
from pyvirt.drivers.lxc import launcher
from pyvirt.drivers.lxc import process as lproc
from pyvirt.drivers.lxc.hotplug import HotplugAPI
from pyvirt.drivers.lxc.launcher import Launcher
from pyvirt.drivers.lxc.process import LxcDomainObj, not_running
from pyvirt.drivers.lxc.tune import TuneAPI
from pyvirt.drivers.qemu import status as st
from pyvirt.drivers.qemu.config import DriverConfig, RootLock
from pyvirt.drivers.qemu.domobj import DomainHandle, DomainList
from pyvirt.errors import report

_FROM = C.VIR_FROM_LXC
log = logging.getLogger(__name__)


def check_flags(flags: int, allowed: int, func: str) -> None:
    """libvirt's virCheckFlags from the LXC driver's error domain."""
    _errors.check_flags(flags, allowed, func, _FROM)


def parse_def(xml: str, flags: int = 0) -> Any:
    """Parse a container definition; only ``type='lxc'`` domains are accepted."""
    from pyvirt.conf import domain as confdom
    if flags & C.VIR_DOMAIN_DEFINE_VALIDATE:
        from pyvirt.conf import xmlutil
        xmlutil.validate(xml, "domain")
    def_ = confdom.DomainDef.parse(xml)
    if def_.type != "lxc":
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     f"Unable to find any usable hypervisor "
                     f"for the domain type '{def_.type}'", _FROM)
    os_type = def_.os.type.value if def_.os.type is not None else None
    if os_type != "exe":
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     f"OS type '{os_type}' is not "
                     "supported by the LXC driver", _FROM)
    if def_.emulator is None:       # libvirt names its controller program, libvirt_lxc
        def_.emulator = launcher.program_path()
    if def_.os.arch is None:        # libvirt fills the host's architecture at define time
        def_.os.arch = os.uname().machine
    for i, con in enumerate(def_.devices.consoles):
        if con.target_type in (None, "serial"):
            con.target_type = "lxc"
        if con.target_port is None:
            con.target_port = i
    return def_


class LxcDriver(HotplugAPI, TuneAPI, DomainTableAPI, I.HypervisorDriver):
    """The LXC driver for one state root."""

    error_domain = _FROM

    def __init__(self, cfg: DriverConfig) -> None:
        self.cfg = cfg
        self.domains = DomainList()
        self.events = EventRegistry()
        self.lock = RootLock(cfg)
        self.refs = 0
        self._work: queue.Queue[tuple | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self.launcher = Launcher()

    # --- life of the driver -----------------------------------------------------------
    def startup(self) -> None:
        """Take the root, load definitions, take over running containers, autostart."""
        self.cfg.make_dirs()
        self.lock.acquire()
        try:
            self._worker = threading.Thread(target=self._work_loop, name="pyvirt-lxc-worker",
                                            daemon=True)
            self._worker.start()
            self._load_configs()
            for path in st.list_status(self.cfg):
                lproc.reconnect(self, path)
            self._autostart()
        except BaseException:
            self.shutdown()
            raise

    def shutdown(self) -> None:
        """Let go of the root; containers keep running under their controllers."""
        if self._worker is not None:
            self._work.put(None)
            self._worker.join(5)
            self._worker = None
        for vm in self.domains.all():
            with vm.lock:
                proc, vm.proc = vm.proc, None
                consoles = list(vm.consoles.values())
                vm.consoles.clear()
            for con in consoles:
                con.close(eof=True)
            if proc is not None:
                proc.close()
        self.launcher.close()
        self.lock.release()

    def _load_configs(self) -> None:
        self.load_configs(parse_def, LxcDomainObj)

    def _autostart(self) -> None:
        self.autostart_once(lambda vm: lproc.start(self, self._obj(vm)))

    # --- events and work ------------------------------------------------------------------
    def lifecycle(self, vm: Any, event: int, detail: int) -> None:
        """Queue a lifecycle event for ``vm``."""
        self.events.emit("domain", C.VIR_DOMAIN_EVENT_ID_LIFECYCLE, vm.handle(), vm.uuid,
                         event, detail)

    def on_controller_exit(self, vm: LxcDomainObj, proc: Any) -> None:
        """A controller exited (loop thread): handled on the worker."""
        self._work.put((vm, proc))

    def _work_loop(self) -> None:
        while True:
            item = self._work.get()
            if item is None:
                return
            vm, proc = item
            try:
                with vm.job_scope("exit"):
                    lproc.controller_exited(self, vm, proc)
            except Exception:
                log.exception("%s: controller exit handling failed", vm.name)

    # --- lookups -------------------------------------------------------------------------
    @staticmethod
    def _obj(vm: Any) -> LxcDomainObj:
        assert isinstance(vm, LxcDomainObj)
        return vm

    def vm_of(self, dom: Any) -> LxcDomainObj:
        """The container behind a handle (VIR_ERR_NO_DOMAIN when gone)."""
        return self._obj(DomainTableAPI.vm_of(self, dom))

    def running(self, dom: Any) -> LxcDomainObj:
        """The domain object behind a handle, which must be running."""
        vm = self.vm_of(dom)
        if not vm.is_active():
            raise not_running()
        return vm

    # --- the connection ------------------------------------------------------------------
    def connectClose(self) -> int:
        close_driver(self)
        return 0

    def connectGetType(self) -> str:
        return "LXC"

    def connectGetURI(self) -> str:
        return self.cfg.uri()

    def connectGetVersion(self) -> int:
        # libvirt's LXC driver answers with the kernel's version
        nums = [int("".join(ch for ch in p if ch.isdigit()) or 0)
                for p in os.uname().release.split("-")[0].split(".")[:3]]
        nums += [0] * (3 - len(nums))
        return nums[0] * 1000000 + nums[1] * 1000 + nums[2]

    def connectDomainXMLFromNative(self, nativeFormat: str, nativeConfig: str,
                                   flags: int) -> str:
        check_flags(flags, 0, "lxcConnectDomainXMLFromNative")
        if nativeFormat != "lxc-tools":
            raise report(C.VIR_ERR_INVALID_ARG, f"unsupported config type {nativeFormat}",
                         _FROM)
        from pyvirt.drivers.lxc import native
        return native.from_lxc_tools(nativeConfig)

    # --- define / undefine -------------------------------------------------------------------
    def _add(self, def_: Any, live: bool) -> tuple[LxcDomainObj, Any]:
        vm, old = self.add_domain(def_, live, LxcDomainObj)
        return self._obj(vm), old

    def domainDefineXML(self, xml: str) -> DomainHandle:
        return self.domainDefineXMLFlags(xml, 0)

    def domainDefineXMLFlags(self, xml: str, flags: int) -> DomainHandle:
        check_flags(flags, C.VIR_DOMAIN_DEFINE_VALIDATE, "lxcDomainDefineXMLFlags")
        return self.define_domain(parse_def(xml, flags), LxcDomainObj)  # type: ignore[no-any-return]

    def domainUndefine(self, dom: Any) -> int:
        return self.domainUndefineFlags(dom, 0)

    def domainUndefineFlags(self, dom: Any, flags: int) -> int:
        check_flags(flags, 0, "lxcDomainUndefineFlags")
        vm = self.vm_of(dom)
        with vm.job_scope("undefine"):
            if not vm.persistent:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             "Cannot undefine transient domain", _FROM)
            st.delete_config(self.cfg, vm.name)
            with vm.lock:
                vm.persistent = False
                vm.autostart = False
                vm.new_def = None
                active = vm.is_active()
            self.lifecycle(vm, C.VIR_DOMAIN_EVENT_UNDEFINED,
                           C.VIR_DOMAIN_EVENT_UNDEFINED_REMOVED)
            if not active:
                self.domains.remove(vm)
        return 0

    # --- lifecycle ---------------------------------------------------------------------------
    def domainCreate(self, dom: Any) -> int:
        return self.domainCreateWithFlags(dom, 0)

    def domainCreateWithFlags(self, dom: Any, flags: int) -> int:
        return self.domainCreateWithFiles(dom, [], flags)

    def domainCreateWithFiles(self, dom: Any, files: Any, flags: int) -> int:
        """Start the container; ``files`` become its init's descriptors 3, 4, ..."""
        check_flags(flags, 0, "lxcDomainCreateWithFiles")
        vm = self.vm_of(dom)
        with vm.job_scope("start"):
            lproc.start(self, vm, files=list(files or ()))
        dom.id = vm.id
        return 0

    def domainCreateXML(self, xmlDesc: str, flags: int) -> DomainHandle:
        return self.domainCreateXMLWithFiles(xmlDesc, [], flags)

    def domainCreateXMLWithFiles(self, xmlDesc: str, files: Any,
                                 flags: int) -> DomainHandle:
        """Start a transient container; ``files`` become its init's descriptors 3, ..."""
        check_flags(flags, C.VIR_DOMAIN_START_VALIDATE, "lxcDomainCreateXMLWithFiles")
        def_ = parse_def(xmlDesc, C.VIR_DOMAIN_DEFINE_VALIDATE
                         if flags & C.VIR_DOMAIN_START_VALIDATE else 0)
        vm, old = self._add(def_, live=True)
        try:
            with vm.job_scope("start"):
                lproc.start(self, vm, run_def=def_, files=list(files or ()))
        except BaseException:
            if old is None and not vm.persistent:
                self.domains.remove(vm)
            raise
        return vm.handle()

    def domainDestroy(self, dom: Any) -> int:
        return self.domainDestroyFlags(dom, 0)

    def domainDestroyFlags(self, dom: Any, flags: int) -> int:
        check_flags(flags, 0, "lxcDomainDestroyFlags")
        vm = self.vm_of(dom)
        with vm.job_scope("destroy"):
            lproc.destroy(self, vm)
        dom.id = -1
        return 0

    def domainShutdown(self, dom: Any) -> int:
        return self.domainShutdownFlags(dom, 0)

    def domainShutdownFlags(self, dom: Any, flags: int) -> int:
        self._power(dom, flags, "shutdown", signal.SIGTERM, "lxcDomainShutdownFlags")
        return 0

    def domainReboot(self, dom: Any, flags: int) -> int:
        self._power(dom, flags, "reboot", signal.SIGHUP, "lxcDomainReboot")
        return 0

    def _power(self, dom: Any, flags: int, what: str, signum: int, func: str) -> None:
        """Ask init to shut down or reboot: /dev/initctl first, then a signal
        (the ``INITCTL``/``SIGNAL`` modes, both when none is given).

        Unlike libvirt 9.0, the default falls back to the signal when the
        container has no initctl pipe.
        """
        # VIR_DOMAIN_SHUTDOWN_* and VIR_DOMAIN_REBOOT_* modes have the same values
        modes = C.VIR_DOMAIN_SHUTDOWN_INITCTL | C.VIR_DOMAIN_SHUTDOWN_SIGNAL
        check_flags(flags, modes, func)
        vm = self.running(dom)
        with vm.job_scope("modify"):
            with vm.lock:
                if what == "shutdown":
                    vm.shutdown_requested = True
                else:
                    vm.reboot_requested = True
            self._ask_init(vm, flags or modes, what, signum)

    def _ask_init(self, vm: LxcDomainObj, modes: int, what: str, signum: int) -> None:
        if not vm.is_active():
            raise not_running()
        if vm.init_pid <= 0:        # never signal pid 0 (the caller's process group)
            raise report(C.VIR_ERR_OPERATION_FAILED,
                         "the container's init process is not known", _FROM)
        if modes & C.VIR_DOMAIN_SHUTDOWN_INITCTL and _initctl(vm.init_pid, what):
            return
        if modes & C.VIR_DOMAIN_SHUTDOWN_SIGNAL:
            try:
                os.kill(vm.init_pid, signum)
            except ProcessLookupError:
                pass
            return
        raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                     "Container does not provide an initctl pipe", _FROM)

    def domainSuspend(self, dom: Any) -> int:
        vm = self.running(dom)
        with vm.job_scope("suspend"):
            if vm.state != C.VIR_DOMAIN_PAUSED:
                assert vm.cgroup is not None
                if not vm.cgroup.freeze():
                    vm.cgroup.thaw()
                    raise report(C.VIR_ERR_OPERATION_FAILED,
                                 "Suspend operation failed", _FROM)
                with vm.lock:
                    vm.set_state(C.VIR_DOMAIN_PAUSED, C.VIR_DOMAIN_PAUSED_USER)
                lproc.save_status(self, vm)
                self.lifecycle(vm, C.VIR_DOMAIN_EVENT_SUSPENDED,
                               C.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED)
        return 0

    def domainResume(self, dom: Any) -> int:
        vm = self.running(dom)
        with vm.job_scope("modify"):
            if vm.state == C.VIR_DOMAIN_PAUSED:
                assert vm.cgroup is not None
                vm.cgroup.thaw()
                with vm.lock:
                    vm.set_state(C.VIR_DOMAIN_RUNNING, C.VIR_DOMAIN_RUNNING_UNPAUSED)
                lproc.save_status(self, vm)
                self.lifecycle(vm, C.VIR_DOMAIN_EVENT_RESUMED,
                               C.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED)
        return 0

    # --- queries ---------------------------------------------------------------------------
    def domainGetOSType(self, dom: Any) -> str:
        return "exe"

    def domainGetMaxMemory(self, dom: Any) -> int:
        return int(self.vm_of(dom).def_.memory)

    def domainGetState(self, dom: Any, flags: int) -> list[int]:
        check_flags(flags, 0, "lxcDomainGetState")
        vm = self.vm_of(dom)
        return [vm.state, vm.reason]

    def domainGetInfo(self, dom: Any) -> list[int]:
        vm = self.vm_of(dom)
        def_ = vm.def_
        if not vm.is_active() or vm.cgroup is None:
            return [vm.state, def_.memory, 0, def_.vcpus, 0]
        return [vm.state, def_.memory, vm.cgroup.memory_kib(), def_.vcpus,
                vm.cgroup.cpu_time_ns()]

    def domainGetXMLDesc(self, dom: Any, flags: int) -> str:
        check_flags(flags, C.VIR_DOMAIN_XML_SECURE | C.VIR_DOMAIN_XML_INACTIVE
                    | C.VIR_DOMAIN_XML_UPDATE_CPU | C.VIR_DOMAIN_XML_MIGRATABLE,
                    "lxcDomainGetXMLDesc")
        vm = self.vm_of(dom)
        with vm.lock:
            if flags & C.VIR_DOMAIN_XML_INACTIVE and vm.new_def is not None:
                return str(vm.new_def.format(flags=flags))
            return str(vm.def_.format(id=vm.id if vm.is_active() else None, flags=flags))

    def domainOpenConsole(self, dom: Any, dev_name: str | None, st_: Any,
                          flags: int) -> int:
        check_flags(flags, C.VIR_DOMAIN_CONSOLE_SAFE | C.VIR_DOMAIN_CONSOLE_FORCE,
                    "lxcDomainOpenConsole")
        from pyvirt.drivers.qemu import console
        console.open_console(self, self.running(dom), dev_name, st_, flags)
        return 0

    # --- namespaces ---------------------------------------------------------------------------
    def domainLxcOpenNamespace(self, dom: Any, flags: int) -> list[int]:
        """Open the container's namespaces (user when it has one, ipc, uts, net, pid, mnt)."""
        from pyvirt.drivers.lxc.nsutil import NAMESPACES
        check_flags(flags, 0, "lxcDomainLxcOpenNamespace")
        vm = self.running(dom)
        fds: list[int] = []
        try:
            for name in NAMESPACES:
                path = f"/proc/{vm.init_pid}/ns/{name}"
                if name == "user" and os.stat(path).st_ino == os.stat(
                        "/proc/self/ns/user").st_ino:
                    continue
                fds.append(os.open(path, os.O_RDONLY | os.O_CLOEXEC))
        except OSError as exc:
            for fd in fds:
                os.close(fd)
            raise report(C.VIR_ERR_SYSTEM_ERROR,
                         f"Unable to open namespace of '{vm.name}': {exc.strerror}",
                         _FROM) from None
        return fds

    def nodeGetSecurityModel(self) -> list[str]:
        """['none', '0']: containers run without a security driver (libvirt's 'none')."""
        return ["none", "0"]

    def domainGetSecurityLabel(self, dom: Any) -> list[Any]:
        """No label: the security model is 'none'."""
        self.vm_of(dom)
        return ["", False]

    def domainLxcInitPid(self, dom: Any) -> int:
        """The host pid of the running container's init (for ``lxcEnterCGroup``)."""
        return self.running(dom).init_pid


def _initctl(pid: int, what: str) -> bool:
    """Send sysvinit's runlevel request to the container's /dev/initctl; False when absent."""
    path = f"/proc/{pid}/root/dev/initctl"
    try:
        if not stat.S_ISFIFO(os.stat(path).st_mode):
            return False
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return False
    # struct init_request: magic, cmd (1 = runlevel), runlevel, sleeptime, then padding
    runlevel = ord("0") if what == "shutdown" else ord("6")
    req = (0x03091969).to_bytes(4, "little") + (1).to_bytes(4, "little") + \
        runlevel.to_bytes(4, "little") + (0).to_bytes(4, "little")
    req += b"\0" * (384 - len(req))
    try:
        os.write(fd, req)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


# --- one driver per root per process -------------------------------------------------------

_roots = RootDrivers(LxcDriver)


def open_driver(cfg: DriverConfig) -> LxcDriver:
    """The driver for ``cfg``'s root, started on first use and shared after."""
    drv: LxcDriver = _roots.open(cfg)
    return drv


def close_driver(drv: LxcDriver) -> None:
    """Drop one connection's reference; the last one shuts the driver down."""
    _roots.close(drv)
