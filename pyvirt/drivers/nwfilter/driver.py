"""The nwfilter driver of a host root: network filters and their bindings to guest ports.

One instance serves every connection of a root (see
:mod:`pyvirt.drivers.hostroot`).  The first time it starts on a root it
defines libvirt's stock filters (``stock/*.xml``, the files Debian's
``libvirt-daemon-config-nwfilter`` 9.0 installs), each given a UUID that is
then kept.  Filters live in ``<config_dir>/nwfilter/NAME.xml``, bindings in
``<run_dir>/nwfilter-binding/PORTDEV.xml``; a binding's rules are
nftables tables on its port (bridge family, and inet for IP rules:
:mod:`.rules`), made again whenever a filter it uses changes and when the
driver starts; a port whose IP the filters want is watched to learn it
(:mod:`.learn`).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from typing import Any

from lxml import etree

from pyvirt import constants as C
from pyvirt.conf.nwfilter import FilterRef, NWFilterBindingDef, NWFilterDef
from pyvirt.driver import interface as I
from pyvirt.drivers import hostroot
from pyvirt.drivers.nwfilter import learn, rules
from pyvirt.drivers.test.network import uuid_from_bytes, uuid_from_string
from pyvirt.drivers.test.state import Store
from pyvirt.errors import check_flags, libvirtError, report
from pyvirt.util.fileutil import atomic_write, remove_durably

_FROM = C.VIR_FROM_NWFILTER
STOCK_DIR = os.path.join(os.path.dirname(__file__), "stock")
log = logging.getLogger(__name__)


class FilterObj:
    """A defined filter (what virNWFilter handles point at: ``name`` and ``uuid``)."""

    def __init__(self, def_: NWFilterDef) -> None:
        self.def_ = def_

    @property
    def name(self) -> str:
        """The filter's name."""
        return self.def_.name

    @property
    def uuid(self) -> str:
        """The filter's UUID."""
        return self.def_.uuid


class BindingObj:
    """A filter bound to a port (``portdev`` and ``filtername`` name it)."""

    def __init__(self, def_: NWFilterBindingDef) -> None:
        self.def_ = def_

    @property
    def portdev(self) -> str:
        """The port device the binding filters."""
        return self.def_.portdev

    @property
    def filtername(self) -> str:
        """The filter at the top of the binding."""
        return self.def_.filterref.filter if self.def_.filterref else ""


class NWFilterDriver(I.NWFilterDriver):
    """Network filters and bindings of one host root."""

    error_domain = _FROM

    def __init__(self, root: hostroot.HostRoot) -> None:
        self.root = root
        self.config_dir = os.path.join(root.config_dir, "nwfilter")
        self.binding_dir = os.path.join(root.run_dir, "nwfilter-binding")
        self.filters = Store()
        self.bindings = Store(key=lambda b: b.portdev)
        self.lock = threading.RLock()
        self.loaded = False
        # IP addresses learned (from leases or traffic), by port; the bindings whose
        # port is being watched, by port
        self.learned: dict[str, dict[str, list[str]]] = {}
        self.learners: dict[str, NWFilterBindingDef] = {}

    # --- life of the driver ---------------------------------------------------------------
    def startup(self) -> None:
        """Make the directories; load filters and bindings now only when bindings exist
        (their rules are loaded again: filters may have changed while no driver ran).
        Otherwise loading waits for the first call, so that opening a connection stays
        cheap (a new root writes 24 stock filters)."""
        os.makedirs(self.binding_dir, mode=0o700, exist_ok=True)
        if any(n.endswith(".xml") for n in os.listdir(self.binding_dir)):
            self._load()

    def _load(self) -> None:
        """Load the filters (defining the stock ones on a new root) and the bindings,
        once."""
        with self.lock:
            if self.loaded:
                return
            first = not os.path.isdir(self.config_dir)
            os.makedirs(self.config_dir, mode=0o755, exist_ok=True)
            if first:
                for name in sorted(os.listdir(STOCK_DIR)):
                    with open(os.path.join(STOCK_DIR, name), "rb") as fh:
                        def_ = NWFilterDef.parse(fh.read())
                    atomic_write(self._config_file(def_.name), def_.format(), 0o600)
            for path in self._xml_files(self.config_dir):
                def_ = _read(path, NWFilterDef)
                if def_ is not None:
                    self.filters.add(FilterObj(def_))
            for path in self._xml_files(self.binding_dir):
                bind = _read(path, NWFilterBindingDef)
                if bind is None:
                    continue
                obj = self.bindings.add(BindingObj(bind))
                try:
                    self._instantiate(obj.def_)
                except libvirtError as exc:
                    log.warning("rules of port %s not loaded again: %s", obj.portdev, exc)
            self.loaded = True

    @staticmethod
    def _xml_files(directory: str) -> Iterator[str]:
        for name in sorted(os.listdir(directory)):
            if name.endswith(".xml"):
                yield os.path.join(directory, name)

    def shutdown(self) -> None:
        """Nothing to stop: the rules stay on their ports."""

    def connectClose(self) -> int:
        """One connection of the root is done with the driver."""
        hostroot.release("nwfilter", self.root)
        return 0

    def _config_file(self, name: str) -> str:
        return os.path.join(self.config_dir, f"{name}.xml")

    def _binding_file(self, portdev: str) -> str:
        return os.path.join(self.binding_dir, f"{portdev}.xml")

    # --- filters ---------------------------------------------------------------------------
    def _filter_of(self, nwfilter: Any) -> FilterObj:
        obj = self.filters.get_uuid(nwfilter.uuid)
        if obj is None:
            raise report(C.VIR_ERR_NO_NWFILTER, f"no nwfilter with matching uuid "
                         f"'{nwfilter.uuid}' ({nwfilter.name})", _FROM)
        return obj

    def nwfilterLookupByName(self, name: str) -> FilterObj:
        """The filter called ``name``."""
        self._load()
        obj = self.filters.get(name)
        if obj is None:
            raise report(C.VIR_ERR_NO_NWFILTER, f"no nwfilter with matching name '{name}'",
                         _FROM)
        return obj  # type: ignore[no-any-return]

    def _by_uuid(self, uuid: str) -> FilterObj:
        obj = self.filters.get_uuid(uuid)
        if obj is None:
            raise report(C.VIR_ERR_NO_NWFILTER, f"no nwfilter with matching uuid '{uuid}'",
                         _FROM)
        return obj  # type: ignore[no-any-return]

    def nwfilterLookupByUUID(self, uuid: bytes) -> FilterObj:
        """The filter with the 16-byte ``uuid``."""
        self._load()
        return self._by_uuid(uuid_from_bytes(uuid, "virNWFilterLookupByUUID", _FROM))

    def nwfilterLookupByUUIDString(self, uuidstr: str) -> FilterObj:
        """The filter with UUID ``uuidstr``."""
        self._load()
        return self._by_uuid(uuid_from_string(uuidstr, "virNWFilterLookupByUUIDString",
                                              _FROM))

    def connectNumOfNWFilters(self) -> int:
        """How many filters are defined."""
        self._load()
        return len(self.filters)

    def connectListNWFilters(self) -> list[str]:
        """The filters' names."""
        self._load()
        return [o.name for o in self.filters.values()]

    def connectListAllNWFilters(self, flags: int) -> list[FilterObj]:
        """Every filter (libvirt has no filter flags)."""
        self._load()
        check_flags(flags, 0, "nwfilterConnectListAllNWFilters", _FROM)
        return self.filters.values()

    def nwfilterGetXMLDesc(self, nwfilter: Any, flags: int) -> str:
        """The filter's XML."""
        self._load()
        check_flags(flags, 0, "nwfilterGetXMLDesc", _FROM)
        return self._filter_of(nwfilter).def_.format()

    def nwfilterDefineXML(self, xmlDesc: str) -> FilterObj:
        """Define (or change) a filter; the bindings that use it get new rules."""
        self._load()
        return self.nwfilterDefineXMLFlags(xmlDesc, 0)

    def nwfilterDefineXMLFlags(self, xmlDesc: str, flags: int) -> FilterObj:
        """Define a filter (VIR_NWFILTER_DEFINE_VALIDATE checks the schema)."""
        self._load()
        check_flags(flags, C.VIR_NWFILTER_DEFINE_VALIDATE, "nwfilterDefineXMLFlags", _FROM)
        if flags & C.VIR_NWFILTER_DEFINE_VALIDATE:
            from pyvirt.conf import xmlutil
            xmlutil.validate(xmlDesc, "nwfilter", C.VIR_FROM_XML)
        def_ = NWFilterDef.parse(xmlDesc)
        with self.lock:
            same_uuid = self.filters.get_uuid(def_.uuid)
            if same_uuid is not None and same_uuid.name != def_.name:
                raise report(C.VIR_ERR_OPERATION_FAILED, "filter with same UUID but "
                             f"different name ('{same_uuid.name}') already exists", _FROM)
            same_name = self.filters.get(def_.name)
            if same_uuid is None and same_name is not None:
                raise report(C.VIR_ERR_OPERATION_FAILED, f"filter '{def_.name}' already "
                             f"exists with uuid {same_name.uuid}", _FROM)
            if self._loops(def_):
                raise report(C.VIR_ERR_OPERATION_FAILED, "filter would introduce a loop",
                             _FROM)
            old = same_name.def_ if same_name is not None else None
            obj = same_name or FilterObj(def_)
            obj.def_ = def_
            self.filters.add(obj)
            try:
                self._rebuild(def_.name)
                atomic_write(self._config_file(def_.name), def_.format(), 0o600)
            except BaseException:
                if old is None:
                    self.filters.remove(obj)
                else:
                    obj.def_ = old
                self._rebuild_quietly(def_.name)
                raise
        return obj

    def _loops(self, def_: NWFilterDef) -> bool:
        """Whether ``def_`` reaches itself through filter references (the others as
        defined now)."""
        seen: set[str] = set()
        todo = [e.filter for e in def_.entries if isinstance(e, FilterRef)]
        while todo:
            name = todo.pop()
            if name == def_.name:
                return True
            if name in seen:
                continue
            seen.add(name)
            other = self.filters.get(name)
            if other is not None:
                todo += [e.filter for e in other.def_.entries if isinstance(e, FilterRef)]
        return False

    def _uses(self, bind: NWFilterBindingDef, name: str) -> bool:
        """Whether the filter tree of ``bind`` includes filter ``name``."""
        seen: set[str] = set()
        todo = [bind.filterref.filter] if bind.filterref else []
        while todo:
            cur = todo.pop()
            if cur == name:
                return True
            if cur in seen:
                continue
            seen.add(cur)
            obj = self.filters.get(cur)
            if obj is not None:
                todo += [e.filter for e in obj.def_.entries if isinstance(e, FilterRef)]
        return False

    def _rebuild(self, name: str) -> None:
        """Load again the rules of every binding that uses filter ``name``."""
        for bind in self.bindings.values():
            if self._uses(bind.def_, name):
                self._instantiate(bind.def_)

    def _rebuild_quietly(self, name: str) -> None:
        try:
            self._rebuild(name)
        except libvirtError as exc:
            log.warning("rules not restored after a failed filter change: %s", exc)

    def nwfilterUndefine(self, nwfilter: Any) -> int:
        """Remove a filter no binding uses."""
        self._load()
        with self.lock:
            obj = self._filter_of(nwfilter)
            if any(self._uses(b.def_, obj.name) for b in self.bindings.values()):
                raise report(C.VIR_ERR_OPERATION_INVALID, "nwfilter is in use", _FROM)
            remove_durably(self._config_file(obj.name))
            self.filters.remove(obj)
        return 0

    # --- bindings ------------------------------------------------------------------------
    def _instantiate(self, bind: NWFilterBindingDef) -> None:
        """Load the binding's rules.  A port whose ``IP`` is wanted but not given gets it
        from its network's DHCP (a static host or a lease) or, until then, the learning
        table of its ``CTRL_IP_LEARNING`` mode and a learner watching its traffic (with
        ``none``, the missing variable is an error, as in libvirt)."""
        learned = self.learned.get(bind.portdev)
        if learned is None and rules.wants_ip(bind, self._lookup_def):
            mode = rules.learn_mode(bind)
            ip = self._lease_ip(bind)
            if ip is None:
                if mode == "none":
                    rules.ruleset(bind, self._lookup_def)      # the missing-IP error
                self._learn(bind, mode)
                try:
                    rules.apply(bind, self._lookup_def, learn=True)
                except BaseException:
                    self.learners.pop(bind.portdev, None)
                    raise
                return
            learned = self.learned[bind.portdev] = {"IP": [ip]}
        rules.apply(bind, self._lookup_def, learned)

    def _network_of(self, portdev: str) -> Any:
        """The running network (of this root's network driver) whose bridge ``portdev``
        is a port of, as (driver, network object), or None."""
        try:
            master = os.path.basename(os.readlink(f"/sys/class/net/{portdev}/master"))
        except OSError:
            return None
        net_drv = hostroot.current("network", self.root)
        if net_drv is None:
            return None
        for obj in net_drv.nets.values():
            if obj.active and obj.def_.bridge == master:
                return net_drv, obj
        return None

    def _lease_ip(self, bind: NWFilterBindingDef) -> str | None:
        """The IPv4 address the port's network gives its MAC: a static DHCP host, or a
        lease dnsmasq handed out."""
        found = self._network_of(bind.portdev)
        if found is None:
            return None
        net_drv, obj = found
        for ip in obj.def_.ips:
            for host in ip.hosts if not ip.is_ipv6 else []:
                if host.mac and host.mac.lower() == bind.mac.lower() and host.ip:
                    return str(host.ip)
        from pyvirt.drivers.network import dnsmasq
        leases = dnsmasq.read_leases(obj.def_, net_drv.dirs.dnsmasq(obj.name), bind.mac)
        return str(leases[0]["ipaddr"]) if leases else None

    def _learn(self, bind: NWFilterBindingDef, mode: str) -> None:
        """Watch the port's traffic for its address (:mod:`.learn`); then load the
        binding's real rules."""
        if self.learners.get(bind.portdev) is bind:
            return                      # already watching

        def wanted() -> bool:
            return self.learners.get(bind.portdev) is bind

        def found(ip: str) -> None:
            with self.lock:
                if not wanted():
                    return
                del self.learners[bind.portdev]
                self.learned[bind.portdev] = {"IP": [ip]}
                try:
                    rules.apply(bind, self._lookup_def, self.learned[bind.portdev])
                except libvirtError as exc:
                    log.warning("rules of %s with learned IP %s: %s", bind.portdev, ip, exc)

        try:
            watcher = learn.Learner(bind.portdev, bind.mac, mode,
                                    rules.dhcp_servers(bind), found, wanted)
        except OSError as exc:
            raise report(C.VIR_ERR_SYSTEM_ERROR, f"cannot watch port '{bind.portdev}' to "
                         f"learn its IP address: {exc.strerror}", _FROM) from None
        self.learners[bind.portdev] = bind
        watcher.start()

    def _lookup_def(self, name: str) -> NWFilterDef | None:
        obj = self.filters.get(name)
        return obj.def_ if obj is not None else None

    def _binding_of(self, binding: Any) -> BindingObj:
        return self.nwfilterBindingLookupByPortDev(binding.portdev)

    def nwfilterBindingLookupByPortDev(self, portdev: str) -> BindingObj:
        """The binding on port ``portdev``."""
        self._load()
        obj = self.bindings.get(portdev)
        if obj is None:
            raise report(C.VIR_ERR_NO_NWFILTER_BINDING,
                         f"no nwfilter binding for port dev '{portdev}'", _FROM)
        return obj  # type: ignore[no-any-return]

    def connectListAllNWFilterBindings(self, flags: int) -> list[BindingObj]:
        """Every binding."""
        self._load()
        check_flags(flags, 0, "nwfilterConnectListAllNWFilterBindings", _FROM)
        return self.bindings.values()

    def nwfilterBindingGetXMLDesc(self, binding: Any, flags: int) -> str:
        """The binding's XML."""
        self._load()
        check_flags(flags, 0, "nwfilterBindingGetXMLDesc", _FROM)
        return self._binding_of(binding).def_.format()

    def nwfilterBindingCreateXML(self, xml: str, flags: int) -> BindingObj:
        """Bind a filter to a port and load its rules."""
        self._load()
        check_flags(flags, C.VIR_NWFILTER_BINDING_CREATE_VALIDATE,
                    "nwfilterBindingCreateXML", _FROM)
        if flags & C.VIR_NWFILTER_BINDING_CREATE_VALIDATE:
            from pyvirt.conf import xmlutil
            xmlutil.validate(xml, "nwfilterbinding", C.VIR_FROM_XML)
        bind = NWFilterBindingDef.parse(xml)
        with self.lock:
            if self.bindings.get(bind.portdev) is not None:
                raise report(C.VIR_ERR_OPERATION_INVALID, f"filter binding for portdev "
                             f"{bind.portdev} already exists", _FROM)
            self._instantiate(bind)
            try:
                atomic_write(self._binding_file(bind.portdev), bind.format(), 0o600)
            except OSError as exc:
                rules.remove(bind.portdev)
                self.learners.pop(bind.portdev, None)
                raise report(C.VIR_ERR_SYSTEM_ERROR, f"cannot save filter binding "
                             f"'{bind.portdev}': {exc.strerror}", _FROM) from None
            return self.bindings.add(BindingObj(bind))  # type: ignore[no-any-return]

    def nwfilterBindingDelete(self, binding: Any) -> int:
        """Unbind: the port's rules go."""
        self._load()
        with self.lock:
            obj = self._binding_of(binding)
            rules.remove(obj.portdev)
            remove_durably(self._binding_file(obj.portdev))
            self.bindings.remove(obj)
            self.learned.pop(obj.portdev, None)
            self.learners.pop(obj.portdev, None)
        return 0


def _read(path: str, cls: Any) -> Any:
    try:
        with open(path, "rb") as fh:
            return cls.parse(fh.read())
    except (OSError, etree.XMLSyntaxError, libvirtError) as exc:
        log.warning("ignoring %s: %s", path, exc)
        return None


def open_nwfilter(root: hostroot.HostRoot) -> NWFilterDriver:
    """The nwfilter driver of ``root``, one more connection's reference."""
    drv: NWFilterDriver = hostroot.acquire("nwfilter", root, NWFilterDriver)
    return drv
