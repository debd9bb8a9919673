"""The virNetworkPort API of the network driver: a guest NIC's place on a network.

A port records who uses the network (owner name and UUID, MAC, bandwidth)
and how the NIC is plugged (``<plug type='network' bridge=...>`` for a
bridge network, ``<plug type='direct' dev= mode=>`` for a macvtap one),
as libvirt's networkPortCreateXML fills it.  The QEMU driver makes one for
each ``<interface type='network'>`` it starts and deletes it when the guest
stops.  Ports are kept in ``<run_dir>/network/ports/NETWORK/UUID.xml``,
loaded again with their running network and deleted when it stops.  A
port's inbound ``floor`` is a class on the network's bridge
(:mod:`.floor`); its bandwidth is read and changed as typed parameters.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from typing import Any

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf.netcommon import Bandwidth, Rate, VirtualPortType
from pyvirt.conf.network import NetworkPortDef, PlugType
from pyvirt.driver.typedparams import check_params
from pyvirt.drivers.network import bandwidth, floor
from pyvirt.drivers.test.network import uuid_from_bytes, uuid_from_string
from pyvirt.errors import check_flags, libvirtError, report
from pyvirt.util.fileutil import atomic_write, remove_durably

_FROM = C.VIR_FROM_NETWORK
log = logging.getLogger(__name__)
#: virNetworkPort{Get,Set}Parameters: (name, direction, <bandwidth> attribute), libvirt's order
PARAMS = (("inbound.average", "inbound", "average"), ("inbound.peak", "inbound", "peak"),
          ("inbound.floor", "inbound", "floor"), ("inbound.burst", "inbound", "burst"),
          ("outbound.average", "outbound", "average"), ("outbound.peak", "outbound", "peak"),
          ("outbound.burst", "outbound", "burst"))
# the <virtualport> types a port may have, by how the network plugs it
_VPORTS = {PlugType.NETWORK: ((), "uses IP forwarding"),
           PlugType.BRIDGE: ((VirtualPortType.OPENVSWITCH,), "uses a bridge device"),
           PlugType.DIRECT: ((VirtualPortType.QBG, VirtualPortType.QBH),
                             "uses a macvtap device")}


class PortObj:
    """A port (what virNetworkPort handles point at: ``net`` and ``uuid``)."""

    def __init__(self, net: Any, def_: NetworkPortDef) -> None:
        self.net = net
        self.def_ = def_

    @property
    def uuid(self) -> str:
        """The port's UUID."""
        return self.def_.uuid


class PortsMixin:
    """Network ports; the driver provides ``lock``, ``dirs``, ``_net_of``, ``direct_of``."""

    lock: Any
    dirs: Any
    ports: dict[str, dict[str, PortObj]]
    # the driver's: the network object of a handle; the macvtap device of a port
    _net_of: Callable[[Any], Any]
    direct_of: Callable[[str], tuple[str, str] | None]

    def _ports_dir(self, name: str) -> str:
        return os.path.join(self.dirs.state_dir, "ports", name)

    def _port_of(self, port: Any) -> PortObj:
        obj = self.ports.get(port.net.uuid, {}).get(port.uuid)
        if obj is None:
            raise report(C.VIR_ERR_NO_NETWORK_PORT,
                         f"Network port with UUID {port.uuid} does not exist", _FROM)
        return obj

    def networkPortCreateXML(self, net: Any, xmldesc: str, flags: int) -> PortObj:
        """Add a port to a running network, its plug filled in as libvirt does."""
        check_flags(flags, C.VIR_NETWORK_PORT_CREATE_RECLAIM | C.VIR_NETWORK_PORT_CREATE_VALIDATE,
                    "networkPortCreateXML", _FROM)
        if flags & C.VIR_NETWORK_PORT_CREATE_VALIDATE:
            from pyvirt.conf import xmlutil
            xmlutil.validate(xmldesc, "networkport", C.VIR_FROM_XML)
        def_ = NetworkPortDef.parse(xmldesc)
        with self.lock:
            obj = self._net_of(net)
            if not obj.active:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             f"network '{obj.name}' is not active", _FROM)
            mine = self.ports.setdefault(obj.uuid, {})
            if def_.uuid in mine:
                raise report(C.VIR_ERR_NETWORK_PORT_EXIST, f"Network port with UUID "
                             f"{def_.uuid} already exists", _FROM)
            reclaim = bool(flags & C.VIR_NETWORK_PORT_CREATE_RECLAIM)
            if reclaim == (def_.plug_type is None):
                raise report(C.VIR_ERR_INVALID_ARG, "Port reclaim requested but plug type is "
                             "none" if reclaim else "Port reclaim not requested but plug type "
                             "is not none", _FROM)
            if not reclaim:
                self._plug(obj, def_)
            port = PortObj(obj, def_)
            try:
                self._save_port(obj, def_)
            except OSError:
                self._unplug_floor(obj, def_)
                raise
            mine[def_.uuid] = port
            return port

    def _save_port(self, obj: Any, def_: NetworkPortDef) -> None:
        os.makedirs(self._ports_dir(obj.name), mode=0o700, exist_ok=True)
        atomic_write(os.path.join(self._ports_dir(obj.name), f"{def_.uuid}.xml"),
                     def_.format(), 0o600)

    def _plug(self, obj: Any, def_: NetworkPortDef) -> None:
        """Fill in how the port is plugged (libvirt's networkAllocatePort): its
        portgroup's bandwidth, the plug, a check of its ``<virtualport>``, its floor."""
        net = obj.def_
        if def_.bandwidth is None and net.portgroups:
            group = next((g for g in net.portgroups
                          if g.name == def_.group or (def_.group is None and g.default)), None)
            if group is not None:
                def_.bandwidth = group.bandwidth
        direct = self.direct_of(obj.name)
        if direct is not None:
            def_.plug_type, def_.plug_bridge = PlugType.DIRECT, None
            def_.plug_dev, def_.plug_mode = direct
        else:
            mode = net.forward.mode.value if net.forward else None
            def_.plug_type = PlugType.NETWORK if mode in floor.FLOOR_MODES else PlugType.BRIDGE
            def_.plug_bridge = net.bridge
        allowed, how = _VPORTS[def_.plug_type]
        vport = def_.virtualport.type if def_.virtualport else None
        if vport is not None and vport not in allowed:
            raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, f"<virtualport type='{vport.value}'> "
                         f"not supported for network '{net.name}' which {how}", _FROM)
        self._update_floor(obj, def_, def_.bandwidth, None)

    # --- floor ---------------------------------------------------------------------------
    def _floor_sum(self, obj: Any) -> int:
        return sum(floor.floor_of(p.def_.bandwidth)
                   for p in self.ports.get(obj.uuid, {}).values() if p.def_.class_id)

    def _update_floor(self, obj: Any, def_: NetworkPortDef, new: Bandwidth | None,
                      old: Bandwidth | None) -> None:
        """Give port ``def_`` the floor of ``new`` on the network's bridge (it had
        ``old``'s): its class is added, changed or removed, and the rate of the class of
        ports without a floor follows (libvirt's networkUpdatePortBandwidth)."""
        net = obj.def_
        if old is not None and floor.floor_of(new) == floor.floor_of(old):
            return
        mode = net.forward.mode.value if net.forward else None
        left = floor.check(net.name, net.bridge or "", mode, net.bandwidth, def_.mac, new, old,
                           self._floor_sum(obj))
        if left is None:
            return
        br, net_bw = net.bridge or "", net.bandwidth
        if def_.class_id and floor.floor_of(new):
            bandwidth.run([floor.rate_command(br, def_.class_id, net_bw,
                                              floor.floor_of(new))])
        elif floor.floor_of(new):
            assert new is not None
            used = {p.def_.class_id for p in self.ports.get(obj.uuid, {}).values()}
            class_id = floor.next_class_id({c for c in used if c})
            try:
                bandwidth.run(floor.plug_commands(br, net_bw, def_.mac, new, class_id))
            except libvirtError:
                bandwidth.run(floor.unplug_commands(br, class_id), check=False)
                raise
            def_.class_id = class_id
        elif def_.class_id:
            bandwidth.run(floor.unplug_commands(br, def_.class_id), check=False)
            def_.class_id = None
        bandwidth.run([floor.rate_command(br, 2, net_bw, left)], check=False)

    def _unplug_floor(self, obj: Any, def_: NetworkPortDef) -> None:
        """Remove the port's floor class (a port that goes)."""
        if def_.class_id and obj.active:
            try:
                self._update_floor(obj, def_, None, def_.bandwidth)
            except libvirtError as exc:
                log.warning("network port %s: %s", def_.uuid, exc)

    def networkPortGetParameters(self, port: Any, flags: int) -> dict[str, int]:
        """The port's bandwidth as typed parameters (of the directions it has)."""
        check_flags(flags, 0, "networkPortGetParameters", _FROM)
        bw = self._port_of(port).def_.bandwidth
        out: dict[str, int] = {}
        for name, direction, attr in PARAMS:
            rate = getattr(bw, direction) if bw is not None else None
            if rate is not None:
                out[name] = getattr(rate, attr) or 0
        return out

    def networkPortSetParameters(self, port: Any, params: dict[str, int], flags: int) -> int:
        """Replace the port's bandwidth by ``params`` (a direction without an average, or
        for inbound a floor, goes), its floor class following."""
        check_flags(flags, 0, "networkPortSetParameters", _FROM)
        check_params(params, {name: int for name, _d, _a in PARAMS})
        rates: dict[str, Rate] = {}
        for name, direction, attr in PARAMS:
            if params.get(name):
                setattr(rates.setdefault(direction, Rate()), attr, params[name])
        inbound, outbound = rates.get("inbound"), rates.get("outbound")
        if inbound is not None and not (inbound.average or inbound.floor):
            inbound = None
        if outbound is not None and not outbound.average:
            outbound = None
        new = Bandwidth(inbound, outbound) if inbound or outbound else None
        with self.lock:
            obj = self._port_of(port)
            if not obj.net.active:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             f"network '{obj.net.name}' is not active", _FROM)
            self._update_floor(obj.net, obj.def_, new, obj.def_.bandwidth)
            obj.def_.bandwidth = new
            self._save_port(obj.net, obj.def_)
        return 0

    def networkListAllPorts(self, net: Any, flags: int) -> list[PortObj]:
        """The network's ports."""
        check_flags(flags, 0, "networkListAllPorts", _FROM)
        obj = self._net_of(net)
        return list(self.ports.get(obj.uuid, {}).values())

    def _lookup_port(self, net: Any, uuid: str) -> PortObj:
        obj = self._net_of(net)
        port = self.ports.get(obj.uuid, {}).get(uuid)
        if port is None:
            raise report(C.VIR_ERR_NO_NETWORK_PORT,
                         f"Network port with UUID {uuid} does not exist", _FROM)
        return port

    def networkPortLookupByUUID(self, net: Any, uuid: bytes) -> PortObj:
        """The port with the 16-byte ``uuid``."""
        return self._lookup_port(net, uuid_from_bytes(uuid, "virNetworkPortLookupByUUID",
                                                      _FROM))

    def networkPortLookupByUUIDString(self, net: Any, uuidstr: str) -> PortObj:
        """The port with UUID ``uuidstr``."""
        return self._lookup_port(net, uuid_from_string(
            uuidstr, "virNetworkPortLookupByUUIDString", _FROM))

    def networkPortGetXMLDesc(self, port: Any, flags: int) -> str:
        """The port's XML."""
        check_flags(flags, 0, "networkPortGetXMLDesc", _FROM)
        return self._port_of(port).def_.format()

    def networkPortDelete(self, port: Any, flags: int) -> int:
        """Remove a port."""
        check_flags(flags, 0, "networkPortDelete", _FROM)
        with self.lock:
            obj = self._port_of(port)
            self._unplug_floor(obj.net, obj.def_)
            remove_durably(os.path.join(self._ports_dir(obj.net.name), f"{obj.uuid}.xml"))
            self.ports.get(obj.net.uuid, {}).pop(obj.uuid, None)
        return 0

    def _load_ports(self, obj: Any) -> None:
        """Take back the ports of a running network."""
        directory = self._ports_dir(obj.name)
        if not os.path.isdir(directory):
            return
        mine = self.ports.setdefault(obj.uuid, {})
        for name in sorted(os.listdir(directory)):
            try:
                with open(os.path.join(directory, name), "rb") as fh:
                    def_ = NetworkPortDef.parse(fh.read())
            except (OSError, etree.XMLSyntaxError, libvirtError) as exc:
                log.warning("ignoring network port %s: %s", name, exc)
                continue
            mine[def_.uuid] = PortObj(obj, def_)

    def _drop_ports(self, obj: Any) -> None:
        """Forget the ports of a network that stopped."""
        self.ports.pop(obj.uuid, None)
        shutil.rmtree(self._ports_dir(obj.name), ignore_errors=True)
