"""Guest agent commands (domhostname, domtime, guestinfo, qemu-agent-command) and
the raw QEMU monitor command (qemu-monitor-command)."""

from __future__ import annotations

import json
import time

import pyvirt as libvirt
from pyvirt.shell import lookup
from pyvirt.shell.command import (
    DOMAIN,
    Args,
    CmdError,
    argv,
    command,
    exclusive,
    fd_list,
    flag,
    number,
    string,
)
from pyvirt.shell.main import Shell

DOMAIN_GROUP = "domain"
MONITOR = "monitor"


@command("domhostname", MONITOR, "print the domain's hostname",
         [DOMAIN, string("source", "address source: 'lease' or 'agent'")])
def cmd_domhostname(shell: Shell, args: Args) -> bool:
    """The guest's hostname, from its agent or its DHCP lease."""
    dom, _ = lookup.domain(shell, args)
    source = args.get("source")
    flags = {None: 0, "agent": libvirt.VIR_DOMAIN_GET_HOSTNAME_AGENT,
             "lease": libvirt.VIR_DOMAIN_GET_HOSTNAME_LEASE}.get(source)
    if flags is None:
        raise CmdError(f"Unknown data source '{source}'")
    try:
        name = dom.hostname(flags)
    except libvirt.libvirtError as exc:
        raise CmdError("failed to get hostname", exc) from None
    shell.out.print(f"{name}\n")
    return True


@command("domtime", DOMAIN_GROUP, "domain time",
         [DOMAIN, flag("now", "set to the time of the host running virsh"),
          flag("pretty", "print domain's time in human readable form"),
          flag("sync", "instead of setting given time, synchronize from domain's RTC"),
          number("time", "time to set")])
def cmd_domtime(shell: Shell, args: Args) -> bool:
    """Show the guest's clock, or set it (--now, --time, --sync)."""
    exclusive(args, "time", "now")
    exclusive(args, "time", "sync")
    exclusive(args, "now", "sync")
    dom, _ = lookup.domain(shell, args)
    seconds = args.int("time", -(2 ** 63), 2 ** 63 - 1)
    if args.flag("now") or args.flag("sync") or seconds is not None:
        if args.flag("pretty"):
            raise CmdError("Options --pretty and --now|--sync|--time are mutually exclusive")
        try:
            if args.flag("sync"):
                dom.setTime(None, libvirt.VIR_DOMAIN_TIME_SYNC)
            else:
                now = int(time.time()) if args.flag("now") else seconds
                dom.setTime({"seconds": now, "nseconds": 0}, 0)
        except libvirt.libvirtError as exc:
            raise CmdError(None, exc) from None
        return True
    try:
        value = dom.getTime(0)
    except libvirt.libvirtError as exc:
        raise CmdError(None, exc) from None
    if args.flag("pretty"):
        text = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(value["seconds"]))
        shell.out.print(f"Time: {text}\n")
    else:
        shell.out.print(f"Time: {value['seconds']}\n")
    return True


_INFO_TYPES = (("user", libvirt.VIR_DOMAIN_GUEST_INFO_USERS),
               ("os", libvirt.VIR_DOMAIN_GUEST_INFO_OS),
               ("timezone", libvirt.VIR_DOMAIN_GUEST_INFO_TIMEZONE),
               ("hostname", libvirt.VIR_DOMAIN_GUEST_INFO_HOSTNAME),
               ("filesystem", libvirt.VIR_DOMAIN_GUEST_INFO_FILESYSTEM),
               ("disk", libvirt.VIR_DOMAIN_GUEST_INFO_DISKS),
               ("interface", libvirt.VIR_DOMAIN_GUEST_INFO_INTERFACES))


@command("guestinfo", DOMAIN_GROUP, "query information about the guest (via agent)",
         [DOMAIN, flag("user", "report active users"),
          flag("os", "report operating system information"),
          flag("timezone", "report timezone information"),
          flag("hostname", "report hostname"),
          flag("filesystem", "report filesystem information"),
          flag("disk", "report disk information"),
          flag("interface", "report interface information")])
def cmd_guestinfo(shell: Shell, args: Args) -> bool:
    """Users, OS, time zone, hostname, file systems, disks, interfaces, as the agent says."""
    types = 0
    for name, bit in _INFO_TYPES:
        if args.flag(name):
            types |= bit
    dom, _ = lookup.domain(shell, args)
    try:
        info = dom.guestInfo(types, 0)
    except libvirt.libvirtError as exc:
        raise CmdError(None, exc) from None
    for key, value in info.items():
        if isinstance(value, bool):
            value = "yes" if value else "no"
        shell.out.print(f"{key:<20}: {value}\n")
    return True


@command("qemu-agent-command", DOMAIN_GROUP, "QEMU Guest Agent Command",
         [DOMAIN, number("timeout", "timeout seconds. must be positive."),
          flag("async", "execute command without waiting for timeout"),
          flag("block", "execute command without timeout"),
          flag("pretty", "pretty-print the output"),
          argv("cmd", "command", required=True)])
def cmd_qemu_agent_command(shell: Shell, args: Args) -> bool:
    """Send a raw JSON command to the guest agent and print its reply."""
    from pyvirt import libvirt_qemu

    exclusive(args, "timeout", "async")
    exclusive(args, "timeout", "block")
    exclusive(args, "async", "block")
    timeout = -1                # VIR_DOMAIN_QEMU_AGENT_COMMAND_DEFAULT
    given = args.int("timeout")
    if given is not None:
        if given < 1:
            raise CmdError("timeout must be positive")
        timeout = given
    if args.flag("async"):
        timeout = 0
    if args.flag("block"):
        timeout = -2
    dom, _ = lookup.domain(shell, args)
    try:
        reply = libvirt_qemu.qemuAgentCommand(dom, " ".join(args.words("cmd")), timeout, 0)
    except libvirt.libvirtError as exc:
        raise CmdError(None, exc) from None
    if args.flag("pretty") and reply:
        reply = json.dumps(json.loads(reply), indent=2)
    shell.out.print(f"{reply}\n")
    return True


@command("qemu-monitor-command", DOMAIN_GROUP, "QEMU Monitor Command",
         [DOMAIN, flag("hmp", "command is in human monitor protocol"),
          flag("pretty", "pretty-print any qemu monitor protocol output"),
          flag("return-value", "extract the value of the 'return' key from the returned "
               "string"),
          string("pass-fds", "pass file descriptors N,M,... along with the command"),
          argv("cmd", "command", required=True)])
def cmd_qemu_monitor_command(shell: Shell, args: Args) -> bool:
    """Send a raw command to QEMU's monitor and print its reply, as virsh does."""
    from pyvirt import libvirt_qemu

    exclusive(args, "hmp", "pretty")
    exclusive(args, "hmp", "return-value")
    words = args.words("cmd")
    hmp = args.flag("hmp")
    cmd = " ".join(words) if hmp else _qmp_command(words)
    given = args.get("pass-fds")
    fds = fd_list(given) if given is not None else []
    dom, _ = lookup.domain(shell, args)
    try:
        reply, _out = libvirt_qemu.qemuMonitorCommandWithFiles(
            dom, cmd, fds, libvirt_qemu.VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP if hmp else 0)
    except libvirt.libvirtError as exc:
        raise CmdError(None, exc) from None
    pretty, only_return = args.flag("pretty"), args.flag("return-value")
    if not (pretty or only_return):
        shell.out.print(f"{reply}\n")
        return True
    value = json.loads(reply)
    if only_return:
        if not isinstance(value, dict) or "return" not in value:
            raise CmdError("'return' member missing")
        value = value["return"]
    text = json.dumps(value, indent=2) if pretty else json.dumps(value, separators=(",", ":"))
    shell.out.print(text)         # virsh ends it with the blank line after a command
    return True


def _qmp_command(words: list[str]) -> str:
    """virsh's QMP text for the command words: a JSON object as given, else the first
    word as the command and the others as JSON members of its arguments."""
    whole = " ".join(words)
    try:
        if isinstance(json.loads(whole), dict):
            return whole
    except ValueError:
        pass
    if len(words) == 1:
        return json.dumps({"execute": words[0]}, separators=(",", ":"))
    members = "{" + ",".join(words[1:]) + "}"
    try:
        arguments = json.loads(members)
    except ValueError as exc:
        raise CmdError(f"failed to wrap arguments '{' '.join(words[1:])}' into a QMP command "
                       f"wrapper\nerror: internal error: cannot parse json {members}: {exc}"
                       ) from None
    return json.dumps({"execute": words[0], "arguments": arguments}, separators=(",", ":"))
