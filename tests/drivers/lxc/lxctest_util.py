"""Helpers of the LXC driver's tests and benchmark: a busybox root filesystem, a
pyvirtd whose system directories are private to it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "daemon"))
import daemons

APPLETS = ("sh", "sleep", "cat", "hostname", "ps", "mount", "echo", "ls", "env", "true",
           "false")


def build_rootfs(path: str) -> str:
    """A busybox root filesystem: /bin/busybox and its applets as symlinks."""
    for d in ("bin", "etc", "tmp", "proc", "sys", "dev"):
        os.makedirs(os.path.join(path, d), exist_ok=True)
    shutil.copy(shutil.which("busybox") or "/bin/busybox", os.path.join(path, "bin/busybox"))
    for name in APPLETS:
        os.symlink("busybox", os.path.join(path, "bin", name))
    with open(os.path.join(path, "etc/passwd"), "w") as f:
        f.write("root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n")
    with open(os.path.join(path, "etc/group"), "w") as f:
        f.write("root:x:0:\nnogroup:x:65534:\n")
    return path


PRIVATE = ("/etc/pyvirt", "/run/pyvirt", "/var/lib/pyvirt", "/var/log/pyvirt",
           "/var/cache/pyvirt")


def start_private_pyvirtd(workdir: Path, state: Path) -> daemons.RunningDaemon:
    """pyvirtd with its system directories bound from ``state`` (kept across restarts)."""
    sockdir = workdir / "run"
    sockdir.mkdir(parents=True, exist_ok=True)
    binds = []
    for i, d in enumerate(PRIVATE):
        src = state / str(i)
        src.mkdir(parents=True, exist_ok=True)
        binds.append(f"mkdir -p {d} && mount --bind {src} {d} || exit 1; ")
    script = "".join(binds) + (f"exec {sys.executable} -m pyvirt.daemon.main "
                               f"--unix-sock-dir {sockdir} --pid-file {workdir / 'pid'}")
    log = workdir / "pyvirtd.log"
    with open(log, "ab") as fh:
        proc = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c",
                                 script], stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)
    daemon = daemons.RunningDaemon(sockdir, proc, log)
    daemons._wait_socket(daemon.sock, proc, log)
    return daemon


