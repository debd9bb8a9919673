"""The state behind test:/// connections: one node's objects, in memory.

A :class:`NodeState` holds what libvirt's test driver keeps in its
``testDriver``: node facts (``virNodeInfo``, NUMA cells), one store per
object family, the event registry, the next domain id and the users of
the ``<auth>`` section.  Every connection to ``test:///default`` in a
process shares one state (built from libvirt's built-in ``<node>``
document) until the last of them closes; a ``test:///PATH.xml`` connection
gets a fresh state loaded from that file.

Each host-resource module (network.py, storage.py, ...) has a
``load(state, node_elem, base_dir)`` that fills its store from the
``<node>`` document; this module loads the node facts, the domains and the
users, and calls them in libvirt's order.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, cast

from pyvirt import constants as C
from pyvirt.driver.events import EventRegistry
from pyvirt.drivers.test.objects import DomainObj, parse_document, raw_error, read_node_file
from pyvirt.errors import report
from pyvirt.util.lazy import lazy_module

if TYPE_CHECKING:
    from lxml import etree

    from pyvirt.drivers.test import domconf
else:
    etree = lazy_module("lxml.etree", globals())
    domconf = lazy_module("pyvirt.drivers.test.domconf", globals())

_FROM = C.VIR_FROM_TEST


class NodeInfo:
    """libvirt's virNodeInfo of the simulated host (memory in KiB): libvirt's
    defaults, changed by a <node> document's <cpu> and <memory>."""

    def __init__(self) -> None:
        self.model = "i686"
        self.memory = 1024 * 1024 * 3
        self.cpus = 16
        self.mhz = 1400
        self.nodes = 2
        self.sockets = 2
        self.cores = 2
        self.threads = 2


# The built-in <node> document of test:///default (libvirt's defaultConnXML).
DEFAULT_NODE_XML = """<node>
  <domain type='test'>
    <name>test</name>
    <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
    <memory>8388608</memory>
    <currentMemory>2097152</currentMemory>
    <vcpu>2</vcpu>
    <os><type>hvm</type></os>
    <devices>
      <disk type='file' device='disk'>
        <source file='/guest/diskimage1'/>
        <target dev='vda' bus='virtio'/>
        <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
      </disk>
      <interface type='network'>
        <mac address='aa:bb:cc:dd:ee:ff'/>
        <source network='default' bridge='virbr0'/>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x1' function='0x0'/>
      </interface>
      <memballoon model='virtio'>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x2' function='0x0'/>
      </memballoon>
    </devices>
  </domain>
  <network>
    <name>default</name>
    <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
    <bridge name='virbr0'/>
    <forward/>
    <ip address='192.168.122.1' netmask='255.255.255.0'>
      <dhcp>
        <range start='192.168.122.2' end='192.168.122.254'/>
      </dhcp>
    </ip>
  </network>
  <interface type="ethernet" name="eth1">
    <start mode="onboot"/>
    <mac address="aa:bb:cc:dd:ee:ff"/>
    <mtu size="1492"/>
    <protocol family="ipv4">
      <ip address="192.168.0.5" prefix="24"/>
      <route gateway="192.168.0.1"/>
    </protocol>
  </interface>
  <pool type='dir'>
    <name>default-pool</name>
    <uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>
    <target>
      <path>/default-pool</path>
    </target>
  </pool>
  <device>
    <name>computer</name>
    <capability type='system'>
      <hardware>
        <vendor>Libvirt</vendor>
        <version>Test driver</version>
        <serial>123456</serial>
        <uuid>11111111-2222-3333-4444-555555555555</uuid>
      </hardware>
      <firmware>
        <vendor>Libvirt</vendor>
        <version>Test Driver</version>
        <release_date>01/22/2007</release_date>
      </firmware>
    </capability>
  </device>
  <device>
    <name>scsi_host1</name>
    <parent>computer</parent>
    <capability type='scsi_host'>
      <host>1</host>
      <unique_id>0</unique_id>
      <capability type='fc_host'>
        <wwnn>2000000012341234</wwnn>
        <wwpn>1000000012341234</wwpn>
        <fabric_wwn>2000000043214321</fabric_wwn>
      </capability>
      <capability type='vport_ops'>
        <max_vports>127</max_vports>
        <vports>1</vports>
      </capability>
    </capability>
  </device>
  <device>
    <name>scsi_host2</name>
    <parent>computer</parent>
    <capability type='scsi_host'>
      <host>2</host>
      <unique_id>1</unique_id>
      <capability type='fc_host'>
        <wwnn>2000000056785678</wwnn>
        <wwpn>1000000056785678</wwpn>
        <fabric_wwn>2000000087658765</fabric_wwn>
      </capability>
      <capability type='vport_ops'>
        <max_vports>127</max_vports>
        <vports>0</vports>
      </capability>
    </capability>
  </device>
  <device>
    <name>scsi_host11</name>
    <parent>scsi_host1</parent>
    <capability type='scsi_host'>
      <host>11</host>
      <unique_id>10</unique_id>
      <capability type='fc_host'>
        <wwnn>2000000034563456</wwnn>
        <wwpn>1000000034563456</wwpn>
        <fabric_wwn>2000000043214321</fabric_wwn>
      </capability>
    </capability>
  </device>
</node>
"""

# The name and UUID of each <domain> of DEFAULT_NODE_XML, known before parsing it
# (a test checks them against the document).
DEFAULT_DOMAINS = (("test", "6695eb01-f6a4-8304-79aa-97f2502e193f"),)

# The host-resource modules, in the order libvirt loads their objects.
FAMILY_MODULES = ("network", "interface", "storage", "nodedev", "secret", "nwfilter")

# The store each module's load() fills from a <node> document.
FAMILY_STORES = {"networks": "network", "interfaces": "interface", "pools": "storage",
                 "nodedevs": "nodedev"}

# <node> children whose 'file' attribute names the document to load, and the
# root element that document must have.
_INCLUDES = {"domain": "domain", "network": "network", "interface": "interface",
             "pool": "pool", "volume": "volume", "device": "device", "secret": "secret",
             "filter": "filter", "filterbinding": "filterbinding"}


class Store:
    """Objects of one family by name, and by UUID when they have one.

    Iteration follows insertion order.  Objects need a ``name`` and may
    have a ``uuid``; ``key`` picks another name-like key (a binding's
    port device, say).
    """

    __slots__ = ("_key", "by_name", "by_uuid")

    def __init__(self, key: Callable[[Any], str] | None = None) -> None:
        self.by_name: dict[str, Any] = {}
        self.by_uuid: dict[str, Any] = {}
        self._key = key or (lambda obj: obj.name)

    def add(self, obj: Any) -> Any:
        """Add (or replace) ``obj``; return it."""
        self.by_name[self._key(obj)] = obj
        uuid = getattr(obj, "uuid", None)
        if uuid:
            self.by_uuid[uuid] = obj
        return obj

    def remove(self, obj: Any) -> None:
        """Forget ``obj`` (nothing happens if it is not here)."""
        if self.by_name.get(self._key(obj)) is obj:
            del self.by_name[self._key(obj)]
        uuid = getattr(obj, "uuid", None)
        if uuid and self.by_uuid.get(uuid) is obj:
            del self.by_uuid[uuid]

    def rename(self, obj: Any, old_key: str) -> None:
        """Re-index ``obj`` after its name changed from ``old_key``."""
        if self.by_name.get(old_key) is obj:
            del self.by_name[old_key]
        self.by_name[self._key(obj)] = obj

    def get(self, name: str) -> Any:
        """The object named ``name``, or None."""
        return self.by_name.get(name)

    def get_uuid(self, uuid: str) -> Any:
        """The object with UUID ``uuid`` (canonical string), or None."""
        return self.by_uuid.get(uuid)

    def values(self) -> list[Any]:
        """A snapshot list of the objects."""
        return list(self.by_name.values())

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self.by_name.values()))

    def __len__(self) -> int:
        return len(self.by_name)

    def __contains__(self, name: str) -> bool:
        return name in self.by_name


class DomainStore(Store):
    """The domains, also indexed by the id of each running one."""

    __slots__ = ("by_id",)

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[int, DomainObj] = {}

    def remove(self, obj: Any) -> None:
        """Forget the domain and its id."""
        super().remove(obj)
        old: int = obj.id
        if old != -1 and self.by_id.get(old) is obj:
            del self.by_id[old]

    def set_id(self, obj: DomainObj, new_id: int) -> None:
        """Give ``obj`` the id ``new_id`` (-1: none) and index it."""
        old = obj.id
        if old != -1 and self.by_id.get(old) is obj:
            del self.by_id[old]
        obj.id = new_id
        if new_id != -1:
            self.by_id[new_id] = obj


class Cell:
    """A NUMA cell of the simulated host: memory (KiB) and CPUs."""

    __slots__ = ("cpus", "free_mem", "mem")

    def __init__(self, mem: int, free_mem: int, cpus: list[tuple[int, int, int]]) -> None:
        self.mem = mem
        self.free_mem = free_mem
        self.cpus = cpus  # (cpu id, socket id, core id)


class NodeState:
    """Everything one test:/// node holds; guarded by ``lock``."""

    def __init__(self, uri_path: str = "/default") -> None:
        self.lock = threading.RLock()
        self.events = EventRegistry()
        self.uri_path = uri_path
        self.node_info = NodeInfo()
        self.cells: list[Cell] = []
        self.next_dom_id = 1
        self.auths: list[tuple[str, str | None]] = []
        self.refs = 0
        self.domains = DomainStore()
        self.networks = Store()
        self.pools = Store()
        self.interfaces = Store()
        self.nodedevs = Store()
        self.secrets = Store()
        self.nwfilters = Store()
        self.bindings = Store(lambda obj: obj.portdev)
        # Room for the families' own bookkeeping (interface transactions...).
        self.extra: dict[str, Any] = {}
        # Stores still to be filled from the built-in document (test:///default).
        self._deferred: dict[str, str] = {}
        self._document: etree._Element | None = None
        self._document_lock = threading.Lock()  # innermost: taken with nothing inside

    def __getattr__(self, name: str) -> Any:
        # Called only for an attribute not set: a store of test:///default
        # left out until first use, filled now from the built-in document.
        family = self.__dict__.get("_deferred", {}).get(name)
        if family is None:
            raise AttributeError(name)
        with self.lock:
            if name not in self.__dict__:
                self.__dict__[name] = Store()
                module = importlib.import_module(f"pyvirt.drivers.test.{family}")
                module.load(self, self.default_document(), "")
        return self.__dict__[name]

    def default_document(self) -> etree._Element:
        """test:///default's built-in document, parsed on first use (each state
        parses its own copy: loaders may take parts of it)."""
        with self._document_lock:
            if self._document is None:
                self._document = parse_document(DEFAULT_NODE_XML, "(test driver)", _FROM)
            return self._document

    # --- ids ---------------------------------------------------------------
    def allocate_id(self) -> int:
        """The next domain id (ids are never reused)."""
        new_id = self.next_dom_id
        self.next_dom_id += 1
        return new_id

    @property
    def max_cpus(self) -> int:
        """libvirt's VIR_NODEINFO_MAXCPUS: nodes * sockets * cores * threads."""
        info = self.node_info
        return info.nodes * info.sockets * info.cores * info.threads

    # --- construction ---------------------------------------------------------
    @classmethod
    def default(cls) -> NodeState:
        """The state of test:///default, with libvirt's two NUMA cells."""
        state = cls("/default")
        state.cells = [Cell((i + 1) * 2048 * 1024, (i + 1) * 1024 * 1024,
                            [(c, c // 8, c % 8) for c in range(i * 8, i * 8 + 8)])
                       for i in range(2)]
        # libvirt's own document, known to be valid, is parsed when a part of it
        # is first used: a `list` needs no network, pool or device, nor the
        # domain's XML model. It sets no node facts (NodeInfo's defaults are its).
        _defer_domains(state)
        state._deferred = dict(FAMILY_STORES)
        for name in FAMILY_STORES:
            delattr(state, name)
        return state

    @classmethod
    def from_file(cls, path: str) -> NodeState:
        """A fresh state loaded from the ``<node>`` document at ``path``."""
        state = cls(path)
        root = _parse_file(path, None)
        load_node(state, root, path)
        return state


# --- loading a <node> document ---------------------------------------------------

def _parse_file(path: str, root_name: str | None) -> etree._Element:
    data = read_node_file(path, _FROM)
    root = parse_document(data, path, _FROM)
    if root_name is not None and root.tag != root_name:
        raise report(C.VIR_ERR_XML_ERROR,
                     f"expecting root element of '{root_name}', not '{root.tag}'",
                     C.VIR_FROM_XML)
    return root


def resolve_includes(node: etree._Element, file: str | None) -> None:
    """Replace each element with a ``file`` attribute by the document it names
    (relative names resolved against the directory of ``file``)."""
    base = os.path.dirname(file) if file else os.getcwd()
    for elem in list(node.iter()):
        if not isinstance(elem.tag, str):
            continue
        local = etree.QName(elem).localname
        wanted = _INCLUDES.get(local)
        rel = elem.get("file")
        if wanted is None or rel is None:
            continue
        path = rel if os.path.isabs(rel) else os.path.join(base, rel)
        loaded = _parse_file(path, wanted)
        parent = elem.getparent()
        if parent is not None:
            loaded.tail = elem.tail
            parent.replace(elem, loaded)


def load_node(state: NodeState, root: etree._Element, file: str | None) -> None:
    """Fill ``state`` from a ``<node>`` element, as libvirt's testOpenParse does."""
    if root.tag != "node":
        raise report(C.VIR_ERR_XML_ERROR, "Root element is not 'node'", _FROM)
    resolve_includes(root, file)
    _load_node_info(state, root)
    _load_domains(state, root, file)
    base_dir = os.path.dirname(file) if file else ""
    for name in FAMILY_MODULES:
        module = importlib.import_module(f"pyvirt.drivers.test.{name}")
        loader = getattr(module, "load", None)
        if loader is not None:
            loader(state, root, base_dir)
    _load_auth(state, root)


def _xpath_long(root: etree._Element, path: str, what: str) -> int | None:
    elem = root.find(path)
    if elem is None:
        return None
    text = (elem.text or "").strip()
    try:
        return int(text, 10)
    except ValueError:
        raise report(C.VIR_ERR_XML_ERROR, f"invalid node {what} value", _FROM) from None


def _load_node_info(state: NodeState, root: etree._Element) -> None:
    info = state.node_info
    for field in ("nodes", "sockets", "cores", "threads"):
        value = _xpath_long(root, f"cpu/{field}", f"cpu {field}")
        if value is not None:
            setattr(info, field, value)
    info.cpus = info.nodes * info.sockets * info.cores * info.threads
    active = _xpath_long(root, "cpu/active", "cpu active")
    if active is not None and active < info.cpus:
        info.cpus = active
    mhz = _xpath_long(root, "cpu/mhz", "cpu mhz")
    if mhz is not None:
        info.mhz = mhz
    model = root.findtext("cpu/model")
    if model is not None:
        info.model = model
    memory = _xpath_long(root, "memory", "memory")
    if memory is not None:
        info.memory = memory


def _load_domains(state: NodeState, root: etree._Element, file: str | None) -> None:
    from pyvirt.drivers.test import snapshot as snapmod
    for elem in root.findall("domain"):
        dom_def = domconf.TestDef.from_element(elem)
        ns = dom_def.ns
        transient = "transient" in ns
        managed = "hasmanagedsave" in ns
        runstate = C.VIR_DOMAIN_RUNNING
        if "runstate" in ns:
            text = (ns["runstate"].text or "").strip()
            if not text.isdigit():
                raise report(C.VIR_ERR_XML_ERROR, "invalid runstate", C.VIR_FROM_DOMAIN)
            runstate = int(text)
            if runstate >= C.VIR_DOMAIN_PMSUSPENDED + 1:
                raise report(C.VIR_ERR_XML_ERROR, f"runstate '{runstate}' out of range'",
                             C.VIR_FROM_DOMAIN)
        if transient and runstate == C.VIR_DOMAIN_SHUTOFF:
            raise report(C.VIR_ERR_XML_ERROR,
                         "transient domain cannot have runstate 'shutoff'", C.VIR_FROM_DOMAIN)
        if managed and runstate != C.VIR_DOMAIN_SHUTOFF:
            raise report(C.VIR_ERR_XML_ERROR, "domain with managedsave data can only have "
                         "runstate 'shutoff'", C.VIR_FROM_DOMAIN)
        dom_def.ns = {}
        if state.domains.get_uuid(dom_def.uuid) or state.domains.get(dom_def.name):
            raise report(C.VIR_ERR_OPERATION_FAILED,
                         f"domain '{dom_def.name}' already exists", C.VIR_FROM_DOMAIN)
        obj = DomainObj(dom_def)
        state.domains.add(obj)
        snapmod.load_snapshots(obj, ns.get("snapshots", []),
                               os.path.dirname(file) if file else os.getcwd())
        obj.persistent = not transient
        obj.managed_save = managed
        if runstate != C.VIR_DOMAIN_SHUTOFF:
            state.domains.set_id(obj, state.allocate_id())
            if obj.persistent:
                obj.new_def = dom_def.copy()
        obj.set_state(runstate, 0)


def _defer_domains(state: NodeState) -> None:
    """Add the built-in document's domains, running and persistent, their
    definitions parsed when first read (as _load_domains would parse them)."""
    for index, (name, uuid) in enumerate(DEFAULT_DOMAINS):
        def load(index: int = index) -> tuple[Any, Any]:
            elem = state.default_document().findall("domain")[index]
            dom_def = domconf.TestDef.from_element(elem)
            return dom_def, dom_def.copy()
        obj = DomainObj.deferred(name, uuid, load)
        state.domains.add(obj)
        obj.persistent = True
        state.domains.set_id(obj, state.allocate_id())
        obj.set_state(C.VIR_DOMAIN_RUNNING, 0)


def _load_auth(state: NodeState, root: etree._Element) -> None:
    for user in root.findall("auth/user"):
        name = "".join(cast("Iterator[str]", user.itertext()))
        if not name:
            raise report(C.VIR_ERR_XML_ERROR, "missing username in /node/auth/user field",
                         _FROM)
        state.auths.append((name, user.get("password")))


# --- the shared default state ------------------------------------------------------

_default_lock = threading.Lock()
_default: NodeState | None = None


def acquire_default() -> NodeState:
    """The shared state of test:///default (built on first use); counts a user."""
    global _default
    with _default_lock:
        if _default is None:
            _default = NodeState.default()
        _default.refs += 1
        return _default


def release(state: NodeState) -> None:
    """Drop one user of ``state``; the default state is rebuilt after its last user."""
    global _default
    with _default_lock:
        state.refs -= 1
        if state is _default and state.refs <= 0:
            _default = None


def check_auth(state: NodeState, auth: Any) -> None:
    """Ask for a user name and password through ``auth`` when the node has users.

    ``auth`` is libvirt-python's ``[credtypes, callback, opaque]``; the
    callback fills the fifth item of each credential it is given.
    """
    if not state.auths:
        return
    username = _ask(auth, C.VIR_CRED_AUTHNAME, "Enter username for localhost")
    found = next((pw for user, pw in state.auths if user == username), ...)
    password = None
    if found is ... or found is not None:
        password = _ask(auth, C.VIR_CRED_PASSPHRASE, f"Enter {username}'s password for localhost")
    if found is ... or (found is not None and password != found):
        raise report(C.VIR_ERR_AUTH_FAILED, "authentication failed, see test XML for the "
                     "correct username/password", _FROM)


def _ask(auth: Any, credtype: int, prompt: str) -> str:
    types, callback = (auth[0], auth[1]) if auth else ((), None)
    if credtype == C.VIR_CRED_PASSPHRASE and credtype not in types \
            and C.VIR_CRED_NOECHOPROMPT in types:
        credtype = C.VIR_CRED_NOECHOPROMPT
    if callback is None or credtype not in types:
        raise report(C.VIR_ERR_INVALID_ARG, "Missing authentication credentials",
                     C.VIR_FROM_AUTH)
    cred = [credtype, prompt, "localhost", None, None]
    ret = callback([cred], auth[2] if len(auth) > 2 else None)
    if (isinstance(ret, int) and ret < 0) or cred[4] is None:
        what = "Username" if credtype == C.VIR_CRED_AUTHNAME else "Password"
        raise raw_error(C.VIR_ERR_AUTH_FAILED, f"{what} request failed", C.VIR_FROM_AUTH)
    return str(cred[4])
