"""The header of a qcow2 image, read directly (as libvirt's storage file probe does).

A pool refresh must learn each image's format, virtual size, cluster size,
compat level, encryption and backing file.  Running ``qemu-img info`` once
per image costs a process each (a pool of 1,000 images takes seconds); the
qcow2 header holds all of it in its first cluster.  :func:`parse` answers in
the shape of ``qemu-img info --output=json`` for the fields the storage
driver reads, or None when the header is anything unusual (then qemu-img
is asked).  Layout: QEMU's docs/interop/qcow2.txt.
"""

from __future__ import annotations

import struct
from typing import Any

MAGIC = b"QFI\xfb"
_BACKING_FORMAT_EXT = 0xE2792ACA
_END_EXT = 0


HEAD_MAX = 65536        # the header and what it points to must lie within this


def parse(head: bytes) -> dict[str, Any] | None:
    """Format, sizes, compat, encryption and backing file of a qcow2 image from its
    first bytes ``head`` (None: not a qcow2 header this reads, or what the header
    points to lies past ``head``)."""
    if len(head) < 72 or head[:4] != MAGIC:
        return None
    (version, backing_off, backing_len, cluster_bits, size,
     crypt) = struct.unpack_from(">IQIIQI", head, 4)
    if version not in (2, 3) or not 9 <= cluster_bits <= 21:
        return None
    ext_at = 72
    if version == 3:
        if len(head) < 104:
            return None
        ext_at = struct.unpack_from(">I", head, 100)[0]
    backing_fmt = None
    while ext_at + 8 <= len(head):
        kind, length = struct.unpack_from(">II", head, ext_at)
        if kind == _END_EXT:
            break
        if kind == _BACKING_FORMAT_EXT:
            backing_fmt = head[ext_at + 8:ext_at + 8 + length].decode(errors="replace")
        ext_at += 8 + (length + 7) // 8 * 8
    else:
        return None                     # extensions beyond what was read: ask qemu-img
    out: dict[str, Any] = {
        "format": "qcow2", "virtual-size": size, "cluster-size": 1 << cluster_bits,
        "format-specific": {"type": "qcow2",
                            "data": {"compat": "1.1" if version == 3 else "0.10"}},
    }
    if crypt == 2:
        out["format-specific"]["data"]["encrypt"] = {"format": "luks"}
    elif crypt == 1:
        out["encrypted"] = True
    if backing_len:
        if backing_off + backing_len > len(head):
            return None
        out["backing-filename"] = head[backing_off:backing_off + backing_len].decode(
            errors="replace")
        if backing_fmt:
            out["backing-filename-format"] = backing_fmt
    return out
