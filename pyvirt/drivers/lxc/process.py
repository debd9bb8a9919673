"""Starting, watching and stopping containers through their controllers.

A running container is a :class:`LxcDomainObj` whose ``proc`` watches the
controller process (a pidfd, :class:`pyvirt.drivers.qemu.process.QemuProcess`).
The controller reports ``ok INIT_PID`` on a pipe once init runs, and
writes ``domain_dir/state`` (init pid and console ptys; after the
end, how init ended).  The status XML in the run dir records the
controller, so a later process takes the container over.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import marshal
import os
import select
import shutil
import signal
import time
from collections.abc import Callable
from typing import Any

from pyvirt import constants as C
from pyvirt.conf.xmlutil import E, to_string
from pyvirt.drivers.lxc import launcher, netplug, plan
from pyvirt.drivers.lxc.cgroup import Cgroup
from pyvirt.drivers.qemu import process as qproc
from pyvirt.drivers.qemu import status as st
from pyvirt.drivers.qemu.domobj import DomainObj, reason_name, state_name
from pyvirt.errors import libvirtError, report
from pyvirt.util.fileutil import atomic_write

_FROM = C.VIR_FROM_LXC
log = logging.getLogger(__name__)

#: seconds to wait for a controller to report that init runs
START_TIMEOUT = 30.0


class LxcDomainObj(DomainObj):
    """A domain of the LXC driver: the controller, init and cgroup of a running one."""

    def __init__(self, def_: Any) -> None:
        super().__init__(def_)
        self.init_pid = 0
        self.cgroup: Cgroup | None = None
        self.shutdown_requested = False
        self.reboot_requested = False


def not_running() -> libvirtError:
    """libvirt's error for an operation that needs a running container."""
    return report(C.VIR_ERR_OPERATION_INVALID, "Domain is not running", _FROM)


def cgroup_parent(drv: Any) -> str:
    """The cgroup (relative to each controller's mount) the containers of ``drv`` go in;
    the controller names its own ``lxc-PID-NAME.libvirt-lxc`` there, as libvirt does."""
    if drv.cfg.root is None:
        return "machine"
    tag = hashlib.sha256(drv.cfg.root.encode()).hexdigest()[:8]
    return f"machine/pyvirt-{tag}"


def cgroup_mode() -> str:
    """How containers are placed in cgroups: ``auto`` (as libvirt chooses, per
    controller) or ``unified`` (v2 wherever the unified hierarchy can serve),
    from the environment variable :data:`cgroup.MODE_ENV
    <pyvirt.drivers.lxc.cgroup.MODE_ENV>` of the driver's process."""
    from pyvirt.drivers.lxc.cgroup import MODE_ENV
    mode = os.environ.get(MODE_ENV, "auto") or "auto"
    if mode not in ("auto", "unified"):
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     f"unknown cgroup mode '{mode}' in {MODE_ENV} (auto or unified)", _FROM)
    return mode


def format_status(vm: LxcDomainObj) -> str:
    """The status XML of a running container (read back by ``status.read_status``)."""
    return status_text(vm.def_, vm.id, (vm.state, vm.reason), vm.proc, vm.domain_dir,
                       vm.log_path, vm.persistent, vm.init_pid, vm.cgroup)


def status_text(live: Any, domid: int, state: tuple[int, int], proc: Any,
                domain_dir: str | None, log_path: str | None, persistent: bool,
                init_pid: int, cgroup: Cgroup | None) -> str:
    """The status XML of a container whose controller is ``proc`` (``init_pid`` 0:
    not known yet, :func:`reconnect` reads it from the controller's state file)."""
    root = E("domstatus", [("state", state_name(state[0])),
                           ("reason", reason_name(*state)),
                           ("pid", proc.pid if proc else None)])
    root.add(E("pyvirt", [("starttime", proc.starttime if proc else None),
                          ("domaindir", domain_dir), ("log", log_path),
                          ("persistent", "yes" if persistent else "no"),
                          ("init", init_pid or None),
                          ("cgroup", cgroup.rel if cgroup else None),
                          ("cgroupmode", cgroup.mode if cgroup and
                           cgroup.mode != "auto" else None)]))
    text = to_string(root)
    live_xml = live.format(id=domid, flags=C.VIR_DOMAIN_XML_SECURE)
    inner = "".join("  " + line + "\n" if line else "\n" for line in live_xml.splitlines())
    return text.replace("</domstatus>\n", inner + "</domstatus>\n")


def save_status(drv: Any, vm: LxcDomainObj) -> None:
    """Write the status XML of a running ``vm``."""
    with vm.lock:
        if not vm.is_active():
            return
        text = format_status(vm)
    atomic_write(st.status_path(drv.cfg, vm.name), text, 0o600)


def _console_paths(def_: Any, ptys: list[str]) -> None:
    for i, con in enumerate(def_.devices.consoles):
        con.alias = f"console{i}"
        if i < len(ptys):
            con.source.path = ptys[i]


def start(drv: Any, vm: LxcDomainObj, run_def: Any = None, files: Any = ()) -> None:
    """Start the container of ``vm`` (caller holds its job); raise on failure.
    ``files``: descriptors its init gets as 3, 4, ... (virDomainCreateWithFiles)."""
    if vm.is_active():
        raise report(C.VIR_ERR_OPERATION_INVALID, "Domain is already running", _FROM)
    mode = cgroup_mode()
    host = Cgroup("", mode)
    missing = [c for c in ("cpuacct", "memory", "freezer", "devices")
               if c not in host.available()]
    if missing:
        # libvirt's error (lxc_process.c), for the first one missing: neither a v1
        # hierarchy nor the unified one has it
        raise report(C.VIR_ERR_INTERNAL_ERROR,
                     f"Unable to find '{missing[0]}' cgroups controller mount", _FROM)
    live = (run_def or vm.persistent_def()).copy()
    emulator = os.path.basename(live.emulator or launcher.PROGRAM)
    if emulator not in (launcher.PROGRAM, launcher.LIBVIRT_PROGRAM):
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     f"emulator '{live.emulator}' is not an LXC "
                     f"controller pyvirt can run (its own is '{launcher.program_path()}')",
                     _FROM)
    domain_dir = os.path.join(drv.cfg.state_dir, f"{live.name}.d")
    shutil.rmtree(domain_dir, ignore_errors=True)
    os.makedirs(domain_dir, mode=0o700)
    log_path = os.path.join(drv.cfg.log_dir, f"{live.name}.log")
    status_file = st.status_path(drv.cfg, vm.name)
    _console_paths(live, [])
    if not any(getattr(k, "tag", None) == "resource" for k in live.kept):
        # the cgroup partition libvirt records in the live XML
        live.kept.append(E("resource", children=[E("partition", text="/machine")]))

    def record(proc: Any) -> None:
        # the status is written (and synced) while the controller starts the container:
        # all of it but init's pid and the consoles' ptys, which the controller's state
        # file holds (reconnect reads them there)
        cg = Cgroup(f"{spec['cgroup_parent']}/lxc-{proc.pid}-{spec['name']}.libvirt-lxc",
                    mode, like=host)
        atomic_write(status_file, status_text(
            live, proc.pid, (C.VIR_DOMAIN_RUNNING, C.VIR_DOMAIN_RUNNING_BOOTED), proc,
            domain_dir, log_path, vm.persistent, 0, cg), 0o600)

    with contextlib.ExitStack() as undo:
        undo.callback(shutil.rmtree, domain_dir, True)
        spec = plan.build_spec(live, domain_dir, cgroup_parent(drv), cgroup_mode=mode)
        spec["nets"] = netplug.prepare(drv, live, undo)
        ready = _run_controller(drv, log_path, spec, list(files), record)
        undo.pop_all()          # the interfaces belong to the container now
    try:
        state = read_state(spec["state_file"])
        if "init_pid" not in state:
            # init exited at once and its controller cleaned up before the state was
            # read: the controller's last word says why
            why = ready.confirm() or report(
                C.VIR_ERR_INTERNAL_ERROR, f"the init of container '{vm.name}' exited at once",
                _FROM)
            ready.proc.wait(5.0)
            st.delete_status(drv.cfg, vm.name)
            shutil.rmtree(domain_dir, True)
            raise why
        _console_paths(live, state.get("ptys", []))
        proc = ready.proc
        with vm.lock:
            before = (vm.def_, vm.new_def, vm.state, vm.reason)
            if vm.persistent and run_def is None:
                vm.new_def = vm.def_
            vm.def_ = live
            vm.id = proc.pid          # libvirt: a container's id is its controller's pid
            vm.proc = proc
            vm.init_pid = int(state["init_pid"])
            vm.cgroup = Cgroup(state["cgroup"], state.get("cgroup_mode", "auto"), like=host)
            vm.domain_dir = domain_dir
            vm.log_path = log_path
            vm.shutdown_requested = vm.reboot_requested = False
            vm.started_at = time.monotonic()
            vm.set_state(C.VIR_DOMAIN_RUNNING, C.VIR_DOMAIN_RUNNING_BOOTED)
        error = ready.confirm()
        if error is not None:         # as if never started
            proc.wait(5.0)
            stop(drv, vm, C.VIR_DOMAIN_SHUTOFF_FAILED, restart=True)
            with vm.lock:
                vm.def_, vm.new_def, vm.state, vm.reason = before
            if vm.persistent:
                st.save_stopped(drv.cfg, vm.name, vm.reason)
            raise error
    finally:
        ready.close()
    proc.watch(lambda p: drv.on_controller_exit(vm, p))
    drv.lifecycle(vm, C.VIR_DOMAIN_EVENT_STARTED, C.VIR_DOMAIN_EVENT_STARTED_BOOTED)


class Ready:
    """The controller's ready pipe: ``pid N``, ``ok INIT PID``, then ``running``
    (or ``error TEXT`` at any point; nothing when it died)."""

    def __init__(self, fd: int, log_path: str) -> None:
        self.fd = fd
        self.log_path = log_path
        self.buf = b""
        self.proc: Any = None

    def line(self) -> str:
        """The next line ('' at the end of the pipe or after START_TIMEOUT)."""
        deadline = time.monotonic() + START_TIMEOUT
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return "error the controller did not report in time"
            chunk = os.read(self.fd, 4096)
            if not chunk:
                break
            self.buf += chunk
        text, _, self.buf = self.buf.partition(b"\n")
        return text.decode(errors="replace").strip()

    def error(self, answer: str) -> libvirtError:
        """The start error for a controller's answer other than the expected one."""
        msg = answer[6:] if answer.startswith("error ") else (
            "the controller exited: " + (_log_tail(self.log_path) or "no message"))
        return report(C.VIR_ERR_INTERNAL_ERROR, f"guest failed to start: {msg}", _FROM)

    def confirm(self) -> libvirtError | None:
        """None when init outlived its first moments, else the error to report."""
        answer = self.line()
        return None if answer == "running" else self.error(answer)

    def close(self) -> None:
        """Close the pipe."""
        os.close(self.fd)


def _run_controller(drv: Any, log_path: str, spec: dict[str, Any], files: list[int],
                    started: Callable[[Any], None]) -> Ready:
    """Have the driver's launcher fork the controller for ``spec``, handing init
    ``files`` (CreateWithFiles); ``started`` is called with the controller's process
    as soon as it is known (while it starts the container).  Returns the ready pipe
    once init runs (``ok``); on any failure the controller and its groups are gone."""
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
    ready_r, ready_w = os.pipe2(os.O_CLOEXEC)
    try:
        drv.launcher.launch(spec, ready_w, log_fd, files)
    except OSError as exc:
        os.close(ready_r)
        raise report(C.VIR_ERR_INTERNAL_ERROR,
                     f"guest failed to start: cannot reach the controller launcher: {exc}",
                     _FROM) from None
    finally:
        os.close(ready_w)
        os.close(log_fd)
    ready = Ready(ready_r, log_path)
    ctl_pid = 0
    try:
        first = ready.line()
        ctl_pid = int(first[4:]) if first.startswith("pid ") else 0
        if ctl_pid:
            st_ = qproc.proc_stat(ctl_pid)
            ready.proc = qproc.QemuProcess(ctl_pid, st_[1] if st_ else 0)
            try:
                started(ready.proc)
            except OSError as exc:
                raise report(C.VIR_ERR_INTERNAL_ERROR, "guest failed to start: cannot "
                             f"save the status of '{spec['name']}': {exc}", _FROM) from None
        answer = ready.line() if ctl_pid else first
        if not answer.startswith("ok "):
            raise ready.error(answer)
    except BaseException:
        ready.close()
        _abandon(drv, spec, ctl_pid, ready.proc)
        raise
    return ready


def _abandon(drv: Any, spec: dict[str, Any], ctl_pid: int, proc: Any) -> None:
    """A start that failed before init ran: the controller ``proc`` (stuck, or killed
    before it cleaned up), its groups or those of a spare that died as it was handed
    the start, and the status written meanwhile go."""
    if proc is not None:
        proc.kill(graceful_timeout=1.0)
        proc.close()
    if ctl_pid:
        for name in (f"lxc-{ctl_pid}-{spec['name']}", f"pyvirt-spare-{ctl_pid}"):
            cg = Cgroup(f"{spec['cgroup_parent']}/{name}.libvirt-lxc", spec["cgroup_mode"])
            if cg.exists():
                cg.kill_all()
                cg.remove()
    st.delete_status(drv.cfg, spec["name"])


def _log_tail(path: str) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(max(0, os.path.getsize(path) - 2000))
            return f.read().decode(errors="replace").strip()
    except OSError:
        return ""


def read_state(path: str) -> dict[str, Any]:
    """What a controller wrote in its state file (a :mod:`marshal` dict); {} if unreadable."""
    try:
        with open(path, "rb") as f:
            data = marshal.load(f)
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}


def exit_record(vm: LxcDomainObj) -> dict[str, Any]:
    """How the container's init ended, as its controller recorded it."""
    if not vm.domain_dir:
        return {}
    data = read_state(os.path.join(vm.domain_dir, "state"))
    return data if "status" in data else {}


def stop(drv: Any, vm: LxcDomainObj, reason: int, restart: bool = False) -> None:
    """Forget the running container (its controller has exited); shut off with
    ``reason`` (a transient one goes, unless it ``restart``s)."""
    cg = vm.cgroup
    if cg is not None and cg.exists():      # a controller killed before it cleaned up
        cg.kill_all()
        cg.remove()
    with vm.lock:
        proc = vm.proc
        consoles = list(vm.consoles.values())
        vm.consoles.clear()
        vm.proc = None
        vm.id = -1
        vm.init_pid = 0
        vm.cgroup = None
        vm.set_state(C.VIR_DOMAIN_SHUTOFF, reason)
        if vm.new_def is not None:
            vm.def_ = vm.new_def
            vm.new_def = None
        domain_dir = vm.domain_dir
        vm.domain_dir = None
    for con in consoles:
        con.close(eof=True)
    if proc is not None:
        proc.close()
    st.delete_status(drv.cfg, vm.name)
    if domain_dir:
        shutil.rmtree(domain_dir, ignore_errors=True)
    if vm.persistent:
        st.save_stopped(drv.cfg, vm.name, reason)
    elif not restart:
        drv.domains.remove(vm)


def destroy(drv: Any, vm: LxcDomainObj) -> None:
    """Kill every process of the container and wait for its controller to finish."""
    with vm.lock:
        if not vm.is_active():
            raise not_running()
        proc, cg = vm.proc, vm.cgroup
        vm.being_destroyed = True
    try:
        if cg is not None:
            cg.kill_all(spare=proc.pid if proc is not None else 0)
        if proc is not None and not proc.wait(10.0):
            proc.signal(signal.SIGKILL)
            proc.wait(5.0)
    finally:
        with vm.lock:
            vm.being_destroyed = False
    stop(drv, vm, C.VIR_DOMAIN_SHUTOFF_DESTROYED)
    drv.lifecycle(vm, C.VIR_DOMAIN_EVENT_STOPPED, C.VIR_DOMAIN_EVENT_STOPPED_DESTROYED)


def controller_exited(drv: Any, vm: LxcDomainObj, proc: Any) -> None:
    """The controller of ``vm`` exited: shut off (or start again after a reboot).

    The caller holds the domain's job.
    """
    with vm.lock:
        if vm.proc is not proc or vm.being_destroyed:
            return
        requested, reboot = vm.shutdown_requested, vm.reboot_requested
    rec = exit_record(vm)
    sig = rec.get("signal")
    if reboot or sig == signal.SIGHUP:
        run_def = None if vm.persistent else vm.def_
        stop(drv, vm, C.VIR_DOMAIN_SHUTOFF_SHUTDOWN, restart=True)
        try:
            start(drv, vm, run_def)  # the caller holds the job
            return
        except libvirtError as exc:
            log.warning("%s: restart after reboot failed: %s", vm.name, exc)
            if not vm.persistent:
                drv.domains.remove(vm)
            drv.lifecycle(vm, C.VIR_DOMAIN_EVENT_STOPPED, C.VIR_DOMAIN_EVENT_STOPPED_FAILED)
            return
    if rec.get("status") is None and not requested:
        reason, detail = C.VIR_DOMAIN_SHUTOFF_CRASHED, C.VIR_DOMAIN_EVENT_STOPPED_FAILED
    else:
        reason, detail = C.VIR_DOMAIN_SHUTOFF_SHUTDOWN, C.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN
    stop(drv, vm, reason)
    drv.lifecycle(vm, C.VIR_DOMAIN_EVENT_STOPPED, detail)


def reconnect(drv: Any, path: str) -> None:
    """Take over the container whose status file is ``path`` (or shut it off)."""
    from pyvirt.conf.domain import DomainDef
    try:
        status = st.read_status(path)
        live = DomainDef.parse(status.domain_xml, live=True)
    except libvirtError as exc:
        log.warning("cannot read status %s: %s", path, exc)
        return
    from lxml import etree
    priv = etree.parse(path).getroot().find("pyvirt")
    vm = drv.domains.by_uuid(live.uuid)
    if vm is None:
        vm = LxcDomainObj(live)
        drv.domains.add(vm)
    persistent = vm.def_ if vm.persistent else None
    domid = int(etree.fromstring(status.domain_xml.encode()).get("id", "-1"))
    proc = None
    if status.pid and status.starttime is not None:
        proc = qproc.attach(status.pid, status.starttime)
    init = int(priv.get("init", "0")) if priv is not None else 0
    if not init and proc is not None and status.domain_dir:
        # a status written as the container started: init and its consoles are
        # in the controller's state file (in a moment, if it is still starting)
        deadline = time.monotonic() + START_TIMEOUT
        state = read_state(os.path.join(status.domain_dir, "state"))
        while ("init_pid" not in state and not proc.exited()
               and time.monotonic() < deadline):
            time.sleep(0.01)
            state = read_state(os.path.join(status.domain_dir, "state"))
        init = int(state.get("init_pid", 0))
        _console_paths(live, state.get("ptys", []))
    with vm.lock:
        vm.def_ = live
        vm.new_def = persistent
        vm.id = domid
        vm.state, vm.reason = status.state, status.reason
        vm.domain_dir = status.domain_dir
        vm.log_path = status.log_path
        vm.init_pid = init
        rel = priv.get("cgroup") if priv is not None else None
        mode = priv.get("cgroupmode", "auto") if priv is not None else "auto"
        vm.cgroup = Cgroup(rel, mode) if rel else None
        vm.proc = proc
    drv.domains.note_id(domid)
    if proc is None:
        rec = exit_record(vm)
        stop(drv, vm, C.VIR_DOMAIN_SHUTOFF_SHUTDOWN if rec.get("status") is not None
             else C.VIR_DOMAIN_SHUTOFF_CRASHED)
        return
    proc.watch(lambda p: drv.on_controller_exit(vm, p))
