#!/usr/bin/env python3
"""Build the tiny test guest used by pyvirt's QEMU tests and benchmarks.

The guest is a Debian cloud kernel (``linux-image-cloud-amd64``, fetched
with ``apt-get download`` and unpacked with ``dpkg-deb -x``, never
installed) and an initramfs made here from ``busybox-static`` and a few
kernel modules.  Its ``/init``:

* prints ``PYVIRT-GUEST-READY`` on the serial console (ttyS0) once it is up,
* powers off when the ACPI power button is pressed (``button`` and
  ``evdev`` modules; the first event from the "Power Button" input device),
* prints ``PYVIRT-GUEST-TICK N`` once a second, so a test can tell that a
  resumed or restored guest carried on,
* echoes each line it reads on the console as ``PYVIRT-GUEST-ECHO line``.

Extra features come from parts in ``tools/guest.d/``, in name order: each
``NAME.sh`` is sourced by ``/init`` after the modules are loaded (it starts
its own background work and returns); ``NAME.modules`` lists more kernel
modules (paths under ``lib/modules/VERSION``); ``NAME.debs`` lists more
Debian packages to unpack; ``NAME.files`` lists files of those packages to
copy into the initramfs (with the shared libraries each needs, found with
``ldd`` on this Debian host).

The result goes to ``$PYVIRT_GUEST_DIR`` (default ``~/.cache/pyvirt/guest``):
``vmlinuz``, ``initrd.img`` and ``manifest.json``.  It is rebuilt only when
missing or when this recipe changed; the cpio archive is reproducible
(sorted entries, fixed owners and timestamps).

Usage: ``python3 tools/build_guest.py [--force] [--print-dir]``.  Exit status
2 means the Debian packages could not be fetched.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

KERNEL_META = "linux-image-cloud-amd64"
BUSYBOX = "busybox-static"

READY = "PYVIRT-GUEST-READY"

# Modules loaded at boot, in order; their dependencies come first (read
# from each module's .modinfo 'depends=').
MODULES = [
    "kernel/drivers/acpi/button.ko",
    "kernel/drivers/input/evdev.ko",
    "kernel/drivers/virtio/virtio_pci.ko",
    "kernel/drivers/virtio/virtio_balloon.ko",
    "kernel/drivers/block/virtio_blk.ko",
    "kernel/drivers/net/virtio_net.ko",
    "kernel/drivers/char/hw_random/virtio-rng.ko",
]

INIT = r"""#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /etc/modules); do insmod /lib/modules/$m 2>/dev/null; done
# Parts (tools/guest.d/NAME.sh), in name order; each starts its own
# background work and returns.
for p in /etc/guest.d/*.sh; do [ -f "$p" ] && . "$p"; done
# The ACPI power button: power off on its first input event.  The device is
# opened here, before the readiness line: a press that comes before the
# background reader runs waits in this open file instead of being lost.
for e in /sys/class/input/event*; do
  if [ "$(cat $e/device/name 2>/dev/null)" = "Power Button" ]; then
    exec 3</dev/input/${e##*/}
    ( head -c 1 <&3 >/dev/null &&
      echo "PYVIRT-GUEST-POWEROFF"
      poweroff -f ) &
  fi
done
hostname pyvirt-guest
( while read -r line; do echo "PYVIRT-GUEST-ECHO $line"; done ) </dev/console &
echo "@READY@ $(cut -d' ' -f1 /proc/uptime)"
i=0
while true; do
  echo "PYVIRT-GUEST-TICK $i"
  i=$((i+1))
  sleep 1
done
""".replace("@READY@", READY)


PARTS_DIR = Path(__file__).resolve().parent / "guest.d"


def _part_lines(suffix: str) -> list[str]:
    """The non-comment lines of every ``guest.d/*.SUFFIX`` file, in name order."""
    out: list[str] = []
    for path in sorted(PARTS_DIR.glob(f"*.{suffix}")):
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                out.append(line)
    return out


def _parts() -> list[tuple[str, bytes]]:
    """(name, content) of every file in guest.d, in name order."""
    if not PARTS_DIR.is_dir():
        return []
    return [(p.name, p.read_bytes()) for p in sorted(PARTS_DIR.iterdir()) if p.is_file()]


def guest_dir() -> Path:
    """Return where the guest is cached ($PYVIRT_GUEST_DIR or ~/.cache/pyvirt/guest)."""
    env = os.environ.get("PYVIRT_GUEST_DIR")
    if env:
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "pyvirt" / "guest"


def recipe_hash() -> str:
    """Hash of what decides the output: the init script and the module list."""
    h = hashlib.sha256()
    h.update(INIT.encode())
    h.update("\n".join(MODULES).encode())
    for name, data in _parts():
        h.update(name.encode() + b"\0" + data)
    h.update(b"v2")
    return h.hexdigest()[:16]


def _run(argv: list[str], cwd: Path | None = None) -> str:
    res = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {res.stderr.strip()}")
    return res.stdout


def _download(pkgs: list[str], dest: Path) -> list[Path]:
    """apt-get download each package into dest; return the .deb paths."""
    for pkg in pkgs:
        try:
            _run(["apt-get", "download", pkg], cwd=dest)
        except RuntimeError:
            # A stale package list: refresh it once and try again.
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True, check=False)
            _run(["apt-get", "download", pkg], cwd=dest)
    return sorted(dest.glob("*.deb"))


def _kernel_package() -> str:
    """The versioned kernel package the cloud metapackage depends on."""
    out = _run(["apt-cache", "depends", KERNEL_META])
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("Depends:") and "linux-image-" in line:
            return line.split(":", 1)[1].strip()
    raise RuntimeError(f"cannot resolve the kernel package of {KERNEL_META}")


def _modinfo_depends(ko: Path) -> list[str]:
    data = ko.read_bytes()
    for field in data.split(b"\0"):
        if field.startswith(b"depends="):
            return [d for d in field[8:].decode().split(",") if d]
    return []


def _module_order(moddir: Path) -> list[str]:
    """Resolve MODULES and their dependencies into a load order."""
    by_name: dict[str, str] = {}
    for ko in moddir.rglob("*.ko"):
        rel = str(ko.relative_to(moddir))
        by_name[ko.stem.replace("-", "_")] = rel
    order: list[str] = []

    def visit(rel: str) -> None:
        if rel in order:
            return
        for dep in _modinfo_depends(moddir / rel):
            visit(by_name[dep.replace("-", "_")])
        order.append(rel)

    for rel in MODULES + _part_lines("modules"):
        visit(rel)
    return order


class Cpio:
    """A reproducible 'newc' cpio archive, built in memory."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.ino = 1

    def _entry(self, name: str, mode: int, data: bytes = b"", nlink: int = 1) -> None:
        namez = name.encode() + b"\0"
        fields = [self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(namez), 0]
        hdr = b"070701" + b"".join(b"%08X" % f for f in fields)
        self.ino += 1
        blob = hdr + namez
        blob += b"\0" * (-len(blob) % 4)
        blob += data
        blob += b"\0" * (-len(blob) % 4)
        self.parts.append(blob)

    def dir(self, name: str) -> None:
        self._entry(name, 0o040755, nlink=2)

    def file(self, name: str, data: bytes, mode: int = 0o644) -> None:
        self._entry(name, 0o100000 | mode, data)

    def symlink(self, name: str, target: str) -> None:
        self._entry(name, 0o120777, target.encode())

    def node(self, name: str, mode: int, major: int, minor: int) -> None:
        namez = name.encode() + b"\0"
        fields = [self.ino, mode, 0, 0, 1, 0, 0, 0, 0, major, minor, len(namez), 0]
        hdr = b"070701" + b"".join(b"%08X" % f for f in fields)
        self.ino += 1
        blob = hdr + namez
        blob += b"\0" * (-len(blob) % 4)
        self.parts.append(blob)

    def finish(self) -> bytes:
        self.ino = 0
        self._entry("TRAILER!!!", 0, nlink=1)
        return b"".join(self.parts)


def _shared_libs(binary: Path) -> list[str]:
    """Absolute paths of the shared libraries ``binary`` loads (``ldd`` on this host)."""
    res = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=False)
    libs = []
    for line in res.stdout.splitlines():
        fields = line.split()
        if "=>" in fields:
            i = fields.index("=>")
            if i + 1 < len(fields) and fields[i + 1].startswith("/"):
                libs.append(fields[i + 1])
            elif fields[i + 1:i + 3] == ["not", "found"]:
                # a guest binary would fail to start without it: say so now
                raise RuntimeError(f"{binary} needs {fields[0]}, which this host lacks")
        elif fields and fields[0].startswith("/"):
            libs.append(fields[0])          # the dynamic loader
    return libs


def _extra_files(root: Path) -> list[tuple[str, bytes, int]]:
    """(path in the initramfs, content, mode) of the parts' files and their libraries."""
    files: dict[str, tuple[bytes, int]] = {}
    for rel in _part_lines("files"):
        src = root / rel.lstrip("/")
        files[rel.lstrip("/")] = (src.read_bytes(), src.stat().st_mode & 0o777)
        for lib in _shared_libs(src):
            real = Path(lib).resolve()
            files.setdefault(lib.lstrip("/"), (real.read_bytes(), 0o755))
    return sorted((k, v[0], v[1]) for k, v in files.items())


def build_initrd(busybox: Path, moddir: Path, modules: list[str],
                 extra: list[tuple[str, bytes, int]] | None = None) -> bytes:
    """Return the initramfs: busybox, /init, the modules and their load order,
    the parts of guest.d and the files they asked for."""
    cpio = Cpio()
    for d in ("bin", "dev", "etc", "etc/guest.d", "lib", "lib/modules", "proc", "sys",
              "tmp", "root"):
        cpio.dir(d)
    made = {"bin", "dev", "etc", "etc/guest.d", "lib", "lib/modules", "proc", "sys", "tmp",
            "root"}
    for path, data, mode in extra or []:
        parent = os.path.dirname(path)
        todo = []
        while parent and parent not in made:
            todo.append(parent)
            parent = os.path.dirname(parent)
        for d in reversed(todo):
            cpio.dir(d)
            made.add(d)
        cpio.file(path, data, mode)
    for name, data in _parts():
        if name.endswith(".sh"):
            cpio.file(f"etc/guest.d/{name}", data, 0o755)
    cpio.node("dev/console", 0o020600, 5, 1)
    cpio.node("dev/null", 0o020666, 1, 3)
    cpio.file("bin/busybox", busybox.read_bytes(), 0o755)
    cpio.symlink("bin/sh", "busybox")
    cpio.file("init", INIT.encode(), 0o755)
    names = []
    for rel in modules:
        base = Path(rel).name
        cpio.file(f"lib/modules/{base}", (moddir / rel).read_bytes())
        names.append(base)
    cpio.file("etc/modules", ("\n".join(names) + "\n").encode())
    return cpio.finish()


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def build(out: Path, force: bool = False) -> Path:
    """Build the guest into ``out`` unless an up-to-date one is there; return ``out``."""
    manifest = out / "manifest.json"
    if not force and manifest.exists():
        try:
            info = json.loads(manifest.read_text())
            if (info.get("recipe") == recipe_hash() and (out / "vmlinuz").exists()
                    and (out / "initrd.img").exists()):
                return out
        except ValueError:
            pass
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pyvirt-guest-") as tmpname:
        tmp = Path(tmpname)
        os.chmod(tmp, 0o755)   # apt's sandbox user may write the .debs here
        kpkg = _kernel_package()
        debs = _download([kpkg, BUSYBOX] + _part_lines("debs"), tmp)
        for deb in debs:
            _run(["dpkg-deb", "-x", str(deb), str(tmp / "root")])
        root = tmp / "root"
        vmlinuz = min((root / "boot").glob("vmlinuz-*"))
        kver = vmlinuz.name[len("vmlinuz-"):]
        moddir = root / "lib" / "modules" / kver
        initrd = build_initrd(root / "bin" / "busybox", moddir, _module_order(moddir),
                              _extra_files(root))
        _write(out / "vmlinuz", vmlinuz.read_bytes())
        _write(out / "initrd.img", initrd)
        info = {"recipe": recipe_hash(), "kernel": kver,
                "packages": sorted(d.name for d in debs),
                "initrd_sha256": hashlib.sha256(initrd).hexdigest(),
                "ready": READY, "cmdline": "console=ttyS0"}
        _write(manifest, json.dumps(info, indent=2).encode() + b"\n")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--force", action="store_true", help="rebuild even if up to date")
    ap.add_argument("--print-dir", action="store_true", help="print the output directory")
    ap.add_argument("--out", type=Path, default=None, help="output directory")
    args = ap.parse_args()
    out = args.out or guest_dir()
    no_tools = shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None
    if no_tools and not (out / "manifest.json").exists():
        print("apt-get/dpkg-deb not available: cannot fetch Debian's packages",
              file=sys.stderr)
        return 2
    try:
        build(out, args.force)
    except RuntimeError as exc:
        print(f"build_guest: {exc}", file=sys.stderr)
        return 2
    print(out if args.print_dir else f"guest ready in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
