"""The test driver's host interfaces, as libvirt's test driver keeps them.

Interfaces live in ``state.interfaces`` by name; an :class:`IfaceObj`
(name, MAC, definition, running or not) is the API's handle.
``interfaceChangeBegin`` saves a copy of the interfaces, which
``interfaceChangeRollback`` puts back and ``interfaceChangeCommit`` drops.
libvirt's test driver raises no interface events (libvirt has none).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt.driver import interface
from pyvirt.drivers.test.network import element_xml
from pyvirt.drivers.test.objects import check_flags
from pyvirt.errors import report
from pyvirt.util.lazy import lazy_module

if TYPE_CHECKING:
    from pyvirt.conf import interface as ifaceconf
    from pyvirt.conf import xmlutil
else:
    ifaceconf = lazy_module("pyvirt.conf.interface", globals())
    xmlutil = lazy_module("pyvirt.conf.xmlutil", globals())

_FROM = C.VIR_FROM_TEST


def parse_interface(xml: str | bytes, validate: bool = False) -> ifaceconf.InterfaceDef:
    """Parse interface XML (VIR_INTERFACE_DEFINE_VALIDATE: check the schema first)."""
    if validate:
        xmlutil.validate(xml, "interface", C.VIR_FROM_XML)
    return ifaceconf.InterfaceDef.parse(xml)


class IfaceObj:
    """One host interface.  It is the API's handle (``name``, ``mac``)."""

    __slots__ = ("active", "def_", "mac", "name")

    def __init__(self, def_: ifaceconf.InterfaceDef, active: bool = False) -> None:
        self.def_ = def_
        self.name: str = def_.name
        self.mac: str | None = def_.mac
        self.active = active

    def copy(self) -> IfaceObj:
        """A copy for a transaction's backup (definitions are never changed in place)."""
        return IfaceObj(self.def_, self.active)


def assign_def(store: Any, def_: ifaceconf.InterfaceDef) -> IfaceObj:
    """Add ``def_``, or replace the definition of the interface of that name
    (virInterfaceObjListAssignDef; the interface keeps its state)."""
    obj = store.get(def_.name)
    if obj is None:
        return store.add(IfaceObj(def_))
    obj.def_ = def_
    obj.mac = def_.mac
    return obj


def load(state: Any, node_elem: Any, base_dir: str) -> None:
    """Add the ``<interface>`` elements of a <node> document, each running."""
    for elem in node_elem.findall("interface"):
        assign_def(state.interfaces, parse_interface(element_xml(elem))).active = True


# state.extra key of the interfaces saved by interfaceChangeBegin
_BACKUP = "interface_backup"


class InterfaceMixin(interface.InterfaceDriver):
    """The interface operations of the test driver, on ``self.state``."""

    state: Any

    def _iface_named(self, name: str) -> IfaceObj:
        obj = self.state.interfaces.get(name)
        if obj is None:
            raise report(C.VIR_ERR_NO_INTERFACE,
                         f"no interface with matching name '{name}'", _FROM)
        return obj

    # -- listing and lookups

    def connectNumOfInterfaces(self) -> int:
        """Count the running interfaces."""
        return sum(1 for o in self.state.interfaces.by_name.values() if o.active)

    def connectNumOfDefinedInterfaces(self) -> int:
        """Count the interfaces that are not running."""
        return sum(1 for o in self.state.interfaces.by_name.values() if not o.active)

    def connectListInterfaces(self) -> list[str]:
        """Return the names of the running interfaces."""
        return [o.name for o in self.state.interfaces.values() if o.active]

    def connectListDefinedInterfaces(self) -> list[str]:
        """Return the names of the interfaces that are not running."""
        return [o.name for o in self.state.interfaces.values() if not o.active]

    def connectListAllInterfaces(self, flags: int) -> list[IfaceObj]:
        """Return the interfaces VIR_CONNECT_LIST_INTERFACES_ACTIVE/INACTIVE select."""
        want_on, want_off = (C.VIR_CONNECT_LIST_INTERFACES_ACTIVE,
                             C.VIR_CONNECT_LIST_INTERFACES_INACTIVE)
        check_flags(flags, want_on | want_off, "testConnectListAllInterfaces")
        objs = self.state.interfaces.values()
        if not flags & (want_on | want_off):
            return objs
        return [o for o in objs if (flags & want_on and o.active)
                or (flags & want_off and not o.active)]

    def interfaceLookupByName(self, name: str) -> IfaceObj:
        """Return the interface called ``name``."""
        return self._iface_named(name)

    def interfaceLookupByMACString(self, macstr: str) -> IfaceObj:
        """Return the one interface with MAC ``macstr`` (any case)."""
        want = (macstr or "").lower()
        found = [o for o in self.state.interfaces.values() if (o.mac or "").lower() == want]
        if not found:
            raise report(C.VIR_ERR_NO_INTERFACE,
                         f"no interface with matching mac '{macstr}'", _FROM)
        if len(found) > 1:
            raise report(C.VIR_ERR_MULTIPLE_INTERFACES, None, _FROM)
        return found[0]

    def interfaceIsActive(self, iface: IfaceObj) -> int:
        """1 when the interface runs."""
        return int(self._iface_named(iface.name).active)

    def interfaceGetXMLDesc(self, iface: IfaceObj, flags: int) -> str:
        """Return the interface's XML (libvirt's test driver takes no flags)."""
        check_flags(flags, 0, "testInterfaceGetXMLDesc")
        return self._iface_named(iface.name).def_.format()

    # -- changes

    def interfaceDefineXML(self, xml: str, flags: int) -> IfaceObj:
        """Define an interface, or replace the definition of one with that name."""
        check_flags(flags, C.VIR_INTERFACE_DEFINE_VALIDATE, "testInterfaceDefineXML")
        defn = parse_interface(xml, bool(flags & C.VIR_INTERFACE_DEFINE_VALIDATE))
        with self.state.lock:
            return assign_def(self.state.interfaces, defn)

    def interfaceUndefine(self, iface: IfaceObj) -> int:
        """Forget an interface (running or not, as libvirt's test driver does)."""
        with self.state.lock:
            obj = self._iface_named(iface.name)
            self.state.interfaces.remove(obj)
        return 0

    def interfaceCreate(self, iface: IfaceObj, flags: int) -> int:
        """Start an interface."""
        check_flags(flags, 0, "testInterfaceCreate")
        return self._iface_set_active(iface, True)

    def interfaceDestroy(self, iface: IfaceObj, flags: int) -> int:
        """Stop an interface."""
        check_flags(flags, 0, "testInterfaceDestroy")
        return self._iface_set_active(iface, False)

    def _iface_set_active(self, iface: IfaceObj, active: bool) -> int:
        with self.state.lock:
            obj = self._iface_named(iface.name)
            if obj.active == active:
                raise report(C.VIR_ERR_OPERATION_INVALID, None, _FROM)
            obj.active = active
        return 0

    # -- transactions

    def interfaceChangeBegin(self, flags: int) -> int:
        """Save the interfaces so that a rollback can restore them."""
        check_flags(flags, 0, "testInterfaceChangeBegin")
        state = self.state
        with state.lock:
            if state.extra.get(_BACKUP) is not None:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             "there is another transaction running.", _FROM)
            state.extra[_BACKUP] = [obj.copy() for obj in state.interfaces.values()]
        return 0

    def interfaceChangeCommit(self, flags: int) -> int:
        """Keep the changes made since interfaceChangeBegin."""
        check_flags(flags, 0, "testInterfaceChangeCommit")
        state = self.state
        with state.lock:
            if state.extra.pop(_BACKUP, None) is None:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             "no transaction running, nothing to be committed.", _FROM)
        return 0

    def interfaceChangeRollback(self, flags: int) -> int:
        """Restore the interfaces saved by interfaceChangeBegin."""
        check_flags(flags, 0, "testInterfaceChangeRollback")
        state = self.state
        with state.lock:
            saved = state.extra.pop(_BACKUP, None)
            if saved is None:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             "no transaction running, nothing to rollback.", _FROM)
            store = state.interfaces
            for obj in store.values():
                store.remove(obj)
            for obj in saved:
                store.add(obj)
        return 0
