"""PCI vendor and device names from the host's ``pci.ids`` (Debian's pci.ids package).

libvirt asks libpciaccess, which reads the same file, for the names of a
vendor and device id (any subsystem).  The file is read once, on first
use, and only the vendor and device lines are kept.
"""

from __future__ import annotations

import gzip
import threading

PATHS = ("/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids", "/usr/share/misc/pci.ids.gz")

_lock = threading.Lock()
_table: dict[int, tuple[str, dict[int, str]]] | None = None


def _load() -> dict[int, tuple[str, dict[int, str]]]:
    table: dict[int, tuple[str, dict[int, str]]] = {}
    for path in PATHS:
        try:
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rt", encoding="utf-8", errors="replace") as f:
                devices: dict[int, str] | None = None
                for line in f:
                    if not line.strip() or line.startswith("#"):
                        continue
                    if line.startswith("C "):       # device classes: the end of vendors
                        break
                    if line[0] != "\t":
                        ident, _, name = line.rstrip("\n").partition("  ")
                        try:
                            devices = {}
                            table[int(ident, 16)] = (name.strip(), devices)
                        except ValueError:
                            devices = None
                    elif devices is not None and not line.startswith("\t\t"):
                        ident, _, name = line.strip("\t\n").partition("  ")
                        try:
                            devices[int(ident, 16)] = name.strip()
                        except ValueError:
                            pass
            return table
        except OSError:
            continue
    return table


def names(vendor: int, device: int) -> tuple[str | None, str | None]:
    """(vendor name, device name) for the ids; None where the database has none."""
    global _table
    with _lock:
        if _table is None:
            _table = _load()
        table = _table
    entry = table.get(vendor)
    if entry is None:
        return None, None
    return entry[0], entry[1].get(device)


__all__ = ["names"]
