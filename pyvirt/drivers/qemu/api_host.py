"""The QEMU driver's host calls: virNode* and the connection-level CPU calls.

:class:`HostAPI` is a mixin of :class:`~pyvirt.drivers.qemu.driver.QemuDriver`.
The numbers come from the host itself (/proc, sysfs, dmidecode) through
:mod:`pyvirt.util.hoststats` and :mod:`pyvirt.util.hostinfo`; the CPU
comparisons from :mod:`pyvirt.drivers.qemu.cpucompare`.  Errors are
libvirt 9.0's (codes, error domains and wording).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt import errors as _errors
from pyvirt.driver import interface as I
from pyvirt.driver.typedparams import check_params
from pyvirt.errors import report
from pyvirt.util.lazy import lazy_module

if TYPE_CHECKING:
    from pyvirt.drivers.qemu import capabilities, cpucompare
    from pyvirt.util import hostinfo, hoststats
else:
    capabilities = lazy_module("pyvirt.drivers.qemu.capabilities", globals())
    cpucompare = lazy_module("pyvirt.drivers.qemu.cpucompare", globals())
    hostinfo = lazy_module("pyvirt.util.hostinfo", globals())
    hoststats = lazy_module("pyvirt.util.hoststats", globals())

_FROM = C.VIR_FROM_QEMU

# libvirt's virDrvFeature numbers this driver supports (migration is not among them)
_FEATURES = frozenset({8, 9, 11, 16})     # FD passing, typed string params, migratable XML,
#                                           network update order
_SUSPEND_TARGETS = ("Suspend-to-RAM", "Suspend-to-Disk", "Hybrid-Suspend")

# dmidecode's section titles -> libvirt's sysinfo element, and its fields -> entry names
_DMI_SECTIONS = {
    "BIOS Information": ("bios", (("Vendor", "vendor"), ("Version", "version"),
                                  ("Release Date", "date"), ("BIOS Revision", "release"))),
    "System Information": ("system", (("Manufacturer", "manufacturer"),
                                      ("Product Name", "product"), ("Version", "version"),
                                      ("Serial Number", "serial"), ("UUID", "uuid"),
                                      ("SKU Number", "sku"), ("Family", "family"))),
    "Base Board Information": ("baseBoard", (("Manufacturer", "manufacturer"),
                                             ("Product Name", "product"), ("Version", "version"),
                                             ("Serial Number", "serial"),
                                             ("Asset Tag", "asset"),
                                             ("Location In Chassis", "location"))),
    "Chassis Information": ("chassis", (("Manufacturer", "manufacturer"),
                                        ("Version", "version"), ("Serial Number", "serial"),
                                        ("Asset Tag", "asset"), ("SKU Number", "sku"))),
    "Processor Information": ("processor", (
        ("Socket Designation", "socket_destination"), ("Type", "type"), ("Family", "family"),
        ("Manufacturer", "manufacturer"), ("Signature", "signature"), ("Version", "version"),
        ("External Clock", "external_clock"), ("Max Speed", "max_speed"),
        ("Status", "status"), ("Serial Number", "serial_number"),
        ("Part Number", "part_number"))),
    "Memory Device": ("memory_device", (
        ("Size", "size"), ("Form Factor", "form_factor"), ("Locator", "locator"),
        ("Bank Locator", "bank_locator"), ("Type", "type"), ("Type Detail", "type_detail"),
        ("Speed", "speed"), ("Manufacturer", "manufacturer"),
        ("Serial Number", "serial_number"), ("Part Number", "part_number"))),
}


def sysinfo_xml(dmi_text: str) -> str:
    """libvirt's ``<sysinfo type='smbios'>`` from ``dmidecode -q`` output."""
    from pyvirt.conf.xmlutil import E, to_string
    root = E("sysinfo", [("type", "smbios")])
    section: tuple[str, tuple] | None = None
    fields: dict[str, str] = {}

    def flush() -> None:
        if section is not None:
            tag, names = section
            entries = [E("entry", [("name", name)], fields[key]) for key, name in names
                       if fields.get(key) and fields[key] not in ("Not Specified", "Unknown")]
            if entries:
                root.add(E(tag, children=entries))

    for line in dmi_text.splitlines():
        if line and not line[0].isspace():
            flush()
            section, fields = _DMI_SECTIONS.get(line.strip()), {}
        elif ":" in line and line.startswith("\t") and not line.startswith("\t\t"):
            key, _, value = line.strip().partition(":")
            fields[key.strip()] = value.strip()
    flush()
    if not root.children:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, "Host SMBIOS information is not available",
                     _FROM)
    return to_string(root)


class MiB(int):
    """A memory size in MiB (libvirt-python's unit) that keeps the exact KiB for the wire."""

    kib: int

    def __new__(cls, kib: int) -> MiB:  # noqa: PYI034 - the class is final in use
        obj = super().__new__(cls, kib >> 10)
        obj.kib = kib
        return obj


class HostAPI(I.HypervisorDriver):
    """virNode* calls and CPU comparison of the QEMU driver."""

    caps: Any
    vm_of: Any

    # --- numbers of the host -------------------------------------------------------
    def nodeGetInfo(self) -> list[Any]:
        """[arch, memory MiB, CPUs, MHz, NUMA nodes, sockets, cores, threads]."""
        cpus = hostinfo.online_cpus()
        topo = hostinfo.topology(cpus)
        cells = hostinfo.numa_cells(cpus)
        mhz = 0
        for line in hostinfo.read("/proc/cpuinfo").splitlines():
            if line.startswith("cpu MHz"):
                mhz = int(float(line.split(":")[1]))
                break
        return [capabilities.host_arch(), MiB(hostinfo.meminfo_kib()), len(cpus), mhz,
                len(cells), topo["sockets"], topo["cores"] * topo["dies"], topo["threads"]]

    def nodeGetCPUStats(self, cpuNum: int, flags: int) -> dict[str, int]:
        """Kernel, user, idle and iowait time of one CPU or all (``-1``), in ns."""
        _errors.check_flags(flags, 0, "virHostCPUGetStats")
        return hoststats.cpu_stats(cpuNum)

    def nodeGetMemoryStats(self, cellNum: int, flags: int) -> dict[str, int]:
        """Total, free, buffers and cached memory (KiB), of the host or one cell."""
        _errors.check_flags(flags, 0, "virHostMemGetStats")
        return hoststats.memory_stats(cellNum)

    def nodeGetCellsFreeMemory(self, startCell: int, maxCells: int) -> list[int]:
        """Free bytes of each NUMA cell from ``startCell``."""
        return hoststats.cells_free_memory(startCell, maxCells)

    def nodeGetFreeMemory(self) -> int:
        """Free bytes of the host."""
        return hoststats.free_memory()

    def nodeGetCPUMap(self, flags: int) -> tuple[int, list[bool], int]:
        """(present CPUs, online map, online count)."""
        _errors.check_flags(flags, 0, "virHostCPUGetMap")
        return hoststats.cpu_map()

    def nodeGetFreePages(self, pages: list[int], startCell: int, maxCells: int,
                         flags: int) -> dict[int, dict[int, int]]:
        """Free pages of each size in cells ``startCell``.."""
        _errors.check_flags(flags, 0, "virHostMemGetFreePages")
        return hoststats.free_pages(list(pages), startCell, maxCells)

    def nodeAllocPages(self, pages: dict[int, int], startCell: int,
                       cellCount: int, flags: int) -> int:
        """Size the huge page pools (VIR_NODE_ALLOC_PAGES_SET: set, else add)."""
        _errors.check_flags(flags, C.VIR_NODE_ALLOC_PAGES_SET, "virHostMemAllocPages")
        return hoststats.alloc_pages(dict(pages), startCell, cellCount,
                                     add=not flags & C.VIR_NODE_ALLOC_PAGES_SET)

    def nodeGetMemoryParameters(self, flags: int) -> dict[str, int]:
        """The kernel same-page merging numbers (shm_*)."""
        _errors.check_flags(flags, C.VIR_TYPED_PARAM_STRING_OKAY, "virHostMemGetParameters")
        return hoststats.memory_parameters()

    def nodeSetMemoryParameters(self, params: dict[str, Any], flags: int) -> int:
        """Set the settable same-page merging knobs."""
        _errors.check_flags(flags, 0, "virHostMemSetParameters")
        check_params(params, {name: int for name in hoststats.KSM_WRITABLE})
        hoststats.set_memory_parameters(params)
        return 0

    def connectGetSysinfo(self, flags: int) -> str:
        """The host's SMBIOS data as libvirt's sysinfo XML (from dmidecode)."""
        _errors.check_flags(flags, 0, "qemuConnectGetSysinfo", _FROM)
        dmidecode = shutil.which("dmidecode") or (
            "/usr/sbin/dmidecode" if os.path.exists("/usr/sbin/dmidecode") else None)
        text = ""
        if dmidecode:
            res = subprocess.run([dmidecode, "-q", "-t", "0,1,2,3,4,17"], capture_output=True,
                                 text=True, check=False)
            text = res.stdout if res.returncode == 0 else ""
        return sysinfo_xml(text)

    def nodeGetSecurityModel(self) -> list[str]:
        """The first security driver's model and DOI: pyvirt runs QEMU without one."""
        return ["none", "0"]

    def domainGetSecurityLabel(self, dom: Any) -> list[Any]:
        """The guest's label under the first security driver: none, so an empty label."""
        self.vm_of(dom)
        return ["", 0]

    def domainGetSecurityLabelList(self, dom: Any) -> list[list[Any]]:  # noqa: N802
        """The guest's label under each security driver: one, 'none', with no label."""
        return [self.domainGetSecurityLabel(dom)]

    def nodeGetSEVInfo(self, flags: int) -> dict[str, Any]:
        """AMD SEV parameters: QEMU here has none (as libvirt says without SEV)."""
        _errors.check_flags(flags, C.VIR_TYPED_PARAM_STRING_OKAY, "qemuNodeGetSEVInfo", _FROM)
        raise report(C.VIR_ERR_OPERATION_UNSUPPORTED, "QEMU does not support SEV guest", _FROM)

    def nodeSuspendForDuration(self, target: int, duration: int, flags: int) -> int:
        """Suspend the host: refused, as libvirt does when the host cannot suspend."""
        _errors.check_flags(flags, 0, "virNodeSuspend")
        if not 0 <= target < len(_SUSPEND_TARGETS):
            raise report(C.VIR_ERR_INVALID_ARG, f"Invalid target {target}", C.VIR_FROM_NONE)
        raise report(C.VIR_ERR_ARGUMENT_UNSUPPORTED, _SUSPEND_TARGETS[target], C.VIR_FROM_NONE)

    def connectSupportsFeature(self, feature: int) -> int:
        """1 for the libvirt driver features this driver has."""
        return int(feature in _FEATURES)

    # --- CPU models ----------------------------------------------------------------------
    def connectCompareCPU(self, xmlDesc: str, flags: int) -> int:
        """How the host CPU compares with ``xmlDesc`` (VIR_CPU_COMPARE_*)."""
        _errors.check_flags(flags, C.VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE
                            | C.VIR_CONNECT_COMPARE_CPU_VALIDATE_XML, "qemuConnectCompareCPU",
                            _FROM)
        return cpucompare.compare_host(xmlDesc, flags)

    def connectCompareHypervisorCPU(self, emulator: str | None, arch: str | None,
                                    machine: str | None, virttype: str | None, xmlCPU: str,
                                    flags: int) -> int:
        """How the CPU QEMU offers as host-model compares with ``xmlCPU``."""
        _errors.check_flags(flags, C.VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE
                            | C.VIR_CONNECT_COMPARE_CPU_VALIDATE_XML,
                            "qemuConnectCompareHypervisorCPU", _FROM)
        domcaps = capabilities.domain_capabilities(self.caps, emulator, arch, machine, virttype)
        return cpucompare.compare_hypervisor(domcaps, xmlCPU, flags)

    def connectBaselineCPU(self, xmlCPUs: list[str], flags: int) -> str:
        """The most capable CPU model all ``xmlCPUs`` run."""
        _errors.check_flags(flags, C.VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES
                            | C.VIR_CONNECT_BASELINE_CPU_MIGRATABLE, "qemuConnectBaselineCPU",
                            _FROM)
        return cpucompare.baseline(list(xmlCPUs or []), flags)

    def connectBaselineHypervisorCPU(self, emulator: str | None, arch: str | None,
                                     machine: str | None, virttype: str | None,
                                     xmlCPUs: list[str], flags: int) -> str:
        """The baseline of ``xmlCPUs`` limited to what QEMU's host-model CPU offers."""
        _errors.check_flags(flags, C.VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES
                            | C.VIR_CONNECT_BASELINE_CPU_MIGRATABLE,
                            "qemuConnectBaselineHypervisorCPU", _FROM)
        domcaps = capabilities.domain_capabilities(self.caps, emulator, arch, machine, virttype)
        return cpucompare.baseline_hypervisor(domcaps, list(xmlCPUs or []), flags)
