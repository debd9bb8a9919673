"""Where the secret driver keeps secrets, and how their values are sealed.

Under ``<config_dir>/secrets`` (as libvirt lays it out)::

    UUID.xml                    the definition of a persistent secret
    UUID.base64                 its value: base64 of nonce (12 bytes) + AES-256-GCM
                                ciphertext and tag, the UUID as associated data
    secrets-encryption-key      the host's key: 32 random bytes, mode 0600

The directory is mode 0700 and every file 0600, so only root (the owner)
reads them.  Ephemeral secrets are never written.  Files are written with
:func:`pyvirt.util.fileutil.atomic_write`.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets as _random
from typing import TYPE_CHECKING

from pyvirt import constants as C
from pyvirt.conf.secret import SecretDef
from pyvirt.errors import libvirtError, report
from pyvirt.util.fileutil import atomic_write, remove_durably
from pyvirt.util.lazy import lazy_module

# cryptography only when a value is sealed or opened
if TYPE_CHECKING:
    from cryptography import exceptions as crypto_errors
    from cryptography.hazmat.primitives.ciphers import aead
else:
    crypto_errors = lazy_module("cryptography.exceptions", globals())
    aead = lazy_module("cryptography.hazmat.primitives.ciphers.aead", globals())

log = logging.getLogger(__name__)
_FROM = C.VIR_FROM_SECRET
KEY_FILE = "secrets-encryption-key"
NONCE = 12


class SecretStore:
    """The files of one root's secrets."""

    def __init__(self, config_root: str) -> None:
        self.dir = os.path.join(config_root, "secrets")
        self._key: bytes | None = None

    def make(self) -> None:
        """Create the directory (0700) and the host key on first use."""
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        os.chmod(self.dir, 0o700)
        path = os.path.join(self.dir, KEY_FILE)
        if not os.path.exists(path):
            atomic_write(path, _random.token_bytes(32), 0o600)
        with open(path, "rb") as fh:
            key = fh.read()
        if len(key) != 32:
            raise report(C.VIR_ERR_INTERNAL_ERROR, f"the secret encryption key '{path}' "
                         "is not 32 bytes", _FROM)
        self._key = key

    def _path(self, uuid: str, ext: str) -> str:
        return os.path.join(self.dir, f"{uuid}.{ext}")

    def save_def(self, def_: SecretDef) -> None:
        """Write a persistent secret's definition."""
        atomic_write(self._path(def_.uuid, "xml"), def_.format(), 0o600)

    def seal(self, uuid: str, value: bytes) -> bytes:
        """The stored form of ``value``."""
        nonce = _random.token_bytes(NONCE)
        assert self._key is not None
        return base64.b64encode(nonce + aead.AESGCM(self._key).encrypt(nonce, value, uuid.encode()))

    def unseal(self, uuid: str, stored: bytes) -> bytes:
        """The value of a stored form (VIR_ERR_INTERNAL_ERROR if it does not decrypt)."""
        assert self._key is not None
        try:
            raw = base64.b64decode(stored, validate=True)
            return aead.AESGCM(self._key).decrypt(raw[:NONCE], raw[NONCE:], uuid.encode())
        except (ValueError, crypto_errors.InvalidTag):
            raise report(C.VIR_ERR_INTERNAL_ERROR, f"invalid value of secret '{uuid}': it "
                         "does not decrypt with the host key", _FROM) from None

    def save_value(self, uuid: str, value: bytes) -> None:
        """Write a persistent secret's value, encrypted."""
        atomic_write(self._path(uuid, "base64"), self.seal(uuid, value), 0o600)

    def delete(self, uuid: str) -> None:
        """Remove a secret's files."""
        remove_durably(self._path(uuid, "base64"))
        remove_durably(self._path(uuid, "xml"))

    def load(self) -> list[tuple[SecretDef, bytes | None]]:
        """Every stored secret with its value (files that are bad are logged and skipped)."""
        out = []
        for name in sorted(os.listdir(self.dir)):
            if not name.endswith(".xml"):
                continue
            try:
                with open(os.path.join(self.dir, name), "rb") as fh:
                    def_ = SecretDef.parse(fh.read())
                value = None
                vpath = self._path(def_.uuid, "base64")
                if os.path.exists(vpath):
                    with open(vpath, "rb") as fh:
                        value = self.unseal(def_.uuid, fh.read())
            except (OSError, libvirtError) as exc:
                log.warning("ignoring secret file %s: %s", name, exc)
                continue
            out.append((def_, value))
        return out
