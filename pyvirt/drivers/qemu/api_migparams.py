"""The QEMU driver's migration tunables: bandwidth, downtime, XBZRLE cache, post-copy.

:class:`MigParamsAPI` is a mixin of :class:`~pyvirt.drivers.qemu.driver.QemuDriver`.
On a running guest the values live in QEMU and travel through QMP
``migrate-set-parameters`` / ``query-migrate-parameters``
(``max-bandwidth``, ``max-postcopy-bandwidth``, ``downtime-limit``,
``xbzrle-cache-size``, all in bytes or milliseconds as QEMU counts them).
The pre-copy bandwidth is also kept on the domain object, as libvirt keeps
it in its private data: it answers for an inactive guest and survives
start and stop.  Units, limits and errors are libvirt 9.0's (MiB/s for
bandwidth, ms for downtime, bytes for the cache).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt.errors import check_flags, report
from pyvirt.util.lazy import lazy_module

if TYPE_CHECKING:
    from pyvirt.drivers.qemu import domain
else:
    domain = lazy_module("pyvirt.drivers.qemu.domain", globals())

_FROM = C.VIR_FROM_QEMU
_MIB = 1024 * 1024
_POSTCOPY = C.VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY
# libvirt's QEMU_DOMAIN_MIG_BANDWIDTH_MAX: QEMU's int64 byte count in MiB/s;
# it is also the default of a domain that was never given one.
BANDWIDTH_MAX = (2 ** 63 - 1) // _MIB
# the post-copy limit is an unsigned 64-bit byte count in QEMU
_POSTCOPY_MAX = (2 ** 64 - 1) // _MIB


def max_bandwidth(vm: Any) -> int:
    """The pre-copy bandwidth (MiB/s) libvirt remembers for ``vm``."""
    return BANDWIDTH_MAX if vm.mig_max_bandwidth is None else int(vm.mig_max_bandwidth)


class MigParamsAPI:
    """Migration tunables of the QEMU driver."""

    vm_of: Any

    def _mig_param(self, dom: Any, name: str) -> int:
        """QEMU's current value of migration parameter ``name`` (caller checks flags)."""
        vm = self.vm_of(dom)
        with vm.job_scope("query"):
            params = domain.active_monitor(vm).execute("query-migrate-parameters")
        return int(params[name])

    def _set_mig_param(self, dom: Any, name: str, value: int) -> Any:
        """Set migration parameter ``name`` of the running guest; return its domain object."""
        vm = self.vm_of(dom)
        with vm.job_scope("modify"):
            domain.active_monitor(vm).execute("migrate-set-parameters", {name: value})
        return vm

    # --- bandwidth ----------------------------------------------------------------------
    def domainMigrateGetMaxSpeed(self, dom: Any, flags: int) -> int:  # noqa: N802
        """The migration bandwidth limit in MiB/s (post-copy's with the POSTCOPY flag)."""
        check_flags(flags, _POSTCOPY, "qemuDomainMigrateGetMaxSpeed", _FROM)
        if flags & _POSTCOPY:
            return self._mig_param(dom, "max-postcopy-bandwidth") // _MIB
        return max_bandwidth(self.vm_of(dom))

    def domainMigrateSetMaxSpeed(self, dom: Any, bandwidth: int, flags: int) -> int:  # noqa: N802
        """Limit migration bandwidth to ``bandwidth`` MiB/s (kept in memory while inactive)."""
        check_flags(flags, _POSTCOPY, "qemuDomainMigrateSetMaxSpeed", _FROM)
        postcopy = bool(flags & _POSTCOPY)
        limit = _POSTCOPY_MAX if postcopy else BANDWIDTH_MAX
        if bandwidth > limit:
            raise report(C.VIR_ERR_OVERFLOW, f"bandwidth must be less than {limit + 1}", _FROM)
        if postcopy:
            self._set_mig_param(dom, "max-postcopy-bandwidth", bandwidth * _MIB)
            return 0
        vm = self.vm_of(dom)
        if vm.is_active():
            vm = self._set_mig_param(dom, "max-bandwidth", bandwidth * _MIB)
        vm.mig_max_bandwidth = bandwidth
        return 0

    # --- downtime -----------------------------------------------------------------------
    def domainMigrateGetMaxDowntime(self, dom: Any, flags: int) -> int:  # noqa: N802
        """The longest pause (ms) allowed at the end of a migration, as QEMU has it."""
        check_flags(flags, 0, "qemuDomainMigrateGetMaxDowntime", _FROM)
        return self._mig_param(dom, "downtime-limit")

    def domainMigrateSetMaxDowntime(self, dom: Any, downtime: int, flags: int) -> int:  # noqa: N802
        """Set the longest pause (ms) at the end of a migration (QEMU checks the range)."""
        check_flags(flags, 0, "qemuDomainMigrateSetMaxDowntime", _FROM)
        self._set_mig_param(dom, "downtime-limit", downtime)
        return 0

    # --- XBZRLE cache -------------------------------------------------------------------
    def domainMigrateGetCompressionCache(self, dom: Any, flags: int) -> int:  # noqa: N802
        """The XBZRLE compression cache size in bytes."""
        check_flags(flags, 0, "qemuDomainMigrateGetCompressionCache", _FROM)
        return self._mig_param(dom, "xbzrle-cache-size")

    def domainMigrateSetCompressionCache(self, dom: Any, cacheSize: int,  # noqa: N802, N803
                                         flags: int) -> int:
        """Set the XBZRLE cache size in bytes (QEMU wants a power of two, at least a page)."""
        check_flags(flags, 0, "qemuDomainMigrateSetCompressionCache", _FROM)
        self._set_mig_param(dom, "xbzrle-cache-size", cacheSize)
        return 0

    # --- post-copy ----------------------------------------------------------------------
    def domainMigrateStartPostCopy(self, dom: Any, flags: int) -> int:  # noqa: N802
        """Switch an outgoing migration to post-copy.

        pyvirt's QEMU driver does not migrate, so no outgoing migration can be
        in progress: a running guest gets libvirt's answer for that case.
        """
        check_flags(flags, 0, "qemuDomainMigrateStartPostCopy", _FROM)
        vm = self.vm_of(dom)
        with vm.job_scope("modify"):
            domain.active_monitor(vm)
            raise report(C.VIR_ERR_OPERATION_INVALID, "post-copy can only be started while "
                         "outgoing migration is in progress", _FROM)
