"""Host and hypervisor commands: version, hostname, uri, nodeinfo, capabilities."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyvirt as libvirt
from pyvirt.shell.command import Args, CmdError, command, flag, string
from pyvirt.shell.main import Shell

HOST = "host"


def _fetch(what: str, func: Callable[[], Any]) -> Any:
    """Call ``func``; on failure raise virsh's ``failed to get <what>``."""
    try:
        return func()
    except libvirt.libvirtError as exc:
        raise CmdError(f"failed to get {what}", exc) from None


def version_string(number: int) -> str:
    """libvirt's packed version number as ``major.minor.release``."""
    return f"{number // 1000000}.{number // 1000 % 1000}.{number % 1000}"


@command("version", HOST, "show version", [flag("daemon", "report daemon version too")],
         json=True)
def cmd_version(shell: Shell, args: Args) -> bool:
    """Print library, API and hypervisor versions."""
    conn = shell.conn
    hv_type = _fetch("hypervisor type", conn.getType)
    lib = _fetch("the library version", libvirt.getVersion)
    hv = _fetch("the hypervisor version", conn.getVersion)
    daemon = None
    daemon_error = None
    if args.flag("daemon"):
        try:
            daemon = conn.getLibVersion()
        except libvirt.libvirtError as exc:
            daemon_error = exc
    if args.json:
        shell.out.json({
            "library_version": version_string(lib),
            "api_type": hv_type,
            "api_version": version_string(lib),
            "hypervisor_type": hv_type,
            "hypervisor_version": version_string(hv) if hv else None,
            "daemon_version": version_string(daemon) if daemon is not None else None,
        })
    else:
        out = shell.out
        out.print(f"Compiled against library: libvirt {version_string(lib)}\n")
        out.print(f"Using library: libvirt {version_string(lib)}\n")
        out.print(f"Using API: {hv_type} {version_string(lib)}\n")
        if hv == 0:
            out.print(f"Cannot extract running {hv_type} hypervisor version\n")
        else:
            out.print(f"Running hypervisor: {hv_type} {version_string(hv)}\n")
        if daemon is not None:
            out.print(f"Running against daemon: {version_string(daemon)}\n")
    if daemon_error is not None:
        shell.out.error("failed to get the daemon version")
    return True


@command("hostname", HOST, "print the hypervisor hostname")
def cmd_hostname(shell: Shell, args: Args) -> bool:
    """Print the host name."""
    shell.out.print(_fetch("hostname", shell.conn.getHostname) + "\n")
    return True


@command("uri", HOST, "print the hypervisor canonical URI")
def cmd_uri(shell: Shell, args: Args) -> bool:
    """Print the connection's URI."""
    shell.out.print(_fetch("URI", shell.conn.getURI) + "\n")
    return True


@command("nodeinfo", HOST, "node information", json=True)
def cmd_nodeinfo(shell: Shell, args: Args) -> bool:
    """Print the host's CPU and memory summary."""
    try:
        model, memory_mib, cpus, mhz, nodes, sockets, cores, threads = shell.conn.getInfo()
    except libvirt.libvirtError as exc:
        raise CmdError("failed to get node information", exc) from None
    # getInfo() reports memory in MiB where virsh shows libvirt's KiB
    memory_kib = memory_mib * 1024
    if args.json:
        shell.out.json({"cpu_model": model, "cpus": cpus, "mhz": mhz, "sockets": sockets,
                        "cores_per_socket": cores, "threads_per_core": threads,
                        "numa_cells": nodes, "memory_kib": memory_kib})
        return True
    out = shell.out
    out.print(f"{'CPU model:':<20} {model}\n")
    out.print(f"{'CPU(s):':<20} {cpus}\n")
    if mhz:
        out.print(f"{'CPU frequency:':<20} {mhz} MHz\n")
    out.print(f"{'CPU socket(s):':<20} {sockets}\n")
    out.print(f"{'Core(s) per socket:':<20} {cores}\n")
    out.print(f"{'Thread(s) per core:':<20} {threads}\n")
    out.print(f"{'NUMA cell(s):':<20} {nodes}\n")
    out.print(f"{'Memory size:':<20} {memory_kib} KiB\n")
    return True


@command("capabilities", HOST, "capabilities")
def cmd_capabilities(shell: Shell, args: Args) -> bool:
    """Print the capabilities XML."""
    shell.out.print(_fetch("capabilities", shell.conn.getCapabilities) + "\n")
    return True


@command("domcapabilities", HOST, "domain capabilities",
         [string("virttype", "virtualization type (/domain/@type)", positional=True),
          string("emulatorbin", "path to emulator binary (/domain/devices/emulator)",
                 positional=True, complete="file"),
          string("arch", "domain architecture (/domain/os/type/@arch)", positional=True),
          string("machine", "machine type (/domain/os/type/@machine)", positional=True)])
def cmd_domcapabilities(shell: Shell, args: Args) -> bool:
    """Print the domain capabilities XML."""
    virttype, emulator = args.get("virttype"), args.get("emulatorbin")
    arch, machine = args.get("arch"), args.get("machine")
    try:
        caps = shell.conn.getDomainCapabilities(emulator, arch, machine, virttype, 0)
    except libvirt.libvirtError as exc:
        raise CmdError("failed to get emulator capabilities", exc) from None
    shell.out.print(caps + "\n")
    return True


@command("sysinfo", HOST, "print the hypervisor sysinfo")
def cmd_sysinfo(shell: Shell, args: Args) -> bool:
    """Print the host's SMBIOS sysinfo XML."""
    shell.out.print(_fetch("sysinfo", lambda: shell.conn.getSysinfo(0)))
    return True
