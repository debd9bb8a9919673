"""libvirt-python's ``libvirt_qemu`` module: the QEMU-specific calls.

``qemuAgentCommand`` sends a raw command to a domain's guest agent and
returns the agent's JSON reply; ``qemuMonitorCommand`` a raw QMP command.
Both go to the domain's driver (a QEMU connection, or pyvirtd/libvirtd over
the QEMU RPC program).
"""

from __future__ import annotations

from typing import Any

from pyvirt import constants as C
from pyvirt.constants_qemu import *  # noqa: F403 - libvirt_qemu's constants
from pyvirt.errors import denied, no_support


def driver_call(domain: Any, method: str, c_name: str) -> Any:
    """The domain's driver method ``method``, or libvirt's "not supported by the
    connection driver" error naming ``c_name`` when its driver has none (libvirt's
    "read only access prevents" error on a read-only connection)."""
    if getattr(domain, "_ro", False):
        raise denied(c_name, C.VIR_FROM_NONE)
    call = getattr(domain._drv, method, None)
    if call is None:
        raise no_support(c_name)
    return call


def qemuAgentCommand(domain: Any, cmd: str, timeout: int, flags: int) -> str:  # noqa: N802
    """Run the guest agent command ``cmd`` (JSON) with ``timeout`` seconds (-2 block,
    -1 default, 0 no wait); return the agent's reply as JSON text."""
    call = driver_call(domain, "domainQemuAgentCommand", "virDomainQemuAgentCommand")
    result: str = call(domain._o, cmd, timeout, flags)
    return result


def qemuMonitorCommand(domain: Any, cmd: str, flags: int) -> str:  # noqa: N802
    """Run the QEMU monitor command ``cmd``; return QEMU's reply."""
    call = driver_call(domain, "domainQemuMonitorCommand", "virDomainQemuMonitorCommand")
    result: str = call(domain._o, cmd, flags)
    return result


def qemuMonitorCommandWithFiles(domain: Any, cmd: str, files: list[int] | None = None,  # noqa: N802
                                flags: int = 0) -> tuple[str, list[int]]:
    """Run the QEMU monitor command ``cmd``, passing descriptors ``files`` with it;
    return (QEMU's reply, the descriptors that came back)."""
    call = driver_call(domain, "domainQemuMonitorCommandWithFiles",
                       "virDomainQemuMonitorCommandWithFiles")
    result, fds = call(domain._o, cmd, list(files or ()), flags)
    return result, list(fds)
