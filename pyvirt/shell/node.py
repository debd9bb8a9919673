"""Host commands: CPU and memory statistics, free memory and pages, huge page
pools, KSM tuning, CPU comparison and baselines (virsh's host group)."""

from __future__ import annotations

import time

import pyvirt as libvirt
from pyvirt.shell.command import Args, CmdError, command, data, exclusive, flag, number, string
from pyvirt.shell.files import read_file
from pyvirt.shell.main import Shell

HOST = "host"


def _cpu_bits(cpumap: list[bool]) -> str:
    return "".join("y" if bit else "-" for bit in cpumap)


@command("nodecpustats", HOST, "Prints cpu stats of the node.",
         [number("cpu", "prints specified cpu statistics only.", positional=True),
          flag("percent", "prints by percentage during 1 second.")])
def cmd_nodecpustats(shell: Shell, args: Args) -> bool:
    """Print the host's CPU time counters (or their share over one second)."""
    cpu = args.int("cpu", minimum=0)
    cpu = -1 if cpu is None else cpu
    try:
        first = shell.conn.getCPUStats(cpu, 0)
    except libvirt.libvirtError as exc:
        raise CmdError("Unable to get node cpu stats", exc) from None
    out = shell.out
    if not args.flag("percent"):
        for key, label in (("user", "user:"), ("kernel", "system:"), ("idle", "idle:"),
                           ("iowait", "iowait:")):
            if key in first:
                out.print(f"{label:<15} {first[key]:>20}\n")
        return True
    time.sleep(1)
    second = shell.conn.getCPUStats(cpu, 0)
    delta = {k: second[k] - first[k] for k in ("user", "kernel", "idle", "iowait")}
    total = sum(delta.values()) or 1
    out.print(f"{'usage:':<15} {100 * (total - delta['idle']) / total:5.1f}%\n")
    for key, label in (("user", "user:"), ("kernel", "system:"), ("idle", "idle:"),
                       ("iowait", "iowait:")):
        out.print(f"{label:<15} {100 * delta[key] / total:5.1f}%\n")
    return True


@command("nodememstats", HOST, "Prints memory stats of the node.",
         [number("cell", "prints specified cell statistics only.", positional=True)])
def cmd_nodememstats(shell: Shell, args: Args) -> bool:
    """Print the host's (or one NUMA cell's) memory figures in KiB."""
    cell = args.int("cell")
    try:
        stats = shell.conn.getMemoryStats(-1 if cell is None else cell, 0)
    except libvirt.libvirtError as exc:
        raise CmdError("Unable to get memory stats", exc) from None
    for key, value in stats.items():
        shell.out.print(f"{key:<7}: {value:>20} KiB\n")
    return True


def _cells(shell: Shell) -> int:
    """How many NUMA cells the host has (from the capabilities)."""
    from lxml import etree
    caps = etree.fromstring(shell.conn.getCapabilities().encode())
    return len(caps.findall("host/topology/cells/cell")) or 1


@command("freecell", HOST, "NUMA free memory",
         [number("cellno", "NUMA cell number", positional=True),
          flag("all", "show free memory for all NUMA cells")])
def cmd_freecell(shell: Shell, args: Args) -> bool:
    """Print the free memory of one cell, every cell, or the host."""
    exclusive(args, "cellno", "all")
    cell = args.int("cellno", minimum=0)
    conn, out = shell.conn, shell.out
    try:
        if args.flag("all"):
            free = conn.getCellsFreeMemory(0, _cells(shell))
            for index, value in enumerate(free):
                out.print(f"{index:>5}: {value // 1024:>10} KiB\n")
            out.print("-" * 20 + "\n")
            out.print(f"{'Total':>5}: {sum(free) // 1024:>10} KiB\n")
        elif cell is not None:
            out.print(f"{cell}: {conn.getCellsFreeMemory(cell, 1)[0] // 1024} KiB\n")
        else:
            out.print(f"Total: {conn.getFreeMemory() // 1024} KiB\n")
    except libvirt.libvirtError as exc:
        raise CmdError("failed to get free memory", exc) from None
    return True


@command("nodecpumap", HOST, "node cpu map",
         [flag("pretty", "return human readable output")])
def cmd_nodecpumap(shell: Shell, args: Args) -> bool:
    """Print how many host CPUs are present and online, and which."""
    from pyvirt.util.hostinfo import format_cpulist
    try:
        present, cpumap, online = shell.conn.getCPUMap(0)
    except libvirt.libvirtError as exc:
        raise CmdError("Unable to get cpu map", exc) from None
    out = shell.out
    out.print(f"{'CPUs present:':<15} {present}\n")
    out.print(f"{'CPUs online:':<15} {online}\n")
    text = format_cpulist([i for i, on in enumerate(cpumap) if on]) if args.flag("pretty") \
        else _cpu_bits(cpumap)
    out.print(f"{'CPU map:':<15} {text}\n")
    return True


def _page_sizes(shell: Shell) -> list[int]:
    from lxml import etree
    caps = etree.fromstring(shell.conn.getCapabilities().encode())
    return [int(p.get("size", "0")) for p in caps.findall("host/cpu/pages")]


@command("freepages", HOST, "NUMA free pages",
         [number("cellno", "NUMA cell number", positional=True),
          string("pagesize", "page size (in kibibytes)", positional=True),
          flag("all", "show free pages for all NUMA cells")])
def cmd_freepages(shell: Shell, args: Args) -> bool:
    """Print the free pages of each size per NUMA cell."""
    exclusive(args, "cellno", "all")
    conn, out = shell.conn, shell.out
    size = args.scaled("pagesize", 1024)
    sizes = [size // 1024] if size else _page_sizes(shell)
    try:
        if args.flag("all") or args.int("cellno") is None:
            if not args.flag("all") and size is not None:
                raise CmdError("missing cellno argument")
            pages = conn.getFreePages(sizes, 0, _cells(shell), 0)
            for cell, counts in pages.items():
                out.print(f"Node {cell}:\n")
                for page, count in counts.items():
                    out.print(f"{page}KiB: {count}\n")
                out.print("\n")
        else:
            cell = args.int("cellno", minimum=0) or 0
            counts = conn.getFreePages(sizes, cell, 1, 0).get(cell, {})
            for page, count in counts.items():
                out.print(f"{page}KiB: {count}\n")
    except libvirt.libvirtError as exc:
        raise CmdError("Unable to get free pages", exc) from None
    return True


@command("allocpages", HOST, "Manipulate pages pool size",
         [data("pagesize", "page size (in kibibytes)"),
          number("pagecount", "page count", required=True),
          number("cellno", "NUMA cell number"), flag("add", "instead of setting new pool "
                                                    "size add pages to it"),
          flag("all", "set on all NUMA cells")])
def cmd_allocpages(shell: Shell, args: Args) -> bool:
    """Set (or grow) the huge page pool of one cell or of all."""
    exclusive(args, "cellno", "all")
    size = (args.scaled("pagesize", 1024) or 0) // 1024
    count = args.int("pagecount", minimum=0, maximum=2 ** 63 - 1) or 0
    flags = 0 if args.flag("add") else libvirt.VIR_NODE_ALLOC_PAGES_SET
    cell = args.int("cellno", minimum=0)
    try:
        if args.flag("all"):
            shell.conn.allocPages({size: count}, 0, _cells(shell), flags)
        else:
            shell.conn.allocPages({size: count}, cell or 0, 1, flags)
    except libvirt.libvirtError as exc:
        raise CmdError("Unable to allocate pages", exc) from None
    return True


_SHM = (("shm-pages-to-scan", "shm_pages_to_scan"),
        ("shm-sleep-millisecs", "shm_sleep_millisecs"),
        ("shm-merge-across-nodes", "shm_merge_across_nodes"))


@command("node-memory-tune", HOST, "Get or set node memory parameters",
         [number("shm-pages-to-scan", "number of pages to scan before the shared memory "
                 "service goes to sleep"),
          number("shm-sleep-millisecs", "number of millisecs the shared memory service "
                 "should sleep before next scan"),
          number("shm-merge-across-nodes", "Specifies if pages from different numa nodes "
                 "can be merged")])
def cmd_node_memory_tune(shell: Shell, args: Args) -> bool:
    """Show or set the kernel same-page merging parameters."""
    params = {}
    for opt, name in _SHM:
        value = args.int(opt, minimum=0, maximum=2 ** 32 - 1)
        if value is not None:
            params[name] = value
    if params:
        try:
            shell.conn.setMemoryParameters(params, 0)
        except libvirt.libvirtError as exc:
            raise CmdError("Unable to change memory parameters", exc) from None
        return True
    try:
        values = shell.conn.getMemoryParameters(0)
    except libvirt.libvirtError as exc:
        raise CmdError("Unable to get memory parameters", exc) from None
    shell.out.print("Shared memory:\n")
    for name, value in values.items():
        shell.out.print(f"\t{name:<15} {value}\n")
    return True


def _cpu_xmls(text: str) -> list[str]:
    """The ``<cpu>`` elements of a file (a bare CPU, capabilities, domain XML...)."""
    from lxml import etree
    try:
        root = etree.fromstring(text.encode())
    except etree.XMLSyntaxError:
        return [text]
    cpus = [root] if root.tag == "cpu" else root.findall(".//cpu")
    if not cpus:
        raise CmdError("no CPU definition found in the XML")
    return [etree.tostring(c, encoding="unicode") for c in cpus]


_COMPARE_FILE = [data("file", "file containing an XML CPU description"),
                 flag("error", "report error if CPUs are incompatible"),
                 flag("validate", "validate the XML document against schema")]


def _compare_flags(args: Args) -> int:
    flags = 0
    if args.flag("error"):
        flags |= libvirt.VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE
    if args.flag("validate"):
        flags |= libvirt.VIR_CONNECT_COMPARE_CPU_VALIDATE_XML
    return flags


def _report_compare(shell: Shell, result: int, path: str, host: str, superset: str) -> bool:
    if result == libvirt.VIR_CPU_COMPARE_IDENTICAL:
        shell.out.print(f"CPU described in {path} is identical to {host}\n")
    elif result == libvirt.VIR_CPU_COMPARE_SUPERSET:
        shell.out.print(f"{superset} is a superset of CPU described in {path}\n")
    else:
        shell.out.print(f"CPU described in {path} is incompatible with {host}\n")
        return False
    return True


@command("cpu-compare", HOST, "compare host CPU with a CPU described by an XML file",
         _COMPARE_FILE)
def cmd_cpu_compare(shell: Shell, args: Args) -> bool:
    """Compare the host CPU with the CPU of a file."""
    path = args.req("file")
    xml = _cpu_xmls(read_file(path))[0]
    try:
        result = shell.conn.compareCPU(xml, _compare_flags(args))
    except libvirt.libvirtError as exc:
        raise CmdError(f"Failed to compare host CPU with {path}", exc) from None
    return _report_compare(shell, result, path, "host CPU", "Host CPU")


_HV_OPTS = [string("virttype", "virtualization type (/domain/@type)"),
            string("emulator", "path to emulator binary (/domain/devices/emulator)"),
            string("arch", "CPU architecture (/domain/os/type/@arch)"),
            string("machine", "machine type (/domain/os/type/@machine)")]


@command("hypervisor-cpu-compare", HOST,
         "compare a CPU with the CPU created by a hypervisor on the host",
         _COMPARE_FILE[:1] + _HV_OPTS + _COMPARE_FILE[1:])
def cmd_hypervisor_cpu_compare(shell: Shell, args: Args) -> bool:
    """Compare the CPU of a file with what the hypervisor offers."""
    path = args.req("file")
    xml = _cpu_xmls(read_file(path))[0]
    try:
        result = shell.conn.compareHypervisorCPU(args.get("emulator"), args.get("arch"),
                                                 args.get("machine"), args.get("virttype"),
                                                 xml, _compare_flags(args))
    except libvirt.libvirtError as exc:
        raise CmdError(f"Failed to compare hypervisor CPU with {path}", exc) from None
    host = "the CPU provided by hypervisor on the host"
    return _report_compare(shell, result, path, host,
                           "The CPU provided by hypervisor on the host")


def _baseline_flags(args: Args) -> int:
    flags = 0
    if args.flag("features"):
        flags |= libvirt.VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES
    if args.flag("migratable"):
        flags |= libvirt.VIR_CONNECT_BASELINE_CPU_MIGRATABLE
    return flags


_BASELINE_OPTS = [flag("features", "Show features that are part of the CPU model type"),
                  flag("migratable", "Do not include features that block migration")]


@command("cpu-baseline", HOST, "compute baseline CPU",
         [data("file", "file containing XML CPU descriptions"), *_BASELINE_OPTS])
def cmd_cpu_baseline(shell: Shell, args: Args) -> bool:
    """Print the baseline CPU of the CPUs in a file."""
    xmls = _cpu_xmls(read_file(args.req("file")))
    shell.out.print(shell.conn.baselineCPU(xmls, _baseline_flags(args)))
    return True


@command("hypervisor-cpu-baseline", HOST,
         "compute baseline CPU usable by a specific hypervisor",
         [data("file", "file containing XML CPU descriptions"), *_HV_OPTS, *_BASELINE_OPTS])
def cmd_hypervisor_cpu_baseline(shell: Shell, args: Args) -> bool:
    """Print the baseline of the CPUs in a file, as the hypervisor can run it."""
    xmls = _cpu_xmls(read_file(args.req("file")))
    shell.out.print(shell.conn.baselineHypervisorCPU(
        args.get("emulator"), args.get("arch"), args.get("machine"), args.get("virttype"),
        xmls, _baseline_flags(args)))
    return True
