"""Domains of the test driver: lookup, definition and the lifecycle.

The operations follow libvirt 9.0's test driver: its states and reasons,
its lifecycle events (event and detail), its error codes, error domains
and messages.  A failed operation changes nothing: definitions are parsed
before the state is touched, and every check runs before the first change.
"""

from __future__ import annotations

import os
import struct
import time
from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt.drivers.test.access import CONFIG, LIVE, DomainAccess, not_running
from pyvirt.drivers.test.objects import DomainHandle, DomainObj, check_flags, raw_error
from pyvirt.errors import report, report_system
from pyvirt.util.lazy import lazy_module

if TYPE_CHECKING:
    import tempfile
    import uuid as _uuid

    from pyvirt.conf import domain_metadata
    from pyvirt.drivers.test import domconf
else:
    tempfile = lazy_module("tempfile", globals())
    _uuid = lazy_module("uuid", globals())
    domconf = lazy_module("pyvirt.drivers.test.domconf", globals())
    domain_metadata = lazy_module("pyvirt.conf.domain_metadata", globals())

_FROM = C.VIR_FROM_TEST
_FROM_DOM = C.VIR_FROM_DOMAIN

SAVE_MAGIC = b"TestGuestMagic\0"
_MAX_SAVE_XML = 8192

_LIST_FILTERS = (
    C.VIR_CONNECT_LIST_DOMAINS_ACTIVE | C.VIR_CONNECT_LIST_DOMAINS_INACTIVE
    | C.VIR_CONNECT_LIST_DOMAINS_PERSISTENT | C.VIR_CONNECT_LIST_DOMAINS_TRANSIENT
    | C.VIR_CONNECT_LIST_DOMAINS_RUNNING | C.VIR_CONNECT_LIST_DOMAINS_PAUSED
    | C.VIR_CONNECT_LIST_DOMAINS_SHUTOFF | C.VIR_CONNECT_LIST_DOMAINS_OTHER
    | C.VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE | C.VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE
    | C.VIR_CONNECT_LIST_DOMAINS_AUTOSTART | C.VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART
    | C.VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT | C.VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT
    | C.VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT | C.VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT)

_STATS_FILTERS = (
    C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE | C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE
    | C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_PERSISTENT
    | C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_TRANSIENT
    | C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_RUNNING | C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_PAUSED
    | C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_SHUTOFF | C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_OTHER)
_STATS_FLAGS = (_STATS_FILTERS | C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_BACKING
                | C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT
                | C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS)
_STATS_SUPPORTED = C.VIR_DOMAIN_STATS_STATE

_XML_FLAGS = C.VIR_DOMAIN_XML_SECURE | C.VIR_DOMAIN_XML_INACTIVE | C.VIR_DOMAIN_XML_MIGRATABLE


def _pair(flags: int, yes: int, no: int, value: bool) -> bool:
    """libvirt's list filter for one yes/no pair of flags."""
    want = flags & (yes | no)
    if want in (0, yes | no):
        return True
    return value if want == yes else not value


def matches(obj: DomainObj, flags: int) -> bool:
    """Whether ``obj`` passes the VIR_CONNECT_LIST_DOMAINS_* filters in ``flags``."""
    F = C
    if not _pair(flags, F.VIR_CONNECT_LIST_DOMAINS_ACTIVE, F.VIR_CONNECT_LIST_DOMAINS_INACTIVE,
                 obj.active):
        return False
    if not _pair(flags, F.VIR_CONNECT_LIST_DOMAINS_PERSISTENT,
                 F.VIR_CONNECT_LIST_DOMAINS_TRANSIENT, obj.persistent):
        return False
    states = flags & (F.VIR_CONNECT_LIST_DOMAINS_RUNNING | F.VIR_CONNECT_LIST_DOMAINS_PAUSED
                      | F.VIR_CONNECT_LIST_DOMAINS_SHUTOFF | F.VIR_CONNECT_LIST_DOMAINS_OTHER)
    if states:
        state = obj.state
        if state == C.VIR_DOMAIN_RUNNING:
            bit = F.VIR_CONNECT_LIST_DOMAINS_RUNNING
        elif state == C.VIR_DOMAIN_PAUSED:
            bit = F.VIR_CONNECT_LIST_DOMAINS_PAUSED
        elif state == C.VIR_DOMAIN_SHUTOFF:
            bit = F.VIR_CONNECT_LIST_DOMAINS_SHUTOFF
        else:
            bit = F.VIR_CONNECT_LIST_DOMAINS_OTHER
        if not states & bit:
            return False
    return (_pair(flags, F.VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE,
                  F.VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE, obj.managed_save)
            and _pair(flags, F.VIR_CONNECT_LIST_DOMAINS_AUTOSTART,
                      F.VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART, obj.autostart)
            and _pair(flags, F.VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT,
                      F.VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT, bool(obj.snapshots.by_name))
            and _pair(flags, F.VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT,
                      F.VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT, bool(obj.checkpoints.by_name)))


def parse_uuid_string(text: str) -> str:
    """A UUID string in libvirt's accepted spellings, made canonical."""
    raw = str(text).replace("-", "").replace(" ", "")
    if len(raw) != 32 or any(c not in "0123456789abcdefABCDEF" for c in raw):
        raise raw_error(C.VIR_ERR_INVALID_ARG, "Invalid UUID", _FROM_DOM,
                        "virDomainLookupByUUIDString", "uuidstr")
    return str(_uuid.UUID(hex=raw))


def write_durably(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temp file, fsync, rename, fsync dir."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".pyvirt-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fdatasync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def save_image(path: str, dom_def: domconf.TestDef, obj_id: int = -1) -> None:
    """Write the test driver's save image: magic, XML length, XML."""
    xml = dom_def.format(id=obj_id).encode()
    data = SAVE_MAGIC + struct.pack("=i", len(xml)) + xml
    try:
        write_durably(path, data)
    except OSError as exc:
        raise report_system(exc.errno or 0, f"saving domain '{dom_def.name}' to '{path}': "
                            "open failed", _FROM) from None


def read_image(path: str) -> domconf.TestDef:
    """Read a save image written by :func:`save_image` (libvirt's format)."""
    try:
        with open(path, "rb") as handle:
            magic = handle.read(len(SAVE_MAGIC))
            if len(magic) != len(SAVE_MAGIC):
                raise report_system(0, f"incomplete save header in '{path}'", _FROM)
            if magic != SAVE_MAGIC:
                raise report(C.VIR_ERR_INTERNAL_ERROR, "mismatched header magic", _FROM)
            raw_len = handle.read(4)
            if len(raw_len) != 4:
                raise report_system(0, f"failed to read metadata length in '{path}'", _FROM)
            (length,) = struct.unpack("=i", raw_len)
            if length < 1 or length > _MAX_SAVE_XML:
                raise report(C.VIR_ERR_INTERNAL_ERROR, "length of metadata out of range",
                             _FROM)
            xml = handle.read(length)
            if len(xml) != length:
                raise report_system(0, f"incomplete metadata in '{path}'", _FROM)
    except OSError as exc:
        raise report_system(exc.errno or 0, f"cannot read domain image '{path}'",
                            _FROM) from None
    return domconf.TestDef.parse(xml)


class DomainMixin(DomainAccess):
    """Domain lookup, definition, lifecycle, save/restore and the core queries."""

    # --- lookup -------------------------------------------------------------
    def domainLookupByName(self, name: str) -> DomainHandle:  # noqa: N802
        """The domain named ``name``."""
        obj = self.state.domains.by_name.get(name)
        if obj is None:
            raise report(C.VIR_ERR_NO_DOMAIN, None, _FROM)
        return DomainHandle(obj.name, obj.uuid, obj.id)

    def domainLookupByUUIDString(self, uuidstr: str) -> DomainHandle:  # noqa: N802
        """The domain whose UUID is ``uuidstr``."""
        obj = self.state.domains.by_uuid.get(uuidstr)
        if obj is None:
            obj = self.state.domains.by_uuid.get(parse_uuid_string(uuidstr))
            if obj is None:
                raise report(C.VIR_ERR_NO_DOMAIN, None, _FROM)
        return DomainHandle(obj.name, obj.uuid, obj.id)

    def domainLookupByUUID(self, uuid: bytes) -> DomainHandle:  # noqa: N802
        """The domain whose UUID is the 16 bytes ``uuid``."""
        if not isinstance(uuid, (bytes, bytearray)) or len(uuid) != 16:
            raise report(C.VIR_ERR_INVALID_ARG, "uuid must be 16 bytes", _FROM_DOM)
        return self.domainLookupByUUIDString(str(_uuid.UUID(bytes=bytes(uuid))))

    def domainLookupByID(self, id: int) -> DomainHandle:  # noqa: A002,N802
        """The running domain with id ``id``."""
        obj = self.state.domains.by_id.get(id)
        if obj is None:
            raise report(C.VIR_ERR_NO_DOMAIN, None, _FROM)
        return DomainHandle(obj.name, obj.uuid, obj.id)

    # --- listing ------------------------------------------------------------
    def connectListAllDomains(self, flags: int) -> list[DomainHandle]:  # noqa: N802
        """Handles of the domains that pass the filters in ``flags``."""
        check_flags(flags, _LIST_FILTERS, "testConnectListAllDomains")
        with self.state.lock:
            objs = self.state.domains.by_name.values()
            if not flags:
                return [DomainHandle(o.name, o.uuid, o.id) for o in objs]
            return [DomainHandle(o.name, o.uuid, o.id) for o in objs if matches(o, flags)]

    def connectListDomains(self) -> list[int]:  # noqa: N802
        """Ids of the running domains."""
        with self.state.lock:
            return list(self.state.domains.by_id)

    def connectNumOfDomains(self) -> int:  # noqa: N802
        """How many domains run."""
        return len(self.state.domains.by_id)

    def connectListDefinedDomains(self) -> list[str]:  # noqa: N802
        """Names of the domains that do not run."""
        with self.state.lock:
            return [o.name for o in self.state.domains.by_name.values() if not o.active]

    def connectNumOfDefinedDomains(self) -> int:  # noqa: N802
        """How many domains do not run."""
        return len(self.state.domains) - len(self.state.domains.by_id)

    # --- statistics -----------------------------------------------------------
    def _dom_stats(self, obj: DomainObj, stats: int) -> dict[str, Any]:
        record: dict[str, Any] = {}
        if stats & C.VIR_DOMAIN_STATS_STATE:
            record["state.state"] = obj.state
            record["state.reason"] = obj.reason
        return record

    def _dom_stats_kinds(self, stats: int, flags: int) -> int:
        if flags & C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS and stats & ~_STATS_SUPPORTED:
            raise report(C.VIR_ERR_ARGUMENT_UNSUPPORTED, f"Stats types bits "
                         f"0x{stats & ~_STATS_SUPPORTED:x} are not supported by this daemon",
                         _FROM)
        return stats & _STATS_SUPPORTED if stats else _STATS_SUPPORTED

    def connectGetAllDomainStats(self, stats: int, flags: int) -> list[tuple[Any, dict]]:  # noqa: N802
        """[(handle, {stat: value})] for the domains the filters select (state stats)."""
        check_flags(flags, _STATS_FLAGS, "testConnectGetAllDomainStats")
        kinds = self._dom_stats_kinds(stats, flags)
        filters = 0
        F = C
        for stat_bit, list_bit in (
                (F.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE, F.VIR_CONNECT_LIST_DOMAINS_ACTIVE),
                (F.VIR_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE,
                 F.VIR_CONNECT_LIST_DOMAINS_INACTIVE),
                (F.VIR_CONNECT_GET_ALL_DOMAINS_STATS_PERSISTENT,
                 F.VIR_CONNECT_LIST_DOMAINS_PERSISTENT),
                (F.VIR_CONNECT_GET_ALL_DOMAINS_STATS_TRANSIENT,
                 F.VIR_CONNECT_LIST_DOMAINS_TRANSIENT),
                (F.VIR_CONNECT_GET_ALL_DOMAINS_STATS_RUNNING, F.VIR_CONNECT_LIST_DOMAINS_RUNNING),
                (F.VIR_CONNECT_GET_ALL_DOMAINS_STATS_PAUSED, F.VIR_CONNECT_LIST_DOMAINS_PAUSED),
                (F.VIR_CONNECT_GET_ALL_DOMAINS_STATS_SHUTOFF, F.VIR_CONNECT_LIST_DOMAINS_SHUTOFF),
                (F.VIR_CONNECT_GET_ALL_DOMAINS_STATS_OTHER, F.VIR_CONNECT_LIST_DOMAINS_OTHER)):
            if flags & stat_bit:
                filters |= list_bit
        with self.state.lock:
            return [(o.handle(), self._dom_stats(o, kinds))
                    for o in self.state.domains.by_name.values() if matches(o, filters)]

    def domainListGetStats(self, doms: list[DomainHandle], stats: int,  # noqa: N802
                           flags: int) -> list[tuple[Any, dict]]:
        """[(handle, {stat: value})] for the given domains."""
        check_flags(flags, _STATS_FLAGS & ~_STATS_FILTERS, "testConnectGetAllDomainStats")
        kinds = self._dom_stats_kinds(stats, flags)
        with self.state.lock:
            out = []
            for handle in doms:
                obj = self.state.domains.by_uuid.get(handle.uuid)
                if obj is not None:
                    out.append((obj.handle(), self._dom_stats(obj, kinds)))
            return out

    # --- definition -------------------------------------------------------------
    def _dom_add(self, dom_def: domconf.TestDef, live: bool) -> tuple[DomainObj, bool]:
        """Add ``dom_def`` as a new domain or as the new definition of its
        domain (libvirt's virDomainObjListAdd); return (domain, replaced)."""
        domains = self.state.domains
        obj = domains.by_uuid.get(dom_def.uuid)
        if obj is not None:
            if obj.name != dom_def.name:
                raise report(C.VIR_ERR_OPERATION_FAILED, f"domain '{obj.name}' is already "
                             f"defined with uuid {obj.uuid}", _FROM_DOM)
            if live and obj.active:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             f"domain '{obj.name}' is already active", _FROM_DOM)
            if obj.active:
                obj.new_def = dom_def
            elif live:
                if obj.new_def is None:
                    obj.new_def = obj.def_
                obj.def_ = dom_def
            else:
                obj.def_ = dom_def
            return obj, True
        other = domains.by_name.get(dom_def.name)
        if other is not None:
            raise report(C.VIR_ERR_OPERATION_FAILED, f"domain '{dom_def.name}' already exists "
                         f"with uuid {other.uuid}", _FROM_DOM)
        obj = DomainObj(dom_def)
        domains.add(obj)
        return obj, False

    def domainDefineXMLFlags(self, xml: str, flags: int) -> DomainHandle:  # noqa: N802
        """Define (or redefine) a persistent domain from ``xml``."""
        check_flags(flags, C.VIR_DOMAIN_DEFINE_VALIDATE, "testDomainDefineXMLFlags")
        dom_def = domconf.TestDef.parse(xml, validate=bool(flags & C.VIR_DOMAIN_DEFINE_VALIDATE))
        domconf.newline_check(dom_def.name)
        with self.state.lock:
            obj, replaced = self._dom_add(dom_def, live=False)
            obj.persistent = True
            self._dom_emit(obj, C.VIR_DOMAIN_EVENT_DEFINED,
                       C.VIR_DOMAIN_EVENT_DEFINED_UPDATED if replaced
                       else C.VIR_DOMAIN_EVENT_DEFINED_ADDED)
            return obj.handle()

    def domainDefineXML(self, xml: str) -> DomainHandle:  # noqa: N802
        """Define (or redefine) a persistent domain from ``xml``."""
        return self.domainDefineXMLFlags(xml, 0)

    def domainCreateXML(self, xmlDesc: str, flags: int) -> DomainHandle:  # noqa: N802,N803
        """Start a transient domain from ``xmlDesc``."""
        check_flags(flags, C.VIR_DOMAIN_START_VALIDATE, "testDomainCreateXML")
        dom_def = domconf.TestDef.parse(xmlDesc, validate=bool(flags & C.VIR_DOMAIN_START_VALIDATE))
        with self.state.lock:
            obj, _replaced = self._dom_add(dom_def, live=True)
            self._dom_start(obj, C.VIR_DOMAIN_RUNNING_BOOTED)
            self._dom_emit(obj, C.VIR_DOMAIN_EVENT_STARTED, C.VIR_DOMAIN_EVENT_STARTED_BOOTED)
            return obj.handle()

    def domainCreateXMLWithFiles(self, xmlDesc: str, files: Any, flags: int) -> DomainHandle:  # noqa: N802,N803
        """createXML; the test driver ignores the files."""
        return self.domainCreateXML(xmlDesc, flags)

    def domainCreateLinux(self, xmlDesc: str, flags: int) -> DomainHandle:  # noqa: N802,N803
        """The old name of createXML."""
        return self.domainCreateXML(xmlDesc, flags)

    def domainUndefineFlags(self, dom: DomainHandle, flags: int) -> None:  # noqa: N802
        """Remove the persistent definition (a running domain becomes transient)."""
        check_flags(flags, C.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
                    | C.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA, "testDomainUndefineFlags")
        with self.state.lock:
            obj = self._dom_obj(dom)
            if obj.managed_save and not flags & C.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE:
                raise report(C.VIR_ERR_OPERATION_INVALID, "Refusing to undefine while domain "
                             "managed save image exists", _FROM)
            nsnap = len(obj.snapshots)
            if not obj.active and nsnap and \
                    not flags & C.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             f"cannot delete inactive domain with {nsnap} snapshots", _FROM)
            self._dom_emit(obj, C.VIR_DOMAIN_EVENT_UNDEFINED, C.VIR_DOMAIN_EVENT_UNDEFINED_REMOVED)
            obj.managed_save = False
            if obj.active:
                obj.persistent = False
                obj.new_def = None
            else:
                self.state.domains.remove(obj)

    def domainUndefine(self, dom: DomainHandle) -> None:  # noqa: N802
        """Remove the persistent definition."""
        self.domainUndefineFlags(dom, 0)

    # --- lifecycle --------------------------------------------------------------
    def domainCreateWithFlags(self, dom: DomainHandle, flags: int) -> None:  # noqa: N802
        """Start a defined domain."""
        check_flags(flags, 0, "testDomainCreateWithFlags")
        with self.state.lock:
            obj = self._dom_obj(dom)
            if obj.state != C.VIR_DOMAIN_SHUTOFF:
                raise report(C.VIR_ERR_INTERNAL_ERROR, f"Domain '{dom.name}' is already running",
                             _FROM)
            self._dom_start(obj, C.VIR_DOMAIN_RUNNING_BOOTED)
            dom.id = obj.id
            self._dom_emit(obj, C.VIR_DOMAIN_EVENT_STARTED, C.VIR_DOMAIN_EVENT_STARTED_BOOTED)

    def domainCreate(self, dom: DomainHandle) -> None:  # noqa: N802
        """Start a defined domain."""
        self.domainCreateWithFlags(dom, 0)

    def domainCreateWithFiles(self, dom: DomainHandle, files: Any, flags: int) -> None:  # noqa: N802
        """Start a defined domain; the test driver ignores the files."""
        self.domainCreateWithFlags(dom, flags)

    def domainDestroyFlags(self, dom: DomainHandle, flags: int) -> None:  # noqa: N802
        """Stop the domain at once."""
        check_flags(flags, C.VIR_DOMAIN_DESTROY_GRACEFUL, "testDomainDestroyFlags")
        with self.state.lock:
            obj = self._dom_active(dom)
            self._dom_stop(obj, C.VIR_DOMAIN_SHUTOFF_DESTROYED, dom)
            self._dom_emit(obj, C.VIR_DOMAIN_EVENT_STOPPED, C.VIR_DOMAIN_EVENT_STOPPED_DESTROYED)
            self._dom_forget_transient(obj)

    def domainDestroy(self, dom: DomainHandle) -> None:  # noqa: N802
        """Stop the domain at once."""
        self.domainDestroyFlags(dom, 0)

    def domainSuspend(self, dom: DomainHandle) -> None:  # noqa: N802
        """Pause the domain."""
        with self.state.lock:
            obj = self._dom_obj(dom)
            if obj.state in (C.VIR_DOMAIN_SHUTOFF, C.VIR_DOMAIN_PAUSED):
                raise report(C.VIR_ERR_INTERNAL_ERROR, f"domain '{dom.name}' not running", _FROM)
            obj.set_state(C.VIR_DOMAIN_PAUSED, C.VIR_DOMAIN_PAUSED_USER)
            self._dom_emit(obj, C.VIR_DOMAIN_EVENT_SUSPENDED, C.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED)

    def domainResume(self, dom: DomainHandle) -> None:  # noqa: N802
        """Resume a paused domain."""
        with self.state.lock:
            obj = self._dom_obj(dom)
            if obj.state != C.VIR_DOMAIN_PAUSED:
                raise report(C.VIR_ERR_INTERNAL_ERROR, f"domain '{dom.name}' not paused", _FROM)
            obj.set_state(C.VIR_DOMAIN_RUNNING, C.VIR_DOMAIN_RUNNING_UNPAUSED)
            self._dom_emit(obj, C.VIR_DOMAIN_EVENT_RESUMED, C.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED)

    def _dom_lifecycle_action(self, obj: DomainObj, dom: DomainHandle, action: str) -> None:
        """Apply an on_poweroff/on_reboot action (libvirt's testDomainActionSetState)."""
        if action in ("restart", "rename-restart"):
            obj.set_state(C.VIR_DOMAIN_RUNNING, C.VIR_DOMAIN_RUNNING_BOOTED)
            return
        self._dom_stop(obj, C.VIR_DOMAIN_SHUTOFF_SHUTDOWN, dom)
        self._dom_emit(obj, C.VIR_DOMAIN_EVENT_STOPPED, C.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN)
        self._dom_forget_transient(obj)

    def domainShutdownFlags(self, dom: DomainHandle, flags: int) -> None:  # noqa: N802
        """Ask the guest to power off (it obeys at once, per its on_poweroff)."""
        check_flags(flags, 0, "testDomainShutdownFlags")
        with self.state.lock:
            obj = self._dom_obj(dom)
            if obj.state == C.VIR_DOMAIN_SHUTOFF:
                raise report(C.VIR_ERR_INTERNAL_ERROR, f"domain '{dom.name}' not running", _FROM)
            self._dom_lifecycle_action(obj, dom, obj.def_.lifecycle("on_poweroff"))

    def domainShutdown(self, dom: DomainHandle) -> None:  # noqa: N802
        """Ask the guest to power off."""
        self.domainShutdownFlags(dom, 0)

    def domainReboot(self, dom: DomainHandle, flags: int) -> None:  # noqa: N802
        """Reboot the guest (per its on_reboot action)."""
        check_flags(flags, C.VIR_DOMAIN_REBOOT_ACPI_POWER_BTN | C.VIR_DOMAIN_REBOOT_GUEST_AGENT
                    | C.VIR_DOMAIN_REBOOT_INITCTL | C.VIR_DOMAIN_REBOOT_SIGNAL
                    | C.VIR_DOMAIN_REBOOT_PARAVIRT, "testDomainReboot")
        with self.state.lock:
            obj = self._dom_active(dom)
            self._dom_lifecycle_action(obj, dom, obj.def_.lifecycle("on_reboot"))

    def domainReset(self, dom: DomainHandle, flags: int) -> None:  # noqa: N802
        """Reset the guest (nothing to do but check it runs)."""
        check_flags(flags, 0, "testDomainReset")
        with self.state.lock:
            self._dom_active(dom)

    # --- save / restore ---------------------------------------------------------
    def domainSaveFlags(self, dom: DomainHandle, to: str, dxml: str | None,  # noqa: N802
                        flags: int) -> None:
        """Save the running domain to the file ``to`` and stop it."""
        check_flags(flags, 0, "testDomainSaveFlags")
        if dxml:
            raise report(C.VIR_ERR_ARGUMENT_UNSUPPORTED, "xml modification unsupported", _FROM)
        with self.state.lock:
            obj = self._dom_active(dom)
            save_image(to, obj.def_, obj.id)
            self._dom_stop(obj, C.VIR_DOMAIN_SHUTOFF_SAVED, dom)
            self._dom_emit(obj, C.VIR_DOMAIN_EVENT_STOPPED, C.VIR_DOMAIN_EVENT_STOPPED_SAVED)
            self._dom_forget_transient(obj)

    def domainSave(self, dom: DomainHandle, to: str) -> None:  # noqa: N802
        """Save the running domain to the file ``to`` and stop it."""
        self.domainSaveFlags(dom, to, None, 0)

    def domainRestoreFlags(self, frm: str, dxml: str | None, flags: int) -> None:  # noqa: N802
        """Start the domain saved in the file ``frm``."""
        check_flags(flags, 0, "testDomainRestoreFlags")
        if dxml:
            raise report(C.VIR_ERR_ARGUMENT_UNSUPPORTED, "xml modification unsupported", _FROM)
        dom_def = read_image(frm)
        with self.state.lock:
            obj, _replaced = self._dom_add(dom_def, live=True)
            self._dom_start(obj, C.VIR_DOMAIN_RUNNING_RESTORED)
            self._dom_emit(obj, C.VIR_DOMAIN_EVENT_STARTED, C.VIR_DOMAIN_EVENT_STARTED_RESTORED)

    def domainRestore(self, frm: str) -> None:  # noqa: N802
        """Start the domain saved in the file ``frm``."""
        self.domainRestoreFlags(frm, None, 0)

    def domainSaveImageGetXMLDesc(self, file: str, flags: int) -> str:  # noqa: N802
        """The definition stored in a save image."""
        check_flags(flags, C.VIR_DOMAIN_SAVE_IMAGE_XML_SECURE, "testDomainSaveImageGetXMLDesc")
        return read_image(file).format()

    def domainSaveImageDefineXML(self, file: str, dxml: str, flags: int) -> None:  # noqa: N802
        """Replace the definition stored in a save image."""
        check_flags(flags, C.VIR_DOMAIN_SAVE_RUNNING | C.VIR_DOMAIN_SAVE_PAUSED,
                    "testDomainSaveImageDefineXML")
        read_image(file)
        save_image(file, domconf.TestDef.parse(dxml))

    # --- managed save -----------------------------------------------------------
    def domainManagedSave(self, dom: DomainHandle, flags: int) -> None:  # noqa: N802
        """Save the running domain to its managed image and stop it."""
        check_flags(flags, C.VIR_DOMAIN_SAVE_BYPASS_CACHE | C.VIR_DOMAIN_SAVE_RUNNING
                    | C.VIR_DOMAIN_SAVE_PAUSED, "testDomainManagedSave")
        with self.state.lock:
            obj = self._dom_active(dom)
            if not obj.persistent:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             "cannot do managed save for transient domain", _FROM)
            self._dom_stop(obj, C.VIR_DOMAIN_SHUTOFF_SAVED, dom)
            self._dom_emit(obj, C.VIR_DOMAIN_EVENT_STOPPED, C.VIR_DOMAIN_EVENT_STOPPED_SAVED)
            obj.managed_save = True

    def domainHasManagedSaveImage(self, dom: DomainHandle, flags: int) -> int:  # noqa: N802
        """1 when the domain has a managed save image."""
        check_flags(flags, 0, "testDomainHasManagedSaveImage")
        with self.state.lock:
            return int(self._dom_obj(dom).managed_save)

    def domainManagedSaveRemove(self, dom: DomainHandle, flags: int) -> None:  # noqa: N802
        """Drop the managed save image."""
        check_flags(flags, 0, "testDomainManagedSaveRemove")
        with self.state.lock:
            self._dom_obj(dom).managed_save = False

    # --- XML and queries ----------------------------------------------------------
    def domainGetXMLDesc(self, dom: DomainHandle, flags: int) -> str:  # noqa: N802
        """The live XML, or with VIR_DOMAIN_XML_INACTIVE the next-boot XML."""
        if flags & ~_XML_FLAGS:
            check_flags(flags, _XML_FLAGS, "testDomainGetXMLDesc")
        with self.state.lock:
            obj = self._dom_obj(dom)
            if flags & C.VIR_DOMAIN_XML_INACTIVE:
                return obj.persistent_def().format(flags=flags)
            return obj.def_.format(id=obj.id, flags=flags)

    def domainGetInfo(self, dom: DomainHandle) -> list[int]:  # noqa: N802
        """[state, max memory KiB, memory KiB, vCPUs, CPU time ns]."""
        with self.state.lock:
            obj = self._dom_obj(dom)
            dom_def = obj.def_
            return [obj.state, dom_def.memory, dom_def.current_memory, dom_def.vcpus,
                    time.time_ns() // 1000 * 1000]

    def domainGetState(self, dom: DomainHandle, flags: int) -> list[int]:  # noqa: N802
        """[state, reason]."""
        if flags:
            check_flags(flags, 0, "testDomainGetState")
        with self.state.lock:
            obj = self._dom_obj(dom)
            return [obj.state, obj.reason]

    def domainGetControlInfo(self, dom: DomainHandle, flags: int) -> list[int]:  # noqa: N802
        """[control state, details, time in state] (derived from the guest time)."""
        check_flags(flags, 0, "testDomainGetControlInfo")
        with self.state.lock:
            seconds = self._dom_active(dom).seconds
        if 0 < seconds < 10000:
            return [C.VIR_DOMAIN_CONTROL_JOB, 0, seconds]
        if 10000 <= seconds < 30000:
            return [C.VIR_DOMAIN_CONTROL_OCCUPIED, 0, seconds - 10000]
        if 30000 <= seconds < 60000:
            return [C.VIR_DOMAIN_CONTROL_ERROR, seconds % 4, seconds - 30000]
        return [C.VIR_DOMAIN_CONTROL_OK, 0, 0]

    def domainIsActive(self, dom: DomainHandle) -> int:  # noqa: N802
        """1 while the domain runs."""
        with self.state.lock:
            return int(self._dom_obj(dom).active)

    def domainIsPersistent(self, dom: DomainHandle) -> int:  # noqa: N802
        """1 when the domain has a persistent definition."""
        with self.state.lock:
            return int(self._dom_obj(dom).persistent)

    def domainIsUpdated(self, dom: DomainHandle) -> int:  # noqa: N802
        """Always 0, as libvirt's test driver says."""
        return 0

    def domainGetOSType(self, dom: DomainHandle) -> str:  # noqa: N802
        """Always 'linux', as libvirt's test driver says."""
        return "linux"

    def domainGetMaxMemory(self, dom: DomainHandle) -> int:  # noqa: N802
        """The maximum memory (KiB) of the live definition."""
        with self.state.lock:
            return self._dom_obj(dom).def_.memory

    def domainGetAutostart(self, dom: DomainHandle) -> int:  # noqa: N802
        """1 when the domain starts with the host."""
        with self.state.lock:
            return int(self._dom_obj(dom).autostart)

    def domainSetAutostart(self, dom: DomainHandle, autostart: int) -> None:  # noqa: N802
        """Set whether the domain starts with the host."""
        with self.state.lock:
            self._dom_obj(dom).autostart = bool(autostart)

    def domainRename(self, dom: DomainHandle, new_name: str, flags: int) -> None:  # noqa: N802
        """Rename a shut-off persistent domain."""
        check_flags(flags, 0, "testDomainRename")
        with self.state.lock:
            obj = self._dom_obj(dom)
            if obj.active:
                raise report(C.VIR_ERR_OPERATION_INVALID, "cannot rename active domain", _FROM)
            if not obj.persistent:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             "cannot rename a transient domain", _FROM)
            if obj.state != C.VIR_DOMAIN_SHUTOFF:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             "domain has to be shutoff before renaming", _FROM)
            if new_name == obj.name:
                raise report(C.VIR_ERR_OPERATION_INVALID, "Can't rename domain to itself",
                             _FROM_DOM)
            if new_name in self.state.domains:
                raise report(C.VIR_ERR_OPERATION_INVALID,
                             f"domain with name '{new_name}' already exists", _FROM_DOM)
            if "/" in new_name:
                raise report(C.VIR_ERR_XML_ERROR, f"name {new_name} cannot contain '/'", _FROM)
            self._dom_emit(obj, C.VIR_DOMAIN_EVENT_UNDEFINED, C.VIR_DOMAIN_EVENT_UNDEFINED_RENAMED)
            old = obj.name
            obj.def_.name = new_name
            obj.def_.touch_top()
            obj.name = new_name
            self.state.domains.rename(obj, old)
            self._dom_emit(obj, C.VIR_DOMAIN_EVENT_DEFINED, C.VIR_DOMAIN_EVENT_DEFINED_RENAMED)

    # --- memory -------------------------------------------------------------------
    def domainSetMemoryFlags(self, dom: DomainHandle, memory: int, flags: int) -> None:  # noqa: N802
        """Set the current (or with VIR_DOMAIN_MEM_MAXIMUM the maximum) memory, KiB."""
        check_flags(flags, LIVE | CONFIG | C.VIR_DOMAIN_MEM_MAXIMUM, "testDomainSetMemoryFlags")
        with self.state.lock:
            obj = self._dom_obj(dom)
            dom_def, live = self._dom_one_def(obj, flags)
            if flags & C.VIR_DOMAIN_MEM_MAXIMUM:
                if live:
                    raise report(C.VIR_ERR_OPERATION_INVALID, "cannot resize the maximum "
                                 "memory on an active domain", _FROM)
                dom_def.memory = memory
                dom_def.current_memory = min(dom_def.current_memory, memory)
            else:
                if memory > dom_def.memory:
                    raise report(C.VIR_ERR_INVALID_ARG,
                                 "cannot set memory higher than max memory", _FROM)
                dom_def.current_memory = memory
            dom_def.touch_memory()

    def domainSetMemory(self, dom: DomainHandle, memory: int) -> None:  # noqa: N802
        """Set the live current memory, KiB."""
        self.domainSetMemoryFlags(dom, memory, LIVE)

    def domainSetMaxMemory(self, dom: DomainHandle, memory: int) -> None:  # noqa: N802
        """Set the maximum memory of a shut-off domain, KiB."""
        self.domainSetMemoryFlags(dom, memory, C.VIR_DOMAIN_MEM_MAXIMUM)

    def domainSetMemoryStatsPeriod(self, dom: DomainHandle, period: int,  # noqa: N802
                                   flags: int) -> None:
        """Set the balloon's statistics period."""
        check_flags(flags, LIVE | CONFIG, "testDomainSetMemoryStatsPeriod")
        with self.state.lock:
            dom_def, _live = self._dom_one_def(self._dom_obj(dom), flags)
            if not dom_def.set_balloon_period(period):
                raise report(C.VIR_ERR_INTERNAL_ERROR, "No memory balloon device configured, "
                             "can not set the collection period", _FROM)
            dom_def.touch_device(dom_def.d.devices.memballoon)

    # --- vCPUs --------------------------------------------------------------------
    def domainGetVcpusFlags(self, dom: DomainHandle, flags: int) -> int:  # noqa: N802
        """The vCPU count (or maximum) of the definition ``flags`` select."""
        check_flags(flags, LIVE | CONFIG | C.VIR_DOMAIN_VCPU_MAXIMUM, "testDomainGetVcpusFlags")
        with self.state.lock:
            dom_def, _live = self._dom_one_def(self._dom_obj(dom), flags & ~C.VIR_DOMAIN_VCPU_MAXIMUM)
            return dom_def.max_vcpus if flags & C.VIR_DOMAIN_VCPU_MAXIMUM else dom_def.vcpus

    def domainGetMaxVcpus(self, dom: DomainHandle) -> int:  # noqa: N802
        """The live maximum vCPU count."""
        return self.domainGetVcpusFlags(dom, LIVE | C.VIR_DOMAIN_VCPU_MAXIMUM)

    def domainSetVcpusFlags(self, dom: DomainHandle, nvcpus: int, flags: int) -> None:  # noqa: N802
        """Set the vCPU count (or maximum) of the definitions ``flags`` select."""
        check_flags(flags, LIVE | CONFIG | C.VIR_DOMAIN_VCPU_MAXIMUM, "testDomainSetVcpusFlags")
        if nvcpus == 0:
            raise raw_error(C.VIR_ERR_INVALID_ARG, "nvcpus in virDomainSetVcpusFlags must not "
                            "be zero", _FROM_DOM, "virDomainSetVcpusFlags", "nvcpus")
        if nvcpus > 32:
            raise report(C.VIR_ERR_INVALID_ARG, "requested cpu amount exceeds maximum "
                         f"supported amount ({nvcpus} > 32)", _FROM)
        maximum = bool(flags & C.VIR_DOMAIN_VCPU_MAXIMUM)
        with self.state.lock:
            live, config = self._dom_defs(self._dom_obj(dom), flags & ~C.VIR_DOMAIN_VCPU_MAXIMUM)
            if live is not None and live.max_vcpus < nvcpus:
                raise report(C.VIR_ERR_INVALID_ARG, "requested cpu amount exceeds maximum "
                             f"({nvcpus} > {live.max_vcpus})", _FROM)
            if config is not None and not maximum and config.max_vcpus < nvcpus:
                raise report(C.VIR_ERR_INVALID_ARG, "requested cpu amount exceeds maximum "
                             f"({nvcpus} > {config.max_vcpus})", _FROM)
            if live is not None:
                live.vcpus = nvcpus
                live.touch_top()
            if config is not None:
                if maximum:
                    config.max_vcpus = nvcpus
                    config.vcpus = min(config.vcpus, nvcpus)
                else:
                    config.vcpus = nvcpus
                config.touch_top()

    def domainSetVcpus(self, dom: DomainHandle, nvcpus: int) -> None:  # noqa: N802
        """Set the live vCPU count."""
        self.domainSetVcpusFlags(dom, nvcpus, LIVE)

    # --- metadata -----------------------------------------------------------------
    def domainSetMetadata(self, dom: DomainHandle, type: int, metadata: str | None,  # noqa: A002,N802
                          key: str | None, uri: str | None, flags: int) -> None:
        """Set the description, title or an application's metadata element."""
        check_flags(flags, LIVE | CONFIG, "testDomainSetMetadata")
        domain_metadata.check_set(type, metadata, key, uri)
        with self.state.lock:
            obj = self._dom_obj(dom)
            live, config = self._dom_defs(obj, flags)
            for dom_def in (live, config):
                if dom_def is None:
                    continue
                domain_metadata.apply(dom_def.d, type, metadata, key, uri)
                dom_def.touch_top()
            self._dom_emit_id(obj, C.VIR_DOMAIN_EVENT_ID_METADATA_CHANGE, type, uri)

    def domainGetMetadata(self, dom: DomainHandle, type: int, uri: str | None,  # noqa: A002,N802
                          flags: int) -> str:
        """The description, title or an application's metadata element."""
        check_flags(flags, LIVE | CONFIG, "testDomainGetMetadata")
        with self.state.lock:
            dom_def, _live = self._dom_one_def(self._dom_obj(dom), flags)
            return domain_metadata.get(dom_def.d, type, uri)

    # --- events -------------------------------------------------------------------
    def connectDomainEventRegisterAny(self, dom: DomainHandle | None, eventID: int,  # noqa: N802,N803
                                      callback: Any) -> int:
        """Register ``callback`` for events ``eventID`` of ``dom`` (None: all)."""
        return self.state.events.register("domain", eventID,
                                          None if dom is None else dom.uuid, callback)

    def connectDomainEventDeregisterAny(self, callbackID: int) -> None:  # noqa: N802,N803
        """Remove a callback."""
        self.state.events.deregister(callbackID)


__all__ = ["CONFIG", "DomainMixin", "matches", "not_running", "read_image", "save_image"]
