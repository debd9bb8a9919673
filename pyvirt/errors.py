"""libvirt's error model: one exception class, thread-local last error.

Every failure in pyvirt surfaces as :class:`libvirtError` carrying libvirt's
error code (``VIR_ERR_*``) and error domain (``VIR_FROM_*``).  As in libvirt,
the most recent error of each thread is kept (``virGetLastError``) and is
passed to the error handler registered with ``registerErrorHandler``; with
no handler, it is printed on stderr the way libvirt's default handler does.

Modules raise errors through :func:`report`, naming their error domain once::

    _FROM = VIR_FROM_QEMU
    raise report(VIR_ERR_OPERATION_INVALID, "domain is not running", _FROM)
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

# typing costs ~5 ms to import (re, contextlib...) and errors are imported by
# ``import pyvirt``: names for annotations only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

from pyvirt import constants as C

# Error-level values (virErrorLevel).
_LEVEL_ERROR = C.VIR_ERR_ERROR

# The message libvirt prefixes to a detail for each code: code -> template
# with one '%s' for the detail (None: the detail is the whole message).
# Codes missing here use the generic "internal error" wording.
_TEMPLATES: dict[int, str | None] = {
    C.VIR_ERR_INTERNAL_ERROR: "internal error: %s",
    C.VIR_ERR_NO_MEMORY: "out of memory: %s",
    C.VIR_ERR_NO_SUPPORT: "this function is not supported by the connection driver: %s",
    C.VIR_ERR_UNKNOWN_HOST: "unknown host %s",
    C.VIR_ERR_NO_CONNECT: "no connection driver available for %s",
    C.VIR_ERR_INVALID_CONN: "invalid connection pointer in %s",
    C.VIR_ERR_INVALID_DOMAIN: "invalid domain pointer in %s",
    C.VIR_ERR_INVALID_ARG: "invalid argument: %s",
    C.VIR_ERR_OPERATION_FAILED: "operation failed: %s",
    C.VIR_ERR_OS_TYPE: "unknown OS type %s",
    C.VIR_ERR_NO_KERNEL: "missing kernel information: %s",
    C.VIR_ERR_NO_SOURCE: "missing source information for device %s",
    C.VIR_ERR_NO_TARGET: "missing target information for device %s",
    C.VIR_ERR_NO_NAME: "missing name information in %s",
    C.VIR_ERR_NO_OS: "missing operating system information for %s",
    C.VIR_ERR_NO_DEVICE: "missing devices information for %s",
    C.VIR_ERR_CALL_FAILED: "library call failed: %s",
    C.VIR_ERR_XML_ERROR: "XML error: %s",
    C.VIR_ERR_DOM_EXIST: "domain %s exists already",
    C.VIR_ERR_OPERATION_DENIED: "operation forbidden: %s",
    C.VIR_ERR_OPEN_FAILED: "failed to open configuration file %s",
    C.VIR_ERR_READ_FAILED: "failed to read configuration file %s",
    C.VIR_ERR_PARSE_FAILED: "failed to parse configuration file %s",
    C.VIR_ERR_CONF_SYNTAX: "configuration file syntax error: %s",
    C.VIR_ERR_WRITE_FAILED: "failed to write configuration file: %s",
    C.VIR_ERR_XML_DETAIL: None,
    C.VIR_ERR_INVALID_NETWORK: "invalid network pointer in %s",
    C.VIR_ERR_NETWORK_EXIST: "network %s exists already",
    C.VIR_ERR_SYSTEM_ERROR: None,
    C.VIR_ERR_RPC: None,
    C.VIR_ERR_GNUTLS_ERROR: None,
    C.VIR_ERR_NO_DOMAIN: "Domain not found: %s",
    C.VIR_ERR_NO_NETWORK: "Network not found: %s",
    C.VIR_ERR_INVALID_MAC: "invalid MAC address: %s",
    C.VIR_ERR_AUTH_FAILED: "authentication failed: %s",
    C.VIR_ERR_INVALID_STORAGE_POOL: "invalid storage pool pointer in %s",
    C.VIR_ERR_INVALID_STORAGE_VOL: "invalid storage volume pointer in %s",
    C.VIR_ERR_NO_STORAGE_POOL: "Storage pool not found: %s",
    C.VIR_ERR_NO_STORAGE_VOL: "Storage volume not found: %s",
    C.VIR_ERR_INVALID_NODE_DEVICE: "invalid node device pointer in %s",
    C.VIR_ERR_NO_NODE_DEVICE: "Node device not found: %s",
    C.VIR_ERR_NO_SECURITY_MODEL: "Security model not found: %s",
    C.VIR_ERR_OPERATION_INVALID: "Requested operation is not valid: %s",
    C.VIR_ERR_NO_INTERFACE: "Interface not found: %s",
    C.VIR_ERR_INVALID_INTERFACE: "invalid interface pointer in %s",
    C.VIR_ERR_MULTIPLE_INTERFACES: "multiple matching interfaces found: %s",
    C.VIR_ERR_INVALID_NWFILTER: "Invalid network filter: %s",
    C.VIR_ERR_NO_NWFILTER: "Network filter not found: %s",
    C.VIR_ERR_INVALID_SECRET: "Invalid secret: %s",
    C.VIR_ERR_NO_SECRET: "Secret not found: %s",
    C.VIR_ERR_CONFIG_UNSUPPORTED: "unsupported configuration: %s",
    C.VIR_ERR_OPERATION_TIMEOUT: "Timed out during operation: %s",
    C.VIR_ERR_INVALID_DOMAIN_SNAPSHOT: "Invalid domain snapshot: %s",
    C.VIR_ERR_NO_DOMAIN_SNAPSHOT: "Domain snapshot not found: %s",
    C.VIR_ERR_INVALID_STREAM: "invalid stream pointer in %s",
    C.VIR_ERR_ARGUMENT_UNSUPPORTED: "argument unsupported: %s",
    C.VIR_ERR_STORAGE_PROBE_FAILED: "Storage pool probe failed: %s",
    C.VIR_ERR_STORAGE_POOL_BUILT: "Storage pool already built: %s",
    C.VIR_ERR_SNAPSHOT_REVERT_RISKY: "revert requires force: %s",
    C.VIR_ERR_OPERATION_ABORTED: "operation aborted: %s",
    C.VIR_ERR_AUTH_CANCELLED: "authentication cancelled: %s",
    C.VIR_ERR_NO_DOMAIN_METADATA: "metadata not found: %s",
    C.VIR_ERR_MIGRATE_UNSAFE: "Unsafe migration: %s",
    C.VIR_ERR_OVERFLOW: "numerical overflow: %s",
    C.VIR_ERR_BLOCK_COPY_ACTIVE: "block copy still active: %s",
    C.VIR_ERR_OPERATION_UNSUPPORTED: "Operation not supported: %s",
    C.VIR_ERR_AGENT_UNRESPONSIVE: "Guest agent is not responding: %s",
    C.VIR_ERR_RESOURCE_BUSY: "resource busy: %s",
    C.VIR_ERR_ACCESS_DENIED: "access denied: %s",
    C.VIR_ERR_STORAGE_VOL_EXIST: "storage volume %s exists already",
    C.VIR_ERR_CPU_INCOMPATIBLE: "the CPU is incompatible with host CPU: %s",
    C.VIR_ERR_XML_INVALID_SCHEMA: "XML document failed to validate against schema: %s",
    C.VIR_ERR_AUTH_UNAVAILABLE: "authentication unavailable: %s",
    C.VIR_ERR_DEVICE_MISSING: "device not found: %s",
    C.VIR_ERR_INVALID_NWFILTER_BINDING: "Invalid network filter binding: %s",
    C.VIR_ERR_NO_NWFILTER_BINDING: "Network filter binding not found: %s",
    C.VIR_ERR_INVALID_DOMAIN_CHECKPOINT: "Invalid domain checkpoint: %s",
    C.VIR_ERR_NO_DOMAIN_CHECKPOINT: "Domain checkpoint not found: %s",
    C.VIR_ERR_NO_DOMAIN_BACKUP: "Domain backup job id not found: %s",
    C.VIR_ERR_INVALID_NETWORK_PORT: "Invalid network port pointer: %s",
    C.VIR_ERR_NETWORK_PORT_EXIST: "network port %s exists already",
    C.VIR_ERR_NO_NETWORK_PORT: "network port not found: %s",
    C.VIR_ERR_NO_HOSTNAME: "no hostname found: %s",
    C.VIR_ERR_CHECKPOINT_INCONSISTENT: "checkpoint inconsistent: %s",
    C.VIR_ERR_MULTIPLE_DOMAINS: "multiple matching domains found: %s",
}

# The message of a code given no detail, where it is not simply the
# template without its '%s' part.
_SHORT = {
    C.VIR_ERR_NO_CONNECT: "no connection driver available",
    C.VIR_ERR_NO_NAME: "missing name information",
    C.VIR_ERR_NO_OS: "missing operating system information",
    C.VIR_ERR_NO_DEVICE: "missing devices information",
    C.VIR_ERR_XML_ERROR: "XML description is invalid or not well formed",
    C.VIR_ERR_DOM_EXIST: "this domain exists already",
    C.VIR_ERR_OPERATION_DENIED: "operation forbidden for read only access",
    C.VIR_ERR_XML_DETAIL: "parser error",
    C.VIR_ERR_NETWORK_EXIST: "this network exists already",
    C.VIR_ERR_SYSTEM_ERROR: "system call error",
    C.VIR_ERR_RPC: "RPC error",
    C.VIR_ERR_GNUTLS_ERROR: "GNUTLS call error",
    C.VIR_ERR_STORAGE_VOL_EXIST: "this storage volume exists already",
    C.VIR_ERR_NETWORK_PORT_EXIST: "this network port exists already",
}

# Names of error domains, as libvirt's default handler prints them.
_DOMAIN_NAMES = {
    C.VIR_FROM_NONE: "", C.VIR_FROM_XML: "XML Util", C.VIR_FROM_DOM: "Domain",
    C.VIR_FROM_RPC: "XML-RPC", C.VIR_FROM_CONF: "Config File",
    C.VIR_FROM_QEMU: "QEMU Driver", C.VIR_FROM_NET: "Network",
    C.VIR_FROM_TEST: "Test Driver", C.VIR_FROM_REMOTE: "Remote Driver",
    C.VIR_FROM_STORAGE: "Storage Driver", C.VIR_FROM_NETWORK: "Network Driver",
    C.VIR_FROM_DOMAIN: "Domain Config", C.VIR_FROM_NODEDEV: "Node Device Driver",
    C.VIR_FROM_SECURITY: "Security Driver", C.VIR_FROM_INTERFACE: "Network Interface Driver",
    C.VIR_FROM_SECRET: "Secrets Driver", C.VIR_FROM_CPU: "CPU Driver",
    C.VIR_FROM_NWFILTER: "Network Filter Driver", C.VIR_FROM_DOMAIN_SNAPSHOT: "Domain Snapshot",
    C.VIR_FROM_STREAMS: "I/O Stream Utils", C.VIR_FROM_EVENT: "Event Loop",
    C.VIR_FROM_CAPABILITIES: "Capabilities Utils", C.VIR_FROM_URI: "URI Utils",
    C.VIR_FROM_AUTH: "Authentication Utils", C.VIR_FROM_DEVICE: "Device Config",
    C.VIR_FROM_SSH: "SSH transport layer", C.VIR_FROM_DOMAIN_CHECKPOINT: "Domain Checkpoint",
}

ErrTuple = tuple[int, int, str, int, "str | None", "str | None", "str | None", int, int]

_tls = threading.local()
_handler: Callable[[Any, ErrTuple], Any] | None = None
_handler_ctx: Any = None


class libvirtError(Exception):  # noqa: N801 - libvirt-python's name
    """The one exception of the API: libvirt's error code, domain and message.

    ``libvirtError(msg)`` made by user code picks up the thread's last error,
    as libvirt-python does; pyvirt itself raises through :func:`report`.
    """

    def __init__(self, defmsg: str, conn: Any = None, dom: Any = None,
                 net: Any = None, pool: Any = None, vol: Any = None,
                 *, err: ErrTuple | None = None) -> None:
        if err is None:
            err = virGetLastError()
        Exception.__init__(self, defmsg if err is None else err[2])
        self.err = err

    def get_error_code(self) -> int | None:
        """Return the ``VIR_ERR_*`` code, or None."""
        return None if self.err is None else self.err[0]

    def get_error_domain(self) -> int | None:
        """Return the ``VIR_FROM_*`` domain, or None."""
        return None if self.err is None else self.err[1]

    def get_error_message(self) -> str | None:
        """Return the message text, or None."""
        return None if self.err is None else self.err[2]

    def get_error_level(self) -> int | None:
        """Return the level (``VIR_ERR_ERROR`` ...), or None."""
        return None if self.err is None else self.err[3]

    def get_str1(self) -> str | None:
        """Return the first extra string of the error."""
        return None if self.err is None else self.err[4]

    def get_str2(self) -> str | None:
        """Return the second extra string of the error."""
        return None if self.err is None else self.err[5]

    def get_str3(self) -> str | None:
        """Return the third extra string of the error."""
        return None if self.err is None else self.err[6]

    def get_int1(self) -> int | None:
        """Return the first extra integer of the error."""
        return None if self.err is None else self.err[7]

    def get_int2(self) -> int | None:
        """Return the second extra integer of the error."""
        return None if self.err is None else self.err[8]


def format_message(code: int, detail: str | None) -> str:
    """Return libvirt's message for ``code`` with ``detail`` filled in."""
    template = _TEMPLATES.get(code, "internal error: %s")
    if not detail:
        if code in _SHORT:
            return _SHORT[code]
        return (template or "%s").replace(": %s", "").replace(" %s", "").strip()
    if template is None:
        return detail
    return template % detail


def report(code: int, detail: str | None = None, domain: int = C.VIR_FROM_NONE,
           *, int1: int = -1, int2: int = -1, str1: str | None = None) -> libvirtError:
    """Record an error as the thread's last error and return the exception.

    The caller raises it: ``raise report(VIR_ERR_NO_DOMAIN, "...", _FROM)``.
    The registered error handler (or the default stderr printer) is called
    as libvirt's public API does when an error leaves it.
    """
    message = format_message(code, detail)
    template = _TEMPLATES.get(code, "internal error: %s") or "%s"
    err: ErrTuple = (code, domain, message, _LEVEL_ERROR,
                     str1 if str1 is not None else template,
                     detail, None, int1, int2)
    _tls.last = err
    _dispatch(err)
    return libvirtError(message, err=err)


def report_raw(code: int, message: str, domain: int = C.VIR_FROM_NONE,
               str1: str | None = None, str2: str | None = None) -> libvirtError:
    """Like :func:`report`, with ``message`` used as it is (no per-code prefix).

    libvirt's flag checks report this way: 'unsupported flags (0x1) in
    function testDomainCreateWithFlags'.
    """
    err: ErrTuple = (code, domain, message, _LEVEL_ERROR, str1, str2, None, -1, -1)
    _tls.last = err
    _dispatch(err)
    return libvirtError(message, err=err)


def check_flags(flags: int, allowed: int, func: str,
                domain: int = C.VIR_FROM_NONE) -> None:
    """libvirt's virCheckFlags: refuse bits of ``flags`` outside ``allowed``."""
    extra = flags & ~allowed
    if extra:
        raise report_raw(C.VIR_ERR_INVALID_ARG,
                         f"unsupported flags (0x{extra:x}) in function {func}", domain,
                         func, "flags")


def report_system(errno_: int, detail: str, domain: int = C.VIR_FROM_NONE) -> libvirtError:
    """Return a ``VIR_ERR_SYSTEM_ERROR`` for an OS error: 'detail: strerror'."""
    import os
    return report(C.VIR_ERR_SYSTEM_ERROR, f"{detail}: {os.strerror(errno_)}",
                  domain, int1=errno_)


def no_support(name: str, domain: int = C.VIR_FROM_NONE) -> libvirtError:
    """Return the ``VIR_ERR_NO_SUPPORT`` error for C function ``name``."""
    return report(C.VIR_ERR_NO_SUPPORT, name, domain)


def _dispatch(err: ErrTuple) -> None:
    if _handler is not None:
        _handler(_handler_ctx, err)
        return
    dom = _DOMAIN_NAMES.get(err[1], "Unknown")
    sys.stderr.write(f"libvirt: {dom} error : {err[2]}\n")


def registerErrorHandler(f: Callable[[Any, ErrTuple], Any] | None, ctx: Any) -> int:  # noqa: N802
    """Set the function called with (ctx, err) for every error; None restores stderr."""
    global _handler, _handler_ctx
    if f is not None and not callable(f):
        raise TypeError("registerErrorHandler() expects a callable or None")
    _handler, _handler_ctx = f, ctx
    return 1


def virGetLastError() -> ErrTuple | None:  # noqa: N802
    """Return the thread's last error tuple, or None."""
    return getattr(_tls, "last", None)


def virGetLastErrorCode() -> int:  # noqa: N802
    """Return the code of the thread's last error (``VIR_ERR_OK`` if none)."""
    err = virGetLastError()
    return C.VIR_ERR_OK if err is None else err[0]


def virGetLastErrorDomain() -> int:  # noqa: N802
    """Return the domain of the thread's last error (``VIR_FROM_NONE`` if none)."""
    err = virGetLastError()
    return C.VIR_FROM_NONE if err is None else err[1]


def virGetLastErrorMessage() -> str:  # noqa: N802
    """Return the message of the thread's last error."""
    err = virGetLastError()
    return "no error" if err is None else err[2]


def virResetLastError() -> None:  # noqa: N802
    """Forget the thread's last error."""
    _tls.last = None


def denied(name: str, domain: int = C.VIR_FROM_DOMAIN) -> libvirtError:
    """Return the ``VIR_ERR_OPERATION_DENIED`` error of a read-only connection."""
    return report(C.VIR_ERR_OPERATION_DENIED, f"read only access prevents {name}", domain)
