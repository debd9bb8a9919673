"""The test driver's virtual networks, as libvirt's test driver keeps them.

A network is a :class:`NetObj` in ``state.networks`` (by name and by
UUID); the object itself is the API's handle.  As in
libvirt (virnetworkobj.c), an object holds its running definition ``def_``
and, while a persistent network runs, the definition it will have next
(``new_def``).  libvirt's test driver never applies ``new_def`` on destroy;
neither does this one.  Network ports and DHCP leases are not offered by
libvirt's test driver, so those calls keep raising ``VIR_ERR_NO_SUPPORT``.

virNetworkUpdate is :func:`update_network` / :func:`update_section` at the
end (libvirt has it in network_conf.c).  The module also holds the few
helpers the other host-resource modules of the test driver share (UUID
arguments, list filters).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt.driver import interface
from pyvirt.drivers.test.objects import check_flags, raw_error
from pyvirt.errors import libvirtError, report
from pyvirt.util.lazy import lazy_module

if TYPE_CHECKING:
    import ipaddress
    import uuid as _uuid

    from lxml import etree

    from pyvirt.conf import confutil, xmlutil
    from pyvirt.conf import network as netconf
else:
    etree = lazy_module("lxml.etree", globals())
    ipaddress = lazy_module("ipaddress", globals())
    _uuid = lazy_module("uuid", globals())
    confutil = lazy_module("pyvirt.conf.confutil", globals())
    netconf = lazy_module("pyvirt.conf.network", globals())
    xmlutil = lazy_module("pyvirt.conf.xmlutil", globals())

_FROM = C.VIR_FROM_TEST
_NET = C.VIR_FROM_NETWORK
_LIFECYCLE = C.VIR_NETWORK_EVENT_ID_LIFECYCLE


# --- helpers shared by the host-resource modules --------------------------------

def uuid_from_bytes(raw: bytes, func: str, domain: int) -> str:
    """Return the canonical string of a 16-byte UUID argument."""
    try:
        return str(_uuid.UUID(bytes=bytes(raw)))
    except (TypeError, ValueError):
        raise raw_error(C.VIR_ERR_INVALID_ARG, f"uuid in {func} must be a valid UUID",
                        domain) from None


def uuid_from_string(text: str, func: str, domain: int) -> str:
    """Return the canonical form of a UUID string argument (libvirt's virUUIDParse:
    hex digits, with '-' and ' ' allowed anywhere)."""
    digits = "".join(ch for ch in (text or "") if ch not in "- ")
    try:
        if len(digits) != 32:
            raise ValueError(text)
        return str(_uuid.UUID(hex=digits))
    except ValueError:
        raise raw_error(C.VIR_ERR_INVALID_ARG, f"uuidstr in {func} must be a valid UUID",
                        domain) from None


def element_xml(elem: Any) -> bytes:
    """Serialise one element of a <node> document for a conf parser."""
    return etree.tostring(elem)


def pair_filter(flags: int, yes: int, no: int, value: bool) -> bool:
    """True when the yes/no filter pair of ``flags`` (ACTIVE/INACTIVE, ...) lets an
    object whose property is ``value`` through."""
    if not flags & (yes | no):
        return True
    return bool((flags & yes and value) or (flags & no and not value))


# --- the objects -------------------------------------------------------------------

class NetObj:
    """One network (libvirt's virNetworkObj).  It is the API's handle."""

    __slots__ = ("active", "autostart", "def_", "name", "new_def", "persistent", "uuid")

    def __init__(self, def_: netconf.NetworkDef, persistent: bool) -> None:
        self.name = def_.name
        self.uuid = def_.uuid
        self.def_ = def_
        self.new_def: netconf.NetworkDef | None = None
        self.active = False
        self.persistent = persistent
        self.autostart = False

    def persistent_def(self) -> netconf.NetworkDef:
        """The definition the network has when next started."""
        return self.new_def if self.new_def is not None else self.def_

    def assign(self, def_: netconf.NetworkDef, live: bool) -> None:
        """Take ``def_`` as the live or the persistent definition (virNetworkObjUpdateAssignDef)."""
        if live:
            if self.persistent and self.new_def is None:
                self.new_def = self.def_
            self.def_ = def_
            return
        if self.active:
            # the running network keeps its definition until it stops
            self.new_def = def_
        else:
            self.new_def = None
            self.def_ = def_
        self.persistent = True


def assign_def(store: Any, def_: netconf.NetworkDef, live: bool, check_live: bool) -> NetObj:
    """Add ``def_`` to the store, or give it to the network with its UUID
    (virNetworkObjAssignDef); refuse a name or UUID clash."""
    obj = store.get_uuid(def_.uuid)
    if obj is not None:
        if obj.name != def_.name:
            raise report(C.VIR_ERR_OPERATION_FAILED, f"network '{obj.name}' is already "
                         f"defined with uuid {obj.uuid}", _NET)
        if check_live and obj.active:
            raise report(C.VIR_ERR_OPERATION_INVALID,
                         f"network is already active as '{obj.name}'", _NET)
        obj.assign(def_, live)
        return obj
    other = store.get(def_.name)
    if other is not None:
        raise report(C.VIR_ERR_OPERATION_FAILED, f"network '{def_.name}' already exists "
                     f"with uuid {other.uuid}", _NET)
    return store.add(NetObj(def_, persistent=not live))


def load(state: Any, node_elem: Any, base_dir: str) -> None:
    """Add the ``<network>`` elements of a <node> document, each running and persistent
    (``file=`` references are already resolved by state.load_node)."""
    for elem in node_elem.findall("network"):
        assign_def(state.networks, netconf.NetworkDef.parse(element_xml(elem)), live=False,
                   check_live=False).active = True


# --- the driver ------------------------------------------------------------------

FILTER_ALL = (C.VIR_CONNECT_LIST_NETWORKS_ACTIVE | C.VIR_CONNECT_LIST_NETWORKS_INACTIVE
              | C.VIR_CONNECT_LIST_NETWORKS_PERSISTENT | C.VIR_CONNECT_LIST_NETWORKS_TRANSIENT
              | C.VIR_CONNECT_LIST_NETWORKS_AUTOSTART
              | C.VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART)


def filter_networks(objs: list[NetObj], flags: int) -> list[NetObj]:
    """The networks of ``objs`` that the VIR_CONNECT_LIST_NETWORKS_* ``flags`` select
    (shared with the host network driver)."""
    return [o for o in objs
            if pair_filter(flags, C.VIR_CONNECT_LIST_NETWORKS_ACTIVE,
                           C.VIR_CONNECT_LIST_NETWORKS_INACTIVE, o.active)
            and pair_filter(flags, C.VIR_CONNECT_LIST_NETWORKS_PERSISTENT,
                            C.VIR_CONNECT_LIST_NETWORKS_TRANSIENT, o.persistent)
            and pair_filter(flags, C.VIR_CONNECT_LIST_NETWORKS_AUTOSTART,
                            C.VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART, o.autostart)]


class NetworkMixin(interface.NetworkDriver):
    """The network operations of the test driver, on ``self.state``."""

    state: Any

    # -- lookups

    def _net_by_name(self, name: str) -> NetObj:
        obj = self.state.networks.get(name)
        if obj is None:
            raise report(C.VIR_ERR_NO_NETWORK, f"no network with matching name '{name}'", _FROM)
        return obj

    def _net_by_uuid(self, uuid: str) -> NetObj:
        obj = self.state.networks.get_uuid(uuid)
        if obj is None:
            raise report(C.VIR_ERR_NO_NETWORK, f"no network with matching uuid '{uuid}'", _FROM)
        return obj

    def _net_emit(self, obj: NetObj, event: int) -> None:
        self.state.events.emit("network", _LIFECYCLE, obj, obj.uuid, event, 0)

    def networkLookupByName(self, name: str) -> NetObj:
        """Return the network called ``name``."""
        return self._net_by_name(name)

    def networkLookupByUUID(self, uuid: bytes) -> NetObj:
        """Return the network with the 16-byte ``uuid``."""
        return self._net_by_uuid(uuid_from_bytes(uuid, "virNetworkLookupByUUID", _NET))

    def networkLookupByUUIDString(self, uuidstr: str) -> NetObj:
        """Return the network with UUID ``uuidstr``."""
        return self._net_by_uuid(uuid_from_string(uuidstr, "virNetworkLookupByUUIDString",
                                                  _NET))

    # -- listing

    def connectNumOfNetworks(self) -> int:
        """Count the running networks."""
        return sum(1 for o in self.state.networks.by_uuid.values() if o.active)

    def connectNumOfDefinedNetworks(self) -> int:
        """Count the networks that are not running."""
        return sum(1 for o in self.state.networks.by_uuid.values() if not o.active)

    def connectListNetworks(self) -> list[str]:
        """Return the names of the running networks."""
        return [o.name for o in self.state.networks.values() if o.active]

    def connectListDefinedNetworks(self) -> list[str]:
        """Return the names of the networks that are not running."""
        return [o.name for o in self.state.networks.values() if not o.active]

    def connectListAllNetworks(self, flags: int) -> list[NetObj]:
        """Return the networks that ``flags`` (VIR_CONNECT_LIST_NETWORKS_*) select."""
        check_flags(flags, FILTER_ALL, "testConnectListAllNetworks")
        return filter_networks(self.state.networks.values(), flags)

    # -- state

    def networkIsActive(self, net: NetObj) -> int:
        """1 when the network runs."""
        return int(self._net_by_uuid(net.uuid).active)

    def networkIsPersistent(self, net: NetObj) -> int:
        """1 when the network has a persistent definition."""
        return int(self._net_by_uuid(net.uuid).persistent)

    def networkGetAutostart(self, net: NetObj) -> int:
        """1 when the network starts with the host."""
        return int(self._net_by_name(net.name).autostart)

    def networkSetAutostart(self, net: NetObj, autostart: int) -> int:
        """Set whether the network starts with the host."""
        self._net_by_name(net.name).autostart = bool(autostart)
        return 0

    def networkGetBridgeName(self, net: NetObj) -> str:
        """Return the name of the network's bridge."""
        defn = self._net_by_name(net.name).def_
        if not defn.bridge:
            raise report(C.VIR_ERR_INTERNAL_ERROR,
                         f"network '{defn.name}' does not have a bridge name.", _FROM)
        return defn.bridge

    def networkGetXMLDesc(self, net: NetObj, flags: int) -> str:
        """Return the network's XML (libvirt's test driver takes no flags)."""
        check_flags(flags, 0, "testNetworkGetXMLDesc")
        return self._net_by_name(net.name).def_.format()

    # -- life cycle

    @staticmethod
    def _net_parse(xml: str, validate: bool) -> netconf.NetworkDef:
        if validate:
            xmlutil.validate(xml, "network", C.VIR_FROM_XML)
        return netconf.NetworkDef.parse(xml)

    def networkCreateXML(self, xmlDesc: str) -> NetObj:
        """Start a transient network from XML."""
        return self.networkCreateXMLFlags(xmlDesc, 0)

    def networkCreateXMLFlags(self, xmlDesc: str, flags: int) -> NetObj:
        """Start a network from XML (VIR_NETWORK_CREATE_VALIDATE checks the schema)."""
        check_flags(flags, C.VIR_NETWORK_CREATE_VALIDATE, "testNetworkCreateXMLFlags")
        defn = self._net_parse(xmlDesc, bool(flags & C.VIR_NETWORK_CREATE_VALIDATE))
        with self.state.lock:
            obj = assign_def(self.state.networks, defn, live=True, check_live=True)
            obj.active = True
            self._net_emit(obj, C.VIR_NETWORK_EVENT_STARTED)
        return obj

    def networkDefineXML(self, xml: str) -> NetObj:
        """Define (or redefine) a persistent network."""
        return self.networkDefineXMLFlags(xml, 0)

    def networkDefineXMLFlags(self, xml: str, flags: int) -> NetObj:
        """Define a network (VIR_NETWORK_DEFINE_VALIDATE checks the schema)."""
        check_flags(flags, C.VIR_NETWORK_DEFINE_VALIDATE, "testNetworkDefineXMLFlags")
        defn = self._net_parse(xml, bool(flags & C.VIR_NETWORK_DEFINE_VALIDATE))
        with self.state.lock:
            obj = assign_def(self.state.networks, defn, live=False, check_live=False)
            self._net_emit(obj, C.VIR_NETWORK_EVENT_DEFINED)
        return obj

    def networkUndefine(self, net: NetObj) -> int:
        """Remove a network that is not running."""
        with self.state.lock:
            obj = self._net_by_name(net.name)
            if obj.active:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             f"Network '{net.name}' is still running", _FROM)
            self.state.networks.remove(obj)
            self._net_emit(obj, C.VIR_NETWORK_EVENT_UNDEFINED)
        return 0

    def networkCreate(self, net: NetObj) -> int:
        """Start a defined network."""
        with self.state.lock:
            obj = self._net_by_name(net.name)
            if obj.active:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             f"Network '{net.name}' is already running", _FROM)
            obj.active = True
            self._net_emit(obj, C.VIR_NETWORK_EVENT_STARTED)
        return 0

    def networkDestroy(self, net: NetObj) -> int:
        """Stop a network; a transient one disappears.  (libvirt's test driver does
        not check that the network runs.)"""
        with self.state.lock:
            obj = self._net_by_name(net.name)
            obj.active = False
            self._net_emit(obj, C.VIR_NETWORK_EVENT_STOPPED)
            if not obj.persistent:
                self.state.networks.remove(obj)
        return 0

    def networkUpdate(self, net: NetObj, command: int, section: int,
                      parentIndex: int, xml: str, flags: int) -> int:
        """Change one section of the live and/or persistent definition."""
        live_flag, config_flag = C.VIR_NETWORK_UPDATE_AFFECT_LIVE, C.VIR_NETWORK_UPDATE_AFFECT_CONFIG
        check_flags(flags, live_flag | config_flag, "testNetworkUpdate")
        with self.state.lock:
            obj = self._net_by_uuid(net.uuid)
            if not flags & (live_flag | config_flag):
                flags |= live_flag if obj.active else config_flag
            update_network(obj, command, section, parentIndex, xml, flags)
        return 0

    # -- events

    def connectNetworkEventRegisterAny(self, net: NetObj | None, eventID: int,
                                       callback: Callable[..., Any]) -> int:
        """Register ``callback`` for network events (of ``net`` only, if given)."""
        return self.state.events.register("network", eventID,
                                           None if net is None else net.uuid, callback)

    def connectNetworkEventDeregisterAny(self, callbackID: int) -> int:
        """Remove a network event callback."""
        self.state.events.deregister(callbackID)
        return 0


# --- virNetworkUpdate (libvirt's network_conf.c: virNetworkDefUpdateSection) -----------

def update_network(obj: NetObj, command: int, section: int, parent_index: int, xml: str,
                   flags: int) -> None:
    """Apply one virNetworkUpdate to ``obj`` as virNetworkObjUpdate does: every change is
    made on a copy, checked by a format/parse cycle, then swapped in."""
    live = bool(flags & C.VIR_NETWORK_UPDATE_AFFECT_LIVE)
    config = bool(flags & C.VIR_NETWORK_UPDATE_AFFECT_CONFIG)
    if live and not obj.active:
        raise report(C.VIR_ERR_OPERATION_INVALID, "network is not running", _NET)
    if config:
        if not obj.persistent:
            raise report(C.VIR_ERR_OPERATION_INVALID,
                         "cannot change persistent config of a transient network", _NET)
        if obj.active and obj.new_def is None:
            obj.new_def = _copy_def(obj.def_)
    new_live = new_config = None
    if live:
        new_live = _copy_def(obj.def_)
        update_section(new_live, command, section, parent_index, xml)
        new_live = _copy_def(new_live)
    if config:
        new_config = _copy_def(obj.persistent_def())
        update_section(new_config, command, section, parent_index, xml)
        new_config = _copy_def(new_config)
    if new_config is not None:
        if obj.active:
            obj.new_def = new_config
        else:
            obj.def_ = new_config
    if new_live is not None:
        obj.def_ = new_live


def _copy_def(defn: netconf.NetworkDef) -> netconf.NetworkDef:
    """A full copy through the XML, which also re-checks the definition."""
    return netconf.NetworkDef.parse(defn.format())


def update_section(defn: netconf.NetworkDef, command: int, section: int, parent_index: int,
                   xml: str) -> None:
    """Apply ``command`` with the element ``xml`` to ``section`` of ``defn`` in place."""
    elem = xmlutil.parse_xml(xml, None, what="network_update_xml", domain=_NET)
    handler = _SECTIONS.get(section)
    if handler is None:
        if section in _NO_SUPPORT:
            raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                         f"can't update '{_NO_SUPPORT[section]}' section of network "
                         f"'{defn.name}'", _NET)
        raise report(C.VIR_ERR_OPERATION_UNSUPPORTED,
                     "can't update unrecognized section of network", _NET)
    handler(defn, command, parent_index, elem)


_ADD = (C.VIR_NETWORK_UPDATE_COMMAND_ADD_FIRST, C.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST)
_MODIFY = C.VIR_NETWORK_UPDATE_COMMAND_MODIFY
_DELETE = C.VIR_NETWORK_UPDATE_COMMAND_DELETE


def _invalid(detail: str) -> libvirtError:
    return report(C.VIR_ERR_OPERATION_INVALID, detail, _NET)


def _unsupported(detail: str) -> libvirtError:
    return report(C.VIR_ERR_OPERATION_UNSUPPORTED, detail, _NET)


def _xml_error(detail: str) -> libvirtError:
    return report(C.VIR_ERR_XML_ERROR, detail, _NET)


def _xml_detail(detail: str) -> libvirtError:
    return report(C.VIR_ERR_XML_DETAIL, detail, _NET)


def _check_command(command: int) -> None:
    if command not in _ADD and command not in (_MODIFY, _DELETE):
        raise _unsupported(f"unrecognized network update command code {command}")


def _check_name(defn: netconf.NetworkDef, elem: Any, tag: str) -> None:
    if elem.tag != tag:
        raise _xml_error(f"unexpected element <{elem.tag}>, expecting <{tag}>, while "
                         f"updating network '{defn.name}'")


def _insert(items: list, command: int, item: Any) -> None:
    if command == C.VIR_NETWORK_UPDATE_COMMAND_ADD_FIRST:
        items.insert(0, item)
    else:
        items.append(item)


def _family(address: str | None) -> int | None:
    if not address:
        return None
    return ipaddress.ip_address(address).version


def _ip_by_index(defn: netconf.NetworkDef, parent_index: int) -> netconf.IPDef:
    """The <ip> whose DHCP section an update addresses (virNetworkIPDefByIndex)."""
    if parent_index >= 0:
        if parent_index < len(defn.ips):
            return defn.ips[parent_index]
        raise _invalid(f"couldn't update dhcp host entry - no <ip> element found at index "
                       f"{parent_index} in network '{defn.name}'")
    for ip in defn.ips:
        if ip.ranges or ip.hosts:
            return ip
    for want_v6 in (False, True):
        for ip in defn.ips:
            if ip.is_ipv6 == want_v6:
                return ip
    raise _invalid(f"couldn't update dhcp host entry - no <ip> element found in network "
                   f"'{defn.name}'")


def _check_multi_dhcp(defn: netconf.NetworkDef, ipdef: netconf.IPDef) -> None:
    for ip in defn.ips:
        if ip is not ipdef and ip.is_ipv6 == ipdef.is_ipv6 and (ip.ranges or ip.hosts):
            fam = "IPv6" if ipdef.is_ipv6 else "IPv4"
            raise _invalid(f"dhcp is supported only for a single {fam} address on each "
                           "network")


def _parse_dhcp_host(defn: netconf.NetworkDef, ipdef: netconf.IPDef, elem: Any,
                     partial: bool) -> netconf.DHCPHost:
    """Read a <host> of a DHCP update (virNetworkDHCPHostDefParseXML)."""
    name_ = defn.name
    mac, ident, hname, ip = elem.get("mac"), elem.get("id"), elem.get("name"), elem.get("ip")
    if mac is not None:
        if ipdef.is_ipv6:
            raise _xml_error(f"Invalid to specify MAC address '{mac}' in network '{name_}' "
                             "IPv6 static host definition")
        mac = confutil.parse_mac(mac, lambda v: _xml_error(
            f"Cannot parse MAC address '{v}' in network '{name_}'"), lambda v: _xml_error(
            f"expected unicast mac address, found multicast '{v}' in network '{name_}'"))
    if ident is not None:
        bad = [ch for ch in ident if ch not in "0123456789abcdefABCDEF:"]
        if bad:
            raise _xml_error(f"Invalid character '{bad[0]}' in id '{ident}' of network "
                             f"'{name_}'")
    if hname is not None and not (hname[:1].isascii() and hname[:1].isalnum()):
        raise _xml_error(f"Cannot use host name '{hname}' in network '{name_}'")
    if ip is not None:
        try:
            ip = str(ipaddress.ip_address(ip.strip()))
        except ValueError:
            raise _xml_error("Invalid IP address in static host definition for network "
                             f"'{name_}'") from None
    if partial:
        if not (mac or hname or ip):
            raise _xml_error("At least one of name, mac, or ip attribute must be specified "
                             f"for static host definition in network '{name_}' ")
    else:
        if ipdef.is_ipv6 and not (ident or hname):
            raise _xml_error(f"Static host definition in IPv6 network '{name_}' must have "
                             "id or name attribute")
        if not ipdef.is_ipv6 and not (mac or hname):
            raise _xml_error(f"Static host definition in IPv4 network '{name_}' must have "
                             "mac or name attribute")
        if not ip:
            raise _xml_error("Missing IP address in static host definition for network "
                             f"'{name_}'")
    return netconf.DHCPHost(mac=mac, id=ident, name=hname, ip=ip,
                            lease=netconf.Lease.parse(elem.find("lease")))


def _sync_dhcp(ipdef: netconf.IPDef) -> None:
    """libvirt writes <dhcp> only while it has ranges or hosts."""
    ipdef.dhcp = bool(ipdef.ranges or ipdef.hosts)


def _same_mac(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.lower() == b.lower()


def _update_dhcp_host(defn: netconf.NetworkDef, command: int, parent_index: int, elem: Any) -> None:
    _check_name(defn, elem, "host")
    ipdef = _ip_by_index(defn, parent_index)
    partial = command == _DELETE
    host = _parse_dhcp_host(defn, ipdef, elem, partial)
    if not partial and _family(ipdef.address) != _family(host.ip):
        raise _invalid("the address family of a host entry IP must match the address "
                       "family of the dhcp element's parent")

    def matches_any(old: netconf.DHCPHost) -> bool:
        return (_same_mac(host.mac, old.mac) or (host.name is not None and host.name == old.name)
                or (host.ip is not None and host.ip == old.ip))

    described = (f"\"mac='{host.mac or 'unknown'}'\" \"name='{host.name or '(null)'}'\" "
                 f"\"ip='{host.ip or 'unknown'}'\"")
    if command == _MODIFY:
        for i, old in enumerate(ipdef.hosts):
            if matches_any(old):
                ipdef.hosts[i] = host
                return
        raise _invalid(f"couldn't locate an existing dhcp host entry with {described} in "
                       f"network '{defn.name}'")
    if command in _ADD:
        _check_multi_dhcp(defn, ipdef)
        if any(matches_any(old) for old in ipdef.hosts):
            raise _invalid(f"there is an existing dhcp host entry in network '{defn.name}' "
                           f"that matches \"<host mac='{host.mac or 'unknown'}' "
                           f"name='{host.name or '(null)'}' ip='{host.ip or 'unknown'}'/>\"")
        _insert(ipdef.hosts, command, host)
        _sync_dhcp(ipdef)
        return
    if command == _DELETE:
        for i, old in enumerate(ipdef.hosts):
            if ((host.mac is None or old.mac is None or _same_mac(host.mac, old.mac))
                    and (host.name is None or host.name == old.name)
                    and (host.ip is None or host.ip == old.ip)):
                del ipdef.hosts[i]
                _sync_dhcp(ipdef)
                return
        raise _invalid(f"couldn't locate a matching dhcp host entry in network '{defn.name}'")
    _check_command(command)


def _update_dhcp_range(defn: netconf.NetworkDef, command: int, parent_index: int,
                       elem: Any) -> None:
    _check_name(defn, elem, "range")
    ipdef = _ip_by_index(defn, parent_index)
    if command == _MODIFY:
        raise _unsupported("dhcp ranges cannot be modified, only added or deleted")
    for attr in ("start", "end"):
        if elem.get(attr) is None:
            raise _xml_error(f"Missing '{attr}' attribute in dhcp range for network "
                             f"'{defn.name}'")
    try:
        start = ipaddress.ip_address(elem.get("start").strip())
        end = ipaddress.ip_address(elem.get("end").strip())
    except ValueError as exc:
        raise report(C.VIR_ERR_INTERNAL_ERROR, str(exc), C.VIR_FROM_NONE) from None
    if ipdef.address is not None:
        net = ipaddress.ip_network(f"{ipdef.address}/{ipdef.effective_prefix()}", strict=False)
        if start not in net or end not in net:
            raise report(C.VIR_ERR_INTERNAL_ERROR, f"range {start} - {end} is not entirely "
                         f"within network {ipdef.address}/{net.prefixlen}", C.VIR_FROM_NONE)
    rng = netconf.DHCPRange(str(start), str(end), netconf.Lease.parse(elem.find("lease")))
    if _family(ipdef.address) != start.version:
        raise _invalid("the address family of a dhcp range must match the address family "
                       "of the dhcp element's parent")
    found = next((i for i, r in enumerate(ipdef.ranges)
                  if r.start == rng.start and r.end == rng.end), None)
    if command in _ADD:
        _check_multi_dhcp(defn, ipdef)
        if found is not None:
            raise _invalid(f"there is an existing dhcp range entry in network '{defn.name}' "
                           f"that matches \"<range start='{rng.start}' end='{rng.end}'/>\"")
        _insert(ipdef.ranges, command, rng)
        _sync_dhcp(ipdef)
    elif command == _DELETE:
        if found is None:
            raise _invalid(f"couldn't locate a matching dhcp range entry in network "
                           f"'{defn.name}'")
        del ipdef.ranges[found]
        _sync_dhcp(ipdef)
    else:
        _check_command(command)


def _update_forward_interface(defn: netconf.NetworkDef, command: int, parent_index: int,
                              elem: Any) -> None:
    _check_name(defn, elem, "interface")
    if command == _MODIFY:
        raise _unsupported("forward interface entries cannot be modified, only added or "
                           "deleted")
    dev = elem.get("dev")
    if dev is None:
        raise _xml_error("missing dev attribute in <interface> element")
    # an isolated network has no <forward>: libvirt keeps the list but never writes it
    ifs = defn.forward.interfaces if defn.forward is not None else []
    if command in _ADD:
        if dev in ifs:
            raise _invalid(f"there is an existing interface entry in network '{defn.name}' "
                           f"that matches \"<interface dev='{dev}'>\"")
        _insert(ifs, command, dev)
    elif command == _DELETE:
        if dev not in ifs:
            raise _invalid(f"couldn't find an interface entry in network '{defn.name}' "
                           f"matching <interface dev='{dev}'>")
        ifs.remove(dev)
    else:
        _check_command(command)


def _update_portgroup(defn: netconf.NetworkDef, command: int, parent_index: int, elem: Any) -> None:
    _check_name(defn, elem, "portgroup")
    group = netconf._parse_portgroup(elem)
    found = next((i for i, g in enumerate(defn.portgroups) if g.name == group.name), None)
    default = next((i for i, g in enumerate(defn.portgroups) if g.default), None)
    if found is None and command in (_MODIFY, _DELETE):
        raise _invalid(f"couldn't find a portgroup entry in network '{defn.name}' matching "
                       f"<portgroup name='{group.name}'>")
    if found is not None and command in _ADD:
        raise _invalid(f"there is an existing portgroup entry in network '{defn.name}' that "
                       f"matches \"<portgroup name='{group.name}'>\"")
    if command != _DELETE and group.default and default is not None and default != found:
        raise _invalid(f"a different portgroup entry in network '{defn.name}' is already "
                       "set as the default. Only one default is allowed.")
    if command == _MODIFY:
        defn.portgroups[found] = group  # type: ignore[index]
    elif command in _ADD:
        _insert(defn.portgroups, command, group)
    elif command == _DELETE:
        del defn.portgroups[found]  # type: ignore[arg-type]
    else:
        _check_command(command)


def _dns(defn: netconf.NetworkDef) -> netconf.DNSDef:
    if defn.dns is None:
        defn.dns = netconf.DNSDef()
    return defn.dns


def _parse_dns_host(defn: netconf.NetworkDef, elem: Any, partial: bool) -> netconf.DNSHost:
    ip = elem.get("ip")
    if ip is None and not partial:
        raise _xml_detail(f"Missing IP address in network '{defn.name}' DNS HOST record")
    if ip is not None:
        try:
            ip = str(ipaddress.ip_address(ip.strip()))
        except ValueError:
            raise _xml_detail(f"Invalid IP address in network '{defn.name}' DNS HOST "
                              "record") from None
    names = []
    for child in elem.findall("hostname"):
        text = "".join(child.itertext())
        if len(child) or child.text is not None:
            if not text:
                raise _xml_detail(f"Missing hostname in network '{defn.name}' DNS HOST "
                                  "record")
            names.append(text)
    if not names and not partial:
        raise _xml_detail(f"Missing hostname in network '{defn.name}' DNS HOST record")
    if ip is None and not names:
        raise _xml_detail(f"Missing ip and hostname in network '{defn.name}' DNS HOST record")
    return netconf.DNSHost(ip or "", names)


def _update_dns_host(defn: netconf.NetworkDef, command: int, parent_index: int, elem: Any) -> None:
    if command == _MODIFY:
        raise _unsupported("DNS HOST records cannot be modified, only added or deleted")
    _check_name(defn, elem, "host")
    is_add = command in _ADD
    host = _parse_dns_host(defn, elem, not is_add)
    dns = _dns(defn)
    found = []
    for i, old in enumerate(dns.hosts):
        hit = bool(host.ip) and host.ip == old.ip
        if not is_add and not hit:
            hit = any(n in old.hostnames for n in host.hostnames)
        if hit:
            found.append(i)
    if is_add:
        if found:
            raise _invalid("there is already at least one DNS HOST record with a matching "
                           f"field in network {defn.name}")
        _insert(dns.hosts, command, host)
    elif command == _DELETE:
        if not found:
            raise _invalid(f"couldn't locate a matching DNS HOST record in network {defn.name}")
        if len(found) > 1:
            raise _invalid(f"multiple matching DNS HOST records were found in network "
                           f"{defn.name}")
        del dns.hosts[found[0]]
    else:
        _check_command(command)


def _update_dns_srv(defn: netconf.NetworkDef, command: int, parent_index: int, elem: Any) -> None:
    if command == _MODIFY:
        raise _unsupported("DNS SRV records cannot be modified, only added or deleted")
    _check_name(defn, elem, "srv")
    is_add = command in _ADD
    srv = confutil.read_attrs(netconf.DNSSrv(), elem, netconf.DNSSrv.ATTRS,
                              confutil.bad_attr_error("srv", _NET))
    if srv.service is None and is_add:
        raise _xml_detail(f"missing required service attribute in DNS SRV record of "
                          f"network '{defn.name}'")
    if srv.protocol is None and is_add:
        raise _xml_detail(f"missing required protocol attribute in DNS SRV record "
                          f"'{srv.service}' of network '{defn.name}'")
    dns = _dns(defn)
    keys = ("domain", "service", "protocol", "target")
    found = [i for i, old in enumerate(dns.srvs)
             if all(getattr(srv, k) is None or getattr(srv, k) == getattr(old, k) for k in keys)]
    if is_add:
        if found:
            raise _invalid("there is already at least one DNS SRV record matching all "
                           f"specified fields in network {defn.name}")
        _insert(dns.srvs, command, srv)
    elif command == _DELETE:
        if not found:
            raise _invalid(f"couldn't locate a matching DNS SRV record in network {defn.name}")
        if len(found) > 1:
            raise _invalid("multiple DNS SRV records matching all specified fields were "
                           f"found in network {defn.name}")
        del dns.srvs[found[0]]
    else:
        _check_command(command)


def _update_dns_txt(defn: netconf.NetworkDef, command: int, parent_index: int, elem: Any) -> None:
    if command == _MODIFY:
        raise _unsupported("DNS TXT records cannot be modified, only added or deleted")
    _check_name(defn, elem, "txt")
    is_add = command in _ADD
    name, value = elem.get("name"), elem.get("value")
    if name is None:
        raise _xml_detail(f"missing required name attribute in DNS TXT record of network "
                          f"{defn.name}")
    if " " in name or "," in name:
        raise _xml_detail(f"prohibited character in DNS TXT record name '{name}' of network "
                          f"{defn.name}")
    if value is None and is_add:
        raise _xml_detail(f"missing required value attribute in DNS TXT record named "
                          f"'{name}' of network {defn.name}")
    dns = _dns(defn)
    found = next((i for i, (n, _v) in enumerate(dns.txts) if n == name), None)
    if is_add:
        if found is not None:
            raise _invalid(f"there is already a DNS TXT record with name '{name}' in network "
                           f"{defn.name}")
        _insert(dns.txts, command, (name, value or ""))
    elif command == _DELETE:
        if found is None:
            raise _invalid(f"couldn't locate a matching DNS TXT record in network {defn.name}")
        del dns.txts[found]
    else:
        _check_command(command)


_SECTIONS: dict[int, Callable[[netconf.NetworkDef, int, int, Any], None]] = {
    C.VIR_NETWORK_SECTION_IP_DHCP_HOST: _update_dhcp_host,
    C.VIR_NETWORK_SECTION_IP_DHCP_RANGE: _update_dhcp_range,
    C.VIR_NETWORK_SECTION_FORWARD_INTERFACE: _update_forward_interface,
    C.VIR_NETWORK_SECTION_PORTGROUP: _update_portgroup,
    C.VIR_NETWORK_SECTION_DNS_HOST: _update_dns_host,
    C.VIR_NETWORK_SECTION_DNS_TXT: _update_dns_txt,
    C.VIR_NETWORK_SECTION_DNS_SRV: _update_dns_srv,
}

# sections libvirt parses but refuses to change
_NO_SUPPORT = {
    C.VIR_NETWORK_SECTION_BRIDGE: "bridge",
    C.VIR_NETWORK_SECTION_DOMAIN: "domain",
    C.VIR_NETWORK_SECTION_IP: "ip",
    C.VIR_NETWORK_SECTION_FORWARD: "forward",
    C.VIR_NETWORK_SECTION_FORWARD_PF: "forward pf",
}

__all__ = ["NetObj", "NetworkMixin", "assign_def", "element_xml", "load", "pair_filter",
           "update_network", "uuid_from_bytes", "uuid_from_string"]
