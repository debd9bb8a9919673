#!/usr/bin/env python3
"""A tour of pyvirt: pyvirsh on the test driver, then a real QEMU guest.

Run by tools/demo (which installs what it needs first).  Every step is a
real command: pyvirsh processes against test:///default, then a tiny
Debian guest booted under QEMU (TCG) through qemu:///embed, managed from
separate pyvirsh processes while it keeps running, and a few calls through
the Python API.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def step(title: str) -> None:
    """Print a section heading."""
    print(f"\n=== {title}")


def sh(*argv: str, check: bool = True) -> str:
    """Run a command, echo it and its output; return stdout."""
    print("$ " + " ".join(shlex.quote(a) for a in argv))
    proc = subprocess.run(argv, check=False, capture_output=True, text=True)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    if check and proc.returncode:
        raise SystemExit(f"demo step failed: {' '.join(argv)} (exit {proc.returncode})")
    return proc.stdout


def quiet(*argv: str) -> subprocess.CompletedProcess:
    """Run a command without echoing it (the demo's own checks)."""
    return subprocess.run(argv, check=False, capture_output=True, text=True)


def guest_dir() -> str:
    """Build (or reuse) the tiny test guest; return its directory."""
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "build_guest.py"),
                          "--print-dir"], capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def domain_xml(guest: str, serial_log: str) -> str:
    """The demo guest: the tiny kernel and initramfs, a pty console logged to a file."""
    return f"""<domain type='qemu'>
  <name>demo</name>
  <memory unit='MiB'>96</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{guest}/vmlinuz</kernel>
    <initrd>{guest}/initrd.img</initrd>
    <cmdline>console=ttyS0 quiet panic=-1</cmdline>
  </os>
  <features><acpi/></features>
  <devices>
    <serial type='pty'><log file='{serial_log}'/></serial>
    <console type='pty'/>
  </devices>
</domain>
"""


def wait_for_text(path: str, text: bytes, timeout: float = 60.0) -> None:
    """Wait until the guest's console log contains ``text``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path) and text in Path(path).read_bytes():
            return
        time.sleep(0.1)
    raise SystemExit(f"guest did not print {text!r} within {timeout} s")


def state(uri: str) -> str:
    """The demo guest's state ('' when it is not defined)."""
    res = quiet("pyvirsh", "-c", uri, "domstate", "demo")
    return res.stdout.strip() if res.returncode == 0 else ""


def cleanup(uri: str) -> None:
    """Leave nothing behind: stop the guest if it still runs, forget it."""
    now = state(uri)
    if now and now != "shut off":
        print("(the guest still runs: stopping it)")
        sh("pyvirsh", "-c", uri, "destroy", "demo", check=False)
    if now:
        sh("pyvirsh", "-c", uri, "undefine", "demo", check=False)


def main() -> int:
    """Run the tour."""
    step("pyvirsh on libvirt's mock hypervisor (test:///default)")
    for cmd in (["version"], ["list", "--all"], ["dominfo", "test"],
                ["net-list", "--all"], ["pool-list", "--all"], ["list", "--all", "--json"]):
        sh("pyvirsh", "-c", "test:///default", *cmd)

    step("API coverage")
    sh(sys.executable, str(ROOT / "tools" / "api_report.py"))

    step("a real guest under QEMU (qemu:///embed, state in a temporary directory)")
    guest = guest_dir()
    with tempfile.TemporaryDirectory(prefix="pyvirt-demo-") as root:
        uri = f"qemu:///embed?root={root}"
        log = os.path.join(root, "demo-console.log")
        xml = os.path.join(root, "demo.xml")
        Path(xml).write_text(domain_xml(guest, log))
        try:
            sh("pyvirsh", "-c", uri, "define", xml)
            started = time.monotonic()
            sh("pyvirsh", "-c", uri, "start", "demo")
            wait_for_text(log, b"PYVIRT-GUEST-READY")
            print(f"(guest ready {time.monotonic() - started:.1f} s after start; "
                  "each pyvirsh process reconnects to the running QEMU)")
            sh("pyvirsh", "-c", uri, "list", "--all")
            sh("pyvirsh", "-c", uri, "dominfo", "demo")
            sh("pyvirsh", "-c", uri, "domstate", "--reason", "demo")
            sh("pyvirsh", "-c", uri, "suspend", "demo")
            sh("pyvirsh", "-c", uri, "domstate", "--reason", "demo")
            sh("pyvirsh", "-c", uri, "resume", "demo")
            sh("pyvirsh", "-c", uri, "dumpxml", "--xpath", "//serial", "demo")
            print("the guest's console so far:")
            print("  " + "\n  ".join(Path(log).read_text(errors="replace").splitlines()[-5:]))
            sh("pyvirsh", "-c", uri, "shutdown", "demo")
            print("(waiting for the guest to power off)")
            deadline = time.monotonic() + 120
            while state(uri) != "shut off" and time.monotonic() < deadline:
                time.sleep(0.5)
            sh("pyvirsh", "-c", uri, "domstate", "--reason", "demo")
        finally:
            cleanup(uri)
    print("\ndemo finished")
    return 0


if __name__ == "__main__":
    sys.exit(main())
