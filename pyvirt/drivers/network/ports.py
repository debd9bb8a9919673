"""The virNetworkPort API of the network driver: a guest NIC's place on a network.

A port records who uses the network (owner name and UUID, MAC, bandwidth)
and how the NIC is plugged (``<plug type='network' bridge=...>`` for a
bridge network, ``<plug type='direct' dev= mode=>`` for a macvtap one),
as libvirt's networkPortCreateXML fills it.  The QEMU driver makes one for
each ``<interface type='network'>`` it starts and deletes it when the guest
stops.  Ports are kept in ``<run_dir>/network/ports/NETWORK/UUID.xml``,
loaded again with their running network and deleted when it stops.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from typing import Any

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf.network import NetworkPortDef, PlugType
from pyvirt.drivers.test.network import uuid_from_bytes, uuid_from_string
from pyvirt.errors import check_flags, libvirtError, report
from pyvirt.util.fileutil import atomic_write, remove_durably

_FROM = C.VIR_FROM_NETWORK
log = logging.getLogger(__name__)


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
            if def_.plug_type is None or not flags & C.VIR_NETWORK_PORT_CREATE_RECLAIM:
                self._plug(obj, def_)
            port = PortObj(obj, def_)
            os.makedirs(self._ports_dir(obj.name), mode=0o700, exist_ok=True)
            atomic_write(os.path.join(self._ports_dir(obj.name), f"{def_.uuid}.xml"),
                         def_.format(), 0o600)
            mine[def_.uuid] = port
            return port

    def _plug(self, obj: Any, def_: NetworkPortDef) -> None:
        direct = self.direct_of(obj.name)
        if direct is not None:
            def_.plug_type, def_.plug_bridge = PlugType.DIRECT, None
            def_.plug_dev, def_.plug_mode = direct
            return
        def_.plug_type, def_.plug_bridge = PlugType.NETWORK, obj.def_.bridge
        if def_.bandwidth is None and obj.def_.portgroups:
            group = next((g for g in obj.def_.portgroups
                          if g.name == def_.group or (def_.group is None and g.default)), None)
            if group is not None:
                def_.bandwidth = group.bandwidth

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
