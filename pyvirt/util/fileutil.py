"""Durable file helpers: a write that reports success is on the disk.

Every state file pyvirt keeps (persistent definitions, live status, saved
images' headers) goes through :func:`atomic_write`: the data is written to
a temporary file in the same directory, flushed with ``fsync``, renamed
over the target and the directory is ``fsync``ed, so a crash leaves either
the old file or the new one, never a torn one.
"""

from __future__ import annotations

import os
import tempfile


def fsync_dir(path: str) -> None:
    """``fsync`` the directory ``path`` so a rename or unlink in it is durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: str, data: bytes | str, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` atomically and durably.

    The temporary file is created next to ``path`` (same filesystem) with
    permissions ``mode``; on any failure it is removed and the old file is
    left untouched.  Raises ``OSError``.
    """
    _replace(path, data, mode)
    fsync_dir(os.path.dirname(os.path.abspath(path)))


def atomic_write_many(files: dict[str, bytes | str], mode: int = 0o600) -> None:
    """:func:`atomic_write` of several files of one directory, in order, with
    one ``fsync`` of the directory after the last rename (each file is
    replaced atomically; after a crash the earlier ones may be new and the
    later ones old).  Raises ``OSError``."""
    directories = set()
    for path, data in files.items():
        _replace(path, data, mode)
        directories.add(os.path.dirname(os.path.abspath(path)))
    for directory in directories:
        fsync_dir(directory)


def _replace(path: str, data: bytes | str, mode: int) -> None:
    """Write ``data`` to a temporary file next to ``path``, ``fsync`` it and rename
    it over ``path`` (the directory is the caller's to ``fsync``)."""
    if isinstance(data, str):
        data = data.encode()
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=directory)
    try:
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def remove_durably(path: str) -> bool:
    """Unlink ``path`` if it exists and ``fsync`` its directory; return whether it existed."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    fsync_dir(os.path.dirname(os.path.abspath(path)))
    return True


def read_tail(path: str, nbytes: int = 4096, start: int = 0) -> str:
    """Return up to the last ``nbytes`` of ``path`` from offset ``start`` on ('' if unreadable)."""
    try:
        with open(path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(max(start, size - nbytes))
            return f.read().decode(errors="replace")
    except OSError:
        return ""
