"""The network driver of a host root: virtual networks on real bridges.

One instance serves every connection of a root (see
:mod:`pyvirt.drivers.hostroot`).  Networks are :class:`NetObj` (shared with
the test driver, as are the name/UUID clash checks and the listAll
filters).  Starting a ``nat``/``route``/``open``/isolated network creates
its bridge (:mod:`.bridge`), its firewall table (:mod:`.firewall`) and its
dnsmasq (:mod:`.dnsmasq`), undoing what was done if a step fails; a
``bridge`` network only names a host bridge that exists.  Running
networks outlive the driver: on startup it takes back those whose bridge
is still there (restarting their dnsmasq if it died) and cleans up the
rest.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import random
import threading
import uuid
from collections.abc import Callable
from typing import Any

from pyvirt import constants as C
from pyvirt.conf import xmlutil
from pyvirt.conf.network import DHCPRange, ForwardDef, ForwardMode, IPDef, NetworkDef
from pyvirt.driver import interface as I
from pyvirt.driver.events import EventRegistry
from pyvirt.drivers import hostroot
from pyvirt.drivers.network import bandwidth, bridge, dnsmasq, firewall, state
from pyvirt.drivers.network.ports import PortObj, PortsMixin
from pyvirt.drivers.test.network import (
    FILTER_ALL,
    NetObj,
    assign_def,
    filter_networks,
    update_network,
    uuid_from_bytes,
    uuid_from_string,
)
from pyvirt.drivers.test.state import Store
from pyvirt.errors import check_flags as _check_flags
from pyvirt.errors import libvirtError, report

_FROM = C.VIR_FROM_NETWORK
_LIFECYCLE = C.VIR_NETWORK_EVENT_ID_LIFECYCLE
log = logging.getLogger(__name__)

# forward modes whose bridge, addresses and dnsmasq the driver makes
_VIRTUAL = (None, ForwardMode.NAT, ForwardMode.ROUTE, ForwardMode.OPEN)
# forward modes whose guests get a macvtap on a device of the network's pool (``bridge``
# only without a bridge name); the macvtap mode of each
_DIRECT = {ForwardMode.BRIDGE: "bridge", ForwardMode.PRIVATE: "private",
           ForwardMode.VEPA: "vepa", ForwardMode.PASSTHROUGH: "passthrough"}


def check_flags(flags: int, allowed: int, func: str) -> None:
    """libvirt's virCheckFlags in the network error domain."""
    _check_flags(flags, allowed, func, _FROM)


def _mode(def_: NetworkDef) -> ForwardMode | None:
    return def_.forward.mode if def_.forward else None


class NetworkDriver(PortsMixin, I.NetworkDriver):
    """Virtual networks of one host root."""

    error_domain = _FROM

    def __init__(self, root: hostroot.HostRoot) -> None:
        self.root = root
        self.dirs = state.NetworkDirs.of(root.config_dir, root.run_dir)
        self.nets = Store()
        self.lock = threading.RLock()
        self.events = EventRegistry()
        self.dnsmasq_pids: dict[str, int] = {}
        self.ports: dict[str, dict[str, PortObj]] = {}     # network UUID -> port UUID -> port

    # --- life of the driver ---------------------------------------------------------------
    def startup(self) -> None:
        """Load definitions, take back running networks, start autostart ones (once per
        boot of the root: the driver of a root starts again with each first connection,
        and a network destroyed since must stay down, as libvirt's ``autostarted`` mark)."""
        first = not os.path.isdir(self.dirs.config_dir)
        self.dirs.make()
        closed = self.dirs.unreachable_by_dnsmasq()
        if closed:
            log.info("dnsmasq's user cannot search %s: networks' dnsmasq keep root", closed)
        for def_ in state.load_configs(self.dirs):
            try:
                obj = assign_def(self.nets, def_, live=False, check_live=False)
            except libvirtError as exc:
                log.warning("network %s not loaded: %s", def_.name, exc)
                continue
            obj.autostart = state.autostart(self.dirs, obj.name)
        if first and not self.root.uri.startswith("qemu:///session"):
            try:
                self._define_default()
            except (OSError, libvirtError) as exc:
                log.warning("network 'default' not defined: %s", exc)
        for def_, pid in state.load_status(self.dirs):
            self._readopt(def_, pid)
        if not state.first_autostart(self.dirs):
            return
        for obj in self.nets.values():
            if obj.autostart and not obj.active:
                try:
                    self._start(obj)
                except libvirtError as exc:
                    log.warning("autostart of network %s failed: %s", obj.name, exc)

    def _default_autostarts(self) -> bool:
        """Whether the ``default`` network this root defines is marked autostart.

        ``qemu:///system`` does it, as libvirt's packages do (its
        ``libvirt-daemon-config-network`` links ``default.xml`` into
        ``autostart/``), so a fresh host has a working ``default`` network.
        An embed root does not: it is opened by tests and appliances in the
        caller's network namespace, and merely opening a directory must not add
        a bridge, a dnsmasq and NAT rules to the host (``net-autostart
        default`` opts in; networks marked autostart by the user always start).
        ``qemu:///session`` defines no ``default`` at all, as libvirt.
        """
        return self.root.uri.startswith("qemu:///system")

    def _define_default(self) -> None:
        """Define ``default`` as libvirt's packages install it, on a subnet not routed yet
        (see :meth:`_default_autostarts` for which roots also mark it autostart)."""
        routed = {net for _, net in bridge.routes_v4()}
        third = next((n for n in range(122, 255)
                      if ipaddress.ip_network(f"192.168.{n}.0/24") not in routed), None)
        if third is None or self.nets.get("default") is not None:
            return
        def_ = NetworkDef(name="default", uuid=str(uuid.uuid4()))
        def_.forward = ForwardDef(mode=ForwardMode.NAT)
        def_.bridge = self._free_bridge_name()
        def_.mac = _random_mac()
        def_.ips = [IPDef(address=f"192.168.{third}.1", netmask="255.255.255.0", dhcp=True,
                          ranges=[DHCPRange(f"192.168.{third}.2", f"192.168.{third}.254")])]
        def_ = NetworkDef.parse(def_.format())
        state.save_config(self.dirs, def_)
        obj = assign_def(self.nets, def_, live=False, check_live=False)
        if self._default_autostarts():
            state.set_autostart(self.dirs, obj.name, True)
            obj.autostart = True

    def _readopt(self, def_: NetworkDef, pid: int | None) -> None:
        obj = self.nets.get_uuid(def_.uuid)
        if obj is None:
            try:
                obj = assign_def(self.nets, def_, live=True, check_live=False)
            except libvirtError as exc:
                log.warning("network %s not taken back: %s", def_.name, exc)
                self._cleanup(def_, pid)
                return
        elif obj.def_ is not def_:
            obj.new_def, obj.def_ = obj.def_, def_
        if _mode(def_) in _VIRTUAL and not bridge.is_bridge(def_.bridge or ""):
            log.warning("network %s no longer runs: its bridge is gone", def_.name)
            self._cleanup(def_, pid)
            self._inactive(obj)
            return
        obj.active = True
        try:
            if _mode(def_) in _VIRTUAL:
                firewall.add(def_)
                files = self.dirs.dnsmasq(def_.name)
                if pid and dnsmasq.is_ours(pid, files):
                    self.dnsmasq_pids[def_.name] = pid
                elif dnsmasq.needed(def_):
                    self.dnsmasq_pids[def_.name] = dnsmasq.start(def_, files)
                state.save_status(self.dirs, def_, self.dnsmasq_pids.get(def_.name))
            self._load_ports(obj)
        except libvirtError as exc:
            log.warning("network %s could not be taken back: %s", def_.name, exc)
            self._cleanup(def_, self.dnsmasq_pids.pop(def_.name, pid))
            self._inactive(obj)

    def shutdown(self) -> None:
        """Nothing to stop: networks keep running without the driver."""

    def connectClose(self) -> int:
        """One connection of the root is done with the driver."""
        hostroot.release("network", self.root)
        return 0

    # --- objects ---------------------------------------------------------------------------
    def _net_named(self, name: str) -> NetObj:
        obj = self.nets.get(name)
        if obj is None:
            raise report(C.VIR_ERR_NO_NETWORK, f"no network with matching name '{name}'", _FROM)
        return obj

    def _net_uuid(self, uuid: str) -> NetObj:
        obj = self.nets.get_uuid(uuid)
        if obj is None:
            raise report(C.VIR_ERR_NO_NETWORK, f"no network with matching uuid '{uuid}'", _FROM)
        return obj

    def _net_of(self, net: Any) -> NetObj:
        """The network of an API handle, found by its UUID (networkObjFromNetwork)."""
        obj = self.nets.get_uuid(net.uuid)
        if obj is None:
            raise report(C.VIR_ERR_NO_NETWORK, f"no network with matching uuid '{net.uuid}' "
                         f"({net.name})", _FROM)
        return obj

    def _emit(self, obj: NetObj, event: int) -> None:
        self.events.emit("network", _LIFECYCLE, obj, obj.uuid, event, 0)

    # --- lookups and listing ---------------------------------------------------------------
    def networkLookupByName(self, name: str) -> NetObj:
        """The network called ``name``."""
        return self._net_named(name)

    def networkLookupByUUID(self, uuid: bytes) -> NetObj:
        """The network with the 16-byte ``uuid``."""
        return self._net_uuid(uuid_from_bytes(uuid, "virNetworkLookupByUUID", _FROM))

    def networkLookupByUUIDString(self, uuidstr: str) -> NetObj:
        """The network with UUID ``uuidstr``."""
        return self._net_uuid(uuid_from_string(uuidstr, "virNetworkLookupByUUIDString", _FROM))

    def connectNumOfNetworks(self) -> int:
        """How many networks run."""
        return sum(1 for o in self.nets.values() if o.active)

    def connectNumOfDefinedNetworks(self) -> int:
        """How many networks do not run."""
        return sum(1 for o in self.nets.values() if not o.active)

    def connectListNetworks(self) -> list[str]:
        """Names of the running networks."""
        return [o.name for o in self.nets.values() if o.active]

    def connectListDefinedNetworks(self) -> list[str]:
        """Names of the networks that do not run."""
        return [o.name for o in self.nets.values() if not o.active]

    def connectListAllNetworks(self, flags: int) -> list[NetObj]:
        """The networks ``flags`` (VIR_CONNECT_LIST_NETWORKS_*) select."""
        check_flags(flags, FILTER_ALL, "networkConnectListAllNetworks")
        return filter_networks(self.nets.values(), flags)

    # --- state -----------------------------------------------------------------------------
    def networkIsActive(self, net: Any) -> int:
        """1 when the network runs."""
        return int(self._net_of(net).active)

    def networkIsPersistent(self, net: Any) -> int:
        """1 when the network has a persistent definition."""
        return int(self._net_of(net).persistent)

    def networkGetAutostart(self, net: Any) -> int:
        """1 when the network starts with the driver."""
        return int(self._net_of(net).autostart)

    def networkSetAutostart(self, net: Any, autostart: int) -> int:
        """Create or remove the network's autostart link."""
        with self.lock:
            obj = self._net_of(net)
            if not obj.persistent:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             "cannot set autostart for transient network", _FROM)
            state.set_autostart(self.dirs, obj.name, bool(autostart))
            obj.autostart = bool(autostart)
        return 0

    def networkGetBridgeName(self, net: Any) -> str:
        """The name of the network's bridge."""
        def_ = self._net_of(net).def_
        if not def_.bridge:
            raise report(C.VIR_ERR_INTERNAL_ERROR,
                         f"network '{def_.name}' does not have a bridge name.", _FROM)
        return def_.bridge

    def networkGetXMLDesc(self, net: Any, flags: int) -> str:
        """The network's XML: the running definition, or with VIR_NETWORK_XML_INACTIVE
        the one it will have next."""
        check_flags(flags, C.VIR_NETWORK_XML_INACTIVE, "networkGetXMLDesc")
        obj = self._net_of(net)
        if flags & C.VIR_NETWORK_XML_INACTIVE:
            return obj.persistent_def().format()
        return obj.def_.format()

    def networkGetDHCPLeases(self, net: Any, mac: str | None, flags: int) -> list[dict[str, Any]]:
        """The leases dnsmasq handed out (of ``mac`` only, if given)."""
        check_flags(flags, 0, "networkGetDHCPLeases")
        obj = self._net_of(net)
        if not obj.active:
            return []
        return dnsmasq.read_leases(obj.def_, self.dirs.dnsmasq(obj.name), mac)

    # --- definitions ---------------------------------------------------------------------
    def _parse(self, xml: str, validate: bool) -> NetworkDef:
        if validate:
            xmlutil.validate(xml, "network", C.VIR_FROM_XML)
        def_ = NetworkDef.parse(xml)
        self._fill(def_)
        return def_

    def _fill(self, def_: NetworkDef) -> None:
        """Give a network without them a free bridge name and a MAC (as libvirt does);
        refuse a bridge name another network has."""
        if _mode(def_) not in _VIRTUAL:
            return
        for other in self.nets.values():
            if other.uuid == def_.uuid:
                continue
            names = {d.bridge for d in (other.def_, other.new_def) if d is not None}
            if def_.bridge and def_.bridge in names:
                raise bridge.error_in_use(def_.bridge)
        if not def_.bridge or "%d" in def_.bridge:
            def_.bridge = self._free_bridge_name(def_.bridge or "virbr%d", def_.uuid)
        if not def_.mac:
            old = self.nets.get_uuid(def_.uuid)
            def_.mac = old.def_.mac if old is not None and old.def_.mac else _random_mac()

    def _free_bridge_name(self, template: str = "virbr%d", skip_uuid: str = "") -> str:
        taken = {d.bridge for o in self.nets.values() if o.uuid != skip_uuid
                 for d in (o.def_, o.new_def) if d is not None and d.bridge}
        return bridge.free_name(template, taken)

    def networkDefineXML(self, xml: str) -> NetObj:
        """Define (or redefine) a persistent network."""
        return self.networkDefineXMLFlags(xml, 0)

    def networkDefineXMLFlags(self, xml: str, flags: int) -> NetObj:
        """Define a network (VIR_NETWORK_DEFINE_VALIDATE checks the schema)."""
        check_flags(flags, C.VIR_NETWORK_DEFINE_VALIDATE, "networkDefineXMLFlags")
        with self.lock:
            def_ = self._parse(xml, bool(flags & C.VIR_NETWORK_DEFINE_VALIDATE))
            existed = self.nets.get_uuid(def_.uuid)
            was_persistent = existed.persistent if existed is not None else False
            obj = assign_def(self.nets, def_, live=False, check_live=False)
            try:
                state.save_config(self.dirs, def_)
            except OSError as exc:
                if existed is None:
                    self.nets.remove(obj)
                else:
                    obj.persistent = was_persistent
                raise report(C.VIR_ERR_SYSTEM_ERROR, f"cannot save network config "
                             f"'{self.dirs.config_file(def_.name)}': {exc.strerror}",
                             _FROM) from None
            self._emit(obj, C.VIR_NETWORK_EVENT_DEFINED)
        return obj

    def networkUndefine(self, net: Any) -> int:
        """Remove the persistent definition; a running network becomes transient."""
        with self.lock:
            obj = self._net_of(net)
            if not obj.persistent:
                raise report(C.VIR_ERR_OPERATION_INVALID, "can't undefine transient network",
                             _FROM)
            state.delete_config(self.dirs, obj.name)
            obj.autostart = False
            self._emit(obj, C.VIR_NETWORK_EVENT_UNDEFINED)
            if obj.active:
                obj.persistent = False
                obj.new_def = None
            else:
                self.nets.remove(obj)
        return 0

    # --- start and stop ------------------------------------------------------------------
    def networkCreateXML(self, xmlDesc: str) -> NetObj:
        """Start a transient network."""
        return self.networkCreateXMLFlags(xmlDesc, 0)

    def networkCreateXMLFlags(self, xmlDesc: str, flags: int) -> NetObj:
        """Start a transient network (VIR_NETWORK_CREATE_VALIDATE checks the schema)."""
        check_flags(flags, C.VIR_NETWORK_CREATE_VALIDATE, "networkCreateXMLFlags")
        with self.lock:
            def_ = self._parse(xmlDesc, bool(flags & C.VIR_NETWORK_CREATE_VALIDATE))
            existed = self.nets.get_uuid(def_.uuid)
            obj = assign_def(self.nets, def_, live=True, check_live=True)
            try:
                self._start(obj)
            except BaseException:
                if existed is None:
                    self.nets.remove(obj)
                elif obj.new_def is not None:
                    obj.def_, obj.new_def = obj.new_def, None
                raise
        return obj

    def networkCreate(self, net: Any) -> int:
        """Start a defined network."""
        with self.lock:
            obj = self._net_of(net)
            if obj.active:
                raise report(C.VIR_ERR_OPERATION_INVALID, "network is already active", _FROM)
            self._start(obj)
        return 0

    def _check_start(self, def_: NetworkDef) -> None:
        mode = _mode(def_)
        if def_.vlan or def_.virtualport or \
                any(g.vlan or g.virtualport for g in def_.portgroups):
            raise report(C.VIR_ERR_NO_SUPPORT, "network driver does not support "
                         "<vlan> or <virtualport> yet", _FROM)
        if def_.bandwidth and mode not in _VIRTUAL:
            raise report(C.VIR_ERR_NO_SUPPORT, "network driver supports <bandwidth> only on "
                         "networks whose bridge it makes", _FROM)
        if mode is ForwardMode.BRIDGE and def_.bridge:
            # as libvirt: the host bridge is only looked for when a guest joins it
            return
        if mode in _DIRECT:
            # macvtap on a device of the pool, made when a guest joins
            if not (def_.forward and def_.forward.interfaces):
                raise report(C.VIR_ERR_INTERNAL_ERROR, f"network '{def_.name}' uses a "
                             "direct mode, but has no forward dev and no interface pool",
                             _FROM)
            return
        if mode is ForwardMode.HOSTDEV:
            raise _no_virtual_functions(def_)
        if mode not in _VIRTUAL:
            raise report(C.VIR_ERR_NO_SUPPORT, f"network driver does not support forward "
                         f"mode '{mode.value if mode else ''}' yet", _FROM)
        # as libvirt: a subnet in use first; a device with the bridge's name makes the
        # bridge's creation fail
        bridge.check_route_collision(def_)

    def _start(self, obj: NetObj) -> None:
        """Bring ``obj``'s network up; on failure leave nothing behind."""
        def_ = self._live_def(obj.def_)
        self._check_start(def_)
        pid = None
        if _mode(def_) in _VIRTUAL:
            files = self.dirs.dnsmasq(def_.name)
            made_bridge = made_fw = False
            try:
                bridge.create(def_)
                made_bridge = True
                bandwidth.apply(def_.bridge or "", def_.bandwidth, hierarchical=True)
                made_fw = firewall.add(def_)
                if dnsmasq.needed(def_):
                    pid = dnsmasq.start(def_, files)
                state.save_status(self.dirs, def_, pid)
            except BaseException:
                if pid:
                    dnsmasq.stop(pid, files)
                files.remove()
                if made_fw:
                    _quiet(firewall.remove, def_.bridge or "")
                if def_.bandwidth:
                    _quiet(bandwidth.clear, def_.bridge or "")
                if made_bridge:
                    _quiet(bridge.delete, def_.bridge or "")
                raise
        else:
            state.save_status(self.dirs, def_, None)
        if pid:
            self.dnsmasq_pids[def_.name] = pid
        if def_ is not obj.def_:
            if obj.persistent and obj.new_def is None:
                obj.new_def = obj.def_          # the definition stays as it was
            obj.def_ = def_
        obj.active = True
        self._emit(obj, C.VIR_NETWORK_EVENT_STARTED)

    @staticmethod
    def _live_def(def_: NetworkDef) -> NetworkDef:
        """The definition a started network runs with: as libvirt, a NAT network without
        a port range shows the one its masquerading uses (1024-65535) in its live XML."""
        fwd = def_.forward
        if fwd is None or fwd.mode is not ForwardMode.NAT or fwd.port_start is not None:
            return def_
        live = NetworkDef.parse(def_.format())
        assert live.forward is not None
        live.forward.port_start, live.forward.port_end = 1024, 65535
        return live

    def _cleanup(self, def_: NetworkDef, pid: int | None) -> None:
        """Remove everything a running network has on the host (best effort)."""
        files = self.dirs.dnsmasq(def_.name)
        if pid:
            dnsmasq.stop(pid, files)
        files.remove()
        if _mode(def_) in _VIRTUAL and def_.bridge:
            if _mode(def_) in (None, ForwardMode.NAT, ForwardMode.ROUTE):
                _quiet(firewall.remove, def_.bridge)
            if def_.bandwidth:
                _quiet(bandwidth.clear, def_.bridge)
            _quiet(bridge.delete, def_.bridge)
        state.delete_status(self.dirs, def_.name)

    def _inactive(self, obj: NetObj) -> None:
        self._drop_ports(obj)
        obj.active = False
        if obj.new_def is not None:
            obj.def_, obj.new_def = obj.new_def, None
        if not obj.persistent:
            self.nets.remove(obj)

    def networkDestroy(self, net: Any) -> int:
        """Stop a network: its dnsmasq, firewall table and bridge go; a transient
        network is forgotten."""
        with self.lock:
            obj = self._net_of(net)
            if not obj.active:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             f"network '{obj.name}' is not active", _FROM)
            self._cleanup(obj.def_, self.dnsmasq_pids.pop(obj.name, None))
            self._emit(obj, C.VIR_NETWORK_EVENT_STOPPED)
            self._inactive(obj)
        return 0

    # --- net-update ------------------------------------------------------------------------
    def networkUpdate(self, net: Any, command: int, section: int, parentIndex: int, xml: str,
                      flags: int) -> int:
        """Change one section of the live and/or persistent definition (libvirt's
        networkUpdate): the persistent one is saved; on a running network dnsmasq reads
        its hosts files again (SIGHUP) for DHCP/DNS hosts, or restarts for ranges and
        TXT/SRV records, and the firewall table is reloaded for forward interfaces.
        If the running network cannot take the change, both definitions are as before."""
        live_f = C.VIR_NETWORK_UPDATE_AFFECT_LIVE
        config_f = C.VIR_NETWORK_UPDATE_AFFECT_CONFIG
        check_flags(flags, live_f | config_f, "networkUpdate")
        with self.lock:
            obj = self._net_of(net)
            if not flags & (live_f | config_f):
                flags |= live_f if obj.active else config_f
            live = obj.active and bool(flags & live_f)
            before = (obj.def_, obj.new_def)
            update_network(obj, command, section, parentIndex, xml, flags)
            try:
                if flags & config_f:
                    state.save_config(self.dirs, obj.persistent_def())
                if live:
                    self._apply_update(obj.def_, before[0], section)
            except BaseException:
                failed = obj.def_
                obj.def_, obj.new_def = before
                if flags & config_f:
                    _quiet(state.save_config, self.dirs, obj.persistent_def())
                if live:
                    _quiet(self._apply_update, obj.def_, failed, section)
                raise
        return 0

    def _apply_update(self, def_: NetworkDef, old: NetworkDef, section: int) -> None:
        """Make the running network follow its updated live definition ``def_``."""
        if _mode(def_) not in _VIRTUAL:
            state.save_status(self.dirs, def_, None)
            return
        if section == C.VIR_NETWORK_SECTION_FORWARD_INTERFACE:
            firewall.add(def_)
        files = self.dirs.dnsmasq(def_.name)
        pid = self.dnsmasq_pids.get(def_.name)
        restart = section in (C.VIR_NETWORK_SECTION_IP_DHCP_RANGE,
                              C.VIR_NETWORK_SECTION_DNS_TXT, C.VIR_NETWORK_SECTION_DNS_SRV)
        if section == C.VIR_NETWORK_SECTION_IP_DHCP_HOST:
            # serving DHCP or not is in the configuration file: a restart
            restart = dnsmasq.conf_text(def_, files) != dnsmasq.conf_text(old, files)
        refresh = section in (C.VIR_NETWORK_SECTION_IP_DHCP_HOST,
                              C.VIR_NETWORK_SECTION_DNS_HOST)
        if restart or (refresh and not pid):
            if pid:
                dnsmasq.stop(pid, files)
                self.dnsmasq_pids.pop(def_.name, None)
            if dnsmasq.needed(def_):
                self.dnsmasq_pids[def_.name] = dnsmasq.start(def_, files)
        elif refresh and pid:
            dnsmasq.refresh(def_, files, pid)
        state.save_status(self.dirs, def_, self.dnsmasq_pids.get(def_.name))

    # --- guests' interfaces --------------------------------------------------------------
    def _active_named(self, name: str) -> NetObj:
        """The running network called ``name`` (a guest can join only a running one)."""
        obj = self._net_named(name)
        if not obj.active:
            raise report(C.VIR_ERR_OPERATION_INVALID, f"network '{name}' is not active", _FROM)
        return obj

    def bridge_of(self, name: str) -> tuple[str, int | None]:
        """The bridge a guest ``<interface type='network'>`` on network ``name`` joins, and
        the network's MTU."""
        with self.lock:
            obj = self._active_named(name)
            mode = _mode(obj.def_)
            if mode not in _VIRTUAL and mode is not ForwardMode.BRIDGE or not obj.def_.bridge:
                raise report(C.VIR_ERR_NO_SUPPORT, f"network '{name}' has no bridge for "
                             "guests' interfaces", _FROM)
            return obj.def_.bridge, obj.def_.mtu

    def direct_of(self, name: str) -> tuple[str, str] | None:
        """For a guest joining network ``name``: (pool device, macvtap mode) when the
        network is a macvtap one, None when guests join a bridge.  The device is the one of
        the pool with the fewest macvtaps on it; ``passthrough`` wants a free one."""
        with self.lock:
            obj = self._active_named(name)
            mode = _mode(obj.def_)
            if mode not in _DIRECT or (mode is ForwardMode.BRIDGE and obj.def_.bridge):
                return None
            assert mode is not None and obj.def_.forward is not None
            pool = obj.def_.forward.interfaces
            use = {dev: _uppers(dev) for dev in pool}
            dev = min(pool, key=lambda d: use[d])
            if mode is ForwardMode.PASSTHROUGH and use[dev]:
                raise report(C.VIR_ERR_INTERNAL_ERROR, f"network '{name}' requires exclusive "
                             "access to interfaces, but none are available", _FROM)
            return dev, _DIRECT[mode]

    # --- events ----------------------------------------------------------------------------
    def connectNetworkEventRegisterAny(self, net: Any, eventID: int,
                                       callback: Callable[..., Any]) -> int:
        """Register ``callback`` for network events (of ``net`` only, if given)."""
        return self.events.register("network", eventID, None if net is None else net.uuid,
                                    callback)

    def connectNetworkEventDeregisterAny(self, callbackID: int) -> int:
        """Remove a network event callback."""
        self.events.deregister(callbackID)
        return 0


def _uppers(dev: str) -> int:
    """How many devices (macvtaps) are stacked on ``dev``."""
    try:
        return sum(1 for n in os.listdir(f"/sys/class/net/{dev}") if n.startswith("upper_"))
    except OSError:
        return 0


def _no_virtual_functions(def_: NetworkDef) -> libvirtError:
    """The error for a ``hostdev`` network: pyvirt has no SR-IOV virtual functions to give
    guests (its PF, if named, has none enabled, or the PCI address pool is not usable)."""
    fwd = def_.forward
    pf = fwd.pfs[0] if fwd and fwd.pfs else None
    if pf is None and not (fwd and (fwd.addresses or fwd.interfaces)):
        return report(C.VIR_ERR_INTERNAL_ERROR, f"network '{def_.name}' uses a hostdev mode, "
                      "but has no forward dev and no interface pool", _FROM)
    where = f"physical function '{pf}'" if pf else "the network's device pool"
    numvfs = f"/sys/class/net/{pf}/device/sriov_numvfs" if pf else None
    count = "0"
    if numvfs:
        try:
            with open(numvfs, encoding="ascii") as fh:
                count = fh.read().strip() or "0"
        except OSError:
            count = "missing"
    return report(C.VIR_ERR_NO_SUPPORT, f"network '{def_.name}' (forward mode 'hostdev') "
                  f"needs SR-IOV virtual functions: {where} has none"
                  + (f" ({numvfs}: {count})" if numvfs else "")
                  + "; pyvirt cannot assign PCI devices to guests", _FROM)


def _random_mac() -> str:
    """A MAC in QEMU's/libvirt's 52:54:00 range."""
    tail = random.getrandbits(24).to_bytes(3, "big")
    return "52:54:00:" + ":".join(f"{b:02x}" for b in tail)


def _quiet(fn: Callable[..., Any], *args: Any) -> None:
    """Call ``fn(*args)`` for a cleanup or an undo; a failure is logged, not raised."""
    try:
        fn(*args)
    except (libvirtError, OSError) as exc:
        log.warning("cleanup: %s", exc)


def open_network(root: hostroot.HostRoot) -> NetworkDriver:
    """The network driver of ``root``, one more connection's reference."""
    drv: NetworkDriver = hostroot.acquire("network", root, NetworkDriver)
    return drv
