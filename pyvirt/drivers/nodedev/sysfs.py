"""Host devices as libudev shows them to libvirt: sysfs paths, properties, attributes.

libvirt's node-device driver reads devices through libudev.  Without a
running udevd (as on this project's test machines) libudev knows what the
kernel says in each device's ``uevent`` file and in its sysfs attributes;
with one, it adds the properties udevd stored in ``/run/udev/data``.
:class:`SysDevice` gives the same view from Python, with no libudev: the
properties of ``uevent`` (plus ``SUBSYSTEM`` from the ``subsystem`` link and
``DRIVER`` from the ``driver`` link, as libudev derives them), then udevd's,
when it has any.  :func:`scan` lists devices as ``udev_enumerate`` does
(every device of every bus and class), parents before children.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

#: subsystems libvirt asks udev to leave out of its enumeration
SKIPPED_SUBSYSTEMS = frozenset({"acpi", "tty", "vc", "i2c"})


class SysDevice:
    """One device directory under ``/sys/devices``."""

    __slots__ = ("_props", "syspath", "sysroot")

    def __init__(self, syspath: str, sysroot: str = "/sys") -> None:
        self.syspath = syspath
        self.sysroot = sysroot
        self._props: dict[str, str] | None = None

    def __repr__(self) -> str:
        return f"SysDevice({self.syspath!r})"

    @property
    def sysname(self) -> str:
        """The last part of the path (``eth0``, ``0000:00:02.0``)."""
        return os.path.basename(self.syspath)

    @property
    def props(self) -> dict[str, str]:
        """The device's udev properties (``DEVTYPE``, ``INTERFACE``, ``PCI_CLASS``, ...)."""
        if self._props is None:
            self._props = self._read_props()
        return self._props

    def _read_props(self) -> dict[str, str]:
        props: dict[str, str] = {}
        try:
            with open(os.path.join(self.syspath, "uevent")) as f:
                for line in f:
                    key, sep, value = line.rstrip("\n").partition("=")
                    if sep:
                        props[key] = value
        except OSError:
            pass
        sub = self._link_name("subsystem")
        if sub:
            props.setdefault("SUBSYSTEM", sub)
        drv = self._link_name("driver")
        if drv:
            props.setdefault("DRIVER", drv)
        props.update(self._udev_db(props, sub))
        return props

    def _link_name(self, link: str) -> str | None:
        try:
            return os.path.basename(os.readlink(os.path.join(self.syspath, link)))
        except OSError:
            return None

    def _udev_db(self, props: dict[str, str], subsystem: str | None) -> dict[str, str]:
        """Properties udevd stored for the device (``E:`` lines), if it runs."""
        if "MAJOR" in props and "MINOR" in props:
            kind = "b" if subsystem == "block" else "c"
            ident = f"{kind}{props['MAJOR']}:{props['MINOR']}"
        elif "IFINDEX" in props:
            ident = f"n{props['IFINDEX']}"
        elif subsystem:
            ident = f"+{subsystem}:{self.sysname}"
        else:
            return {}
        out: dict[str, str] = {}
        try:
            with open(os.path.join("/run/udev/data", ident)) as f:
                for line in f:
                    if line.startswith("E:"):
                        key, sep, value = line[2:].rstrip("\n").partition("=")
                        if sep:
                            out[key] = value
        except OSError:
            pass
        return out

    @property
    def subsystem(self) -> str | None:
        """The device's subsystem (``pci``, ``net``, ``block``, ...)."""
        return self.props.get("SUBSYSTEM")

    @property
    def devtype(self) -> str | None:
        """The ``DEVTYPE`` property, if any."""
        return self.props.get("DEVTYPE")

    @property
    def devnode(self) -> str | None:
        """``/dev/NAME`` of a device with a node (``DEVNAME``), else None."""
        name = self.props.get("DEVNAME")
        if not name:
            return None
        return name if name.startswith("/") else "/dev/" + name

    @property
    def devlinks(self) -> list[str]:
        """The symlinks udevd made to the node, if it runs."""
        return self.props.get("DEVLINKS", "").split()

    def attr(self, name: str) -> str | None:
        """A sysfs attribute as libudev gives it: trailing white space removed,
        None when missing or unreadable."""
        path = os.path.join(self.syspath, name)
        try:
            if os.path.isdir(path):
                return None
            with open(path, "rb") as f:
                data = f.read(4096)
        except OSError:
            return None
        return data.decode("utf-8", "replace").rstrip()

    def attr_text(self, name: str) -> str | None:
        """An attribute as libvirt keeps strings: control characters dropped,
        None when empty."""
        value = self.attr(name)
        if value is None:
            return None
        value = "".join(ch for ch in value if ch >= " " and ch != "\x7f")
        return value or None

    def parent(self) -> SysDevice | None:
        """The nearest ancestor directory that is a device (has ``uevent``)."""
        path = os.path.dirname(self.syspath)
        top = os.path.join(self.sysroot, "devices")
        while path.startswith(top + "/"):
            if os.path.exists(os.path.join(path, "uevent")):
                return SysDevice(path, self.sysroot)
            path = os.path.dirname(path)
        return None


def _depth(path: str) -> int:
    return path.count("/")


def scan(sysroot: str = "/sys") -> Iterator[SysDevice]:
    """Every device of every bus and class, each once, parents before children."""
    seen: set[str] = set()
    roots = []
    for top in ("bus", "class"):
        base = os.path.join(sysroot, top)
        try:
            subs = sorted(os.listdir(base))
        except OSError:
            continue
        for sub in subs:
            if sub in SKIPPED_SUBSYSTEMS:
                continue
            roots.append(os.path.join(base, sub, "devices") if top == "bus"
                         else os.path.join(base, sub))
    for base in roots:
        try:
            names = os.listdir(base)
        except OSError:
            continue
        for name in names:
            real = os.path.realpath(os.path.join(base, name))
            if real not in seen and os.path.exists(os.path.join(real, "uevent")):
                seen.add(real)
    for path in sorted(seen, key=lambda p: (_depth(p), p)):
        yield SysDevice(path, sysroot)


def from_path(syspath: str, sysroot: str = "/sys") -> SysDevice:
    """The device at ``syspath`` (a ``/sys/devices/...`` path, or one under ``/sys``
    with symlinks, resolved)."""
    return SysDevice(os.path.realpath(syspath), sysroot)


__all__ = ["SKIPPED_SUBSYSTEMS", "SysDevice", "from_path", "scan"]
