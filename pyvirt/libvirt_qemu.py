"""libvirt-python's ``libvirt_qemu`` module: the QEMU-specific calls.

``qemuAgentCommand`` sends a raw command to a domain's guest agent and
returns the agent's JSON reply; ``qemuMonitorCommand`` a raw QMP command.
Both go to the domain's driver (a QEMU connection, or pyvirtd/libvirtd over
the QEMU RPC program).
"""

from __future__ import annotations

from typing import Any

from pyvirt.constants_qemu import *  # noqa: F403 - libvirt_qemu's constants


def qemuAgentCommand(domain: Any, cmd: str, timeout: int, flags: int) -> str:  # noqa: N802
    """Run the guest agent command ``cmd`` (JSON) with ``timeout`` seconds (-2 block,
    -1 default, 0 no wait); return the agent's reply as JSON text."""
    result: str = domain._drv.domainQemuAgentCommand(domain._o, cmd, timeout, flags)
    return result


def qemuMonitorCommand(domain: Any, cmd: str, flags: int) -> str:  # noqa: N802
    """Run the QEMU monitor command ``cmd``; return QEMU's reply."""
    result: str = domain._drv.domainQemuMonitorCommand(domain._o, cmd, flags)
    return result
