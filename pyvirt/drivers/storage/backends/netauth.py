"""The secrets of network pools: a cephx key or CHAP password from the secret driver.

A pool's ``<auth type= username=><secret uuid=|usage=/></auth>`` names a
secret of the same host root; its value is read from that root's secret
driver (private secrets too: this is an internal call, as in libvirt).
"""

from __future__ import annotations

from typing import Any

from pyvirt import constants as C
from pyvirt.conf.storage_pool import Auth
from pyvirt.drivers import hostroot
from pyvirt.errors import report

_USAGE = {"ceph": C.VIR_SECRET_USAGE_TYPE_CEPH, "chap": C.VIR_SECRET_USAGE_TYPE_ISCSI}


def secret_value(root: Any, auth: Auth) -> bytes:
    """The value of the secret ``auth`` names (VIR_ERR_NO_SECRET when there is none)."""
    drv = hostroot.current("secret", root) if root is not None else None
    if drv is None:
        raise report(C.VIR_ERR_OPERATION_INVALID, "no secret driver is open to look up "
                     f"the {auth.type} secret of user '{auth.username}'", C.VIR_FROM_STORAGE)
    if auth.secret_uuid is not None:
        obj = drv.secretLookupByUUIDString(auth.secret_uuid)
        what = auth.secret_uuid
    else:
        obj = drv.secretLookupByUsage(_USAGE[auth.type], auth.secret_usage or "")
        what = auth.secret_usage or ""
    value: bytes | None = drv.value_of(obj.uuid)
    if value is None:
        raise report(C.VIR_ERR_NO_SECRET, f"secret '{what}' does not have a value",
                     C.VIR_FROM_SECRET)
    return value
