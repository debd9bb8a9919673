"""Taints: what makes a running guest unsupported, as libvirt records it.

libvirt marks a domain object when something outside its control touched
the guest (a raw monitor command, custom QEMU arguments, QEMU running as
root ...).  A taint lasts until the guest stops; it is written to the
status XML (``<taint flag='custom-monitor'/>``), logged once to the
guest's log file ("Domain id=1 is tainted: custom-monitor") and listed by
virDomainGetMessages in libvirt's words.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

# libvirt's virDomainTaint names in its enum order, with virDomainTaintMessage's words.
TAINTS: dict[str, str] = {
    "custom-argv": "custom configuration parameters specified",
    "custom-monitor": "custom monitor control commands issued",
    "high-privileges": "running with undesirable elevated privileges",
    "shell-scripts": "network configuration using opaque shell scripts",
    "disk-probing": "potentially unsafe disk format probing",
    "external-launch": "managing externally launched configuration",
    "host-cpu": "potentially unsafe use of host CPU passthrough",
    "hook-script": "configuration potentially modified by hook script",
    "cdrom-passthrough": "use of host cdrom passthrough",
    "custom-dtb": "custom device tree blob used",
    "custom-ga-command": "custom guest agent control commands issued",
    "custom-hypervisor-feature": "hypervisor feature autodetection override",
    "deprecated-config": "use of deprecated configuration settings",
}

log = logging.getLogger("pyvirt.qemu")


def taint(vm: Any, flag: str) -> bool:
    """Mark the running ``vm`` with ``flag``; log it the first time.

    Returns True when the flag is new (the caller then saves the status XML).
    """
    assert flag in TAINTS, flag
    with vm.lock:
        if flag in vm.taints:
            return False
        vm.taints.add(flag)
        domid, name, uuid, path = vm.id, vm.name, vm.uuid, vm.log_path
    log.info("Domain id=%d name='%s' uuid=%s is tainted: %s", domid, name, uuid, flag)
    if path:
        now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        try:
            with open(path, "a") as f:
                f.write(f"{now}+0000: Domain id={domid} is tainted: {flag}\n")
        except OSError as exc:
            log.warning("%s: cannot log the taint: %s", name, exc)
    return True


def in_order(flags: set[str]) -> list[str]:
    """``flags`` in libvirt's order (its enum's)."""
    return [name for name in TAINTS if name in flags]


def messages(flags: set[str]) -> list[str]:
    """virDomainGetMessages' lines for ``flags``, in libvirt's order."""
    return [f"tainted: {TAINTS[name]}" for name in in_order(flags)]
