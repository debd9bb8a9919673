"""Attach, detach and update devices: live (QMP) and/or in the persistent config.

Live attach of a disk adds its two block nodes (``blockdev-add``) then the
device (``device_add``), each undone if a later step fails; an interface
adds its backend (``netdev_add``, a tap passed with ``getfd``) then the NIC.
The properties are the ones the command line uses (:mod:`command`), so a
hotplugged device is the device a fresh start would have.

Live detach asks the guest to let go (``device_del``) and waits up to
:data:`UNPLUG_WAIT` seconds for QEMU's ``DEVICE_DELETED``; when it comes the
backend is removed and the device leaves the live XML.  If the guest is
slow, the call returns (as libvirt's does) and the removal completes when
the event arrives.  CD-ROM media changes go through the tray:
``blockdev-open-tray``, ``blockdev-remove-medium``, ``blockdev-insert-medium``.
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any, cast

from pyvirt import constants as C
from pyvirt.conf.domain import format_device, parse_device
from pyvirt.conf.domain_base import PciAddress
from pyvirt.conf.domain_chardev import Channel
from pyvirt.conf.domain_devices import Graphics
from pyvirt.conf.domain_disk import Disk, DiskBus, DiskDevice
from pyvirt.conf.domain_net import Interface, generate_mac
from pyvirt.drivers.hostroot import HostRoot
from pyvirt.drivers.qemu import address, command, graphics, macvtap, netdev, netports
from pyvirt.drivers.qemu import hotplug_channel as chan_hp
from pyvirt.drivers.qemu import nwfilter as qemu_nwfilter
from pyvirt.drivers.qemu import status as st
from pyvirt.drivers.qemu.domain import (
    active_monitor,
    not_running,
    open_guest_tap,
    translate_volumes,
)
from pyvirt.drivers.qemu.domobj import DomainObj
from pyvirt.drivers.storage.backends.netdisk import of_disk
from pyvirt.errors import libvirtError, report, report_system

_FROM = C.VIR_FROM_QEMU

# How long a detach waits for the guest to release the device (libvirt: 5 s).
UNPLUG_WAIT = 5.0

_AFFECT = C.VIR_DOMAIN_AFFECT_LIVE | C.VIR_DOMAIN_AFFECT_CONFIG


def _targets(vm: DomainObj, flags: int, func: str) -> tuple[bool, bool]:
    """(live, config) for VIR_DOMAIN_AFFECT_* ``flags``, checked as libvirt checks them."""
    if flags & ~(_AFFECT | C.VIR_DOMAIN_DEVICE_MODIFY_FORCE):
        raise report(C.VIR_ERR_INVALID_ARG,
                     f"unsupported flags (0x{flags & ~_AFFECT:x}) in function {func}", _FROM)
    active = vm.is_active()
    live = bool(flags & C.VIR_DOMAIN_AFFECT_LIVE)
    config = bool(flags & C.VIR_DOMAIN_AFFECT_CONFIG)
    if not live and not config:
        live, config = active, not active
    if live and not active:
        raise report(C.VIR_ERR_OPERATION_INVALID, "domain is not running", C.VIR_FROM_DOMAIN)
    if config and not vm.persistent:
        raise report(C.VIR_ERR_OPERATION_INVALID,
                     "cannot change persistent config of a transient domain", _FROM)
    return live, config


def _unsupported(dev: Any, what: str) -> Exception:
    return report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                  f"{what} of device type '{dev.TAG}' is not supported", _FROM)


def _find(def_: Any, dev: Any) -> Any:
    """The device of ``def_`` that ``dev`` (from detach/update XML) designates."""
    if isinstance(dev, Disk):
        found = def_.find_disk(dev.target)
        if found is None:
            raise report(C.VIR_ERR_DEVICE_MISSING, f"disk {dev.target} not found", _FROM)
        return found
    if isinstance(dev, Interface):
        for net in address.devices(def_, "interface"):
            if (dev.mac is None or net.mac == dev.mac) and \
                    (dev.alias is None or net.alias == dev.alias):
                return net
        raise report(C.VIR_ERR_DEVICE_MISSING,
                     f"no device matching MAC address {dev.mac} found", _FROM)
    if isinstance(dev, Channel):
        return chan_hp.find(def_, dev)
    raise _unsupported(dev, "detach")


def _by_alias(def_: Any, alias: str) -> Any:
    for dev in def_.devices.all():
        if getattr(dev, "alias", None) == alias:
            return dev
    raise report(C.VIR_ERR_DEVICE_MISSING, f"device not found: no device with alias {alias}",
                 _FROM)


def _remove(def_: Any, dev: Any) -> None:
    kind = dev.TAG
    lst = address.devices(def_, kind)
    for i, other in enumerate(lst):
        if other is dev:
            del lst[i]
            return


# --- config ---------------------------------------------------------------------------------

def _config_change(drv: Any, vm: DomainObj, change: Any) -> None:
    """Apply ``change(def)`` to a copy of the persistent definition and save it."""
    new = vm.persistent_def().copy()
    change(new)
    address.prepare(new)
    st.save_config(drv.cfg, new)
    with vm.lock:
        if vm.is_active():
            vm.new_def = new
        else:
            vm.def_ = new


def _config_attach(def_: Any, dev: Any) -> None:
    if isinstance(dev, Disk) and def_.find_disk(dev.target) is not None:
        raise report(C.VIR_ERR_OPERATION_INVALID, f"target {dev.target} already exists", _FROM)
    if isinstance(dev, Interface) and dev.mac is None:
        dev.mac = generate_mac()
    if isinstance(dev, Channel):
        chan_hp.check_new(def_, dev)
    def_.devices.add(dev)


# --- live: disks ----------------------------------------------------------------------------

def _next_blockdev(vm: DomainObj) -> int:
    return max(vm.blockdev.values(), default=0) + 1


def _add_nodes(mon: Any, disk: Disk, index: int, undo: contextlib.ExitStack,
               domain_dir: str = "", vm: DomainObj | None = None, root: Any = None) -> None:
    from pyvirt.drivers.qemu.address import storage_node
    from pyvirt.drivers.qemu.disk_secrets import hotplug_objects, secret_id
    from pyvirt.drivers.qemu.netdisk import MASTER_KEY_ID, secret_objects
    objects = secret_objects([(disk, storage_node(index))], domain_dir)
    luks = hotplug_objects(root, disk, index, domain_dir)
    for obj in objects + luks:
        if obj["id"] == MASTER_KEY_ID:
            _quiet(mon, "object-add", obj)       # there already when the guest has one
            continue
        mon.execute("object-add", obj)
        undo.callback(_quiet, mon, "object-del", {"id": obj["id"]})
    from pyvirt.drivers.qemu import fdassoc
    fdset = fdassoc.hotplug_fdset(vm, mon, disk, storage_node(index), undo)
    for props in command.blockdev_props(disk, index, secret_id(index) if luks else None,
                                        fdset=fdset):
        mon.execute("blockdev-add", props)
        undo.callback(_quiet, mon, "blockdev-del", {"node-name": props["node-name"]})


def _del_nodes(mon: Any, index: int | None) -> None:
    if index is None:
        return
    from pyvirt.drivers.qemu.address import format_node, storage_node
    from pyvirt.drivers.qemu.disk_secrets import secret_id as luks_secret_id
    from pyvirt.drivers.qemu.netdisk import secret_id
    _quiet(mon, "blockdev-del", {"node-name": format_node(index)})
    _quiet(mon, "blockdev-del", {"node-name": storage_node(index)})
    _quiet(mon, "object-del", {"id": secret_id(storage_node(index))})
    _quiet(mon, "object-del", {"id": luks_secret_id(index)})
    from pyvirt.drivers.qemu import fdassoc
    fdassoc.remove_fdsets(mon, storage_node(index))


def _quiet(mon: Any, cmd: str, args: dict) -> None:
    try:
        mon.execute(cmd, args)
    except libvirtError:
        pass


def _check_source(disk: Disk) -> None:
    path = command.disk_path(disk)
    if path is not None and not os.path.exists(path) and \
            (disk.source is None or disk.source.fdgroup is None):   # opened from descriptors
        raise report_system(2, f"Cannot access storage file '{path}'", C.VIR_FROM_STORAGE)


def _live_attach_disk(drv: Any, vm: DomainObj, disk: Disk) -> None:
    live = vm.def_
    if live.find_disk(disk.target) is not None:
        raise report(C.VIR_ERR_OPERATION_INVALID, f"target {disk.target} already exists", _FROM)
    if disk.bus not in (DiskBus.VIRTIO, DiskBus.SCSI, DiskBus.USB):
        raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                     f"disk bus '{disk.bus}' cannot be hotplugged.", _FROM)
    if disk.device == DiskDevice.CDROM and disk.bus == DiskBus.VIRTIO:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, "virtio disks cannot be CD-ROMs", _FROM)
    translate_volumes(drv, [disk])
    _check_source(disk)
    if disk.bus == DiskBus.VIRTIO and not isinstance(disk.address, PciAddress):
        disk.address = address.free_pci_slot(live)
    if disk.bus == DiskBus.SCSI and disk.address is None:
        from pyvirt.conf.domain_defaults import drive_address
        disk.address = drive_address(disk)
    disk.alias = address.disk_alias(disk)
    if disk.alias in address.all_aliases(live):
        raise report(C.VIR_ERR_OPERATION_INVALID, f"alias {disk.alias} is already in use",
                     _FROM)
    mon = active_monitor(vm)
    has_media = command.disk_path(disk) is not None or of_disk(disk) is not None
    index = _next_blockdev(vm) if has_media else None
    with contextlib.ExitStack() as undo:
        if index is not None:
            _add_nodes(mon, disk, index, undo, vm.domain_dir or "", vm,
                       HostRoot.of_qemu(drv.cfg))
        mon.execute("device_add",
                    command.present(command.disk_device_props(disk, index, None, live)))
        undo.pop_all()
    with vm.lock:
        live.devices.add(disk)
        if index is not None:
            vm.blockdev[disk.alias] = index


def _live_change_media(drv: Any, vm: DomainObj, disk: Disk, new: Disk) -> None:
    """Eject the medium of CD-ROM ``disk`` and insert ``new``'s (if it has one)."""
    mon = active_monitor(vm)
    translate_volumes(drv, [new])
    _check_source(new)
    old_index = vm.blockdev.get(disk.alias or "")
    has_media = command.disk_path(new) is not None or of_disk(new) is not None
    index = _next_blockdev(vm) if has_media else None
    new.alias, new.address = disk.alias, disk.address
    with contextlib.ExitStack() as undo:
        if index is not None:
            _add_nodes(mon, new, index, undo, vm.domain_dir or "", vm,
                       HostRoot.of_qemu(drv.cfg))
        mon.execute("blockdev-open-tray", {"id": disk.alias, "force": True})
        mon.execute("blockdev-remove-medium", {"id": disk.alias})
        if index is not None:
            from pyvirt.drivers.qemu.address import format_node
            mon.execute("blockdev-insert-medium", {"id": disk.alias,
                                                   "node-name": format_node(index)})
            mon.execute("blockdev-close-tray", {"id": disk.alias})
        undo.pop_all()
    _del_nodes(mon, old_index)
    with vm.lock:
        disk.source = new.source
        disk.driver = new.driver or disk.driver
        disk.tray = None
        if index is not None:
            vm.blockdev[disk.alias or ""] = index
        else:
            vm.blockdev.pop(disk.alias or "", None)


# --- live: interfaces ---------------------------------------------------------------------------

def _live_attach_net(drv: Any, vm: DomainObj, net: Interface) -> None:
    live = vm.def_
    kind = net.type.value
    if kind not in ("user", "ethernet", "bridge", "network", "direct"):
        raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                     f"live attach of interface type '{kind}' is not supported", _FROM)
    if net.mac is None:
        net.mac = generate_mac()
    if not isinstance(net.address, PciAddress):
        net.address = address.free_pci_slot(live)
    used = address.all_aliases(live)
    n = 0
    while f"net{n}" in used:
        n += 1
    net.alias = f"net{n}"
    mon = active_monitor(vm)
    with contextlib.ExitStack() as undo:
        fdname = None
        if kind in ("ethernet", "bridge", "network", "direct"):
            with contextlib.ExitStack() as fds:
                # a macvtap (type 'direct', or a network in a macvtap mode) is deleted by
                # ``undo``; a tap goes with the last descriptor, QEMU's once it has it
                direct = macvtap.source_of(drv.cfg, net)
                netdev.validate(net, (direct[1] or "vepa") if direct else None)
                if direct is not None:
                    fd = macvtap.open_guest_macvtap(net, direct, fds, undo)
                else:
                    fd = open_guest_tap(drv.cfg, net, fds, live.uuid)
                fdname = "fd-" + net.alias
                mon.send_fd(fd, fdname)
            undo.callback(_quiet, mon, "closefd", {"fdname": fdname})
            netdev.apply_bandwidth(net)
            undo.callback(netdev.clear_bandwidth_of, net)
            netports.create(drv.cfg, live, net, undo)
            qemu_nwfilter.bind(drv.cfg, live, net, undo)
        props = command.netdev_props(net, 0 if fdname else None)
        if fdname:
            props["fd"] = fdname
        mon.execute("netdev_add", command.present(props))
        undo.callback(_quiet, mon, "netdev_del", {"id": "host" + net.alias})
        mon.execute("device_add", command.present(command.nic_device_props(net, None, live)))
        undo.pop_all()
    with vm.lock:
        live.devices.add(net)


# --- live: removal --------------------------------------------------------------------------------

def _finish_removal(drv: Any, vm: DomainObj, dev: Any) -> None:
    """QEMU dropped the device: remove its backend and forget it."""
    mon = vm.mon
    alias = dev.alias
    if mon is not None:
        if isinstance(dev, Disk):
            _del_nodes(mon, vm.blockdev.get(alias))
        elif isinstance(dev, Interface):
            _quiet(mon, "netdev_del", {"id": "host" + alias})
            qemu_nwfilter.unbind(drv.cfg, dev)
            netdev.clear_bandwidth_of(dev)
            if dev.target_dev:
                macvtap.delete(dev.target_dev)      # a tap went with QEMU's descriptor
            netdev.unplug_openvswitch([dev])
            netports.delete(drv.cfg, dev)
        elif isinstance(dev, Channel):
            chan_hp.remove_backend(mon, dev)
    with vm.lock:
        _remove(vm.def_, dev)
        vm.blockdev.pop(alias, None)
        vm.deleted_devices.discard(alias)
    st.save_status(drv.cfg, vm)
    drv.emit(vm, C.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, alias)


def _live_detach(drv: Any, vm: DomainObj, dev: Any) -> None:
    if not isinstance(dev, (Disk, Interface, Channel)):
        raise _unsupported(dev, "live detach")
    if isinstance(dev, Disk) and dev.bus not in (DiskBus.VIRTIO, DiskBus.SCSI, DiskBus.USB):
        raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                     f"disk bus '{dev.bus}' cannot be hotunplugged.", _FROM)
    mon = active_monitor(vm)
    with vm.lock:
        vm.deleted_devices.discard(dev.alias)
        vm.pending_unplug[cast(str, dev.alias)] = dev
    mon.execute("device_del", {"id": dev.alias})
    deadline = time.monotonic() + UNPLUG_WAIT
    with vm.lock:
        while dev.alias not in vm.deleted_devices:
            left = deadline - time.monotonic()
            if left <= 0:
                return          # finishes when DEVICE_DELETED arrives (device_removed)
            vm.device_cond.wait(left)
        if vm.pending_unplug.pop(dev.alias, None) is None:
            return              # the worker finished it already
    _finish_removal(drv, vm, dev)


def device_removed(drv: Any, vm: DomainObj, proc: Any, alias: str) -> None:
    """DEVICE_DELETED after the detach call returned (worker thread)."""
    with vm.lock:
        if vm.proc is not proc:
            return
        dev = vm.pending_unplug.pop(alias, None)
    if dev is None:
        return
    with vm.job_scope("modify"):
        _finish_removal(drv, vm, dev)


# --- the entry points ---------------------------------------------------------------------------

def attach(drv: Any, vm: DomainObj, xml: str, flags: int) -> None:
    """virDomainAttachDeviceFlags."""
    with vm.job_scope("modify"):
        live, config = _targets(vm, flags, "qemuDomainAttachDeviceFlags")
        dev = parse_device(xml)
        if not isinstance(dev, (Disk, Interface, Channel)):
            raise _unsupported(dev, "attach")
        if config:
            cdev = parse_device(xml)
            _config_change(drv, vm, lambda d: _config_attach(d, cdev))
        if live:
            if isinstance(dev, Disk):
                _live_attach_disk(drv, vm, dev)
            elif isinstance(dev, Channel):
                chan_hp.live_attach(drv, vm, dev)
            else:
                _live_attach_net(drv, vm, dev)
            st.save_status(drv.cfg, vm)
            drv.emit(vm, C.VIR_DOMAIN_EVENT_ID_DEVICE_ADDED, dev.alias)


def detach(drv: Any, vm: DomainObj, xml: str, flags: int) -> None:
    """virDomainDetachDeviceFlags."""
    with vm.job_scope("modify"):
        live, config = _targets(vm, flags, "qemuDomainDetachDeviceFlags")
        spec = parse_device(xml)
        live_dev = _find(vm.def_, spec) if live else None
        if config:
            _find(vm.persistent_def(), spec)
            _config_change(drv, vm, lambda d: _remove(d, _find(d, spec)))
        if live_dev is not None:
            _live_detach(drv, vm, live_dev)


def detach_alias(drv: Any, vm: DomainObj, alias: str, flags: int) -> None:
    """virDomainDetachDeviceAlias."""
    with vm.job_scope("modify"):
        live, config = _targets(vm, flags, "qemuDomainDetachDeviceAlias")
        live_dev = _by_alias(vm.def_, alias) if live else None
        if config:
            _config_change(drv, vm, lambda d: _remove(d, _by_alias(d, alias)))
        if live_dev is not None:
            _live_detach(drv, vm, live_dev)


def update(drv: Any, vm: DomainObj, xml: str, flags: int) -> None:
    """virDomainUpdateDeviceFlags: change a CD-ROM's (or floppy's) medium."""
    with vm.job_scope("modify"):
        live, config = _targets(vm, flags, "qemuDomainUpdateDeviceFlags")
        new = parse_device(xml)
        if isinstance(new, Graphics):
            _update_graphics(drv, vm, xml, new, live, config)
            return
        if not isinstance(new, Disk) or new.device not in (DiskDevice.CDROM, DiskDevice.FLOPPY):
            raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                         "only the media of CD-ROM and floppy drives can be updated", _FROM)
        if config:
            def change(d: Any) -> None:
                old = _find(d, new)
                old.source = cast(Disk, parse_device(xml)).source
            _config_change(drv, vm, change)
        if live:
            disk = _find(vm.def_, new)
            if disk.device != new.device:
                raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                             f"cannot change the device type of '{disk.target}'", _FROM)
            _live_change_media(drv, vm, disk, new)
            st.save_status(drv.cfg, vm)


def _update_graphics(drv: Any, vm: DomainObj, xml: str, new: Graphics, live: bool,
                     config: bool) -> None:
    """A display's password (and validity) changed: in QEMU and/or the config."""
    if config:
        def change(d: Any) -> None:
            for old in address.devices(d, "graphics"):
                if old.type == new.type:
                    fresh = cast(Graphics, parse_device(xml))
                    old.passwd, old.passwd_valid_to = fresh.passwd, fresh.passwd_valid_to
                    return
            raise report(C.VIR_ERR_DEVICE_MISSING, "cannot find existing graphics device "
                         f"to modify of type '{new.type.value}'", _FROM)
        _config_change(drv, vm, change)
    if live:
        graphics.update(vm, active_monitor(vm), new)
        st.save_status(drv.cfg, vm)


def device_xml(dev: Any) -> str:
    """A device's XML (for messages and tests)."""
    return format_device(dev)


# The (live, config) choice and the persistent-definition change, shared with
# the other calls that take VIR_DOMAIN_AFFECT_* flags (api_resources, api_devices).
targets = _targets
config_change = _config_change


def check_active(vm: DomainObj) -> None:
    """Raise 'domain is not running' unless ``vm`` runs."""
    if not vm.is_active():
        raise not_running()
