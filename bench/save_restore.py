#!/usr/bin/env python3
"""Save and restore of a tiny guest: raw QEMU, pyvirt's iohelper, libvirt, side by side.

(a) raw QEMU: QMP ``stop`` + ``migrate`` to ``exec:cat > F`` (bandwidth cap
    lifted) + ``fdatasync(F)``; restore: ``-incoming defer`` +
    ``migrate-incoming exec:cat F`` until the guest runs again.
(b) pyvirt's data path for the same stream: QEMU -> pipe (``getfd`` +
    ``migrate fd:``) -> :class:`pyvirt.util.iohelper.DurableWriter` ->
    durable image (libvirt's header, fdatasync, rename, fsync of the
    directory); restore: the image -> ``StreamReader`` -> pipe ->
    ``migrate-incoming fd:``.  Run in a thread and as a process.
(c) libvirt: ``virDomain.save()`` / ``virConnect.restore()`` through
    Debian's python3-libvirt (/usr/bin/python3), on a private libvirtd
    started for the run (tests/daemon/daemons.py: start_libvirtd; root).
(d) pyvirt's own ``save()``/``restore()``: see PYVIRT_DRIVER below.

Restore times start at ``migrate-incoming`` (QEMU already started; its
start-up is shown on a line of its own), except libvirt's, which include
starting QEMU as the API does.  The guest is the project's tiny guest
(tools/build_guest.py) when built, else a guest with no OS sitting in
SeaBIOS.  Prints seconds (median of --runs) and the ratio to raw QEMU;
the goal is save at >= 90% of raw QEMU's rate (ratio <= 1.11).

Usage: bench/save_restore.py [--runs N] [--memory MiB] [--dir DIR] [--no-libvirt]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "daemon"))

import daemons

QEMU = "qemu-system-x86_64"
GUEST_DIR = os.environ.get("PYVIRT_GUEST_DIR", os.path.expanduser("~/.cache/pyvirt/guest"))
READY = b"PYVIRT-GUEST-READY"
NO_CAP = 1 << 62  # max-bandwidth: effectively unlimited


def guest_files() -> tuple[str, str] | None:
    kernel, initrd = (os.path.join(GUEST_DIR, n) for n in ("vmlinuz", "initrd.img"))
    return (kernel, initrd) if os.path.exists(kernel) and os.path.exists(initrd) else None


class Qmp:
    """A minimal synchronous QMP client (bench only): commands, fds, no events kept."""

    def __init__(self, path: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.005)
        self.file = self.sock.makefile("rb")
        self.file.readline()  # greeting
        self.cmd("qmp_capabilities")

    def cmd(self, name: str, args: dict[str, Any] | None = None,
            fds: tuple[int, ...] = ()) -> Any:
        msg = json.dumps({"execute": name, "arguments": args or {}}).encode()
        if fds:
            socket.send_fds(self.sock, [msg], list(fds))
        else:
            self.sock.sendall(msg)
        while True:
            reply = json.loads(self.file.readline())
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise RuntimeError(f"{name}: {reply['error']['desc']}")

    def wait_migration(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            info = self.cmd("query-migrate")
            status = info.get("status")
            if status == "completed":
                return
            if status in ("failed", "cancelled"):
                raise RuntimeError(f"migration {status}: {info}")
            if time.monotonic() > deadline:
                raise RuntimeError("migration timed out")
            time.sleep(0.001)

    def close(self) -> None:
        self.file.close()
        self.sock.close()


class Guest:
    """A QEMU started for the bench, with a QMP socket in ``workdir``."""

    def __init__(self, workdir: str, name: str, memory: int, incoming: bool = False) -> None:
        self.sock = os.path.join(workdir, f"{name}.qmp")
        self.log = os.path.join(workdir, f"{name}.serial")
        argv = [QEMU, "-machine", "q35", "-accel", "tcg", "-m", str(memory),
                "-nographic", "-nodefaults", "-serial", f"file:{self.log}",
                "-qmp", f"unix:{self.sock},server=on,wait=off"]
        files = guest_files()
        if files:
            argv += ["-kernel", files[0], "-initrd", files[1], "-append", "console=ttyS0"]
        if incoming:
            argv += ["-incoming", "defer"]
        start = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
        self.qmp = Qmp(self.sock)
        self.startup = time.perf_counter() - start
        self.qmp.cmd("migrate-set-parameters", {"max-bandwidth": NO_CAP})

    def wait_ready(self, timeout: float = 120.0) -> None:
        if not guest_files():
            time.sleep(0.5)  # no OS: SeaBIOS is up at once
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.log, "rb") as f:
                if READY in f.read():
                    return
            time.sleep(0.05)
        raise RuntimeError("guest did not come up")

    def stop(self) -> None:
        try:
            self.qmp.cmd("quit")
        except (OSError, RuntimeError, ValueError):
            pass
        self.qmp.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def fdatasync_path(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fdatasync(fd)
    finally:
        os.close(fd)


# --- (a) raw QEMU -------------------------------------------------------------------

def raw_save(src: Guest, path: str) -> float:
    start = time.perf_counter()
    src.qmp.cmd("stop")
    src.qmp.cmd("migrate", {"uri": f"exec:cat > {path}"})
    src.qmp.wait_migration()
    fdatasync_path(path)
    return time.perf_counter() - start


def raw_restore(dst: Guest, path: str) -> float:
    start = time.perf_counter()
    dst.qmp.cmd("migrate-incoming", {"uri": f"exec:cat {path}"})
    dst.qmp.wait_migration()
    dst.qmp.cmd("cont")
    return time.perf_counter() - start


# --- (b) pyvirt's iohelper ------------------------------------------------------------

def _save_data():
    from pyvirt.drivers.qemu import saveimage
    return saveimage.new_save_data("<domain type='qemu'><name>bench</name></domain>",
                                   was_running=True)


def iohelper_save(src: Guest, path: str, process: bool) -> float:
    from pyvirt.drivers.qemu import saveimage
    from pyvirt.util import iohelper
    start = time.perf_counter()
    rfd, wfd = os.pipe2(os.O_CLOEXEC)
    data = _save_data()
    writer: iohelper.DurableWriter | iohelper.HelperProcess
    if process:
        writer = iohelper.spawn_writer(path, rfd, prefix=data.pack(),
                                       patches=[(0, saveimage.MAGIC)])
    else:
        in_thread = saveimage.image_writer(path, data)
        in_thread.start(rfd)
        writer = in_thread
    src.qmp.cmd("getfd", {"fdname": "pyvirt-save"}, fds=(wfd,))
    os.close(wfd)  # QEMU holds the write end now: EOF comes when it closes it
    src.qmp.cmd("stop")
    src.qmp.cmd("migrate", {"uri": "fd:pyvirt-save"})
    src.qmp.wait_migration()
    writer.wait()
    writer.commit()
    took = time.perf_counter() - start
    os.close(rfd)
    return took


def iohelper_restore(dst: Guest, path: str, process: bool) -> float:
    from pyvirt.drivers.qemu import saveimage
    from pyvirt.util import iohelper
    start = time.perf_counter()
    rfd, wfd = os.pipe2(os.O_CLOEXEC)
    data, reader = saveimage.image_reader(path)
    job: iohelper.StreamReader | iohelper.HelperProcess
    dst.qmp.cmd("getfd", {"fdname": "pyvirt-restore"}, fds=(rfd,))
    os.close(rfd)
    if process:
        job = iohelper.spawn_reader(path, wfd, offset=data.header.data_offset)
    else:
        reader.start(wfd)
        job = reader
    dst.qmp.cmd("migrate-incoming", {"uri": "fd:pyvirt-restore"})
    job.wait()
    os.close(wfd)
    dst.qmp.wait_migration()
    dst.qmp.cmd("cont")
    return time.perf_counter() - start


# --- (c) libvirt ----------------------------------------------------------------------

LIBVIRT_CHILD = r'''
import json, os, sys, time, libvirt
xml, path, runs, log = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
conn = libvirt.open(sys.argv[6])
dom = conn.createXML(xml, 0)
deadline = time.monotonic() + 120
while os.path.exists(sys.argv[5]) and time.monotonic() < deadline:
    if os.path.exists(log) and b"PYVIRT-GUEST-READY" in open(log, "rb").read():
        break
    time.sleep(0.05)
else:
    time.sleep(0.5)
saves, restores = [], []
try:
    for _ in range(runs):
        t = time.perf_counter(); dom.save(path); saves.append(time.perf_counter() - t)
        t = time.perf_counter(); conn.restore(path); restores.append(time.perf_counter() - t)
        dom = conn.lookupByName(dom.name())
    size = os.path.getsize(path)
finally:
    try:
        dom.destroy()
    except libvirt.libvirtError:
        pass
print(json.dumps({"save": saves, "restore": restores, "size": size}))
'''


def libvirt_runs(workdir: str, memory: int, runs: int) -> dict | None:
    if not os.path.exists("/usr/bin/python3") or daemons.libvirtd_available():
        return None
    log = os.path.join(workdir, "libvirt.serial")
    files = guest_files()
    boot = (f"<kernel>{files[0]}</kernel><initrd>{files[1]}</initrd>"
            "<cmdline>console=ttyS0</cmdline>") if files else ""
    xml = f"""<domain type='qemu'>
  <name>pyvirt-bench-{os.getpid()}</name>
  <memory unit='MiB'>{memory}</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type>{boot}</os>
  <devices>
    <emulator>/usr/bin/{QEMU}</emulator>
    <serial type='file'><source path='{log}'/><target port='0'/></serial>
    <memballoon model='none'/>
  </devices>
</domain>"""
    guest = files[0] if files else "/nonexistent"
    libvirtd = daemons.start_libvirtd(Path(workdir) / "libvirtd")
    try:
        out = subprocess.run(["/usr/bin/python3", "-c", LIBVIRT_CHILD, xml,
                              os.path.join(workdir, "libvirt.sav"), str(runs), log, guest,
                              libvirtd.uri(driver="qemu", path="/system")],
                             check=False, capture_output=True, text=True, timeout=600)
    finally:
        libvirtd.stop()
    if out.returncode != 0:
        print(f"libvirt run failed: {out.stderr.strip()[-500:]}", file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- (d) pyvirt's own driver ------------------------------------------------------------

def pyvirt_runs(workdir: str, memory: int, runs: int) -> dict | None:
    """PYVIRT_DRIVER: time pyvirt's ``virDomain.save()`` / ``virConnect.restore()``.

    Opens ``qemu:///embed?root=WORKDIR/root``, creates the same guest, then
    times ``dom.save(path)`` and ``conn.restore(path)`` ``runs`` times
    (restore includes starting QEMU, as libvirt's does).
    """
    import pyvirt
    files = guest_files()
    boot = (f"<kernel>{files[0]}</kernel><initrd>{files[1]}</initrd>"
            "<cmdline>console=ttyS0</cmdline>") if files else ""
    log = os.path.join(workdir, "pyvirt.serial")
    xml = f"""<domain type='qemu'>
  <name>pyvirt-bench</name>
  <memory unit='MiB'>{memory}</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type>{boot}</os>
  <devices>
    <serial type='file'><source path='{log}'/><target port='0'/></serial>
  </devices>
</domain>"""
    path = os.path.join(workdir, "pyvirt.sav")
    conn = pyvirt.open(f"qemu:///embed?root={os.path.join(workdir, 'root')}")
    saves, restores = [], []
    try:
        dom = conn.createXML(xml, 0)
        deadline = time.monotonic() + 120
        while files and time.monotonic() < deadline:
            if os.path.exists(log):
                with open(log, "rb") as f:
                    if READY in f.read():
                        break
            time.sleep(0.05)
        else:
            time.sleep(0.5)
        for _ in range(runs):
            t = time.perf_counter()
            dom.save(path)
            saves.append(time.perf_counter() - t)
            t = time.perf_counter()
            conn.restore(path)
            restores.append(time.perf_counter() - t)
            dom = conn.lookupByName("pyvirt-bench")
        size = os.path.getsize(path)
        dom.destroy()
    finally:
        conn.close()
    return {"save": saves, "restore": restores, "size": size}


# --- main -------------------------------------------------------------------------------

def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--memory", type=int, default=128, help="guest RAM in MiB")
    parser.add_argument("--dir", default=None, help="where images go (default: a temp dir)")
    parser.add_argument("--no-libvirt", action="store_true")
    opts = parser.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    workdir = tempfile.mkdtemp(prefix="pyvirt-bench-", dir=opts.dir)
    results: dict[str, dict[str, list[float]]] = {}
    sizes: dict[str, int] = {}
    startups: list[float] = []
    methods = {
        "raw QEMU (exec:cat > F, fdatasync)": (raw_save, raw_restore),
        "pyvirt iohelper, thread": (lambda g, p: iohelper_save(g, p, False),
                                    lambda g, p: iohelper_restore(g, p, False)),
        "pyvirt iohelper, process": (lambda g, p: iohelper_save(g, p, True),
                                     lambda g, p: iohelper_restore(g, p, True)),
    }
    try:
        src = Guest(workdir, "src", opts.memory)
        src.wait_ready()
        try:
            for _ in range(opts.runs):
                for label, (save, _restore) in methods.items():
                    path = os.path.join(workdir, label.split()[1].strip(",") + ".sav")
                    results.setdefault(label, {"save": [], "restore": []})
                    results[label]["save"].append(save(src, path))
                    sizes[label] = os.path.getsize(path)
                    src.qmp.cmd("cont")
        finally:
            src.stop()
        for _ in range(opts.runs):
            for label, (_save, restore) in methods.items():
                path = os.path.join(workdir, label.split()[1].strip(",") + ".sav")
                dst = Guest(workdir, "dst", opts.memory, incoming=True)
                startups.append(dst.startup)
                try:
                    results[label]["restore"].append(restore(dst, path))
                finally:
                    dst.stop()
        for label, func in (("libvirt 9 save()/restore()", None if opts.no_libvirt
                             else lambda: libvirt_runs(workdir, opts.memory, opts.runs)),
                            ("pyvirt save()/restore() (driver)",
                             lambda: pyvirt_runs(workdir, opts.memory, opts.runs))):
            got = func() if func else None
            if got:
                results[label] = {"save": got["save"], "restore": got["restore"]}
                sizes[label] = got["size"]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    raw = results["raw QEMU (exec:cat > F, fdatasync)"]
    raw_save_s, raw_restore_s = median(raw["save"]), median(raw["restore"])
    guest = "tiny guest" if guest_files() else "no-OS guest"
    print(f"\n{guest}, {opts.memory} MiB, median of {opts.runs} runs; "
          f"QEMU start-up before restore: {median(startups):.3f} s\n")
    print(f"{'method':40} {'save s':>8} {'x raw':>6} {'restore s':>10} {'x raw':>6} {'image MB':>9}")
    for label, r in results.items():
        s, rs = median(r["save"]), median(r["restore"])
        print(f"{label:40} {s:8.3f} {s / raw_save_s:6.2f} {rs:10.3f} {rs / raw_restore_s:6.2f} "
              f"{sizes.get(label, 0) / 1e6:9.1f}")
    if "libvirt 9 save()/restore()" in results:
        print("\n(libvirt's restore includes starting QEMU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
