"""The QEMU driver's device and guest-data calls.

:class:`DevicesAPI` is a mixin of :class:`pyvirt.drivers.qemu.driver.QemuDriver`:
screenshots (QMP ``screendump``), keys (``send-key``), NMIs, core dumps
(``dump-guest-memory``), memory and disk peeks, disk errors, control
state, taint messages, lifecycle actions, rename, metadata, channels and
the calls that need something this host does not have (guest agent, SEV).
Errors are libvirt 9.0's for the same requests
(tests/data/qemu_resources/libvirt90.json holds what it answered).
"""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt.drivers.qemu import status as st
from pyvirt.drivers.qemu import taint
from pyvirt.drivers.qemu.domobj import DomainObj
from pyvirt.errors import check_flags, libvirtError, report, report_raw
from pyvirt.util.lazy import lazy_module

if TYPE_CHECKING:
    from pyvirt.drivers.qemu import (
        address,
        api_resources,
        command,
        console,
        domain,
        graphics,
        hotplug,
        save,
    )
    from pyvirt.util import keymaps
else:
    address = lazy_module("pyvirt.drivers.qemu.address", globals())
    api_resources = lazy_module("pyvirt.drivers.qemu.api_resources", globals())
    command = lazy_module("pyvirt.drivers.qemu.command", globals())
    console = lazy_module("pyvirt.drivers.qemu.console", globals())
    domain = lazy_module("pyvirt.drivers.qemu.domain", globals())
    graphics = lazy_module("pyvirt.drivers.qemu.graphics", globals())
    hotplug = lazy_module("pyvirt.drivers.qemu.hotplug", globals())
    save = lazy_module("pyvirt.drivers.qemu.save", globals())
    keymaps = lazy_module("pyvirt.util.keymaps", globals())

_FROM = C.VIR_FROM_QEMU
_FROM_DOM = C.VIR_FROM_DOMAIN
_AFFECT = C.VIR_DOMAIN_AFFECT_LIVE | C.VIR_DOMAIN_AFFECT_CONFIG

# libvirt's VIR_DOMAIN_SEND_KEY_MAX_KEYS and VIR_DOMAIN_BLOCK_PEEK_BUFFER_MAX / memory.
MAX_KEYS = 16
PEEK_MAX = 1024 * 1024

_DUMP_FORMATS = {C.VIR_DOMAIN_CORE_DUMP_FORMAT_RAW: "elf",
                 C.VIR_DOMAIN_CORE_DUMP_FORMAT_KDUMP_ZLIB: "kdump-zlib",
                 C.VIR_DOMAIN_CORE_DUMP_FORMAT_KDUMP_LZO: "kdump-lzo",
                 C.VIR_DOMAIN_CORE_DUMP_FORMAT_KDUMP_SNAPPY: "kdump-snappy",
                 C.VIR_DOMAIN_CORE_DUMP_FORMAT_WIN_DMP: "win-dmp"}
_DUMP_FLAGS = (C.VIR_DUMP_CRASH | C.VIR_DUMP_LIVE | C.VIR_DUMP_BYPASS_CACHE | C.VIR_DUMP_RESET
               | C.VIR_DUMP_MEMORY_ONLY)

_LIFECYCLE_TYPES = ("on_poweroff", "on_reboot", "on_crash")
_LIFECYCLE_ACTIONS = ("destroy", "restart", "rename-restart", "preserve", "coredump-destroy",
                      "coredump-restart")


def _running_mon(vm: DomainObj) -> Any:
    return domain.active_monitor(vm)


def _tmp_in(vm: DomainObj, prefix: str) -> str:
    """A new empty file in the guest's private run directory (QEMU writes it)."""
    where = vm.domain_dir if vm.domain_dir and os.path.isdir(vm.domain_dir) else None
    fd, path = tempfile.mkstemp(prefix=prefix, dir=where)
    os.close(fd)
    return path


def _read_and_remove(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    finally:
        os.unlink(path)


class DevicesAPI:
    """Device and guest-data calls of the QEMU driver."""

    cfg: Any
    vm_of: Any
    emit: Any
    domains: Any

    # --- screen, keys, NMI ----------------------------------------------------------------
    def domainScreenshot(self, dom: Any, stream: Any, screen: int, flags: int) -> str:
        """Send the guest's screen as a PNG image through ``stream``; return its MIME type."""
        from pyvirt.driver.stream import handle_of
        check_flags(flags, 0, "qemuDomainScreenshot", _FROM)
        vm = self.vm_of(dom)
        with vm.job_scope("query"):
            mon = _running_mon(vm)
            videos = address.devices(vm.def_, "video")
            if not videos:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             "no screens to take screenshot from", _FROM)
            heads = sum(getattr(v, "heads", None) or 1 for v in videos)
            if screen >= heads or screen < 0:
                raise report(C.VIR_ERR_OPERATION_INVALID, "no such screen ID", _FROM)
            path = _tmp_in(vm, "screendump-")
            args: dict[str, Any] = {"filename": path, "format": "png"}
            if screen:
                args.update({"device": videos[0].alias, "head": screen})
            try:
                mon.execute("screendump", args)
                data = _read_and_remove(path)
            except BaseException:
                if os.path.exists(path):
                    os.unlink(path)
                raise
        target = handle_of(stream)
        target.bind()
        target.feed(data)
        target.feed_eof()
        return "image/png"

    def domainSendKey(self, dom: Any, codeset: int, holdtime: int,  # noqa: N802
                      keycodes: list[int], nkeycodes: int, flags: int) -> int:
        """Press and release keys of ``codeset`` together (QMP send-key of their qnums)."""
        check_flags(flags, 0, "qemuDomainSendKey", _FROM)
        if not keymaps.known_set(codeset):
            raise report_raw(C.VIR_ERR_INVALID_ARG, f"Unsupported codeset '{codeset}'",
                             _FROM_DOM)
        keys = list(keycodes)[:nkeycodes]
        if not keys:
            raise report_raw(C.VIR_ERR_INVALID_ARG, "nkeycodes in virDomainSendKey must be "
                             "greater than zero", _FROM_DOM)
        if len(keys) > MAX_KEYS:
            raise report(C.VIR_ERR_INVALID_ARG, f"nkeycodes in virDomainSendKey must be less "
                         f"than or equal to {MAX_KEYS}", _FROM_DOM)
        qnums = []
        for key in keys:
            q = keymaps.to_qnum(codeset, key)
            if q is None:
                raise report(C.VIR_ERR_INTERNAL_ERROR,
                             f"cannot translate keycode {key} of "
                             f"{keymaps.SET_NAMES[codeset]} codeset to qnum keycode", _FROM)
            qnums.append(q)
        vm = self.vm_of(dom)
        with vm.job_scope("modify"):
            args: dict[str, Any] = {"keys": [{"type": "number", "data": q} for q in qnums]}
            if holdtime:
                args["hold-time"] = holdtime
            _running_mon(vm).execute("send-key", args)
        return 0

    def domainInjectNMI(self, dom: Any, flags: int) -> int:  # noqa: N802
        """Send the guest a non-maskable interrupt."""
        check_flags(flags, 0, "qemuDomainInjectNMI", _FROM)
        vm = self.vm_of(dom)
        with vm.job_scope("modify"):
            _running_mon(vm).execute("inject-nmi")
        return 0

    # --- dumps and peeks --------------------------------------------------------------------
    def domainCoreDump(self, dom: Any, to: str, flags: int) -> int:  # noqa: N802
        """Dump the guest's memory to ``to`` as an ELF core (needs VIR_DUMP_MEMORY_ONLY)."""
        return self.domainCoreDumpWithFormat(dom, to, C.VIR_DOMAIN_CORE_DUMP_FORMAT_RAW, flags)

    def domainCoreDumpWithFormat(self, dom: Any, to: str, dumpformat: int,  # noqa: N802
                                 flags: int) -> int:
        """Dump the guest's memory with QEMU's dump-guest-memory in ``dumpformat``."""
        check_flags(flags, _DUMP_FLAGS, "qemuDomainCoreDumpWithFormat", _FROM)
        if flags & C.VIR_DUMP_CRASH and flags & C.VIR_DUMP_LIVE:
            raise report_raw(C.VIR_ERR_INVALID_ARG, "Flags 'VIR_DUMP_LIVE' and "
                             "'VIR_DUMP_CRASH' are mutually exclusive", _FROM_DOM)
        if flags & C.VIR_DUMP_CRASH and flags & C.VIR_DUMP_RESET:
            raise report_raw(C.VIR_ERR_INVALID_ARG, "Flags 'VIR_DUMP_CRASH' and "
                             "'VIR_DUMP_RESET' are mutually exclusive", _FROM_DOM)
        fmt = _DUMP_FORMATS.get(dumpformat)
        if fmt is None:
            raise report(C.VIR_ERR_INVALID_ARG, f"unknown dumpformat '{dumpformat}'", _FROM)
        if fmt != "elf" and not flags & C.VIR_DUMP_MEMORY_ONLY:
            raise report(C.VIR_ERR_OPERATION_UNSUPPORTED, "kdump-compressed format is only "
                         "supported with memory-only dump", _FROM)
        vm = self.vm_of(dom)
        with vm.job_scope("dump"):
            mon = _running_mon(vm)
            if not flags & C.VIR_DUMP_MEMORY_ONLY:
                save.dump_state(self, vm, to, bool(flags & C.VIR_DUMP_BYPASS_CACHE),
                                bool(flags & C.VIR_DUMP_LIVE))
                self._after_dump(vm, mon, flags)
                return 0
            formats = mon.execute("query-dump-guest-memory-capability").get("formats", [])
            if fmt not in formats:
                raise report(C.VIR_ERR_INVALID_ARG,
                             f"unsupported dumpformat '{fmt}' for this QEMU binary", _FROM)
            try:
                fd = os.open(to, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
            except OSError as exc:
                raise report(C.VIR_ERR_SYSTEM_ERROR, f"failed to open '{to}': "
                             f"{exc.strerror}", _FROM) from None
            try:
                mon.send_fd(fd, "dump")
            finally:
                os.close(fd)
            try:
                mon.execute("dump-guest-memory", {"paging": False, "protocol": "fd:dump",
                                                  "format": fmt, "detach": False},
                            timeout=600)
            except libvirtError as exc:
                os.unlink(to)
                detail = str(exc).split(": ", 2)[-1]
                raise report(C.VIR_ERR_OPERATION_FAILED,
                             f"memory-only dump failed: {detail}", _FROM) from exc
            self._after_dump(vm, mon, flags)
        return 0

    def _after_dump(self, vm: DomainObj, mon: Any, flags: int) -> None:
        """VIR_DUMP_CRASH: stop the guest as crashed; VIR_DUMP_RESET: reset it."""
        if flags & C.VIR_DUMP_CRASH:
            domain.stop(self, vm, C.VIR_DOMAIN_SHUTOFF_CRASHED)
            domain.lifecycle(self, vm, C.VIR_DOMAIN_EVENT_STOPPED,
                             C.VIR_DOMAIN_EVENT_STOPPED_CRASHED)
        elif flags & C.VIR_DUMP_RESET:
            mon.execute("system_reset")

    def domainMemoryPeek(self, dom: Any, start: int, size: int,  # noqa: N802
                         flags: int) -> bytes:
        """``size`` bytes of guest memory at ``start`` (QMP memsave / pmemsave)."""
        check_flags(flags, C.VIR_MEMORY_VIRTUAL | C.VIR_MEMORY_PHYSICAL,
                    "qemuDomainMemoryPeek", _FROM)
        both = C.VIR_MEMORY_VIRTUAL | C.VIR_MEMORY_PHYSICAL
        if flags & both == both:
            raise report_raw(C.VIR_ERR_INVALID_ARG, "Flags 'VIR_MEMORY_VIRTUAL' and "
                             "'VIR_MEMORY_PHYSICAL' are mutually exclusive", _FROM_DOM)
        if not flags & both:
            raise report_raw(C.VIR_ERR_INVALID_ARG, "One of the flags 'VIR_MEMORY_VIRTUAL', "
                             "'VIR_MEMORY_PHYSICAL' is required", _FROM_DOM)
        if size > PEEK_MAX:
            raise report(C.VIR_ERR_INVALID_ARG, f"size in virDomainMemoryPeek must be less "
                         f"than or equal to {PEEK_MAX}", _FROM_DOM)
        vm = self.vm_of(dom)
        with vm.job_scope("query"):
            mon = _running_mon(vm)
            path = _tmp_in(vm, "qemu.mem.")
            cmd = "memsave" if flags & C.VIR_MEMORY_VIRTUAL else "pmemsave"
            try:
                mon.execute(cmd, {"val": start, "size": size, "filename": path})
                return _read_and_remove(path)[:size]
            finally:
                if os.path.exists(path):
                    os.unlink(path)

    def domainBlockPeek(self, dom: Any, disk: str, offset: int, size: int,  # noqa: N802
                        flags: int) -> bytes:
        """``size`` bytes at ``offset`` of a raw disk image."""
        check_flags(flags, 0, "qemuDomainBlockPeek", _FROM)
        if size > PEEK_MAX:
            raise report(C.VIR_ERR_INVALID_ARG, f"size in virDomainBlockPeek must be less "
                         f"than or equal to {PEEK_MAX}", _FROM_DOM)
        vm = self.vm_of(dom)
        found = _disk_by_name(vm.def_, disk)
        if found is None:
            raise report(C.VIR_ERR_INVALID_ARG, f"disk '{disk}' not found in domain", _FROM)
        path = command.disk_path(found)
        if not path:
            raise report(C.VIR_ERR_INVALID_ARG, f"disk '{disk}' does not have a source "
                         "assigned", _FROM)
        fmt = (found.driver.type if found.driver is not None else None) or "raw"
        if fmt != "raw":
            raise report(C.VIR_ERR_OPERATION_UNSUPPORTED, "peeking is only supported for "
                         f"disk with 'raw' format not '{fmt}'", _FROM)
        try:
            with open(path, "rb") as f:
                f.seek(offset)
                data = f.read(size)
        except OSError as exc:
            raise report(C.VIR_ERR_SYSTEM_ERROR, f"unable to read {path}: {exc.strerror}",
                         _FROM) from None
        if len(data) < size:
            raise report(C.VIR_ERR_INVALID_ARG, "'start' + 'size' is greater than the size "
                         f"of disk '{disk}'", _FROM)
        return data

    # --- state of the guest and its disks -----------------------------------------------------
    def domainGetDiskErrors(self, dom: Any, flags: int) -> dict[str, int]:  # noqa: N802
        """{disk target: VIR_DOMAIN_DISK_ERROR_*} of the disks that hit an I/O error."""
        check_flags(flags, 0, "qemuDomainGetDiskErrors", _FROM)
        vm = self.vm_of(dom)
        mon = _running_mon(vm)
        status = {}
        for entry in mon.execute("query-block"):
            io = entry.get("io-status")
            if io and io != "ok":
                alias = str(entry.get("qdev") or "").split("/")
                status[alias[3] if len(alias) > 3 else entry.get("device")] = \
                    C.VIR_DOMAIN_DISK_ERROR_NO_SPACE if io == "nospace" \
                    else C.VIR_DOMAIN_DISK_ERROR_UNSPEC
        return {d.target: status[d.alias] for d in address.devices(vm.def_, "disk")
                if d.alias in status}

    def domainGetControlInfo(self, dom: Any, flags: int) -> list[int]:  # noqa: N802
        """[state, details, ms in state] of the driver's control over the guest.

        A job holding the domain shows as VIR_DOMAIN_CONTROL_JOB (the job slot
        does not record when it began: the time is 0).
        """
        check_flags(flags, 0, "qemuDomainGetControlInfo", _FROM)
        vm = self.vm_of(dom)
        with vm.lock:
            if not vm.is_active():
                raise domain.not_running()
            busy = vm.job is not None
        return [C.VIR_DOMAIN_CONTROL_JOB if busy else C.VIR_DOMAIN_CONTROL_OK, 0, 0]

    def domainGetMessages(self, dom: Any, flags: int) -> list[str]:  # noqa: N802
        """Taint and deprecation messages of a running guest, as libvirt words them."""
        check_flags(flags, C.VIR_DOMAIN_MESSAGE_DEPRECATION | C.VIR_DOMAIN_MESSAGE_TAINTING,
                    "qemuDomainGetMessages", _FROM)
        vm = self.vm_of(dom)
        want = flags or (C.VIR_DOMAIN_MESSAGE_DEPRECATION | C.VIR_DOMAIN_MESSAGE_TAINTING)
        out: list[str] = []
        with vm.lock:
            proc = vm.proc if vm.is_active() else None
            flags_ = set(vm.taints)
        if proc is None or not want & C.VIR_DOMAIN_MESSAGE_TAINTING:
            return out
        try:
            uid = os.stat(f"/proc/{proc.pid}").st_uid
        except OSError:
            uid = -1
        if uid == 0:
            flags_.add("high-privileges")
        if vm.def_.ns_kept:
            flags_.add("custom-argv")
        return out + taint.messages(flags_)

    def domainGetHostname(self, dom: Any, flags: int) -> str:  # noqa: N802
        """The guest's host name: needs the guest agent (or a DHCP lease source)."""
        check_flags(flags, C.VIR_DOMAIN_GET_HOSTNAME_LEASE | C.VIR_DOMAIN_GET_HOSTNAME_AGENT,
                    "qemuDomainGetHostname", _FROM)
        vm = self.vm_of(dom)
        if not vm.is_active():
            raise domain.not_running()
        if flags & C.VIR_DOMAIN_GET_HOSTNAME_LEASE:
            raise report(C.VIR_ERR_NO_HOSTNAME,
                         f"no hostname found for domain {vm.name}", _FROM)
        raise api_resources.agent_unavailable(vm)

    def domainGetLaunchSecurityInfo(self, dom: Any, flags: int) -> dict:  # noqa: N802
        """Launch security measurement: none without AMD SEV ({})."""
        check_flags(flags, 0, "qemuDomainGetLaunchSecurityInfo", _FROM)
        self.vm_of(dom)
        return {}

    def domainSetLaunchSecurityState(self, dom: Any, params: dict,  # noqa: N802
                                     flags: int) -> int:
        """Inject a launch secret: only for SEV guests, which this driver does not run."""
        check_flags(flags, 0, "qemuDomainSetLaunchSecurityState", _FROM)
        if not params:
            raise report_raw(C.VIR_ERR_INVALID_ARG, "params in "
                             "virDomainSetLaunchSecurityState must not be NULL", _FROM_DOM)
        vm = self.vm_of(dom)
        if not vm.is_active():
            raise domain.not_running()
        raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                     "setting a launch secret is only supported in SEV-enabled domains", _FROM)

    def domainStartDirtyRateCalc(self, dom: Any, seconds: int, flags: int) -> int:  # noqa: N802
        """Start QEMU's dirty page rate measurement (results: the 'dirtyrate' stats)."""
        modes = {0: "page-sampling", C.VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_BITMAP: "dirty-bitmap",
                 C.VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_RING: "dirty-ring"}
        check_flags(flags, C.VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_BITMAP
                    | C.VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_RING, "qemuDomainStartDirtyRateCalc",
                    _FROM)
        if flags not in modes:
            raise report_raw(C.VIR_ERR_INVALID_ARG, "Flags 'VIR_DOMAIN_DIRTYRATE_MODE_"
                             "DIRTY_BITMAP' and 'VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_RING' are "
                             "mutually exclusive", _FROM_DOM)
        if seconds < 1 or seconds > 60:
            raise report(C.VIR_ERR_INVALID_ARG,
                         f"seconds={seconds} is invalid, please choose value within [1, 60].",
                         _FROM)
        vm = self.vm_of(dom)
        with vm.job_scope("modify"):
            mon = _running_mon(vm)
            if flags == C.VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_RING:
                raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                             "dirty-ring calculation mode requires dirty-ring feature enabled.",
                             _FROM)
            mon.execute("calc-dirty-rate", {"calc-time": seconds, "mode": modes[flags]})
        return 0

    # --- lifecycle actions, rename, metadata -------------------------------------------------
    def domainSetLifecycleAction(self, dom: Any, type: int, action: int,  # noqa: A002,N802
                                 flags: int) -> int:
        """Change what a guest power-off, reboot or crash does (live and/or config)."""
        check_flags(flags, _AFFECT, "qemuDomainSetLifecycleAction", _FROM)
        if not 0 <= type < len(_LIFECYCLE_TYPES):
            raise report(C.VIR_ERR_INVALID_ARG, f"invalid lifecycle type '{type}'", _FROM_DOM)
        if not 0 <= action < len(_LIFECYCLE_ACTIONS):
            raise report(C.VIR_ERR_INVALID_ARG, f"invalid lifecycle action '{action}'",
                         _FROM_DOM)
        kind, name = _LIFECYCLE_TYPES[type], _LIFECYCLE_ACTIONS[action]
        if kind != "on_crash" and name.startswith("coredump"):
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, f"Lifecycle event '{kind[3:]}' "
                         f"doesn't support '{name}' action", _FROM_DOM)
        vm = self.vm_of(dom)
        with vm.job_scope("modify"):
            live, config = hotplug.targets(vm, flags, "qemuDomainSetLifecycleAction")
            for def_ in (vm.def_ if live else None, vm.persistent_def() if config else None):
                if def_ is not None:
                    trial = def_.copy()
                    setattr(trial, kind, name)
                    command.check_lifecycle(trial)
            if live:
                if kind == "on_reboot":
                    _running_mon(vm).execute("set-action", {
                        "reboot": "shutdown" if name == "destroy" else "reset"})
                with vm.lock:
                    setattr(vm.def_, kind, name)
                st.save_status(self.cfg, vm)
            if config:
                hotplug.config_change(self, vm, lambda d: setattr(d, kind, name))
        return 0

    def domainRename(self, dom: Any, new_name: str, flags: int) -> int:  # noqa: N802
        """Rename a shut-off persistent guest (its config file moves with it)."""
        check_flags(flags, 0, "qemuDomainRename", _FROM)
        vm = self.vm_of(dom)
        with vm.job_scope("modify"):
            if vm.is_active():
                raise report(C.VIR_ERR_OPERATION_INVALID, "cannot rename active domain", _FROM)
            if not vm.persistent:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             "cannot rename a transient domain", _FROM)
            if vm.has_managed_save:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             "domain with a managed saved state can't be renamed", _FROM)
            if new_name == vm.name:
                raise report(C.VIR_ERR_OPERATION_INVALID, "Can't rename domain to itself",
                             _FROM)
            if not new_name or "/" in new_name:
                raise report(C.VIR_ERR_XML_ERROR, f"name {new_name} cannot contain '/'",
                             _FROM_DOM)
            if self.domains.by_name(new_name) is not None:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             f"domain with name '{new_name}' already exists", _FROM)
            old = vm.name
            new = vm.def_.copy()
            new.name = new_name
            from pyvirt.drivers.qemu import jobdone, momentstore
            st.save_config(self.cfg, new)
            try:
                momentstore.rename(self.cfg, old, new_name)     # snapshots, checkpoints
            except libvirtError:
                st.delete_config(self.cfg, new_name)
                raise
            autostart = vm.autostart
            try:
                if autostart:
                    st.set_autostart(self.cfg, new_name, True)
                    st.set_autostart(self.cfg, old, False)
                st.delete_config(self.cfg, old)
            except (OSError, libvirtError):
                st.delete_config(self.cfg, new_name)
                momentstore.rename(self.cfg, new_name, old)
                raise
            jobdone.rename(self.cfg, old, new_name)
            domain.lifecycle(self, vm, C.VIR_DOMAIN_EVENT_UNDEFINED,
                             C.VIR_DOMAIN_EVENT_UNDEFINED_RENAMED)
            with vm.lock:
                vm.def_ = new
            self.domains.rename(vm, old)
            domain.lifecycle(self, vm, C.VIR_DOMAIN_EVENT_DEFINED,
                             C.VIR_DOMAIN_EVENT_DEFINED_RENAMED)
        dom.name = new_name
        return 0

    def domainSetMetadata(self, dom: Any, type: int, metadata: str | None,  # noqa: A002,N802
                          key: str | None, uri: str | None, flags: int) -> int:
        """Set (or with None remove) the description, title or an application's element."""
        from pyvirt.conf import domain_metadata
        check_flags(flags, _AFFECT, "qemuDomainSetMetadata", _FROM)
        domain_metadata.check_set(type, metadata, key, uri)
        vm = self.vm_of(dom)
        with vm.job_scope("modify"):
            live, config = hotplug.targets(vm, flags, "qemuDomainSetMetadata")
            if live:
                with vm.lock:
                    domain_metadata.apply(vm.def_, type, metadata, key, uri)
                st.save_status(self.cfg, vm)
            if config:
                hotplug.config_change(self, vm, lambda d: domain_metadata.apply(
                    d, type, metadata, key, uri))
        self.emit(vm, C.VIR_DOMAIN_EVENT_ID_METADATA_CHANGE, type, uri)
        return 0

    def domainGetMetadata(self, dom: Any, type: int, uri: str | None,  # noqa: A002,N802
                          flags: int) -> str:
        """The description, title or an application's element of the selected definition."""
        from pyvirt.conf import domain_metadata
        check_flags(flags, _AFFECT, "qemuDomainGetMetadata", _FROM)
        vm = self.vm_of(dom)
        live, _config = hotplug.targets(vm, flags, "qemuDomainGetMetadata")
        with vm.lock:
            def_ = vm.def_ if live else vm.persistent_def()
            return domain_metadata.get(def_, type, uri)

    # --- graphics -------------------------------------------------------------------------------
    def domainOpenGraphics(self, dom: Any, idx: int, fd: int, flags: int) -> int:  # noqa: N802
        """Make QEMU serve display ``idx`` on the caller's connected socket ``fd``."""
        check_flags(flags, C.VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH, "qemuDomainOpenGraphics", _FROM)
        vm = self.vm_of(dom)
        with vm.job_scope("modify"):
            graphics.open_client(vm, _running_mon(vm), idx, fd,
                                 bool(flags & C.VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH))
        return 0

    def domainOpenGraphicsFD(self, dom: Any, idx: int, flags: int) -> int:  # noqa: N802
        """A new socket connected to display ``idx`` of the guest (the caller closes it)."""
        check_flags(flags, C.VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH, "qemuDomainOpenGraphicsFD",
                    _FROM)
        vm = self.vm_of(dom)
        with vm.job_scope("modify"):
            return graphics.open_pair(vm, _running_mon(vm), idx,
                                      bool(flags & C.VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH))

    # --- channels -------------------------------------------------------------------------------
    def domainOpenChannel(self, dom: Any, name: str | None, st_: Any,  # noqa: N802
                          flags: int) -> int:
        """Connect ``st_`` to a guest channel (virtio-serial or other), by name or alias."""
        check_flags(flags, C.VIR_DOMAIN_CHANNEL_FORCE, "qemuDomainOpenChannel", _FROM)
        vm = self.vm_of(dom)
        chans = address.devices(vm.def_, "channel")
        found = [c for c in chans if name is None or name in (c.alias, c.target_name)]
        if not found:
            raise report(C.VIR_ERR_INTERNAL_ERROR, f"cannot find channel {name}", _FROM)
        console.open_console(self, vm, found[0].alias,
                             st_, C.VIR_DOMAIN_CONSOLE_FORCE
                             if flags & C.VIR_DOMAIN_CHANNEL_FORCE else 0)
        return 0


def _disk_by_name(def_: Any, name: str) -> Any:
    for disk in address.devices(def_, "disk"):
        if name in (disk.target, command.disk_path(disk)):
            return disk
    return None
