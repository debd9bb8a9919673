"""What every domain operation of the test driver starts with.

:class:`DomainAccess` finds the domain behind a handle, checks that it
runs, picks the definition(s) that ``VIR_DOMAIN_AFFECT_*`` flags select,
moves a domain between running and shut off, and raises events, with
libvirt's errors (codes, error domains and wording) at each step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt.driver import interface
from pyvirt.driver.typedparams import check_params  # noqa: F401 - the drivers' one check
from pyvirt.drivers.test.objects import DomainHandle, DomainObj, raw_error
from pyvirt.drivers.test.state import NodeState
from pyvirt.errors import report
from pyvirt.util.lazy import lazy_module

if TYPE_CHECKING:
    from pyvirt.drivers.test import domconf
else:
    domconf = lazy_module("pyvirt.drivers.test.domconf", globals())

_FROM = C.VIR_FROM_TEST
_FROM_DOM = C.VIR_FROM_DOMAIN

LIVE = C.VIR_DOMAIN_AFFECT_LIVE
CONFIG = C.VIR_DOMAIN_AFFECT_CONFIG
STRING_OKAY = C.VIR_TYPED_PARAM_STRING_OKAY

# Host CPUs a cpumap of libvirt-python covers (virNodeGetCPUMap's answer).
CPUMAP_LEN = 8


def not_running() -> Exception:
    """libvirt's virDomainObjCheckActive error."""
    return report(C.VIR_ERR_OPERATION_INVALID, "domain is not running", _FROM_DOM)


def cpumap_bits(cpumap: Any) -> set[int]:
    """The CPUs set in a cpumap given as libvirt-python does (tuple of bools or bytes)."""
    if isinstance(cpumap, (bytes, bytearray)):
        return {i * 8 + b for i, byte in enumerate(cpumap) for b in range(8) if byte >> b & 1}
    return {i for i, bit in enumerate(cpumap) if bit}


def cpumap_tuple(bits: set[int]) -> tuple[bool, ...]:
    """A cpumap as libvirt-python returns it: CPUMAP_LEN booleans."""
    return tuple(i in bits for i in range(CPUMAP_LEN))


class DomainAccess(interface.HypervisorDriver):
    """Helpers shared by the test driver's domain operations."""

    error_domain = _FROM
    state: NodeState

    # --- finding ---------------------------------------------------------
    def _dom_obj(self, handle: DomainHandle) -> DomainObj:
        """The domain behind ``handle`` (by UUID), or libvirt's NO_DOMAIN error."""
        obj = self.state.domains.by_uuid.get(handle.uuid)
        if obj is None:
            raise report(C.VIR_ERR_NO_DOMAIN, f"no domain with matching uuid '{handle.uuid}' "
                         f"({handle.name})", _FROM)
        return obj

    def _dom_active(self, handle: DomainHandle) -> DomainObj:
        """The domain behind ``handle``, which must be running."""
        obj = self._dom_obj(handle)
        if not obj.active:
            raise not_running()
        return obj

    # --- definitions picked by flags ---------------------------------------
    @staticmethod
    def _dom_impact(obj: DomainObj, flags: int) -> int:
        """libvirt's virDomainObjUpdateModificationImpact."""
        if not flags & (LIVE | CONFIG):
            flags |= LIVE if obj.active else CONFIG
        if flags & LIVE and not obj.active:
            raise not_running()
        if flags & CONFIG and not obj.persistent:
            raise report(C.VIR_ERR_OPERATION_INVALID,
                         "transient domains do not have any persistent config", _FROM_DOM)
        return flags

    def _dom_defs(self, obj: DomainObj, flags: int,
                  ) -> tuple[domconf.TestDef | None, domconf.TestDef | None]:
        """(live definition or None, persistent definition or None) per ``flags``."""
        flags = self._dom_impact(obj, flags)
        live = obj.def_ if flags & LIVE else None
        config = obj.persistent_def() if flags & CONFIG else None
        return live, config

    def _dom_one_def(self, obj: DomainObj, flags: int) -> tuple[domconf.TestDef, bool]:
        """The one definition ``flags`` select, and whether it is the live one."""
        if flags & LIVE and flags & CONFIG:
            raise raw_error(C.VIR_ERR_INVALID_ARG, "Flags 'VIR_DOMAIN_AFFECT_LIVE' and "
                            "'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive", _FROM_DOM,
                            "virDomainObjGetOneDefState", "flags")
        flags = self._dom_impact(obj, flags)
        if flags & LIVE:
            return obj.def_, True
        return obj.persistent_def(), False

    # --- state changes -------------------------------------------------------
    def _dom_start(self, obj: DomainObj, reason: int) -> None:
        """Make ``obj`` run (libvirt's testDomainStartState)."""
        obj.set_state(C.VIR_DOMAIN_RUNNING, reason)
        self.state.domains.set_id(obj, self.state.allocate_id())
        if obj.persistent and obj.new_def is None:
            obj.new_def = obj.def_.copy()
        obj.def_.touch()
        obj.managed_save = False

    def _dom_stop(self, obj: DomainObj, reason: int, handle: DomainHandle | None = None) -> None:
        """Shut ``obj`` off (libvirt's testDomainShutdownState)."""
        if obj.new_def is not None:
            obj.def_ = obj.new_def
            obj.new_def = None
        obj.set_state(C.VIR_DOMAIN_SHUTOFF, reason)
        self.state.domains.set_id(obj, -1)
        obj.frozen = [False, False]
        if handle is not None:
            handle.id = -1

    def _dom_forget_transient(self, obj: DomainObj) -> None:
        """Remove a shut-off transient domain, as libvirt does."""
        if not obj.persistent:
            self.state.domains.remove(obj)

    # --- events -----------------------------------------------------------
    def _dom_emit(self, obj: DomainObj, event: int, detail: int) -> None:
        """Queue a lifecycle event about ``obj``."""
        if len(self.state.events):
            self.state.events.emit("domain", C.VIR_DOMAIN_EVENT_ID_LIFECYCLE, obj.handle(),
                                   obj.uuid, event, detail)

    def _dom_emit_id(self, obj: DomainObj, event_id: int, *args: Any) -> None:
        """Queue an event of another kind (metadata change...) about ``obj``."""
        if len(self.state.events):
            self.state.events.emit("domain", event_id, obj.handle(), obj.uuid, *args)
