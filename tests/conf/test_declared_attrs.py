"""Every attribute a family declares with xmlattr is exercised by a round-trip test.

As virtinst's test suite does for its XMLProperty declarations, this fails
when a declaration is added (or kept) that no expected file of the family's
xml2xml test ever shows: such a declaration is either dead or untested.
The expected files are libvirt's captured outputs (``<family>xml2xml/*.out.xml``);
only for the families listed in :data:`PYVIRT_ONLY_FAMILIES`, where libvirt 9.0
cannot write the output, pyvirt's own expectations
(``<family>xml2xml/pyvirt-only/*.out.xml``) count too.  The few attributes
neither shows are listed with the test that covers them instead.
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

#: family module -> why its pyvirt-only expected outputs count as exercising it
PYVIRT_ONLY_FAMILIES = {
    # CPUModel deprecated='yes' is only in pyvirt-only/basic.out.xml
    "domain_capabilities": "features this host's QEMU lacks (basic.out.xml)",
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


def _outputs(module: str) -> tuple[str, str]:
    """Where the family's attributes are looked for, and the expected outputs' text."""
    folder = DATA / FAMILIES[module]
    files = sorted(folder.glob("*.out.xml"))
    where = "libvirt's captured outputs"
    if module in PYVIRT_ONLY_FAMILIES:
        files += sorted((folder / "pyvirt-only").glob("*.out.xml"))
        where += " or pyvirt-only outputs"
    return where, "".join(p.read_text() for p in files)


@pytest.mark.parametrize("module", sorted(FAMILIES))
def test_declared_attributes_are_exercised(module: str) -> None:
    where, outputs = _outputs(module)
    missing = [(cls, attr) for cls, attr in _declared(module)
               if f" {attr}='" not in outputs and (module, cls, attr) not in COVERED_ELSEWHERE]
    assert not missing, f"declared but never in {where}: {missing}"


@pytest.mark.parametrize("module", sorted(PYVIRT_ONLY_FAMILIES))
def test_pyvirt_only_outputs_are_counted_only_where_needed(module: str) -> None:
    # a family listed here really has attributes libvirt's captured outputs lack
    captured = "".join(p.read_text() for p in (DATA / FAMILIES[module]).glob("*.out.xml"))
    assert any(f" {attr}='" not in captured and (module, cls, attr) not in COVERED_ELSEWHERE
               for cls, attr in _declared(module)), module
