"""``<pool type='gluster'>``: a GlusterFS volume reached through libgfapi.

libvirt talks to Gluster with the libgfapi library; pyvirt would use its
Python binding (``gfapi``, the ``gluster`` package).  Where the binding is
not installed (Debian 12 has none) the pool fails to start with an error
that names it.
"""

from __future__ import annotations

import importlib.util

from pyvirt import constants as C
from pyvirt.conf.storage_pool import PoolType, StoragePoolDef
from pyvirt.drivers.storage.backends import Backend
from pyvirt.errors import report

_FROM = C.VIR_FROM_STORAGE


def volume_uri(pool: StoragePoolDef, name: str) -> str:
    """``gluster://HOST/VOLUME/DIR/NAME`` of a volume (what guests are given)."""
    host = pool.source.hosts[0].name if pool.source.hosts else ""
    sub = (pool.source.dir or "/").strip("/")
    path = "/".join(p for p in (pool.source.name, sub, name) if p)
    return f"gluster://{host}/{path}"


class GlusterBackend(Backend):
    """Pools that are a GlusterFS volume."""

    pool_type = PoolType.GLUSTER

    def is_running(self, pool: StoragePoolDef) -> bool:
        return False

    def start(self, pool: StoragePoolDef) -> None:
        if importlib.util.find_spec("gluster") is None:
            raise report(C.VIR_ERR_OPERATION_FAILED, "gluster pools need libgfapi's Python "
                         "binding (module 'gluster.gfapi'), which is not installed", _FROM)
        raise report(C.VIR_ERR_NO_SUPPORT, "gluster pools through libgfapi are not "
                     "supported yet", _FROM)
