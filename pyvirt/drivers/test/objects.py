"""The test driver's runtime objects: domains, their handles, snapshots.

A :class:`DomainObj` is what libvirt calls a ``virDomainObj``: the live
definition, the persistent (next boot) definition while running, the run
state and its reason, and the driver-private data (guest time, frozen
file systems).  A :class:`DomainHandle` is what the API layer holds (a
``virDomainPtr``): name, UUID and the id it was looked up with.  Every
operation finds the object again by UUID, so a handle outlives undefine
and redefinition the way libvirt's does.
"""

from __future__ import annotations

import functools
import os
import stat
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyvirt import constants as C
from pyvirt import errors as _errors
from pyvirt.driver.moments import Moment, MomentHandle, MomentList  # noqa: F401 - re-exported
from pyvirt.errors import libvirtError, report
from pyvirt.util.lazy import lazy_module

if TYPE_CHECKING:
    from lxml import etree
else:
    etree = lazy_module("lxml.etree", globals())

_FROM = C.VIR_FROM_TEST

# Serialises the first parse of deferred domain definitions.
_DEFER_LOCK = threading.Lock()


def raw_error(code: int, message: str, domain: int, str1: str | None = None,
              str2: str | None = None) -> libvirtError:
    """An error whose message is exactly ``message`` (no per-code prefix)."""
    return _errors.report_raw(code, message, domain, str1, str2)


@functools.cache
def parser() -> etree.XMLParser:
    """The test driver's XML parser: blank text dropped, no entities, no network."""
    return etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)


def parse_document(text: str | bytes, label: str,
                   domain: int = C.VIR_FROM_DOMAIN) -> etree._Element:
    """Parse ``text``, reporting syntax errors as libvirt does (VIR_ERR_XML_DETAIL)."""
    if text is None:
        raise report(C.VIR_ERR_INVALID_ARG, "xml description must not be NULL", domain)
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        return etree.fromstring(data, parser())
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (1, 1)
        msg = (exc.msg or str(exc)).split(", line ")[0]
        lines = data.decode("utf-8", "replace").splitlines() or [""]
        src = lines[line - 1] if 0 < line <= len(lines) else ""
        detail = f"{label}:{line}: {msg}\n{src}\n{'-' * max(col - 1, 0)}^"
        raise report(C.VIR_ERR_XML_DETAIL, detail, domain) from None


# The largest file the test driver reads: virsh's limit on an XML file
# (VSH_MAX_XML_FILE).  libvirt's parser has none; a node file is small.
MAX_FILE = 10 * 1024 * 1024


def read_node_file(path: str, domain: int = _FROM) -> bytes:
    """Return the bytes of a file the test driver loads (a ``<node>`` document or
    a file it includes).

    Only a regular file of at most MAX_FILE bytes is read: a FIFO or a
    device is refused without being opened (opening one may block or have
    effects), and the file is opened without blocking and checked again.
    Errors are libvirt's ``failed to parse xml document`` (VIR_ERR_XML_ERROR).
    """
    def failed(why: str = "") -> Exception:
        return report(C.VIR_ERR_XML_ERROR, f"failed to parse xml document '{path}'{why}",
                      domain)
    try:
        before = os.stat(path)
        if not stat.S_ISREG(before.st_mode):
            raise failed(": not a regular file")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except (OSError, ValueError):
        raise failed() from None
    with os.fdopen(fd, "rb") as handle:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != \
                (before.st_dev, before.st_ino):
            raise failed(": not a regular file")
        data = handle.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise failed(f": larger than {MAX_FILE} bytes")
    return data


def check_flags(flags: int, allowed: int, func: str) -> None:
    """libvirt's virCheckFlags, reported from the test driver's error domain."""
    _errors.check_flags(flags, allowed, func, _FROM)


class DomainHandle:
    """A domain as the API holds it: name, UUID and id (-1 when inactive)."""

    __slots__ = ("id", "name", "uuid")

    def __init__(self, name: str, uuid: str, id: int) -> None:
        self.name = name
        self.uuid = uuid
        self.id = id

    def __repr__(self) -> str:
        return f"<DomainHandle {self.name} {self.uuid} id={self.id}>"


class DomainObj:
    """One domain of the driver (libvirt's virDomainObj)."""

    __slots__ = (
        "_load",
        "autostart",
        "checkpoints",
        "def_",
        "frozen",
        "id",
        "job",
        "managed_save",
        "name",
        "new_def",
        "nseconds",
        "persistent",
        "reason",
        "scheduler_weight",
        "seconds",
        "snapshots",
        "state",
        "uuid",
    )
    _load: Callable[[], tuple[Any, Any]] | None

    def __init__(self, def_: Any) -> None:
        self.def_ = def_
        self.new_def: Any = None
        self._start(def_.name, def_.uuid)

    @classmethod
    def deferred(cls, name: str, uuid: str, load: Callable[[], tuple[Any, Any]]) -> DomainObj:
        """A domain whose definitions ``load()`` returns, as (live, next boot), when
        first read: test:///default's built-in domain is parsed only if used."""
        obj = cls.__new__(cls)
        obj._start(name, uuid)
        obj._load = load
        return obj

    def __getattr__(self, attr: str) -> Any:
        # Called only for a slot never set: the definitions of a deferred domain.
        if attr not in ("def_", "new_def") or self._load is None:
            raise AttributeError(attr)
        with _DEFER_LOCK:
            load, self._load = self._load, None
            if load is not None:
                try:
                    live, next_boot = load()
                except BaseException:
                    self._load = load
                    raise
                for slot, value in (("def_", live), ("new_def", next_boot)):
                    try:
                        object.__getattribute__(self, slot)
                    except AttributeError:  # not replaced since: take the loaded one
                        object.__setattr__(self, slot, value)
        return object.__getattribute__(self, attr)

    def _start(self, name: str, uuid: str) -> None:
        self._load = None
        self.name = name
        self.uuid = uuid
        self.id = -1
        self.state = C.VIR_DOMAIN_SHUTOFF
        self.reason = C.VIR_DOMAIN_SHUTOFF_UNKNOWN
        self.persistent = False
        self.autostart = False
        self.managed_save = False
        self.snapshots = MomentList()
        self.checkpoints = MomentList()
        self.seconds = 627319920
        self.nseconds = 0
        self.frozen = [False, False]

    @property
    def active(self) -> bool:
        """True while the domain runs (running, paused, ...)."""
        return self.id != -1

    def handle(self) -> DomainHandle:
        """A fresh handle naming the domain as it is now."""
        return DomainHandle(self.name, self.uuid, self.id)

    def persistent_def(self) -> Any:
        """The definition the next boot uses."""
        return self.new_def if self.new_def is not None else self.def_

    def set_state(self, state: int, reason: int) -> None:
        """Change the run state and its reason."""
        self.state = state
        self.reason = reason
