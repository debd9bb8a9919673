"""Every attribute a family declares with xmlattr is exercised by libvirt's outputs.

As virtinst's test suite does for its XMLProperty declarations, this fails
when a declaration is added (or kept) that no expected file of the family's
xml2xml test ever shows: such a declaration is either dead or untested.
The few attributes libvirt's test driver cannot produce are listed with the
test that covers them instead.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

from pyvirt.conf.xmlattr import A

DATA = Path(__file__).parent.parent / "data"

#: family module -> its xml2xml data directory
FAMILIES = {
    "secret": "secretxml2xml",
    "storage_vol": "storagevolxml2xml",
    "snapshot": "snapshotxml2xml",
    "checkpoint": "checkpointxml2xml",
    "interface": "interfacexml2xml",
    "nwfilter": "nwfilterxml2xml",
    "node_device": "nodedevxml2xml",
    "capabilities": "capabilitiesxml2xml",
    "domain_capabilities": "domaincapsxml2xml",
}

#: (module, class, XML attribute) shown by other tests, not by libvirt's outputs
COVERED_ELSEWHERE = {
    # a pool refresh finds extents (written only): test_storagevolxml2xml
    ("storage_vol", "Extent", "start"), ("storage_vol", "Extent", "end"),
    # output only (VIR_DOMAIN_CHECKPOINT_XML_SIZE): test_checkpointxml2xml
    ("checkpoint", "CheckpointDisk", "size"),
    # libvirt's test driver has no filter bindings: test_nwfilterxml2xml's BINDING
    ("nwfilter", "NWFilterBindingDef", "address"),
    # vHBA creation by parent names: tests/drivers/test node devices
    ("node_device", "NodeDeviceDef", "wwnn"), ("node_device", "NodeDeviceDef", "wwpn"),
    ("node_device", "NodeDeviceDef", "fabric_wwn"),
    # host facts the QEMU driver finds (invtsc, cluster counts): test_capabilitiesxml2xml
    ("capabilities", "Counter", "frequency"), ("capabilities", "Counter", "scaling"),
    ("capabilities", "Topology", "clusters"),
}


def _declared(module: str) -> list[tuple[str, str]]:
    mod = importlib.import_module(f"pyvirt.conf.{module}")
    found = []
    for name, cls in inspect.getmembers(mod, inspect.isclass):
        if cls.__module__ != mod.__name__:
            continue
        for value in vars(cls).values():
            if isinstance(value, tuple) and value and all(isinstance(a, A) for a in value):
                found += [(name, a.attr) for a in value]
    return found


@pytest.mark.parametrize("module", sorted(FAMILIES))
def test_declared_attributes_are_exercised(module: str) -> None:
    outputs = "".join(p.read_text() for p in (DATA / FAMILIES[module]).glob("*.out.xml"))
    missing = [(cls, attr) for cls, attr in _declared(module)
               if f" {attr}='" not in outputs and (module, cls, attr) not in COVERED_ELSEWHERE]
    assert not missing, f"declared but never in libvirt's outputs: {missing}"
