"""The setups the QEMU benchmarks compare: embed against embed, daemon against daemon.

* **embed**: the driver runs inside the benchmark's own process, no daemon.
  pyvirt: ``qemu:///embed?root=DIR`` in this process; libvirt 9.0:
  ``qemu:///embed?root=DIR`` in Debian's ``/usr/bin/python3``
  (python3-libvirt), a process of its own running the same steps.
* **daemon**: one client, Debian's python3-libvirt, talks to a daemon that
  serves a QEMU driver.  pyvirt: ``pyvirtd`` serving ``qemu:///session``
  (its XDG directories in a temporary directory); libvirt 9.0: a private
  ``libvirtd`` serving ``qemu:///system`` in a mount namespace of its own
  (``tests/daemon/daemons.py``), so no system libvirtd is touched.

libvirt's QEMU driver reads ``ROOT/etc/qemu.conf`` when embedded and
``/etc/libvirt/qemu.conf`` in the daemon (mounted over, inside the private
namespace only): both get :data:`LIBVIRT_QEMU_CONF`.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "daemon"))

import daemons  # noqa: E402

REAL_PYTHON = daemons.REAL_PYTHON

# The rows both benchmarks print, and the pairs they compare.
PYVIRT_EMBED = "embed  pyvirt qemu:///embed"
LIBVIRT_EMBED = "embed  libvirt 9.0 qemu:///embed"
PYVIRTD = "daemon pyvirtd qemu:///session"
LIBVIRTD = "daemon libvirtd 9.0 qemu:///system"
PAIRS = (("embed", PYVIRT_EMBED, LIBVIRT_EMBED), ("daemon", PYVIRTD, LIBVIRTD))
HEADER = ("embed rows: the driver in the calling process; daemon rows: Debian's "
          "python3-libvirt as the client of the daemon")
EMULATOR = "/usr/bin/qemu-system-x86_64"

# QEMU as root without a security driver (the guest's kernel lives under
# /root), its output to a file (no virtlogd): as tools/start-libvirtd sets up.
LIBVIRT_QEMU_CONF = ('user = "root"\ngroup = "root"\nsecurity_driver = "none"\n'
                     'stdio_handler = "file"\n')

# Prelude of the code run under Debian's python3: the embedded driver needs
# an event loop; ``conn`` is the connection to sys.argv[1].
CHILD_PRELUDE = """
import json, os, sys, threading, time
import libvirt
libvirt.virEventRegisterDefaultImpl()
def _loop():
    while True:
        libvirt.virEventRunDefaultImpl()
threading.Thread(target=_loop, daemon=True).start()
conn = libvirt.open(sys.argv[1])
"""


def libvirt_available() -> str | None:
    """Why Debian's python3-libvirt cannot run here, or None."""
    if not os.path.exists(REAL_PYTHON):
        return f"{REAL_PYTHON} is missing"
    probe = subprocess.run([REAL_PYTHON, "-c", "import libvirt"], capture_output=True,
                           check=False)
    return "python3-libvirt is not installed" if probe.returncode else None


def libvirt_embed_uri(root: str) -> str:
    """libvirt's embed URI for ``root``, with its qemu.conf written there."""
    os.makedirs(os.path.join(root, "etc"), exist_ok=True)
    with open(os.path.join(root, "etc", "qemu.conf"), "w") as f:
        f.write(LIBVIRT_QEMU_CONF)
    return f"qemu:///embed?root={root}"


def run_child(body: str, uri: str, *args: str, stdin: str | None = None,
              timeout: float = 600) -> Any:
    """Run ``body`` under Debian's python3 connected to ``uri``; return its last JSON line."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    res = subprocess.run([REAL_PYTHON, "-c", CHILD_PRELUDE + body, uri, *args], input=stdin,
                         capture_output=True, text=True, timeout=timeout, check=False, env=env)
    if res.returncode != 0:
        raise RuntimeError(f"{uri}: {res.stderr.strip()[-800:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def pyvirtd_session(work: Path) -> Iterator[str]:
    """pyvirtd serving qemu:///session from ``work``/xdg; yields the client URI."""
    xdg = work / "xdg"
    saved = {k: os.environ.get(k) for k in ("XDG_CONFIG_HOME", "XDG_DATA_HOME",
                                            "XDG_CACHE_HOME", "XDG_RUNTIME_DIR")}
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                     ("XDG_CACHE_HOME", "cache"), ("XDG_RUNTIME_DIR", "run")):
        os.environ[var] = str(xdg / sub)
    try:
        daemon = daemons.start_pyvirtd(work, tcp=False)
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value
    try:
        yield f"qemu+unix:///session?socket={daemon.sock}"
    finally:
        daemon.stop()


@contextlib.contextmanager
def libvirtd_system(work: Path) -> Iterator[str | None]:
    """A private libvirtd serving qemu:///system; yields its URI (None: cannot run here)."""
    why = daemons.libvirtd_available()
    if why is not None:
        print(f"libvirtd: skipped ({why})", file=sys.stderr)
        yield None
        return
    daemon = daemons.start_libvirtd(work, qemu_conf=LIBVIRT_QEMU_CONF)
    try:
        yield f"qemu+unix:///system?socket={daemon.sock}"
    finally:
        daemon.stop()


def ratio(a: float, b: float) -> str:
    """``a / b`` as 'x1.23' (or '-' when either is missing)."""
    if math.isnan(a) or math.isnan(b) or not b:
        return "-"
    return f"x{a / b:.2f}"
