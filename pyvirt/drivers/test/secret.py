"""Secrets for the test driver, kept in memory as libvirt's secret driver keeps them.

libvirt 9.0's own test driver has no secret driver (every virSecret call on
``test:///`` raises ``VIR_ERR_NO_SUPPORT``); this mixin follows libvirt's
secret driver (src/secret/secret_driver.c, src/conf/virsecretobj.c)
instead: usage uniqueness, the private flag that may not be dropped,
lifecycle and value-changed events.  As there, an application may never
read the value of a private secret (``VIR_ERR_INVALID_SECRET``); drivers of
the same process read values through :func:`secret_value`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt import errors as _errors
from pyvirt.driver import interface
from pyvirt.drivers.test.network import uuid_from_bytes, uuid_from_string
from pyvirt.errors import report
from pyvirt.util.lazy import lazy_module

if TYPE_CHECKING:
    from pyvirt.conf import secret as secretconf
    from pyvirt.conf import xmlutil
else:
    secretconf = lazy_module("pyvirt.conf.secret", globals())
    xmlutil = lazy_module("pyvirt.conf.xmlutil", globals())

_FROM = C.VIR_FROM_SECRET
_LIFECYCLE = C.VIR_SECRET_EVENT_ID_LIFECYCLE

# <usage type> (the UsageType value) -> VIR_SECRET_USAGE_TYPE_*
_USAGE_NUMBERS = {
    "volume": C.VIR_SECRET_USAGE_TYPE_VOLUME, "ceph": C.VIR_SECRET_USAGE_TYPE_CEPH,
    "iscsi": C.VIR_SECRET_USAGE_TYPE_ISCSI, "tls": C.VIR_SECRET_USAGE_TYPE_TLS,
    "vtpm": C.VIR_SECRET_USAGE_TYPE_VTPM,
}
_FILTERS = (C.VIR_CONNECT_LIST_SECRETS_EPHEMERAL | C.VIR_CONNECT_LIST_SECRETS_NO_EPHEMERAL
            | C.VIR_CONNECT_LIST_SECRETS_PRIVATE | C.VIR_CONNECT_LIST_SECRETS_NO_PRIVATE)


class SecretObj:
    """One secret: its definition and value.  It is the API's handle (``uuid``)."""

    __slots__ = ("def_", "uuid", "value")

    def __init__(self, def_: secretconf.SecretDef) -> None:
        self.def_ = def_
        self.uuid = def_.uuid
        self.value: bytes | None = None

    @property
    def name(self) -> str:
        """The key of the secret in ``state.secrets`` (secrets have no name: the UUID)."""
        return self.uuid

    @property
    def usage_key(self) -> tuple[int, str] | None:
        """(VIR_SECRET_USAGE_TYPE_*, usage ID), or None for a secret without usage."""
        return usage_key(self.def_)


def usage_key(def_: secretconf.SecretDef) -> tuple[int, str] | None:
    """The key under which a definition's usage is unique."""
    if def_.usage_type is None or def_.usage_id is None:
        return None
    return (_USAGE_NUMBERS[def_.usage_type.value], def_.usage_id)


# state.extra key of the usage index: (usage type, usage ID) -> SecretObj
_BY_USAGE = "secret_usage"


def by_usage(state: Any) -> dict[tuple[int, str], SecretObj]:
    """The secrets of ``state`` by usage."""
    return state.extra.setdefault(_BY_USAGE, {})


def add_secret(state: Any, def_: secretconf.SecretDef) -> SecretObj:
    """Add ``def_`` or replace the definition with its UUID (virSecretObjListAdd)."""
    usage = by_usage(state)
    obj = state.secrets.get_uuid(def_.uuid)
    if obj is not None:
        if obj.def_.usage_id != def_.usage_id:
            raise report(C.VIR_ERR_INTERNAL_ERROR, f"a secret with UUID {obj.uuid} is "
                         f"already defined for use with {obj.def_.usage_id}", _FROM)
        if obj.def_.private and not def_.private:
            raise report(C.VIR_ERR_INTERNAL_ERROR,
                         "cannot change private flag on existing secret", _FROM)
        old_key = obj.usage_key
        if old_key is not None:
            usage.pop(old_key, None)
        obj.def_ = def_
    else:
        key = usage_key(def_)
        other = usage.get(key) if key is not None else None
        if other is not None:
            raise report(C.VIR_ERR_INTERNAL_ERROR, f"a secret with UUID {other.uuid} "
                         f"already defined for use with {def_.usage_id}", _FROM)
        obj = state.secrets.add(SecretObj(def_))
    key = obj.usage_key
    if key is not None:
        usage[key] = obj
    return obj


def remove_secret(state: Any, obj: SecretObj) -> None:
    """Forget a secret."""
    state.secrets.remove(obj)
    usage = by_usage(state)
    key = obj.usage_key
    if key is not None and usage.get(key) is obj:
        del usage[key]


def load(state: Any, node_elem: Any, base_dir: str) -> None:
    """Nothing to load: libvirt's <node> documents describe no secrets."""


def secret_value(state: Any, uuid: str) -> bytes | None:
    """The value of secret ``uuid`` for another driver of this process (private or not)."""
    obj = state.secrets.get_uuid(uuid)
    return None if obj is None else obj.value


def _check_flags(flags: int, allowed: int, func: str) -> None:
    """virCheckFlags in the secret driver (error domain VIR_FROM_SECRET)."""
    _errors.check_flags(flags, allowed, func, _FROM)


class SecretMixin(interface.SecretDriver):
    """The secret operations, on ``self.state``."""

    state: Any

    def _secret_named(self, uuid: str) -> SecretObj:
        obj = self.state.secrets.get_uuid(uuid)
        if obj is None:
            raise report(C.VIR_ERR_NO_SECRET, f"no secret with matching uuid '{uuid}'", _FROM)
        return obj

    def _secret_emit(self, obj: SecretObj, event: int) -> None:
        self.state.events.emit("secret", _LIFECYCLE, obj, obj.uuid, event, 0)

    # -- listing and lookups

    def connectNumOfSecrets(self) -> int:
        """Count the secrets."""
        return len(self.state.secrets)

    def connectListSecrets(self) -> list[str]:
        """Return the UUIDs of the secrets."""
        return list(self.state.secrets.by_uuid)

    def connectListAllSecrets(self, flags: int) -> list[SecretObj]:
        """Return the secrets that ``flags`` (VIR_CONNECT_LIST_SECRETS_*) select."""
        _check_flags(flags, _FILTERS, "secretConnectListAllSecrets")
        out = []
        for obj in self.state.secrets.values():
            if flags & (C.VIR_CONNECT_LIST_SECRETS_EPHEMERAL
                        | C.VIR_CONNECT_LIST_SECRETS_NO_EPHEMERAL):
                want = C.VIR_CONNECT_LIST_SECRETS_EPHEMERAL if obj.def_.ephemeral \
                    else C.VIR_CONNECT_LIST_SECRETS_NO_EPHEMERAL
                if not flags & want:
                    continue
            if flags & (C.VIR_CONNECT_LIST_SECRETS_PRIVATE
                        | C.VIR_CONNECT_LIST_SECRETS_NO_PRIVATE):
                want = C.VIR_CONNECT_LIST_SECRETS_PRIVATE if obj.def_.private \
                    else C.VIR_CONNECT_LIST_SECRETS_NO_PRIVATE
                if not flags & want:
                    continue
            out.append(obj)
        return out

    def secretLookupByUUID(self, uuid: bytes) -> SecretObj:
        """Return the secret with the 16-byte ``uuid``."""
        return self._secret_named(uuid_from_bytes(uuid, "virSecretLookupByUUID", _FROM))

    def secretLookupByUUIDString(self, uuidstr: str) -> SecretObj:
        """Return the secret with UUID ``uuidstr``."""
        return self._secret_named(uuid_from_string(uuidstr, "virSecretLookupByUUIDString", _FROM))

    def secretLookupByUsage(self, usageType: int, usageID: str) -> SecretObj:
        """Return the secret used for ``usageID`` of VIR_SECRET_USAGE_TYPE ``usageType``."""
        obj = by_usage(self.state).get((usageType, usageID))
        if obj is None:
            raise report(C.VIR_ERR_NO_SECRET,
                         f"no secret with matching usage '{usageID}'", _FROM)
        return obj

    def secretGetUsageType(self, secret: SecretObj) -> int:
        """Return the secret's VIR_SECRET_USAGE_TYPE_*."""
        key = secret.usage_key
        return C.VIR_SECRET_USAGE_TYPE_NONE if key is None else key[0]

    def secretGetUsageID(self, secret: SecretObj) -> str | None:
        """Return what the secret is used for (a volume path, a Ceph name...)."""
        return secret.def_.usage_id

    def secretGetXMLDesc(self, secret: SecretObj, flags: int) -> str:
        """Return the secret's XML (never its value)."""
        _check_flags(flags, 0, "secretGetXMLDesc")
        return self._secret_named(secret.uuid).def_.format()

    # -- changes

    def secretDefineXML(self, xml: str, flags: int) -> SecretObj:
        """Define a secret, or redefine the one with that UUID (same usage)."""
        _check_flags(flags, C.VIR_SECRET_DEFINE_VALIDATE, "secretDefineXML")
        if flags & C.VIR_SECRET_DEFINE_VALIDATE:
            xmlutil.validate(xml, "secret", C.VIR_FROM_XML)
        def_ = secretconf.SecretDef.parse(xml)
        with self.state.lock:
            obj = add_secret(self.state, def_)
            self._secret_emit(obj, C.VIR_SECRET_EVENT_DEFINED)
        return obj

    def secretUndefine(self, secret: SecretObj) -> int:
        """Forget a secret and its value."""
        with self.state.lock:
            obj = self._secret_named(secret.uuid)
            remove_secret(self.state, obj)
            self._secret_emit(obj, C.VIR_SECRET_EVENT_UNDEFINED)
        return 0

    def secretSetValue(self, secret: SecretObj, value: bytes | str, flags: int) -> int:
        """Set the secret's value."""
        _check_flags(flags, 0, "secretSetValue")
        data = value.encode() if isinstance(value, str) else bytes(value)
        with self.state.lock:
            obj = self._secret_named(secret.uuid)
            obj.value = data
            self.state.events.emit("secret", C.VIR_SECRET_EVENT_ID_VALUE_CHANGED, obj, obj.uuid)
        return 0

    def secretGetValue(self, secret: SecretObj, flags: int) -> bytes:
        """Return the value of a secret that is not private."""
        _check_flags(flags, 0, "secretGetValue")
        obj = self._secret_named(secret.uuid)
        if obj.def_.private:
            raise report(C.VIR_ERR_INVALID_SECRET, "secret is private", _FROM)
        if obj.value is None:
            raise report(C.VIR_ERR_NO_SECRET, f"secret '{obj.uuid}' does not have a value",
                         _FROM)
        return obj.value

    # -- events

    def connectSecretEventRegisterAny(self, secret: SecretObj | None, eventID: int,
                                      callback: Callable[..., Any]) -> int:
        """Register ``callback`` for secret events (of ``secret`` only, if given)."""
        return self.state.events.register("secret", eventID,
                                           None if secret is None else secret.uuid, callback)

    def connectSecretEventDeregisterAny(self, callbackID: int) -> int:
        """Remove a secret event callback."""
        self.state.events.deregister(callbackID)
        return 0
