"""Connection- and node-level operations of the test driver.

The simulated host is libvirt's: an i686 machine with two NUMA cells of
eight CPUs each (test:///default), the capabilities document libvirt's
test driver builds, and fixed statistics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt.driver import interface
from pyvirt.drivers.test.objects import check_flags
from pyvirt.drivers.test.state import NodeState
from pyvirt.errors import report
from pyvirt.util.lazy import lazy_module
from pyvirt.util.virarch import ARCHES

if TYPE_CHECKING:
    import socket

    from pyvirt.drivers.test import cpu
else:
    socket = lazy_module("socket", globals())
    cpu = lazy_module("pyvirt.drivers.test.cpu", globals())

_FROM = C.VIR_FROM_TEST

SYSINFO = """<sysinfo type='smbios'>
  <bios>
    <entry name='vendor'>LENOVO</entry>
    <entry name='version'>G4ETA1WW (2.61 )</entry>
    <entry name='date'>05/07/2014</entry>
    <entry name='release'>2.61</entry>
  </bios>
</sysinfo>
"""

_PAGE_SIZES = (4, 8, 2048, 1024 * 1024)
_NODE_CPU_STATS = (("user", 9797400000), ("kernel", 34678723400000),
                   ("idle", 87264900000), ("iowait", 763600000))


def capabilities_xml(state: NodeState) -> str:
    """The capabilities document of libvirt's test driver for ``state``'s host."""
    out = ["<capabilities>\n\n  <host>\n    <cpu>\n      <arch>i686</arch>\n",
           "      <features>\n        <pae/>\n        <nonpae/>\n      </features>\n"]
    out.extend(f"      <pages unit='KiB' size='{size}'/>\n" for size in _PAGE_SIZES)
    out.append("    </cpu>\n    <power_management/>\n    <iommu support='no'/>\n")
    out.append(f"    <topology>\n      <cells num='{len(state.cells)}'>\n")
    for index, cell in enumerate(state.cells):
        first = _PAGE_SIZES[1] if index == 1 else _PAGE_SIZES[0]
        out.append(f"        <cell id='{index}'>\n")
        out.append(f"          <memory unit='KiB'>{cell.mem}</memory>\n")
        out.append(f"          <pages unit='KiB' size='{first}'>{cell.mem // first}</pages>\n")
        for size in _PAGE_SIZES[2:]:
            out.append(f"          <pages unit='KiB' size='{size}'>0</pages>\n")
        out.append(f"          <cpus num='{len(cell.cpus)}'>\n")
        for cpu, sock, core in cell.cpus:
            out.append(f"            <cpu id='{cpu}' socket_id='{sock}' die_id='0' "
                       f"core_id='{core}' siblings='{cpu}'/>\n")
        out.append("          </cpus>\n        </cell>\n")
    out.append("      </cells>\n    </topology>\n")
    out.append("    <secmodel>\n      <model>testSecurity</model>\n      <doi></doi>\n"
               "    </secmodel>\n  </host>\n\n")
    for os_type in ("hvm", "xen"):
        out.append(f"  <guest>\n    <os_type>{os_type}</os_type>\n    <arch name='i686'>\n"
                   "      <wordsize>32</wordsize>\n      <emulator>/usr/bin/test-hv</emulator>\n"
                   "      <domain type='test'/>\n    </arch>\n    <features>\n"
                   "      <pae/>\n      <nonpae/>\n    </features>\n  </guest>\n\n")
    out.append("</capabilities>\n")
    return "".join(out)


class HostMixin(interface.HypervisorDriver):
    """The connection and node operations (virConnect*, virNode*)."""

    error_domain = _FROM
    state: NodeState
    uri: str

    def connectBaselineCPU(self, xmlCPUs: list[str], flags: int) -> str:
        """The most capable guest CPU all ``xmlCPUs`` (host CPUs) can run (cpu.py)."""
        check_flags(flags, C.VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES, "testConnectBaselineCPU")
        return cpu.baseline(list(xmlCPUs or []),
                            bool(flags & C.VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES))

    def connectGetType(self) -> str:
        """libvirt's name of the driver: 'TEST'."""
        return "TEST"

    def connectGetVersion(self) -> int:
        """The hypervisor version: 2, as libvirt's test driver says."""
        return 2

    def connectGetLibVersion(self) -> int:
        """The libvirt version implemented."""
        import pyvirt
        return pyvirt.LIBVIRT_VERSION

    def connectGetHostname(self) -> str:
        """The host's name."""
        return socket.gethostname()

    def connectGetURI(self) -> str:
        """The URI the connection was opened with."""
        return self.uri

    def connectGetCapabilities(self) -> str:
        """The capabilities XML of the simulated host."""
        with self.state.lock:
            caps = self.state.extra.get("capabilities")
            if caps is None:
                caps = self.state.extra["capabilities"] = capabilities_xml(self.state)
            return caps

    def connectGetSysinfo(self, flags: int) -> str:
        """The host's SMBIOS data."""
        check_flags(flags, 0, "testConnectGetSysinfo")
        return SYSINFO

    def connectIsAlive(self) -> int:
        """Always 1: the connection is in-process."""
        return 1

    def connectIsSecure(self) -> int:
        """Always 1."""
        return 1

    def connectIsEncrypted(self) -> int:
        """Always 0."""
        return 0

    def connectGetMaxVcpus(self, type: Any) -> int:
        """32, whatever the type."""
        return 32

    def connectSetKeepAlive(self, interval: int, count: int) -> int:
        """Keepalive is meaningless in-process; libvirt ignores it for local drivers."""
        return 0

    def nodeGetInfo(self) -> list[Any]:
        """[model, memory MiB, cpus, MHz, nodes, sockets, cores, threads]."""
        i = self.state.node_info
        return [i.model, i.memory >> 10, i.cpus, i.mhz, i.nodes, i.sockets, i.cores, i.threads]

    def nodeGetFreeMemory(self) -> int:
        """The free memory of all cells (libvirt's test driver sums KiB)."""
        with self.state.lock:
            return sum(cell.free_mem for cell in self.state.cells)

    def nodeGetCellsFreeMemory(self, startCell: int, maxCells: int) -> list[int]:
        """The memory of cells startCell.. (libvirt's test driver reports each cell's size)."""
        with self.state.lock:
            cells = self.state.cells
            if startCell >= len(cells):
                raise report(C.VIR_ERR_INVALID_ARG, "Range exceeds available cells", _FROM)
            return [cell.mem for cell in cells[startCell:startCell + maxCells]]

    def nodeGetCPUMap(self, flags: int) -> tuple[int, list[bool], int]:
        """(8 CPUs, online map 0b10101, 3 online), libvirt's fixed answer."""
        check_flags(flags, 0, "testNodeGetCPUMap")
        return (8, [bool(0x15 & (1 << i)) for i in range(8)], 3)

    def nodeGetCPUStats(self, cpuNum: int, flags: int) -> dict[str, int]:
        """Fixed CPU time counters."""
        check_flags(flags, 0, "testNodeGetCPUStats")
        return dict(_NODE_CPU_STATS)

    def nodeGetFreePages(self, pages: list[int], startCell: int,
                         maxCells: int, flags: int) -> dict[int, dict[int, int]]:
        """Made-up free page counts, as libvirt's test driver gives."""
        check_flags(flags, 0, "testNodeGetFreePages")
        out: dict[int, dict[int, int]] = {}
        value = 6
        for cell in range(startCell, startCell + maxCells):
            counts = {}
            for size in pages:
                value = value * 2 + 7
                counts[size] = value
            out[cell] = counts
        return out

    def nodeGetSecurityModel(self) -> list[str]:
        """['testSecurity', ''] (model, DOI)."""
        return ["testSecurity", ""]

    def connectGetCPUModelNames(self, arch: str, flags: int) -> list[str]:
        """CPU model names libvirt knows for ``arch`` (x86 families only here)."""
        check_flags(flags, 0, "testConnectGetCPUModelNames")
        if arch in ("x86_64", "i686"):
            return list(_X86_MODELS)
        if arch in ("ppc64", "ppc64le"):
            return list(_PPC64_MODELS)
        if arch not in ARCHES:
            raise report(C.VIR_ERR_INVALID_ARG, f"cannot find architecture {arch}", _FROM)
        return []


# libvirt 9.0's CPU models per architecture family (its cpu_map).
_X86_MODELS = (
    "486", "pentium", "pentium2", "pentium3", "pentiumpro", "coreduo", "n270", "core2duo",
    "qemu32", "kvm32", "cpu64-rhel5", "cpu64-rhel6", "qemu64", "kvm64", "Conroe", "Penryn",
    "Nehalem", "Nehalem-IBRS", "Westmere", "Westmere-IBRS", "SandyBridge", "SandyBridge-IBRS",
    "IvyBridge", "IvyBridge-IBRS", "Haswell-noTSX", "Haswell-noTSX-IBRS", "Haswell",
    "Haswell-IBRS", "Broadwell-noTSX", "Broadwell-noTSX-IBRS", "Broadwell", "Broadwell-IBRS",
    "Skylake-Client", "Skylake-Client-IBRS", "Skylake-Client-noTSX-IBRS", "Skylake-Server",
    "Skylake-Server-IBRS", "Skylake-Server-noTSX-IBRS", "Cascadelake-Server",
    "Cascadelake-Server-noTSX", "Icelake-Client", "Icelake-Client-noTSX", "Icelake-Server",
    "Icelake-Server-noTSX", "Cooperlake", "Snowridge", "athlon", "phenom", "Opteron_G1",
    "Opteron_G2", "Opteron_G3", "Opteron_G4", "Opteron_G5", "EPYC", "EPYC-IBPB", "EPYC-Rome",
    "EPYC-Milan", "Dhyana",)
_PPC64_MODELS = ("POWER6", "POWER7", "POWER8", "POWER9", "POWER10", "POWERPC_e5500",
                 "POWERPC_e6500")
