"""Debian's userspace iSCSI target (tgt) for the iscsi pool tests, private to the test.

``tgtd`` runs in the foreground in a mount namespace of its own, where a
tmpfs on /run holds its control socket (so it neither sees nor disturbs a
tgtd of the host), listening on 127.0.0.1 at a free port.  Its LUNs are
sparse files in a temporary directory; ``tgtadm`` runs in the same
namespace (``nsenter``).  :meth:`TgtTarget.stop` kills it and removes the
files: nothing is left.

Two targets: TARGET (LUN 1: 16 MiB, LUN 2: 32 MiB, open to every
initiator) and CHAP_TARGET (LUN 1: 8 MiB, CHAP user CHAP_USER with password
CHAP_PASSWORD).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

from ceph import free_port

BINARIES = ("tgtd", "tgtadm", "iscsi-ls", "iscsi-readcapacity16", "unshare", "nsenter")
TARGET = "iqn.2026-12.org.pyvirt:disks"
CHAP_TARGET = "iqn.2026-12.org.pyvirt:secured"
INITIATOR = "iqn.2026-12.org.pyvirt:initiator"
CHAP_USER = "pyvirt"
CHAP_PASSWORD = "s3cret-chap-pw"
LUNS = {TARGET: (16, 32), CHAP_TARGET: (8,)}      # MiB per LUN, LUN numbers from 1


def missing() -> list[str]:
    """The programs this host lacks (empty: a target can start)."""
    return [b for b in BINARIES if shutil.which(b) is None]


@dataclass
class TgtTarget:
    """A running tgtd: where it listens, its files."""

    dir: str
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    files: list[str] = field(default_factory=list)

    @property
    def portal(self) -> str:
        """``127.0.0.1:PORT``."""
        return f"127.0.0.1:{self.port}"

    def admin(self, *args: str) -> str:
        """Run ``tgtadm --lld iscsi ARGS`` against this tgtd."""
        assert self.proc is not None
        res = subprocess.run(["nsenter", "-t", str(self.proc.pid), "-m", "tgtadm", "--lld",
                              "iscsi", *args], capture_output=True, text=True, check=False)
        if res.returncode != 0:
            raise RuntimeError(f"tgtadm {' '.join(args)}: {res.stderr.strip()}")
        return res.stdout

    def start(self) -> None:
        """Start tgtd and set up the targets; returns when they answer."""
        self.port = free_port()
        script = ("mount -t tmpfs -o size=1M,mode=0700 tmpfs /run && mkdir /run/tgtd && "
                  f"exec tgtd -f --iscsi portal=127.0.0.1:{self.port}")
        log = open(f"{self.dir}/tgtd.log", "wb")     # noqa: SIM115 (the child keeps it)
        self.proc = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c",
                                      script], stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        end = time.monotonic() + 20
        while True:
            try:
                self.admin("--op", "show", "--mode", "target")
                break
            except RuntimeError:
                if self.proc.poll() is not None or time.monotonic() > end:
                    raise RuntimeError(f"tgtd did not start; see {self.dir}/tgtd.log") from None
                time.sleep(0.05)
        for tid, (iqn, sizes) in enumerate(LUNS.items(), start=1):
            self.admin("--op", "new", "--mode", "target", "--tid", str(tid), "-T", iqn)
            for lun, mib in enumerate(sizes, start=1):
                path = f"{self.dir}/t{tid}-lun{lun}.img"
                with open(path, "wb") as fh:
                    fh.truncate(mib << 20)
                self.files.append(path)
                self.admin("--op", "new", "--mode", "logicalunit", "--tid", str(tid),
                           "--lun", str(lun), "-b", path)
            self.admin("--op", "bind", "--mode", "target", "--tid", str(tid), "-I", "ALL")
        self.admin("--op", "new", "--mode", "account", "--user", CHAP_USER, "--password",
                   CHAP_PASSWORD)
        self.admin("--op", "bind", "--mode", "account", "--tid", "2", "--user", CHAP_USER)

    def stop(self) -> None:
        """Kill tgtd (its namespace and tmpfs go with it) and remove the LUN files."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def start_target() -> TgtTarget:
    """A started target in a new temporary directory (stopped again if it fails)."""
    target = TgtTarget(tempfile.mkdtemp(prefix="pyvirt-tgt-"))
    try:
        target.start()
    except BaseException:
        target.stop()
        raise
    return target
