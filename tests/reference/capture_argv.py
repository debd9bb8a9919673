"""Ask real libvirt 9.0 for the QEMU command line of each qemuxml2argv input.

Run with Debian's ``/usr/bin/python3`` (python3-libvirt), not pyvirt::

    /usr/bin/python3 tests/reference/capture_argv.py [--write] [NAME...]

Every ``tests/data/qemuxml2argv/NAME.xml`` goes through
``virConnectDomainXMLToNative("qemu-argv")`` (what ``virsh domxml-to-native``
calls) on libvirt's own ``qemu:///embed?root=TMP`` with the host's real QEMU.
The answer is printed as JSON ``{NAME: {"argv": text} | {"error": msg}}``, the
temporary root replaced by ``@ROOT@``, the caller's PATH by ``@PATH@`` and
tap descriptor numbers (the caller's lowest free ones) by ``@FD@``.  ``--write`` stores each answer as
``tests/data/qemuxml2argv/libvirt/NAME.args``, one option per line under a
header line: the only way those files are made.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import libvirt  # type: ignore[import-not-found]
from argvtext import CAPTURE_HEADER, one_per_line
from refutil import qemu_as_root

DATA = Path(__file__).resolve().parent.parent / "data" / "qemuxml2argv"
OUT = DATA / "libvirt"
ROOT_MARK = "@ROOT@"


def capture(names: list[str]) -> dict[str, dict[str, str]]:
    """libvirt's argv (or its error) for each input."""
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    libvirt.virEventRegisterDefaultImpl()       # the embedded driver needs a loop
    root = tempfile.mkdtemp(prefix="pyvirt-argv-")
    qemu_as_root(root)              # one probe of QEMU, not one per input
    try:
        conn = libvirt.open(f"qemu:///embed?root={root}")
        out: dict[str, dict[str, str]] = {}
        for name in names:
            xml = (DATA / f"{name}.xml").read_text()
            try:
                text = conn.domainXMLToNative("qemu-argv", xml, 0)
                text = text.replace(root, ROOT_MARK)
                # libvirt hands QEMU the caller's PATH: not a property of the input
                text = text.replace(f"PATH={os.environ.get('PATH', '')} ", "PATH=@PATH@ ")
                # nor are the descriptor numbers of the taps it would open
                text = re.sub(r'"type":"tap","fd":"\d+"', '"type":"tap","fd":"@FD@"', text)
                out[name] = {"argv": text}
            except libvirt.libvirtError as exc:
                out[name] = {"error": str(exc)}
        return out
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(args: list[str]) -> int:
    writing = args[:1] == ["--write"]
    names = args[1:] if writing else args
    names = names or sorted(p.stem for p in DATA.glob("*.xml"))
    found = capture(names)
    if writing:
        OUT.mkdir(exist_ok=True)
        for name, result in found.items():
            if "argv" in result:
                (OUT / f"{name}.args").write_text(CAPTURE_HEADER + "\n" + one_per_line(result["argv"]))
    json.dump(found, sys.stdout)
    sys.stdout.flush()
    # the embedded QEMU driver's teardown is slow and not needed: leave at once
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
