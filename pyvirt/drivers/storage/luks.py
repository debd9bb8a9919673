"""LUKS-encrypted volumes: ``<encryption format='luks'>`` with a passphrase secret.

qemu-img makes and resizes them.  The passphrase (the value of the secret
the volume names, from the root's secret driver) reaches qemu-img only as
a QEMU secret object read from a file of mode 0600 that exists for the
duration of the command (``--object secret,id=ALIAS,file=PATH``): never on
a command line.  Raw volumes become qemu's ``luks`` format; qcow2 volumes
get ``encrypt.format=luks``.  The driver hands the passphrase over with
:func:`passphrase` around the backend's call.

QEMU spends about 2 s of CPU deriving the key at each create and open (its
default ``iter-time``); ``PYVIRT_LUKS_ITER_TIME`` (milliseconds) in the
environment sets another for new volumes (the test suite uses 10 ms).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

from pyvirt import constants as C
from pyvirt.conf.storage_vol import Encryption, EncryptionFormat, StorageVolDef
from pyvirt.errors import libvirtError, report

_FROM = C.VIR_FROM_STORAGE
_BUSY = "Unable to get accurate CPU usage"
_TRIES = 8
_lock = threading.Lock()
_passphrases: dict[str, bytes] = {}      # volume path -> passphrase, during a call


@contextlib.contextmanager
def passphrase(path: str, value: bytes | None) -> Iterator[None]:
    """Make ``value`` the passphrase of the volume at ``path`` for the block."""
    if value is None:
        yield
        return
    with _lock:
        _passphrases[path] = value
    try:
        yield
    finally:
        with _lock:
            _passphrases.pop(path, None)


def _value(path: str) -> bytes:
    with _lock:
        value = _passphrases.get(path)
    if value is None:
        raise report(C.VIR_ERR_INTERNAL_ERROR,
                     f"no passphrase was given for encrypted volume '{path}'", _FROM)
    return value


@contextlib.contextmanager
def secret_file(value: bytes) -> Iterator[str]:
    """A file of mode 0600 holding ``value``, removed after the block."""
    fd, path = tempfile.mkstemp(prefix="pyvirt-secret-")
    try:
        os.write(fd, value)
        os.close(fd)
        fd = -1
        yield path
    finally:
        if fd >= 0:
            os.close(fd)
        os.unlink(path)


def alias(vol: StorageVolDef) -> str:
    """The QEMU secret object's id for ``vol`` (libvirt's NAME_encrypt0)."""
    return f"{vol.name}_encrypt0"


def _cipher_opts(enc: Encryption, prefix: str) -> list[str]:
    opts = []
    if enc.cipher is not None:
        if enc.cipher.name:
            opts.append(f"{prefix}cipher-alg={enc.cipher.name}-{enc.cipher.size}")
        if enc.cipher.mode:
            opts.append(f"{prefix}cipher-mode={enc.cipher.mode}")
        if enc.cipher.hash:
            opts.append(f"{prefix}hash-alg={enc.cipher.hash}")
    if enc.ivgen is not None:
        if enc.ivgen.name:
            opts.append(f"{prefix}ivgen-alg={enc.ivgen.name}")
        if enc.ivgen.hash:
            opts.append(f"{prefix}ivgen-hash-alg={enc.ivgen.hash}")
    return opts


def create_argv(vol: StorageVolDef, secret_path: str, qemu_img: str = "qemu-img"
                ) -> list[str]:
    """``qemu-img create`` of an encrypted volume (the secret read from ``secret_path``)."""
    enc = vol.target.encryption
    assert enc is not None
    fmt = vol.target.format or "raw"
    sid = alias(vol)
    iter_time = os.environ.get("PYVIRT_LUKS_ITER_TIME", "")
    if fmt == "raw":
        opts = [f"key-secret={sid}", *_cipher_opts(enc, "")]
        opts += [f"iter-time={int(iter_time)}"] if iter_time.isdigit() else []
        qfmt = "luks"
    else:
        opts = ["encrypt.format=luks", f"encrypt.key-secret={sid}",
                *_cipher_opts(enc, "encrypt.")]
        opts += [f"encrypt.iter-time={int(iter_time)}"] if iter_time.isdigit() else []
        opts.append(f"compat={vol.target.compat or '1.1'}")
        qfmt = fmt
    return [qemu_img, "create", "-f", qfmt, "--object", f"secret,id={sid},file={secret_path}",
            "-o", ",".join(opts), vol.target.path or "", f"{(vol.capacity + 1023) // 1024}K"]


def check(vol: StorageVolDef) -> None:
    """Refuse encryption a file volume cannot have (libvirt's checks)."""
    enc = vol.target.encryption
    if enc is None:
        return
    fmt = vol.target.format or "raw"
    if fmt not in ("raw", "qcow2"):
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     f"volume encryption unsupported with format {fmt}", _FROM)
    if enc.format is not EncryptionFormat.LUKS:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED, "unsupported volume encryption format "
                     f"'{enc.format.value if enc.format else ''}'", _FROM)
    if vol.backing_store is not None:
        raise report(C.VIR_ERR_CONFIG_UNSUPPORTED,
                     "encrypted volumes with a backing store are not supported", _FROM)


def create(vol: StorageVolDef, run: Any) -> None:
    """Create ``vol`` encrypted; ``run`` runs an argv (volfile.run_command)."""
    check(vol)
    with secret_file(_value(vol.target.path or "")) as path:
        for attempt in range(_TRIES):
            try:
                run(create_argv(vol, path))
                return
            except libvirtError as exc:
                # QEMU times its key derivation by CPU time; on a busy host the
                # measure can come out empty and qemu-img gives up: try again,
                # a little later each time, so that the burst can pass
                if _BUSY not in str(exc) or attempt == _TRIES - 1:
                    raise
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(vol.target.path or "")
                time.sleep(0.2 * (attempt + 1))


def resize_argv(vol: StorageVolDef, capacity: int, secret_path: str,
                qemu_img: str = "qemu-img") -> list[str]:
    """``qemu-img resize`` of an encrypted volume through --image-opts."""
    sid = alias(vol)
    fmt = vol.target.format or "raw"
    image = (f"driver=luks,key-secret={sid},file.filename={vol.target.path}" if fmt == "raw"
             else f"driver=qcow2,encrypt.key-secret={sid},file.filename={vol.target.path}")
    return [qemu_img, "resize", "--object", f"secret,id={sid},file={secret_path}",
            "--image-opts", image, str(capacity)]


def resize(vol: StorageVolDef, capacity: int, run: Any) -> None:
    """Resize an encrypted volume (its passphrase given with :func:`passphrase`)."""
    with secret_file(_value(vol.target.path or "")) as path:
        run(resize_argv(vol, capacity, path))


def encryption_of(info: dict[str, Any]) -> Encryption | None:
    """The ``<encryption>`` qemu-img info reveals (LUKS file or LUKS-in-qcow2)."""
    if info.get("format") == "luks" or \
            (info.get("format-specific") or {}).get("data", {}).get("encrypt", {}).get(
                "format") == "luks" or info.get("encrypted") and info.get("format") == "qcow2":
        return Encryption(format=EncryptionFormat.LUKS)
    return None
