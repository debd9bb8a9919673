"""What a remote client may ask pyvirtd to open, and what it is told when that fails.

libvirt documents ``test:///PATH`` (a test driver loaded from a file) as
*local* access; libvirtd nevertheless opens any path a client names, from
the world-accessible read-only socket too, and quotes the file's first
line in the parse error.  pyvirtd is stricter:

* A ``test:///PATH`` URI other than ``test:///default`` is opened for a
  client only when the client is root (``SO_PEERCRED`` on the unix socket;
  TCP and TLS peers never qualify), ``test_driver_dir`` is set, and PATH
  resolves (symbolic links followed) to a file under that directory.  The
  driver then opens it without blocking and only when it is a regular
  file (:func:`pyvirt.drivers.test.objects.read_node_file`).
* Whatever goes wrong loading such a file, the client is only told that
  the document could not be loaded; the details (which may quote the
  file) go to the daemon's log.
* ``qemu:///embed`` and other embedded roots (``?root=DIR``) are opened
  only for a root client on the unix socket (libvirtd refuses them to
  everyone; pyvirt's own tests and tools use them through the daemon).
* A string argument holding a NUL byte ends there, as libvirtd's C
  decoder reads it (:mod:`pyvirt.rpc.xdr`); no driver sees the NUL.
"""

from __future__ import annotations

import logging
import os

from pyvirt import constants as C
from pyvirt.daemon.config import Config
from pyvirt.driver.uri import URI
from pyvirt.errors import libvirtError, report

log = logging.getLogger("pyvirt.daemon")


def is_test_file(uri: URI) -> bool:
    """True for a test driver URI naming a file (anything but test:///default)."""
    return uri.driver == "test" and uri.path not in ("", "/", "/default")


def check_open(config: Config, uri: URI, peer_uid: int | None) -> None:
    """Raise VIR_ERR_OPERATION_DENIED unless a client of uid ``peer_uid`` (None:
    unknown) may open ``uri`` through the daemon."""
    if (uri.path == "/embed" or "root" in uri.query) and peer_uid != 0:
        raise report(C.VIR_ERR_OPERATION_DENIED,
                     f"embedded drivers ('{uri.raw}') are opened through the daemon "
                     "only for root clients on its unix socket; open it in-process",
                     C.VIR_FROM_REMOTE)
    if not is_test_file(uri):
        return
    where = config.test_driver_dir
    if peer_uid != 0 or not where:
        raise report(C.VIR_ERR_OPERATION_DENIED,
                     "the daemon opens test driver files only for root clients on its "
                     "unix socket, and only from the directory set by test_driver_dir; "
                     "use test:///default", C.VIR_FROM_TEST)
    base = os.path.realpath(where)
    real = os.path.realpath(uri.path)
    if os.path.commonpath([base, real]) != base:
        raise report(C.VIR_ERR_OPERATION_DENIED,
                     f"test driver file '{uri.path}' is not under test_driver_dir '{where}'",
                     C.VIR_FROM_TEST)


def opaque_load_error(uri: URI, exc: BaseException) -> libvirtError:
    """The error a client gets when loading the test driver file of ``uri``
    failed: libvirt's words for an unreadable document, without the cause
    (a parse error may quote the file), which the daemon logs instead."""
    log.warning("loading test driver file '%s' failed: %s", uri.path, exc)
    return report(C.VIR_ERR_XML_ERROR, f"failed to parse xml document '{uri.path}'",
                  C.VIR_FROM_TEST)

