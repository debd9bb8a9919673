"""compareCPU and compareHypervisorCPU of the QEMU driver against libvirt 9.0's.

The same CPU definitions go to libvirt's embedded QEMU driver
(``qemu:///embed``, Debian's python3-libvirt) and to pyvirt's: host CPUs
(with ``<arch>``) and guest CPUs with random models, vendors (now and then
one the model does not have), features and policies, match modes and the
FAIL_INCOMPATIBLE flag, plus definitions libvirt refuses.  Both compare with
the CPU of this machine (compareCPU) and with the host-model CPU QEMU offers
(compareHypervisorCPU); the answer, or the error's code and message, must be
the same for every one.  libvirt's own host CPU (its capabilities) must
compare as identical in both.
"""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

import pytest
from refutil import REAL_PYTHON, has_libvirt_python, qemu_as_root, real_env

import pyvirt
from pyvirt import constants as C

pytestmark = [pytest.mark.libvirt_ref,
              pytest.mark.skipif(not has_libvirt_python(),
                                 reason="Debian's python3-libvirt is not installed")]

_ASK = r"""
import json, sys, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
libvirt.virEventRegisterDefaultImpl()
c = libvirt.open("qemu:///embed?root=" + sys.argv[1])
out = []
for xml, flags in json.load(sys.stdin):
    for call in (lambda: c.compareCPU(xml, flags),
                 lambda: c.compareHypervisorCPU(None, None, None, None, xml, flags)):
        try:
            out.append(["ok", call()])
        except libvirt.libvirtError as e:
            out.append(["err", e.get_error_code(), e.get_error_domain(), str(e)])
host = c.getCapabilities().split("<cpu>", 1)[1].split("</cpu>", 1)[0]
print(json.dumps({"answers": out, "host": "<cpu>" + host + "</cpu>"}))
"""

_REFUSED = [
    "<cpu><model>nosuch</model><vendor>Foo</vendor></cpu>",
    "<cpu><model>Haswell</model><vendor>Foo</vendor></cpu>",
    "<cpu><vendor>Intel</vendor></cpu>", "<cpu mode='custom'><feature name='sse'/></cpu>",
    "<cpu><arch>x86_64</arch><vendor>AMD</vendor></cpu>", "<cpu/>",
    "<cpu mode='host-model'/>", "<cpu mode='host-passthrough'/>",
    "<cpu mode='host-model'><vendor>Intel</vendor></cpu>",
    "<cpu mode='host-model'><feature name='sse'/></cpu>",
    "<cpu><model>qemu64</model><feature policy='bogus' name='sse'/></cpu>",
    "<cpu><model>qemu64</model><feature policy='require'/></cpu>",
    "<cpu><model>qemu64</model><feature name='nosuchfeature'/></cpu>",
    "<cpu><arch>x86_64</arch><model>qemu64</model><feature policy='bogus' name='sse'/></cpu>",
    "<cpu><arch>ppc64</arch><model>POWER8</model></cpu>",
    "<cpu match='strict'><model>qemu64</model></cpu>",
]


def _random_cpus(seed: int, count: int) -> list[list]:
    from pyvirt.drivers.test.cpu import x86_map
    cmap = x86_map()
    rnd = random.Random(seed)
    names = [name for name, _bits in cmap.features]
    vendors = sorted(cmap.vendors)
    out: list[list] = []
    for _ in range(count):
        model = rnd.choice(cmap.models)
        r = rnd.random()
        vendor = model.vendor if r < 0.4 else rnd.choice(vendors) if r < 0.55 else None
        tag = f"<vendor>{vendor}</vendor>" if vendor else ""
        feats = rnd.sample(names, rnd.choice([0, 1, 3, 8]))
        if rnd.random() < 0.3:
            body = "".join(f"<feature name='{f}'/>" for f in feats)
            xml = f"<cpu><arch>x86_64</arch><model>{model.name}</model>{tag}{body}</cpu>"
        else:
            match = rnd.choice(["", " match='exact'", " match='minimum'", " match='strict'"])
            body = "".join(f"<feature policy='{rnd.choice(_POLICIES)}' name='{f}'/>"
                           for f in feats)
            xml = f"<cpu mode='custom'{match}><model>{model.name}</model>{tag}{body}</cpu>"
        out.append([xml, rnd.choice([0, C.VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE])])
    return out


_POLICIES = ("require", "disable", "optional", "force", "forbid")


def _answer(call, *args) -> list:
    try:
        return ["ok", call(*args)]
    except pyvirt.libvirtError as exc:
        return ["err", exc.get_error_code(), exc.get_error_domain(), str(exc)]


def test_compare_cpu_as_libvirt(short_tmp) -> None:
    # libvirt's QMP socket goes under its root: a short path keeps it under 108 bytes
    tmp_path = Path(short_tmp)
    cases = _random_cpus(20261205, 400) + [[x, f] for f in (0, 1) for x in _REFUSED]
    root = tmp_path / "libvirt"
    qemu_as_root(str(root))
    proc = subprocess.run([REAL_PYTHON, "-c", _ASK, str(root)], input=json.dumps(cases),
                          capture_output=True, text=True, timeout=600, check=False,
                          env=real_env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    theirs = json.loads(proc.stdout)
    conn = pyvirt.open(f"qemu:///embed?root={tmp_path / 'pyvirt'}")
    try:
        ours = []
        for xml, flags in cases:
            ours.append(_answer(conn.compareCPU, xml, flags))
            ours.append(_answer(conn.compareHypervisorCPU, None, None, None, None, xml, flags))
        host = conn.compareCPU(theirs["host"], 0)
    finally:
        conn.close()
    asked = [(case, name) for case in cases for name in ("compareCPU", "compareHypervisorCPU")]
    differ = [(case, mine, real) for case, mine, real in zip(asked, ours, theirs["answers"])
              if mine != real]
    for case, mine, real in differ:
        print(case, "\n  libvirt:", real, "\n  pyvirt: ", mine)
    assert not differ
    kinds = {answer[1] for answer in ours}
    assert {C.VIR_CPU_COMPARE_INCOMPATIBLE, C.VIR_CPU_COMPARE_SUPERSET,
            C.VIR_ERR_CPU_INCOMPATIBLE} <= kinds       # the inputs reach every outcome
    assert host == C.VIR_CPU_COMPARE_IDENTICAL
