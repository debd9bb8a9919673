"""Shared by the comparisons with Debian's libvirt under /usr/bin/python3."""

from __future__ import annotations

import os
import subprocess
import threading
from typing import Any

REAL_PYTHON = "/usr/bin/python3"


def has_libvirt_python() -> bool:
    """Whether Debian's python3 can import libvirt (python3-libvirt)."""
    if not os.access(REAL_PYTHON, os.X_OK):
        return False
    return subprocess.run([REAL_PYTHON, "-c", "import libvirt"], capture_output=True,
                          check=False, timeout=60).returncode == 0


def real_env() -> dict[str, str]:
    """The environment for /usr/bin/python3: without pyvirt's PYTHONPATH."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def qemu_as_root(root: str) -> None:
    """Make libvirt's ``qemu:///embed?root=ROOT`` run QEMU as root, as pyvirt does.

    With libvirt's default user, 'libvirt-qemu', which cannot open /dev/kvm on
    these machines, libvirt finds its probed QEMU capabilities stale ("KVM was
    enabled when probing") at every lookup and probes QEMU again: tens of
    seconds per call.
    """
    os.makedirs(os.path.join(root, "etc"), exist_ok=True)
    with open(os.path.join(root, "etc", "qemu.conf"), "w") as f:
        f.write('user = "root"\ngroup = "root"\n')


# qemu.conf of the capture scripts' embedded roots: QEMU as root, no virtlogd, no
# security driver, files left with their owners
EMBED_QEMU_CONF = ('stdio_handler = "file"\nsecurity_driver = "none"\nuser = "root"\n'
                   'group = "root"\ndynamic_ownership = 0\n')


def open_embedded(libvirt: Any, root: str) -> Any:
    """libvirt's ``qemu:///embed?root=ROOT`` with its event loop running in a thread.

    ``libvirt`` is Debian's python3-libvirt module (the scripts run under
    /usr/bin/python3); ROOT/etc/qemu.conf is written first.
    """
    libvirt.virEventRegisterDefaultImpl()
    threading.Thread(target=lambda: [libvirt.virEventRunDefaultImpl() for _ in iter(int, 1)],
                     daemon=True).start()
    os.makedirs(os.path.join(root, "etc", "qemu"), exist_ok=True)
    with open(os.path.join(root, "etc", "qemu.conf"), "w") as f:
        f.write(EMBED_QEMU_CONF)
    return libvirt.open(f"qemu:///embed?root={root}")
