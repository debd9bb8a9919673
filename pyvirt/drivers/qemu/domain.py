"""Domain lifecycle: start, stop, destroy, shutdown, reboot, pause; QEMU's events.

The steps of a start, each undone if a later one fails (``ExitStack``):

1. check the definition against the binary's capabilities and the host
   (machine type, virt type, disk images);
2. copy it into the live definition, add implicit devices, addresses, aliases;
3. create the domain's run directory and a listening monitor socket;
4. open taps, pick VNC ports, build the command line, write the log header;
5. spawn QEMU paused (``-S``) in its own session, watch its pidfd;
6. connect QMP, read pty paths, ``cont``; write the status XML.

State changes driven by QEMU follow libvirt's QEMU driver
(qemu_process.c): QMP events are handled on the loop thread under the short
``vm.lock`` (state, reason, lifecycle event); work that needs the job slot
(killing QEMU after a guest shutdown, a fake reboot, cleaning up after QEMU
exited) goes to the driver's worker thread.  An exit without a SHUTDOWN
event first is a crash: SHUTOFF/CRASHED with a STOPPED/FAILED event.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import logging
import os
import shutil
import socket
import threading
from collections.abc import Callable
from typing import Any

from pyvirt import constants as C
from pyvirt.conf.domain_disk import DiskType
from pyvirt.drivers.hostroot import HostRoot
from pyvirt.drivers.qemu import (
    address,
    command,
    disk_secrets,
    fdassoc,
    graphics,
    macvtap,
    netdev,
    netports,
    placement,
    process,
    spice,
)
from pyvirt.drivers.qemu import monitor as qmon
from pyvirt.drivers.qemu import nwfilter as qemu_nwfilter
from pyvirt.drivers.qemu import status as st
from pyvirt.drivers.qemu.capabilities import find_binary
from pyvirt.drivers.qemu.domobj import DomainObj
from pyvirt.errors import libvirtError, report, report_system
from pyvirt.util.fileutil import atomic_write, read_tail, remove_durably

_FROM = C.VIR_FROM_QEMU
log = logging.getLogger(__name__)

# How long a destroy lets QEMU exit on SIGTERM before SIGKILL (graceful: no SIGKILL).
TERM_WAIT = 3.0
GRACEFUL_TERM_WAIT = 10.0

_vnc_lock = threading.Lock()
_vnc_reserved: set[int] = set()


def not_running() -> libvirtError:
    """libvirt's error for an operation that needs a running domain."""
    return report(C.VIR_ERR_OPERATION_INVALID, "domain is not running", C.VIR_FROM_DOMAIN)


def lifecycle(drv: Any, vm: DomainObj, event: int, detail: int) -> None:
    """Queue a lifecycle event for ``vm``."""
    drv.emit(vm, C.VIR_DOMAIN_EVENT_ID_LIFECYCLE, event, detail)


# --- checks before a start ---------------------------------------------------------------

def emulator_of(def_: Any) -> str:
    """The QEMU binary of a definition (its <emulator>, else the host's for its arch)."""
    if def_.emulator:
        return def_.emulator
    arch = def_.os.arch or "x86_64"
    path = find_binary(arch)
    if path is None:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     f"No emulator found for arch '{arch}'", _FROM)
    return path


def caps_for(drv: Any, def_: Any) -> Any:
    """The capabilities of the definition's binary (VIR_ERR_SYSTEM_ERROR if it is missing)."""
    binary = emulator_of(def_)
    if not os.access(binary, os.X_OK):
        err = 2 if not os.path.exists(binary) else 13
        raise report_system(err, f"Cannot check QEMU binary {binary}", _FROM)
    return drv.caps.get(binary)


def validate(caps: Any, def_: Any) -> str:
    """Check machine and virt type against ``caps``; return the canonical machine."""
    machine = caps.canonical_machine(def_.os.machine)
    if machine is None:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     f"Emulator '{caps.binary}' does not support machine type "
                     f"'{def_.os.machine}'", _FROM)
    virt = def_.type
    if not caps.supports_accel(virt):
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     f"Emulator '{caps.binary}' does not support virt type '{virt}'", _FROM)
    return machine


def translate_volumes(drv: Any, disks: Any, quiet: bool = False) -> None:
    """Ask the storage driver of the root for the files of ``<disk type='volume'>``
    (``quiet``: a guest taken back after a restart keeps what cannot be resolved)."""
    from pyvirt.drivers.hostroot import HostRoot
    from pyvirt.drivers.storage.translate import translate_disks
    try:
        translate_disks(HostRoot.of_qemu(drv.cfg), disks)
    except libvirtError:
        if not quiet:
            raise


def check_disks(def_: Any) -> None:
    """Every local disk image must exist (libvirt's qemuDomainCheckDiskPresence)."""
    for disk in address.devices(def_, "disk"):
        if disk.type not in (DiskType.FILE, DiskType.BLOCK, DiskType.DIR, DiskType.VOLUME):
            continue
        path = command.disk_path(disk)
        if path is None or fdassoc.has_fdgroup(disk):   # opened from descriptors
            continue
        policy = disk.source.startup_policy if disk.source else None
        try:
            os.stat(path)
        except OSError as exc:
            if policy == "optional":
                disk.source = None
                continue
            raise report_system(exc.errno or 2, f"Cannot access storage file '{path}'",
                                C.VIR_FROM_STORAGE) from None


def prepare_live(def_: Any, caps: Any, check_accel: bool = True) -> None:
    """Turn a definition into the one QEMU runs: canonical machine, emulator,
    implicit devices, addresses and aliases (in place)."""
    if check_accel:
        def_.os.machine = validate(caps, def_)
    else:
        def_.os.machine = caps.canonical_machine(def_.os.machine) or def_.os.machine
    if not def_.emulator:
        def_.emulator = caps.binary
    command.check_lifecycle(def_)
    address.prepare(def_)
    address.assign_aliases(def_)


# --- runtime resources -------------------------------------------------------------------

def _reserve_vnc_port(listen: str) -> int:
    with _vnc_lock:
        for port in range(5900, 65536):
            if port in _vnc_reserved:
                continue
            fam = socket.AF_INET6 if ":" in listen else socket.AF_INET
            with socket.socket(fam, socket.SOCK_STREAM) as s:
                try:
                    s.bind((listen, port))
                except OSError:
                    continue
            _vnc_reserved.add(port)
            return port
    raise report(C.VIR_ERR_INTERNAL_ERROR, "Unable to find an unused port for VNC", _FROM)


def _release_vnc_ports(ports: list[int]) -> None:
    with _vnc_lock:
        for port in ports:
            _vnc_reserved.discard(port)


def _open_taps(def_: Any, undo: contextlib.ExitStack, cfg: Any = None,
               keep: contextlib.ExitStack | None = None) -> dict[str, int]:
    """Open a tap (or a macvtap) for each interface that needs one; ``undo`` closes
    them, ``keep`` (if given) deletes the macvtaps if the start fails."""
    fds: dict[str, int] = {}
    for net in address.devices(def_, "interface"):
        direct = macvtap.source_of(cfg, net)
        netdev.validate(net, (direct[1] or "vepa") if direct else None)
        if direct is not None:
            fds[net.alias] = macvtap.open_guest_macvtap(net, direct, undo, keep or undo)
        elif net.type.value in ("ethernet", "bridge", "network"):
            fds[net.alias] = open_guest_tap(cfg, net, undo, def_.uuid)
        else:
            continue
        netdev.apply_bandwidth(net)
    return fds


def open_guest_tap(cfg: Any, net: Any, undo: contextlib.ExitStack, owner_uuid: str = "") -> int:
    """The tap of an ``ethernet``, ``bridge`` or ``network`` interface, up and on its
    bridge (an Open vSwitch one for ``<virtualport type='openvswitch'>``, recording the
    guest's ``owner_uuid``); ``undo`` closes it.  An ``<interface type='network'>`` joins
    the bridge of its network (found through the network driver of ``cfg``'s host root);
    its tap gets the network's MTU and the guest's MAC with a first byte of 0xfe, as
    libvirt gives it."""
    kind = net.type.value
    mtu = net.mtu
    if kind == "network":
        bridge, net_mtu = _network_bridge(cfg, net.source.get("network", ""))
        net.source["bridge"] = bridge
        mtu = mtu or net_mtu
    fd, ifname = netdev.open_tap(net.target_dev)
    undo.callback(os.close, fd)
    net.target_dev = ifname
    if kind == "network":
        from pyvirt.drivers.network import bridge as netbridge
        netbridge.set_tap(ifname, "fe" + (net.mac or "00:00:00:00:00:00")[2:], mtu)
    netdev.set_up(ifname)
    if kind in ("bridge", "network"):
        netdev.plug_bridge(net, net.source.get("bridge", ""), ifname, owner_uuid)
    return fd


def _network_bridge(cfg: Any, name: str) -> tuple[str, int | None]:
    """The bridge (and MTU) of the running network ``name`` of ``cfg``'s host root."""
    from pyvirt.drivers import hostroot
    drv = hostroot.current("network", hostroot.HostRoot.of_qemu(cfg)) if cfg else None
    if drv is None:
        raise report(C.VIR_ERR_NO_NETWORK, f"no network with matching name '{name}'",
                     C.VIR_FROM_NETWORK)
    result: tuple[str, int | None] = drv.bridge_of(name)
    return result


def _vnc_ports(def_: Any, undo: contextlib.ExitStack) -> dict[int, int]:
    ports: dict[int, int] = {}
    for i, gfx in enumerate(address.devices(def_, "graphics")):
        if gfx.type not in ("vnc", "spice"):
            continue
        listen = gfx.listens[0] if gfx.listens else None
        if listen is not None and (listen.type == "socket" or
                                   (gfx.type == "spice" and listen.type == "none")):
            continue
        if gfx.type == "spice" and not gfx.autoport and gfx.port is None:
            continue                 # libvirt's port=0: no plain-text port
        if gfx.autoport or gfx.port in (None, -1):
            host = (listen.address if listen is not None else None) or "127.0.0.1"
            port = _reserve_vnc_port(host)
            undo.callback(_release_vnc_ports, [port])
            gfx.port = port
            gfx.autoport = True
        ports[i] = gfx.port
    return ports


def _nvram(drv: Any, def_: Any) -> str | None:
    os_ = def_.os
    if not os_.loader or (os_.loader_type is not None and os_.loader_type.value == "rom"):
        return None
    path = os_.nvram
    if path is None:
        path = os.path.join(drv.cfg.lib_dir, "nvram", f"{def_.name}_VARS.fd")
        os_.nvram = path
    if not os.path.exists(path):
        template = os_.nvram_template or _vars_template(os_.loader)
        if template is None:
            raise report(C.VIR_ERR_OPERATION_FAILED,
                         f"unable to find an NVRAM template for loader '{os_.loader}'", _FROM)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        shutil.copyfile(template, path)
    return path


def _vars_template(loader: str) -> str | None:
    guess = loader.replace("_CODE", "_VARS").replace(".secboot", "")
    return guess if guess != loader and os.path.exists(guess) else None


def _log_header(cmd: command.Command, caps: Any) -> str:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    ver = caps.version
    return (f"{now}+0000: starting up pyvirt (libvirt 9.0.0 API), qemu version: "
            f"{ver // 1000000}.{ver // 1000 % 1000}.{ver % 1000}, hostname: "
            f"{socket.gethostname()}\n" + cmd.to_text())


def _short_name(name: str) -> str:
    # libvirt shortens names in paths to 20 characters
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:20]


# --- start ------------------------------------------------------------------------------

def start(drv: Any, vm: DomainObj, flags: int = 0, run_def: Any = None,
          incoming: Callable[[DomainObj, qmon.Monitor], None] | None = None,
          loadvm: str | None = None) -> None:
    """Start ``vm`` (caller holds its job) from ``run_def`` (default: its definition).

    Emits RESUMED (through QEMU's RESUME event) and STARTED, or STARTED and
    SUSPENDED with VIR_DOMAIN_START_PAUSED, as libvirt does.  ``incoming``
    (a restore) starts QEMU with ``-incoming defer`` and is called with the
    connected monitor to load the guest's state before the vCPUs run; the
    events then say RESTORED.  ``loadvm`` names an internal snapshot QEMU
    loads before the vCPUs run (``-loadvm``); the events then say FROM_SNAPSHOT.
    """
    if vm.is_active():
        raise report(C.VIR_ERR_OPERATION_INVALID, "domain is already running", _FROM)
    persistent = vm.def_
    live = (run_def or persistent).copy()
    caps = caps_for(drv, live)
    prepare_live(live, caps)
    translate_volumes(drv, address.devices(live, "disk"))
    check_disks(live)
    domid = drv.domains.new_id()
    cfg = drv.cfg
    dom_dir = os.path.join(cfg.state_dir, f"domain-{domid}-{_short_name(live.name)}")
    monitor_path = os.path.join(dom_dir, "monitor.sock")
    pidfile = os.path.join(cfg.state_dir, f"{live.name}.pid")
    log_path = os.path.join(cfg.log_dir, f"{live.name}.log")
    with contextlib.ExitStack() as undo:
        os.makedirs(dom_dir, mode=0o750, exist_ok=True)
        undo.callback(shutil.rmtree, dom_dir, True)
        from pyvirt.drivers.qemu.agent import prepare_channels
        prepare_channels(cfg.lib_dir, live, dom_dir)
        undo.callback(remove_durably, pidfile)
        # descriptors QEMU inherits; ours are closed once it runs
        inherited = undo.enter_context(contextlib.ExitStack())
        sock = qmon.listen_unix(monitor_path)
        inherited.callback(sock.close)
        taps = _open_taps(live, inherited, cfg, undo)
        for net in address.devices(live, "interface"):
            netports.create(cfg, live, net, undo)
            qemu_nwfilter.bind(cfg, live, net, undo)
        spice.resolve_network_listens(cfg, live)
        vnc = _vnc_ports(live, undo)
        nvram = _nvram(drv, live)
        blockdev = address.blockdev_indexes(live)
        secrets = disk_secrets.prepare(HostRoot.of_qemu(cfg), address.devices(live, "disk"),
                                       blockdev, dom_dir)
        undo.callback(disk_secrets.forget, secrets)
        fdsets = fdassoc.prepare(vm, address.devices(live, "disk"), blockdev, inherited)
        ctx = command.BuildContext(caps=caps, monitor_fd=sock.fileno(), domain_dir=dom_dir,
                                   tap_fds=taps, vnc_ports=vnc, nvram=nvram, blockdev=blockdev,
                                   disk_secrets=secrets, disk_fdsets=fdsets)
        cmd = command.build(live, ctx)
        if incoming is not None:
            cmd.add("-incoming", "defer")
        if loadvm is not None:
            cmd.add("-loadvm", loadvm)
        logfd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        try:
            os.write(logfd, _log_header(cmd, caps).encode())
            log_start = os.lseek(logfd, 0, os.SEEK_END)
            try:
                proc = process.spawn(cmd.argv(), cmd.environ(), logfd, cmd.pass_fds)
            except OSError as exc:
                raise report_system(exc.errno or 0,
                                    f"Cannot execute QEMU binary {caps.binary}", _FROM) from None
        finally:
            os.close(logfd)
        undo.callback(_kill_quietly, proc)
        inherited.close()
        atomic_write(pidfile, f"{proc.pid}\n", 0o644)
        with vm.lock:
            vm.id = domid
            vm.new_def = persistent if vm.persistent else None
            vm.def_ = live
            vm.proc = proc
            vm.monitor_path = monitor_path
            vm.pidfile = pidfile
            vm.domain_dir = dom_dir
            vm.log_path = log_path
            vm.blockdev = blockdev
            vm.set_state(C.VIR_DOMAIN_PAUSED, C.VIR_DOMAIN_PAUSED_STARTING_UP)
        undo.callback(_reset_runtime, vm, persistent)
        proc.watch(functools.partial(drv.on_process_exit, vm))
        mon = qmon.Monitor(monitor_path, functools.partial(drv.on_qmp_event, vm, proc),
                           name=live.name)
        try:
            mon.connect()
        except qmon.MonitorEOF:
            raise _start_failure(proc, log_path, log_start) from None
        undo.callback(mon.close)
        disk_secrets.forget(secrets)          # QEMU has read the passphrases
        vm.mon = mon
        try:
            _read_ptys(vm, mon)
            graphics.apply_passwords(vm, mon)
        except libvirtError:
            if proc.wait(0.5):
                raise _start_failure(proc, log_path, log_start) from None
            raise
        undo.callback(placement.teardown, drv, vm)
        placement.setup(drv, vm)    # cgroup, thread placement, tunables (vCPUs still stopped)
        if incoming is not None:
            incoming(vm, mon)       # its errors are its own (OPERATION_FAILED)
        try:
            if flags & C.VIR_DOMAIN_START_PAUSED:
                with vm.lock:
                    vm.set_state(C.VIR_DOMAIN_PAUSED, C.VIR_DOMAIN_PAUSED_USER
                                 if loadvm is None else C.VIR_DOMAIN_PAUSED_FROM_SNAPSHOT)
            else:
                vm.running_reason = (C.VIR_DOMAIN_RUNNING_RESTORED if incoming is not None
                                     else C.VIR_DOMAIN_RUNNING_FROM_SNAPSHOT if loadvm
                                     else C.VIR_DOMAIN_RUNNING_BOOTED)
                mon.execute("cont")
        except libvirtError:
            if proc.wait(0.5):
                raise _start_failure(proc, log_path, log_start) from None
            raise
        st.save_status(cfg, vm)
        undo.pop_all()
    drv.domains.note_id(domid)
    drv.agent_domain_started(vm)
    restored = incoming is not None
    lifecycle(drv, vm, C.VIR_DOMAIN_EVENT_STARTED, C.VIR_DOMAIN_EVENT_STARTED_RESTORED
              if restored else C.VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT if loadvm
              else C.VIR_DOMAIN_EVENT_STARTED_BOOTED)
    if flags & C.VIR_DOMAIN_START_PAUSED:
        lifecycle(drv, vm, C.VIR_DOMAIN_EVENT_SUSPENDED, C.VIR_DOMAIN_EVENT_SUSPENDED_RESTORED
                  if restored else C.VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT if loadvm
                  else C.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED)


def _start_failure(proc: process.QemuProcess, log_path: str, offset: int) -> libvirtError:
    proc.wait(1.0)
    tail = read_tail(log_path, 4096, offset).strip()
    return report(C.VIR_ERR_INTERNAL_ERROR,
                  f"qemu unexpectedly closed the monitor: {tail or 'no output'}", _FROM)


def _kill_quietly(proc: process.QemuProcess) -> None:
    proc.kill(graceful_timeout=0.5)
    proc.close()


def _reset_runtime(vm: DomainObj, persistent: Any) -> None:
    with vm.lock:
        vm.id = -1
        vm.def_ = persistent
        vm.new_def = None
        vm.proc = vm.mon = None
        vm.set_state(C.VIR_DOMAIN_SHUTOFF, C.VIR_DOMAIN_SHUTOFF_FAILED)


def _read_ptys(vm: DomainObj, mon: qmon.Monitor) -> None:
    """Record the /dev/pts paths QEMU opened for pty chardevs in the live XML."""
    infos = mon.execute("query-chardev")
    chardevs = {c["label"]: c["filename"] for c in infos}
    spice.channel_states(vm.def_, infos)
    for kind in ("serial", "console", "channel", "parallel"):
        for dev in address.devices(vm.def_, kind):
            fname = chardevs.get("char" + (dev.alias or ""))
            if dev.source.type == "pty" and fname and fname.startswith("pty:"):
                dev.source.path = fname[4:]


# --- stop -------------------------------------------------------------------------------

def stop(drv: Any, vm: DomainObj, reason: int) -> None:
    """Clean up after QEMU (killing it if needed) and mark ``vm`` shut off.

    The caller holds the job and emits the STOPPED event.
    """
    with vm.lock:
        proc, mon = vm.proc, vm.mon
        vm.proc = vm.mon = None
        consoles = list(vm.consoles.values())
        vm.consoles.clear()
        live = vm.def_
    for con in consoles:
        con.close(eof=True)
    if mon is not None:
        mon.close()
    if proc is not None:
        if not proc.exited():
            proc.kill(graceful_timeout=TERM_WAIT)
        proc.close()
    placement.teardown(drv, vm)
    ports = [g.port for g in address.devices(live, "graphics") if g.autoport and g.port]
    _release_vnc_ports(ports)
    qemu_nwfilter.unbind_all(drv.cfg, live)
    macvtap.delete_all(live)
    netdev.unplug_openvswitch(address.devices(live, "interface"))
    netdev.clear_bandwidth(live)
    netports.delete_all(drv.cfg, live)
    if vm.domain_dir:
        shutil.rmtree(vm.domain_dir, ignore_errors=True)
    if vm.pidfile:
        remove_durably(vm.pidfile)
    st.delete_status(drv.cfg, live.name)
    with vm.lock:
        vm.id = -1
        if vm.new_def is not None:
            vm.def_ = vm.new_def
        vm.new_def = None
        vm.set_state(C.VIR_DOMAIN_SHUTOFF, reason)
        vm.being_destroyed = vm.fake_reboot = vm.got_shutdown = False
        vm.paused_reason = vm.running_reason = None
        vm.paused_shutdown = False
        vm.deleted_devices.clear()
        vm.pending_unplug.clear()
        vm.blockdev = {}
        vm.monitor_path = vm.pidfile = vm.domain_dir = None
        vm.taints = set()
    if vm.persistent:
        st.save_stopped(drv.cfg, vm.name, reason)
    else:
        drv.domains.remove(vm)


# --- operations ---------------------------------------------------------------------------

def active_monitor(vm: DomainObj) -> qmon.Monitor:
    """The monitor of a running ``vm`` or libvirt's 'domain is not running'."""
    with vm.lock:
        mon = vm.mon
        if not vm.is_active() or mon is None:
            raise not_running()
    return mon


def destroy(drv: Any, vm: DomainObj, flags: int = 0) -> None:
    """Kill QEMU: SIGTERM, a short wait, SIGKILL (not with DESTROY_GRACEFUL)."""
    with vm.lock:
        if not vm.is_active():
            raise not_running()
        proc = vm.proc
        vm.being_destroyed = True
    graceful = bool(flags & C.VIR_DOMAIN_DESTROY_GRACEFUL)
    proc.signal(15)
    termed = proc.wait(GRACEFUL_TERM_WAIT if graceful else TERM_WAIT)
    if not termed:
        if graceful:
            with vm.lock:
                vm.being_destroyed = False
            raise report_system(16, f"Failed to terminate process {proc.pid} with SIGTERM",
                                _FROM)
        proc.signal(9)
        proc.wait(10.0)
    with vm.job_scope("destroy"):
        if vm.proc is not proc:
            return               # cleaned up meanwhile
        if termed:
            lifecycle(drv, vm, C.VIR_DOMAIN_EVENT_SHUTDOWN, C.VIR_DOMAIN_EVENT_SHUTDOWN_HOST)
        stop(drv, vm, C.VIR_DOMAIN_SHUTOFF_DESTROYED)
        lifecycle(drv, vm, C.VIR_DOMAIN_EVENT_STOPPED, C.VIR_DOMAIN_EVENT_STOPPED_DESTROYED)


def shutdown(drv: Any, vm: DomainObj) -> None:
    """Press the ACPI power button (the guest decides what to do)."""
    mon = active_monitor(vm)
    with vm.lock:
        vm.fake_reboot = False
    mon.execute("system_powerdown")


def reboot(drv: Any, vm: DomainObj) -> None:
    """ACPI power button, then reset and continue when the guest powers off."""
    mon = active_monitor(vm)
    with vm.lock:
        vm.fake_reboot = True
    st.save_status(drv.cfg, vm)
    mon.execute("system_powerdown")


def reset(drv: Any, vm: DomainObj) -> None:
    """Reset the machine (the RESET event raises the REBOOT event)."""
    active_monitor(vm).execute("system_reset")


# ``save=False`` (suspend, resume): the status file is written here only when
# QEMU's STOP/RESUME event was missed; otherwise the work that event queued
# writes it on the worker thread (a snapshot's short pause: no fsync on its path).

def suspend(drv: Any, vm: DomainObj, reason: int = C.VIR_DOMAIN_PAUSED_USER,
            save: bool = True) -> None:
    """Pause the vCPUs (state PAUSED with ``reason``)."""
    mon = active_monitor(vm)
    with vm.lock:
        if vm.state == C.VIR_DOMAIN_PAUSED:
            return
        vm.paused_reason = reason
    mon.execute("stop")
    with vm.lock:
        missed = vm.state == C.VIR_DOMAIN_RUNNING
        if missed:                                  # the STOP event was missed
            vm.set_state(C.VIR_DOMAIN_PAUSED, reason)
            lifecycle(drv, vm, C.VIR_DOMAIN_EVENT_SUSPENDED, C.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED)
    if save or missed:
        st.save_status(drv.cfg, vm)


def resume(drv: Any, vm: DomainObj, reason: int = C.VIR_DOMAIN_RUNNING_UNPAUSED,
           save: bool = True) -> None:
    """Let the vCPUs run again (state RUNNING with ``reason``)."""
    mon = active_monitor(vm)
    with vm.lock:
        if vm.state == C.VIR_DOMAIN_RUNNING:
            raise report(C.VIR_ERR_OPERATION_INVALID, "domain is already running", _FROM)
        vm.running_reason = reason
    mon.execute("cont")
    with vm.lock:
        missed = vm.state != C.VIR_DOMAIN_RUNNING
        if missed:                                  # the RESUME event was missed
            vm.set_state(C.VIR_DOMAIN_RUNNING, reason)
            lifecycle(drv, vm, C.VIR_DOMAIN_EVENT_RESUMED, C.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED)
    if save or missed:
        st.save_status(drv.cfg, vm)


# --- QEMU's events ----------------------------------------------------------------------------

_PAUSED_TO_EVENT = {
    C.VIR_DOMAIN_PAUSED_USER: C.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED,
    C.VIR_DOMAIN_PAUSED_IOERROR: C.VIR_DOMAIN_EVENT_SUSPENDED_IOERROR,
    C.VIR_DOMAIN_PAUSED_WATCHDOG: C.VIR_DOMAIN_EVENT_SUSPENDED_WATCHDOG,
    C.VIR_DOMAIN_PAUSED_FROM_SNAPSHOT: C.VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT,
}


def on_qmp_event(drv: Any, vm: DomainObj, proc: Any, name: str, data: dict) -> None:
    """Handle one QMP event (on the loop thread: never blocks)."""
    with vm.lock:
        if vm.proc is not proc:
            return
        handler = _QMP_HANDLERS.get(name)
        if handler is not None:
            handler(drv, vm, data)
        else:                        # events the driver's API mixins handle (qmp_NAME)
            extra = getattr(drv, f"qmp_{name.lower()}", None)
            if extra is not None:
                extra(vm, data)


def restarts_on_poweroff(vm: DomainObj) -> bool:
    """True when a guest power-off of ``vm`` becomes a reboot (caller holds ``vm.lock``).

    As libvirt's qemuProcessShutdownOrReboot: a reboot asked through the API
    (the ACPI button, then reset and continue), or ``<on_poweroff>restart``.
    """
    return vm.fake_reboot or vm.def_.on_poweroff == "restart"


def _ev_shutdown(drv: Any, vm: DomainObj, data: dict) -> None:
    # QEMU runs with -no-shutdown: it is now paused in its 'shutdown' run
    # state and stays so until the worker kills (or resets) it.  A process
    # that closes before then leaves it that way for the next one to find.
    vm.got_shutdown = True
    vm.paused_shutdown = True
    if vm.being_destroyed:
        return
    if restarts_on_poweroff(vm):
        drv.queue_work(vm, "fake-reboot", vm.proc)
        return
    if vm.state != C.VIR_DOMAIN_SHUTDOWN:
        vm.set_state(C.VIR_DOMAIN_SHUTDOWN, C.VIR_DOMAIN_SHUTDOWN_UNKNOWN)
        guest = data.get("guest")
        detail = (C.VIR_DOMAIN_EVENT_SHUTDOWN_FINISHED if guest is None else
                  C.VIR_DOMAIN_EVENT_SHUTDOWN_GUEST if guest
                  else C.VIR_DOMAIN_EVENT_SHUTDOWN_HOST)
        lifecycle(drv, vm, C.VIR_DOMAIN_EVENT_SHUTDOWN, detail)
        drv.queue_work(vm, "save-status", vm.proc)
    drv.queue_work(vm, "shutdown", vm.proc)


def _ev_stop(drv: Any, vm: DomainObj, data: dict) -> None:
    if vm.state != C.VIR_DOMAIN_RUNNING or vm.paused_shutdown:
        return
    reason = vm.paused_reason if vm.paused_reason is not None else C.VIR_DOMAIN_PAUSED_UNKNOWN
    vm.paused_reason = None
    vm.set_state(C.VIR_DOMAIN_PAUSED, reason)
    lifecycle(drv, vm, C.VIR_DOMAIN_EVENT_SUSPENDED,
              _PAUSED_TO_EVENT.get(reason, C.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED))
    drv.queue_work(vm, "save-status", vm.proc)


def _ev_resume(drv: Any, vm: DomainObj, data: dict) -> None:
    vm.paused_shutdown = False
    if vm.state == C.VIR_DOMAIN_RUNNING:
        return
    reason = vm.running_reason if vm.running_reason is not None \
        else C.VIR_DOMAIN_RUNNING_UNPAUSED
    vm.running_reason = None
    vm.set_state(C.VIR_DOMAIN_RUNNING, reason)
    lifecycle(drv, vm, C.VIR_DOMAIN_EVENT_RESUMED, C.VIR_DOMAIN_EVENT_RESUMED_FROM_SNAPSHOT
              if reason == C.VIR_DOMAIN_RUNNING_FROM_SNAPSHOT
              else C.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED)
    drv.queue_work(vm, "save-status", vm.proc)


def _ev_reset(drv: Any, vm: DomainObj, data: dict) -> None:
    drv.emit(vm, C.VIR_DOMAIN_EVENT_ID_REBOOT)


def _ev_device_deleted(drv: Any, vm: DomainObj, data: dict) -> None:
    alias = data.get("device")
    if alias:
        vm.deleted_devices.add(alias)
        vm.device_cond.notify_all()
        drv.queue_work(vm, "device-deleted", vm.proc, alias)


def _ev_watchdog(drv: Any, vm: DomainObj, data: dict) -> None:
    action = {"reset": 1, "pause": 2, "poweroff": 3, "shutdown": 4, "debug": 5,
              "inject-nmi": 6}.get(str(data.get("action")), 0)
    drv.emit(vm, C.VIR_DOMAIN_EVENT_ID_WATCHDOG, action)
    if action == 2 and vm.state == C.VIR_DOMAIN_RUNNING:
        vm.paused_reason = C.VIR_DOMAIN_PAUSED_WATCHDOG


def _ev_balloon(drv: Any, vm: DomainObj, data: dict) -> None:
    actual = data.get("actual")
    if isinstance(actual, int):
        vm.balloon_actual = actual // 1024
        drv.emit(vm, C.VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE, vm.balloon_actual)


def _ev_panic(drv: Any, vm: DomainObj, data: dict) -> None:
    vm.set_state(C.VIR_DOMAIN_CRASHED, C.VIR_DOMAIN_CRASHED_PANICKED)
    lifecycle(drv, vm, C.VIR_DOMAIN_EVENT_CRASHED, C.VIR_DOMAIN_EVENT_CRASHED_PANICKED)


def _ev_tray(drv: Any, vm: DomainObj, data: dict) -> None:
    alias = data.get("id") or data.get("device")
    if alias:
        drv.emit(vm, C.VIR_DOMAIN_EVENT_ID_TRAY_CHANGE, alias,
                 C.VIR_DOMAIN_EVENT_TRAY_CHANGE_OPEN if data.get("tray-open")
                 else C.VIR_DOMAIN_EVENT_TRAY_CHANGE_CLOSE)


def _ev_migration(drv: Any, vm: DomainObj, data: dict) -> None:
    vm.migration_status = data.get("status")
    vm.migration_cond.notify_all()


_QMP_HANDLERS = {
    "SHUTDOWN": _ev_shutdown, "STOP": _ev_stop, "RESUME": _ev_resume, "RESET": _ev_reset,
    "DEVICE_DELETED": _ev_device_deleted, "WATCHDOG": _ev_watchdog,
    "BALLOON_CHANGE": _ev_balloon, "GUEST_PANICKED": _ev_panic,
    "DEVICE_TRAY_MOVED": _ev_tray, "MIGRATION": _ev_migration,
}


# --- worker jobs (the driver's worker thread) -------------------------------------------------

def process_work(drv: Any, vm: DomainObj, kind: str, proc: Any, *args: Any) -> None:
    """Do work queued by an event handler, with the job slot held."""
    if kind == "save-status":
        if vm.proc is proc:
            st.save_status(drv.cfg, vm)
        return
    if kind == "device-deleted":
        drv.hotplug_removed(vm, proc, args[0])
        return
    extra = getattr(drv, f"work_{kind}", None)     # work of the driver's API mixins
    if extra is not None:
        extra(vm, proc, *args)
        return
    try:
        vm.begin_job(kind)
    except libvirtError:
        log.warning("%s: could not take the job for %s", vm.name, kind)
        return
    try:
        if vm.proc is not proc or proc is None:
            return
        if kind == "exit":
            _handle_exit(drv, vm, proc)
        elif kind == "shutdown":
            _handle_shutdown(drv, vm, proc)
        elif kind == "fake-reboot":
            _handle_fake_reboot(drv, vm)
    finally:
        vm.end_job()


def _handle_exit(drv: Any, vm: DomainObj, proc: Any) -> None:
    if vm.being_destroyed:
        return
    with vm.lock:
        clean = vm.state == C.VIR_DOMAIN_SHUTDOWN or vm.got_shutdown
        mon = vm.mon
    if not clean and mon is not None:
        # The exit may be seen before QEMU's last events (libvirt reads the
        # monitor to its end first): let them arrive, then look again.
        mon.drain()
        with vm.lock:
            clean = vm.state == C.VIR_DOMAIN_SHUTDOWN or vm.got_shutdown
    if clean:
        reason, detail = C.VIR_DOMAIN_SHUTOFF_SHUTDOWN, C.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN
    else:
        reason, detail = C.VIR_DOMAIN_SHUTOFF_CRASHED, C.VIR_DOMAIN_EVENT_STOPPED_FAILED
    stop(drv, vm, reason)
    lifecycle(drv, vm, C.VIR_DOMAIN_EVENT_STOPPED, detail)


def finish_shutdown(drv: Any, vm: DomainObj, proc: Any) -> None:
    """End a guest power-off: reboot it or stop QEMU (the caller holds the job).

    Used when the SHUTDOWN event arrives and when a later process finds a
    QEMU its guest powered off while nobody watched (libvirt's reconnect).
    """
    with vm.lock:
        restart = restarts_on_poweroff(vm)
    if restart:
        _handle_fake_reboot(drv, vm)
    else:
        _handle_shutdown(drv, vm, proc)


def _handle_shutdown(drv: Any, vm: DomainObj, proc: Any) -> None:
    proc.kill(graceful_timeout=TERM_WAIT)
    stop(drv, vm, C.VIR_DOMAIN_SHUTOFF_SHUTDOWN)
    lifecycle(drv, vm, C.VIR_DOMAIN_EVENT_STOPPED, C.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN)


def _handle_fake_reboot(drv: Any, vm: DomainObj) -> None:
    mon = vm.mon
    with vm.lock:
        vm.fake_reboot = False
        vm.got_shutdown = False
    try:
        mon.execute("system_reset")
        vm.running_reason = C.VIR_DOMAIN_RUNNING_BOOTED
        mon.execute("cont")
        with vm.lock:
            vm.set_state(C.VIR_DOMAIN_RUNNING, C.VIR_DOMAIN_RUNNING_BOOTED)
    except libvirtError as exc:
        log.warning("%s: fake reboot failed: %s", vm.name, exc)
    st.save_status(drv.cfg, vm)
