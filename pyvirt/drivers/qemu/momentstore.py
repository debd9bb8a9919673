"""Where the QEMU driver keeps snapshot and checkpoint metadata.

As libvirt: ``{lib_dir}/snapshot/DOMAIN/NAME.xml`` and
``{lib_dir}/checkpoint/DOMAIN/NAME.xml``, one file per moment in the
driver's internal XML format, each written atomically (temp file, fsync,
rename, fsync of the directory).  A tree is read back on first use, so it
survives the process and pyvirtd restarts.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
from collections.abc import Callable
from typing import Any

from pyvirt import constants as C
from pyvirt.driver.moments import Moment, MomentList
from pyvirt.errors import libvirtError, report
from pyvirt.util.fileutil import atomic_write_many, fsync_dir, remove_durably

_FROM = C.VIR_FROM_QEMU
log = logging.getLogger(__name__)


def moment_dir(cfg: Any, kind: str, domain: str) -> str:
    """The directory of ``kind`` ('snapshot', 'checkpoint') metadata of ``domain``."""
    return os.path.join(cfg.lib_dir, kind, domain)


def load(cfg: Any, kind: str, domain: str, parse: Callable[[bytes], Any],
         newest_current: bool = False) -> MomentList:
    """Read a tree (bad files are logged and skipped).  The current moment is the
    one marked ``active`` (snapshots), or with ``newest_current`` the newest
    (checkpoints keep no mark)."""
    moments = MomentList()
    loaded = []
    for path in glob.glob(os.path.join(moment_dir(cfg, kind, domain), "*.xml")):
        try:
            with open(path, "rb") as f:
                loaded.append(parse(f.read()))
        except (OSError, libvirtError) as exc:
            log.warning("cannot load %s %s: %s", kind, path, exc)
    marked = False
    for def_ in sorted(loaded, key=lambda d: (d.creation_time or 0, d.name)):
        moment = Moment(def_)
        moments.by_name[def_.name] = moment
        if getattr(def_, "active", None):
            moments.current = moment
            marked = True
        if hasattr(def_, "active"):
            def_.active = None
        if newest_current and not marked:
            moments.current = moment
    moments.relink()
    return moments


def write(cfg: Any, kind: str, domain: str, name: str, text: str) -> None:
    """Write the metadata file of moment ``name`` atomically."""
    write_many(cfg, kind, domain, {name: text})


def write_many(cfg: Any, kind: str, domain: str, texts: dict[str, str]) -> None:
    """Write the metadata files of the moments ``texts`` names, in order, each
    atomically, with one ``fsync`` of their directory."""
    try:
        directory = moment_dir(cfg, kind, domain)
        os.makedirs(directory, mode=0o755, exist_ok=True)
        atomic_write_many({os.path.join(directory, f"{name}.xml"): text
                           for name, text in texts.items()}, 0o600)
    except OSError as exc:
        names = ", ".join(f"'{name}'" for name in texts)
        raise report(C.VIR_ERR_WRITE_FAILED, f"cannot save metadata of {kind} {names}: "
                     f"{exc.strerror}", _FROM) from exc


def forget(cfg: Any, kind: str, domain: str, name: str) -> None:
    """Remove the metadata file of moment ``name``."""
    remove_durably(os.path.join(moment_dir(cfg, kind, domain), f"{name}.xml"))


def forget_all(cfg: Any, kind: str, domain: str, tree: MomentList) -> int:
    """Remove every file of ``tree`` and empty it; return how many moments it had."""
    count = len(tree)
    for name in list(tree.by_name):
        forget(cfg, kind, domain, name)
    tree.by_name.clear()
    tree.current = None
    with contextlib.suppress(OSError):
        os.rmdir(moment_dir(cfg, kind, domain))
    return count


def rename(cfg: Any, old: str, new: str) -> None:
    """Move the snapshot and checkpoint metadata of domain ``old`` to ``new`` (a
    domain rename: libvirt 9.0 lets them follow the domain).  What is left under
    ``new`` from an earlier domain of that name is removed first, as libvirt does.
    On failure the directories are as they were."""
    import shutil
    moved: list[tuple[str, str]] = []
    try:
        for kind in ("snapshot", "checkpoint"):
            src, dst = moment_dir(cfg, kind, old), moment_dir(cfg, kind, new)
            if os.path.isdir(dst):
                shutil.rmtree(dst)
            if os.path.isdir(src):
                os.rename(src, dst)
                moved.append((src, dst))
                fsync_dir(os.path.dirname(dst))
    except OSError as exc:
        for src, dst in reversed(moved):
            with contextlib.suppress(OSError):
                os.rename(dst, src)
        raise report(C.VIR_ERR_OPERATION_FAILED, f"cannot move the snapshot metadata of "
                     f"domain '{old}' to '{new}': {exc.strerror}", _FROM) from exc


__all__ = ["forget", "forget_all", "load", "moment_dir", "rename", "write"]
