"""Network disks on QEMU's command line: RBD images and iSCSI LUNs, their secrets.

A disk whose source is on the network (``<disk type='network'>``, or a
volume of an rbd/iscsi-direct pool) becomes a ``-blockdev`` of QEMU's rbd
or iscsi driver.  Its cephx key or CHAP password never appears on the
command line: as libvirt does, the domain gets a master key file
(``master-key.aes``, 32 random bytes, mode 0600, in the QEMU process's
directory) passed as ``-object secret,id=masterKey0,file=...``, and each
disk's secret goes in a secret object encrypted with it (AES-256-CBC, a
random IV) that the block node names (``key-secret``/``password-secret``).
"""

from __future__ import annotations

import base64
import os
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from pyvirt import constants as C
from pyvirt.drivers.storage.backends.netdisk import NetSource, of_disk
from pyvirt.errors import report

MASTER_KEY_ID = "masterKey0"
MASTER_KEY_FILE = "master-key.aes"


def master_key(domain_dir: str) -> tuple[str, bytes]:
    """The domain's master key file (made on first use) and its bytes."""
    path = os.path.join(domain_dir, MASTER_KEY_FILE)
    try:
        with open(path, "rb") as fh:
            key = fh.read()
        if len(key) == 32:
            return path, key
    except FileNotFoundError:
        pass
    key = os.urandom(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    return path, key


def secret_object(obj_id: str, plain: bytes, key: bytes) -> dict[str, Any]:
    """A QEMU secret object holding ``plain`` encrypted with the master key."""
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    data = padder.update(plain) + padder.finalize()
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    cipher = enc.update(data) + enc.finalize()
    return {"qom-type": "secret", "id": obj_id, "data": base64.b64encode(cipher).decode(),
            "keyid": MASTER_KEY_ID, "iv": base64.b64encode(iv).decode(), "format": "base64"}


def secret_id(storage_node: str) -> str:
    """The id of a disk's authentication secret object (libvirt's name)."""
    return f"{storage_node}-auth-secret0"


def storage_props(src: NetSource, node: str) -> dict[str, Any]:
    """The storage -blockdev node of a network source."""
    if src.protocol == "rbd":
        pool, _sep, image = src.name.partition("/")
        props: dict[str, Any] = {"driver": "rbd", "pool": pool, "image": image,
                                 "server": [{"host": h, "port": str(p or 6789)}
                                            for h, p in src.hosts]}
        if src.auth is not None:
            props.update({"user": src.auth.username,
                          "auth-client-required": ["cephx", "none"],
                          "key-secret": secret_id(node)})
        return props
    if src.protocol == "iscsi":
        target, _sep, lun = src.name.rpartition("/")
        host, port = src.hosts[0] if src.hosts else ("", None)
        props = {"driver": "iscsi", "portal": f"{host}:{port or 3260}", "target": target,
                 "lun": int(lun or 0), "transport": "tcp"}
        if src.initiator:
            props["initiator-name"] = src.initiator
        if src.auth is not None:
            props.update({"user": src.auth.username, "password-secret": secret_id(node)})
        return props
    raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, f"network disk protocol '{src.protocol}' is "
                 "not supported", C.VIR_FROM_QEMU)


def secret_objects(disks: list[tuple[Any, str]], domain_dir: str) -> list[dict[str, Any]]:
    """The -object options of the network disks' secrets (master key first), for
    ``disks`` as (disk, storage node) pairs; [] when none needs one."""
    out: list[dict[str, Any]] = []
    key = b""
    for disk, node in disks:
        src = of_disk(disk)
        if src is None or src.auth is None:
            continue
        if src.secret is None:
            raise report(C.VIR_ERR_INTERNAL_ERROR, f"the secret of disk '{disk.target}' was "
                         "not looked up", C.VIR_FROM_QEMU)
        if not out:
            path, key = master_key(domain_dir)
            out.append({"qom-type": "secret", "id": MASTER_KEY_ID, "format": "raw",
                        "file": path})
        # the raw value: QEMU's rbd driver base64-encodes it for librados itself
        out.append(secret_object(secret_id(node), src.secret, key))
    return out
