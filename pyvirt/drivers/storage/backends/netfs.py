"""``<pool type='netfs'>``: an NFS export, GlusterFS volume or CIFS share mounted on
the target; volumes are its files (as in a ``dir`` pool).

``pool-build`` makes the target directory; ``pool-start`` mounts with the
command line :meth:`NetfsBackend.mount_argv` builds (libvirt's options:
``nodev,nosuid,noexec``, ``guest`` for CIFS, ``direct-io-mode=1`` for
GlusterFS).  A kernel without the file system (no NFS client here) fails
the start with mount's own words ("unknown filesystem type 'nfs'"), as
libvirt does.  ``find-storage-pool-sources`` lists a host's NFS exports
with ``showmount``.
"""

from __future__ import annotations

import shutil
import subprocess

from pyvirt import constants as C
from pyvirt.conf.storage_pool import PoolType, StoragePoolDef
from pyvirt.drivers.storage.backends import spec_host
from pyvirt.drivers.storage.backends.dir import DirBackend
from pyvirt.drivers.storage.backends.fs import MOUNT, FsBackend
from pyvirt.errors import report

_FROM = C.VIR_FROM_STORAGE


def source_of(pool: StoragePoolDef) -> str:
    """What is mounted: ``//host/share`` for CIFS, ``host:/dir`` for the others."""
    src = pool.source
    if not src.hosts:
        raise report(C.VIR_ERR_XML_ERROR, "missing source host", _FROM)
    host, path = src.hosts[0].name, src.dir or ""
    if pool.source.format_type == "cifs":
        return f"//{host}/{path}"
    return f"{host}:{path}"


def showmount_argv(host: str) -> list[str]:
    """List the NFS exports of ``host``."""
    return ["showmount", "--no-headers", "--exports", host]


class NetfsBackend(FsBackend):
    """Pools that are a mounted network file system."""

    pool_type = PoolType.NETFS

    def build(self, pool: StoragePoolDef, flags: int) -> None:
        DirBackend.build(self, pool, flags)

    def mount_argv(self, pool: StoragePoolDef) -> list[str]:
        fmt = pool.source.format_type or "auto"
        opts = "nodev,nosuid,noexec"
        if fmt == "cifs":
            opts += ",guest"
        elif fmt == "glusterfs":
            opts += ",direct-io-mode=1"
        return [MOUNT, "-o", opts, *([] if fmt == "auto" else ["-t", fmt]),
                source_of(pool), pool.target_path or ""]

    def find_sources(self, spec: str | None) -> str:
        host, _port = spec_host(spec)
        exports: list[str] = []
        if shutil.which("showmount"):
            res = subprocess.run(showmount_argv(host), capture_output=True, text=True,
                                 check=False)
            exports = [line.split()[0] for line in res.stdout.splitlines() if line.split()]
        if not exports:
            raise report(C.VIR_ERR_OPERATION_FAILED,
                         f"no storage pools were found on host '{host}'", _FROM)
        out = ["<sources>"]
        for path in exports:
            out += ["  <source>", f"    <host name='{host}'/>", f"    <dir path='{path}'/>",
                    "    <format type='nfs'/>", "  </source>"]
        return "\n".join([*out, "</sources>"]) + "\n"
