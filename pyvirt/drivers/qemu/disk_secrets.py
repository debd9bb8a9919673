"""Encrypted guest disks: the LUKS passphrase handed to QEMU as a secret object.

A disk with ``<encryption format='luks'><secret type='passphrase'
uuid='...'/></encryption>`` (in ``<source>`` or in ``<disk>``) is opened by
QEMU's ``luks`` driver (raw images) or qcow2's ``encrypt`` options, keyed by
a QEMU ``secret`` object.  The passphrase comes from the host root's secret
driver and reaches QEMU in a file of mode 0600 in the domain's private
directory, named by the secret object (``file=``); the file is removed once
QEMU has read it (its monitor is up).  It is never on the command line.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from pyvirt import constants as C
from pyvirt.drivers import hostroot
from pyvirt.errors import report

_FROM = C.VIR_FROM_QEMU


def encryption_of(disk: Any) -> Any | None:
    """The kept ``<encryption>`` element of a disk (in its source or the disk), or None."""
    for kept in ((disk.source.kept if disk.source is not None else []), disk.kept):
        for node in kept:
            if node.tag == "encryption":
                return node
    return None


def secret_id(index: int) -> str:
    """The id of disk ``index``'s secret object (libvirt's alias)."""
    return f"libvirt-{index}-format-encryption-secret0"


def _passphrase(root: hostroot.HostRoot, enc: Any, target: str) -> bytes:
    attrs = dict(enc.attrs)
    if attrs.get("format") != "luks":
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, f"disk '{target}': only LUKS encryption "
                     f"is supported, not '{attrs.get('format')}'", _FROM)
    refs = [dict(c.attrs) for c in enc.children if c.tag == "secret"]
    if len(refs) != 1 or refs[0].get("type") != "passphrase":
        raise report(C.VIR_ERR_XML_ERROR, f"disk '{target}': a single <secret "
                     "type='passphrase'> is expected in encryption description", _FROM)
    ref = refs[0]
    secrets = hostroot.current("secret", root)
    obj = None
    if secrets is not None:
        if ref.get("uuid"):
            obj = secrets.state.secrets.get_uuid(ref["uuid"])
        elif ref.get("usage"):
            obj = next((o for o in secrets.state.secrets.values()
                        if o.def_.usage_id == ref["usage"]), None)
    if obj is None or obj.value is None:
        what = f"uuid '{ref.get('uuid')}'" if ref.get("uuid") else \
            f"usage '{ref.get('usage')}'"
        raise report(C.VIR_ERR_NO_SECRET, f"no secret with matching {what}",
                     C.VIR_FROM_SECRET)
    value: bytes = obj.value
    return value


def prepare(root: hostroot.HostRoot, disks: list[Any], blockdev: dict[str, int],
            domain_dir: str) -> dict[int, tuple[str, str]]:
    """Write the passphrase file of every encrypted disk; node index -> (secret object
    id, file)."""
    out: dict[int, tuple[str, str]] = {}
    for disk in disks:
        enc = encryption_of(disk)
        index = blockdev.get(disk.alias)
        if enc is None or index is None:
            continue
        value = _passphrase(root, enc, str(disk.target))
        sid = secret_id(index)
        path = os.path.join(domain_dir, f"{sid}.secret")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, value)
        finally:
            os.close(fd)
        out[index] = (sid, path)
    return out


def forget(secrets: dict[int, tuple[str, str]]) -> None:
    """Remove the passphrase files (QEMU has read them)."""
    for _sid, path in secrets.values():
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def hotplug_objects(root: hostroot.HostRoot, disk: Any, index: int,
                    domain_dir: str) -> list[dict[str, Any]]:
    """The QMP ``object-add`` arguments that key a hot-plugged encrypted disk: the
    domain's master key (read by QEMU from its 0600 file) and the disk's secret
    object, its passphrase AES-encrypted with that key (as libvirt hot-plugs it, so
    the passphrase never crosses the monitor in clear); [] for a plain disk."""
    enc = encryption_of(disk)
    if enc is None:
        return []
    from pyvirt.drivers.qemu import netdisk
    value = _passphrase(root, enc, str(disk.target))
    path, key = netdisk.master_key(domain_dir)
    return [{"qom-type": "secret", "id": netdisk.MASTER_KEY_ID, "format": "raw",
             "file": path},
            netdisk.secret_object(secret_id(index), value, key)]
