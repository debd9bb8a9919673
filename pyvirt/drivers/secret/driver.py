"""The secret driver of a host root.

The logic is libvirt's secret driver as the test driver already follows it
(:class:`pyvirt.drivers.test.secret.SecretMixin`: usage uniqueness, the
private flag, events); this driver adds what a real host needs: persistent
secrets and their values are kept on disk (:mod:`.store`, values
AES-GCM-encrypted), ephemeral ones only in memory, and everything is
loaded again when the root's driver opens.
"""

from __future__ import annotations

import threading
from typing import Any

from pyvirt import constants as C
from pyvirt.conf.secret import SecretDef
from pyvirt.driver.events import EventRegistry
from pyvirt.drivers import hostroot
from pyvirt.drivers.secret.store import SecretStore
from pyvirt.drivers.test.secret import SecretMixin, SecretObj, add_secret
from pyvirt.drivers.test.state import Store
from pyvirt.errors import check_flags, report

_FROM = C.VIR_FROM_SECRET


class _State:
    """What :class:`SecretMixin` works on."""

    def __init__(self) -> None:
        self.secrets = Store()
        self.extra: dict[str, Any] = {}
        self.lock = threading.RLock()
        self.events = EventRegistry()


class SecretDriver(SecretMixin):
    """Secrets of one host root, persistent ones kept under its config dir."""

    error_domain = _FROM

    def __init__(self, root: hostroot.HostRoot) -> None:
        self.root = root
        self.state = _State()
        self.store = SecretStore(root.config_dir)

    def startup(self) -> None:
        """Load the stored secrets and their values."""
        self.store.make()
        for def_, value in self.store.load():
            obj = add_secret(self.state, def_)
            obj.value = value

    def shutdown(self) -> None:
        """Nothing runs: values stay on disk."""

    def connectClose(self) -> int:
        """One connection of the root is done with the driver."""
        hostroot.release("secret", self.root)
        return 0

    def _obj(self, secret: Any) -> SecretObj:
        return self._secret_named(secret.uuid)

    def secretGetUsageType(self, secret: Any) -> int:
        """The secret's VIR_SECRET_USAGE_TYPE_*."""
        return super().secretGetUsageType(self._obj(secret))

    def secretGetUsageID(self, secret: Any) -> str | None:
        """What the secret is used for."""
        return super().secretGetUsageID(self._obj(secret))

    def secretDefineXML(self, xml: str, flags: int) -> SecretObj:
        """Define a secret; a persistent one (and its value) goes to disk."""
        with self.state.lock:
            old = self.state.secrets.get_uuid(SecretDef.parse(xml).uuid)
            was_ephemeral = old.def_.ephemeral if old is not None else None
            obj = super().secretDefineXML(xml, flags)
            try:
                if obj.def_.ephemeral:
                    if was_ephemeral is False:
                        self.store.delete(obj.uuid)
                else:
                    self.store.save_def(obj.def_)
                    if obj.value is not None:
                        self.store.save_value(obj.uuid, obj.value)
            except OSError as exc:
                raise report(C.VIR_ERR_INTERNAL_ERROR, f"cannot write secret "
                             f"'{obj.uuid}': {exc.strerror}", _FROM) from None
        return obj

    def secretUndefine(self, secret: Any) -> int:
        """Forget a secret and remove its files."""
        with self.state.lock:
            obj = self._obj(secret)
            self.store.delete(obj.uuid)
            super().secretUndefine(obj)
        return 0

    def secretSetValue(self, secret: Any, value: bytes | str, flags: int) -> int:
        """Set the value; a persistent secret's is written encrypted first."""
        check_flags(flags, 0, "secretSetValue", _FROM)
        with self.state.lock:
            obj = self._obj(secret)
            data = value.encode() if isinstance(value, str) else bytes(value)
            if not obj.def_.ephemeral:
                try:
                    self.store.save_value(obj.uuid, data)
                except OSError as exc:
                    raise report(C.VIR_ERR_INTERNAL_ERROR, f"cannot write secret value "
                                 f"'{obj.uuid}': {exc.strerror}", _FROM) from None
            return super().secretSetValue(obj, data, flags)

    def secretGetValue(self, secret: Any, flags: int) -> bytes:
        """The value of a secret that is not private."""
        return super().secretGetValue(self._obj(secret), flags)

    def secretGetXMLDesc(self, secret: Any, flags: int) -> str:
        """The secret's XML."""
        return super().secretGetXMLDesc(self._obj(secret), flags)

    def value_of(self, uuid: str) -> bytes | None:
        """The value of secret ``uuid`` for another driver of the host (private or not)."""
        obj = self.state.secrets.get_uuid(uuid)
        return None if obj is None else obj.value


def open_secret(root: hostroot.HostRoot) -> SecretDriver:
    """The secret driver of ``root``, one more connection's reference."""
    drv: SecretDriver = hostroot.acquire("secret", root, SecretDriver)
    return drv
