"""Every known difference between pyvirt's QEMU command lines and libvirt 9.0's.

``tests/data/qemuxml2argv/NAME.args`` is pyvirt's command line for
``NAME.xml``; ``tests/data/qemuxml2argv/libvirt/NAME.args`` is what libvirt 9.0
answers for the same XML to ``domxml-to-native qemu-argv`` on
``qemu:///embed``.  Both are brought to one option per line, with

* the per-domain directory written as ``@DOMAIN_DIR@`` (libvirt's embed root
  and the fixed directory of pyvirt's test are places, not behaviour), and
* JSON option values re-serialised with sorted keys (QEMU reads a JSON object,
  not its key order);

then compared as multisets of lines; the order of the lines both have is
compared too (``ORDER_DIFFERS`` names the inputs where it differs, and why).  Each line only one side has must be
explained by one rule below.  A rule is (id, side, pattern, reason); ``side``
is ``libvirt`` (the line is only in libvirt's) or ``pyvirt``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """One explained difference."""

    id: str
    side: str          # "libvirt" or "pyvirt": whose line it is
    pattern: str       # regular expression matching the whole line
    reason: str

    def matches(self, side: str, line: str) -> bool:
        """Whether this rule explains ``line`` found only on ``side``."""
        return side == self.side and re.fullmatch(self.pattern, line) is not None


RULES = [
    Rule("path", "libvirt", r"PATH=@PATH@",
         "libvirt gives QEMU the PATH of the process that started it; pyvirt gives a "
         "fixed system PATH, so a guest never depends on who launched it"),
    Rule("path", "pyvirt", r"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
         "(the other side of 'path')"),
    Rule("master-key", "libvirt",
         r'-object \{"file":"@DOMAIN_DIR@/master-key.aes","format":"raw","id":"masterKey0",'
         r'"qom-type":"secret"\}',
         "libvirt always creates a per-domain master key for encrypting secrets it passes "
         "to QEMU; pyvirt passes no secrets on the command line and creates no key"),
    Rule("monitor", "libvirt",
         r"-chardev socket,id=charmonitor,path=@DOMAIN_DIR@/monitor.sock,server=on,wait=off",
         "libvirt lets QEMU create the monitor socket at a path and connects to it; pyvirt "
         "creates the listening socket itself and hands QEMU the descriptor (fd=3), so there "
         "is no window in which another process can take the path"),
    Rule("monitor", "pyvirt", r"-chardev socket,id=charmonitor,fd=3,server=on,wait=off",
         "(the other side of 'monitor')"),
    Rule("memory-backend", "libvirt", r'-object \{"id":"pc.ram","qom-type":"memory-backend-ram",'
                                      r'"size":\d+\}',
         "libvirt 9.0 backs guest RAM with an explicit memory-backend-ram object named "
         "pc.ram; pyvirt sizes memory with -m only, which QEMU 7.2 turns into the same "
         "backend internally"),
    Rule("memory-backend", "libvirt", r"-machine (.*),memory-backend=pc\.ram(,.*)?",
         "(the -machine side of 'memory-backend')"),
    Rule("memory-backend", "pyvirt", r"-machine pc-(i440fx|q35)-7\.\d,usb=off,"
                                     r"dump-guest-core=off(,pflash0=.*)?",
         "(the -machine side of 'memory-backend': the same option without memory-backend)"),
    Rule("pcie-root-ports", "libvirt", r'-device \{.*"driver":"pcie-root-port".*\}',
         "on q35 libvirt adds a pcie-root-port controller for each PCI Express device and "
         "plugs the device into it; pyvirt plugs devices straight into pcie.0 as integrated "
         "endpoints, so no hot-plug slots exist"),
    Rule("pcie-root-ports", "libvirt", r'-device \{.*"bus":"pci\.[1-9]".*\}',
         "(a device libvirt placed behind one of its root ports)"),
    Rule("pcie-root-ports", "pyvirt", r'-device \{.*"bus":"pcie\.0".*\}',
         "(the same device on pcie.0 in pyvirt)"),
    Rule("native-tap", "libvirt", r'-netdev \{"fd":"@FD@","id":"hostnet\d+","type":"tap"\}',
         "domxml-to-native rewrites every interface as a tap whose descriptor libvirt would "
         "open (its command line is not what a start runs); pyvirt's test keeps user-mode "
         "networking and numbers tap descriptors from 100"),
    Rule("native-tap", "pyvirt", r'-netdev \{("fd":"1\d\d",)?"id":"hostnet\d+","type":'
                                 r'"(tap|user)"\}',
         "(the other side of 'native-tap')"),
    Rule("smp-dies", "libvirt", r"-smp \d+,sockets=\d+,dies=1,cores=\d+,threads=\d+",
         "libvirt names dies=1 in -smp whenever QEMU knows dies; pyvirt leaves the default "
         "out (QEMU's default is one die)"),
    Rule("smp-dies", "pyvirt", r"-smp \d+,sockets=\d+,cores=\d+,threads=\d+",
         "(the other side of 'smp-dies')"),
    Rule("cpu-migratable", "libvirt", r"-cpu host,migratable=on",
         "libvirt 9.0 asks for migratable=on with host-passthrough; pyvirt leaves QEMU's "
         "default (also on)"),
    Rule("cpu-migratable", "pyvirt", r"-cpu host", "(the other side of 'cpu-migratable')"),
    Rule("cpu-feature-syntax", "libvirt", r"-cpu [\w-]+(,[\w.-]+=(on|off))+",
         "libvirt writes CPU features as name=on/off; pyvirt uses QEMU's older +name/-name "
         "form, which QEMU 7.2 accepts with the same meaning"),
    Rule("cpu-feature-syntax", "pyvirt", r"-cpu [\w-]+(,[+-][\w.-]+)+",
         "(the other side of 'cpu-feature-syntax')"),
    Rule("vga-vgamem", "libvirt", r'-device \{"addr":"0x\d+","bus":"pci.0","driver":"VGA",'
                                  r'"id":"video0","vgamem_mb":16\}',
         "libvirt passes the default video memory (vgamem_mb=16) to VGA explicitly; pyvirt "
         "leaves QEMU's default, which is the same 16 MiB"),
    Rule("vga-vgamem", "pyvirt", r'-device \{"addr":"0x\d+","bus":"pci.0","driver":"VGA",'
                                 r'"id":"video0"\}',
         "(the other side of 'vga-vgamem')"),
    Rule("scsi-alias", "libvirt", r'-device \{.*"id":"scsi\d+-\d+-\d+-\d+".*\}',
         "libvirt names a disk on a SCSI controller other than lsilogic (here virtio-scsi) "
         "scsiC-B-T-U (controller, bus, target, unit) and one on lsilogic scsiC-B-U; pyvirt "
         "decides by the target alone (4 parts only when it is not 0), so a virtio-scsi "
         "disk at target 0 loses the target part (an alias bug in pyvirt, left for the "
         "QEMU driver's owner: aliases are also in the live XML)"),
    Rule("scsi-alias", "pyvirt", r'-device \{.*"id":"scsi\d+-\d+-\d+".*\}',
         "(the other side of 'scsi-alias')"),
    Rule("reboot-action", "pyvirt", r"-action reboot=shutdown",
         "for <on_reboot>destroy</on_reboot> pyvirt asks QEMU on the command line to turn "
         "a guest reboot into a shutdown; libvirt 9.0 sends the same request after start "
         "through the monitor (QMP set-action), so its command line has nothing for it"),
]


# inputs whose common options come in another order than libvirt's, and why
ORDER_DIFFERS = {
    "bios-rom": "pyvirt writes -bios after the devices; libvirt right after -cpu. QEMU "
                "reads -bios wherever it stands",
    "firmware": "libvirt writes the pflash -blockdev options before -machine, which names "
                "them; pyvirt writes them with the other block devices after it. QEMU "
                "resolves the names once all options are read, so both start the same",
}


def normalise(text: str, libvirt: bool) -> list[str]:
    """Option lines of a one-option-per-line command line, made comparable."""
    lines = text.splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    out = []
    for line in lines:
        if libvirt:
            line = re.sub(r"@ROOT@/lib/qemu/(domain-[^/ ]+)", r"@DOMAIN_DIR@", line)
        else:
            line = re.sub(r"/var/lib/pyvirt/qemu/(domain-[^/ ]+)", r"@DOMAIN_DIR@", line)
        option, _, value = line.partition(" ")
        if value.startswith("{"):
            value = json.dumps(json.loads(value), sort_keys=True, separators=(",", ":"))
            line = f"{option} {value}"
        out.append(line)
    return out


def explain(side: str, line: str) -> Rule | None:
    """The rule that explains ``line`` found only on ``side``, if any."""
    return next((rule for rule in RULES if rule.matches(side, line)), None)


def common_in_order(first: list[str], second: list[str]) -> tuple[list[str], list[str]]:
    """The lines both have, in each side's own order."""
    from collections import Counter

    both = Counter(first) & Counter(second)

    def keep(seq: list[str]) -> list[str]:
        left, out = Counter(both), []
        for line in seq:
            if left[line] > 0:
                out.append(line)
                left[line] -= 1
        return out
    return keep(first), keep(second)
