"""libvirt's QEMU program (0x20008087) and LXC program, declared as data.

The QEMU program carries libvirt-qemu's calls (``qemuMonitorCommand``,
``qemuAgentCommand``, monitor events); see :mod:`pyvirt.rpc.program` for
the row notation.
"""

from __future__ import annotations

from pyvirt.rpc import protocol as P
from pyvirt.rpc.program import Program
from pyvirt.rpc.remote_protocol import codec

QEMU_ROWS: list[tuple[int, str, str | None, str | None, str]] = [
    (1, "DOMAIN_MONITOR_COMMAND", "dom:dom cmd:s flags:u", "result:s", "w"),
    (2, "DOMAIN_ATTACH", "pid_value:u flags:u", "dom:dom", "w"),
    (3, "DOMAIN_AGENT_COMMAND", "dom:dom cmd:s timeout:i flags:u", "result:s?", "w"),
    (4, "CONNECT_DOMAIN_MONITOR_EVENT_REGISTER", "dom:dom? event:s? flags:u", "callbackID:i", "hi"),
    (5, "CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER", "callbackID:i", None, "hi"),
    (6, "DOMAIN_MONITOR_EVENT", "callbackID:i dom:dom event:s seconds:h micros:u details:s?", None, "e"),
    (7, "DOMAIN_MONITOR_COMMAND_WITH_FILES", "dom:dom cmd:s flags:u", "result:s", "wf"),
]

LXC_ROWS: list[tuple[int, str, str | None, str | None, str]] = [
    (1, "DOMAIN_OPEN_NAMESPACE", "dom:dom flags:u", None, "wf"),
]

QEMU = Program("qemu", P.QEMU_PROGRAM, P.QEMU_PROTOCOL_VERSION, codec, QEMU_ROWS)
LXC = Program("lxc", P.LXC_PROGRAM, P.LXC_PROTOCOL_VERSION, codec, LXC_ROWS)
KEEPALIVE = Program("keepalive", P.KEEPALIVE_PROGRAM, P.KEEPALIVE_PROTOCOL_VERSION, codec,
                    [(P.KEEPALIVE_PROC_PING, "PING", None, None, "h"),
                     (P.KEEPALIVE_PROC_PONG, "PONG", None, None, "h")])
