"""Ask real libvirt 9.0 what it writes back for the xml2xml inputs.

Run with Debian's ``/usr/bin/python3`` (python3-libvirt), not pyvirt::

    /usr/bin/python3 tests/reference/capture_xml.py [--write] FAMILY NAME...

For each input ``tests/data/<FAMILY>xml2xml/NAME.xml`` it prints, as one JSON
object, ``{NAME: {"xml": text}}`` or ``{NAME: {"error": message}}``.  With
``--write`` it also (re)writes ``NAME.out.xml`` from libvirt's output: the
only way a captured expectation is made (those under ``pyvirt-only/`` are
left alone).  How each
family reaches libvirt's formatter (only through public API calls):

* domain: define on ``test:///default``, read back INACTIVE|SECURE;
* network, storagepool, interface: define on ``test:///default``, read back;
* storagevol: create in a fresh pool of the type the name starts with
  (``dir-`` by default) on ``test:///default``, read back;
* secret: define on ``secret:///embed`` (a private directory), read back;
* nodedev: the device placed in a custom test-driver file
  (``test:///PATH.xml``) next to a ``computer`` parent, looked up, read back;
* snapshot: redefined (VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE) on the ``test``
  domain of ``test:///default``, read back;
* checkpoint: the same with VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE;
* capabilities (``test-default`` only): ``test:///default``'s capabilities;
* nwfilter: defined on the libvirtd named by ``PYVIRT_NWFILTER_URI`` (a
  private one: libvirt has no test or embedded nwfilter driver), read back,
  undefined.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import libvirt  # type: ignore[import-not-found]

DATA = Path(__file__).resolve().parent.parent / "data"
DEFAULT = "test:///default"


def _domain(conn: libvirt.virConnect, xml: str, _name: str) -> str:
    dom = conn.defineXML(xml)
    try:
        return dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE | libvirt.VIR_DOMAIN_XML_SECURE)
    finally:
        dom.undefine()


def _network(conn: libvirt.virConnect, xml: str, _name: str) -> str:
    name = ET.fromstring(xml).findtext("name")
    if name in conn.listNetworks() + conn.listDefinedNetworks():
        old = conn.networkLookupByName(name)    # test:///default's own "default"
        if old.isActive():
            old.destroy()
        old.undefine()
    net = conn.networkDefineXML(xml)
    try:
        return net.XMLDesc(0)
    finally:
        net.undefine()


def _read_back(made: Any) -> str:
    """The XML of an object just defined, which is then undefined."""
    try:
        return str(made.XMLDesc(0))
    finally:
        made.undefine()


def _pool(conn: libvirt.virConnect, xml: str, _name: str) -> str:
    return _read_back(conn.storagePoolDefineXML(xml))


def _interface(conn: libvirt.virConnect, xml: str, _name: str) -> str:
    return _read_back(conn.interfaceDefineXML(xml))


def _volume(conn: libvirt.virConnect, xml: str, name: str) -> str:
    prefix = name.split("-")[0]
    kind = prefix if prefix in ("dir", "logical", "disk", "fs", "netfs") else "dir"
    key = ET.fromstring(xml).findtext("key") or ""
    target = os.path.dirname(key) or "/default-pool"
    source = {"logical": "<source><name>vg</name></source>",
              "disk": "<source><device path='/dev/sdz'/></source>"}.get(kind, "")
    pool_xml = (f"<pool type='{kind}'><name>capture-{kind}</name>{source}"
                f"<target><path>{target}</path></target></pool>")
    if kind == "dir" and target == "/default-pool":
        pool = conn.storagePoolLookupByName("default-pool")
        vol = pool.createXML(xml, 0)
        try:
            return vol.XMLDesc(0)
        finally:
            vol.delete(0)
    pool = conn.storagePoolCreateXML(pool_xml, 0)
    try:
        return pool.createXML(xml, 0).XMLDesc(0)
    finally:
        pool.destroy()


def _moment(conn: libvirt.virConnect, xml: str, kind: str) -> str:
    """Redefine a snapshot or checkpoint of domain 'test' and read it back.

    A redefined moment's parent must exist: a bare one of that name is made
    first.  Everything made is deleted afterwards.
    """
    dom = conn.lookupByName("test")
    create = dom.snapshotCreateXML if kind == "snapshot" else dom.checkpointCreateXML
    redefine = (libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE if kind == "snapshot"
                else libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE)
    root = "domainsnapshot" if kind == "snapshot" else "domaincheckpoint"
    made = []
    parent = ET.fromstring(xml).findtext("parent/name")
    if parent:
        made.append(create(f"<{root}><name>{parent}</name></{root}>", 0))
    moment = create(xml, redefine)
    try:
        return moment.getXMLDesc(0)
    finally:
        for one in [moment] + made:
            one.delete(0)


def _snapshot(conn: libvirt.virConnect, xml: str, _name: str) -> str:
    return _moment(conn, xml, "snapshot")


def _checkpoint(conn: libvirt.virConnect, xml: str, _name: str) -> str:
    return _moment(conn, xml, "checkpoint")


def _capabilities(conn: libvirt.virConnect, _xml: str, name: str) -> str:
    if name != "test-default":
        raise ValueError("only test:///default's capabilities can be captured everywhere")
    return conn.getCapabilities()


def _nwfilter(conn: libvirt.virConnect, xml: str, _name: str) -> str:
    return _read_back(conn.nwfilterDefineXML(xml))


_SECRETS: list[libvirt.virConnect] = []  # one embedded secret driver per process
_ROOTS: list[str] = []
HANDLERS = {"domain": _domain, "network": _network, "storagepool": _pool,
            "interface": _interface, "storagevol": _volume, "snapshot": _snapshot,
            "checkpoint": _checkpoint, "capabilities": _capabilities}


def _secret(xml: str) -> str:
    if ET.fromstring(xml).get("ephemeral") == "yes":
        raise ValueError("libvirt 9.0's embedded secret driver crashes defining an "
                         "ephemeral secret")
    if not _SECRETS:
        libvirt.virEventRegisterDefaultImpl()   # the embedded driver needs a loop
        root = tempfile.mkdtemp(prefix="pyvirt-capture-")
        _ROOTS.append(root)
        _SECRETS.append(libvirt.open(f"secret:///embed?root={root}"))
    # (virSecretUndefine crashes libvirt 9.0's embedded secret driver: the
    # secrets stay in the private directory, removed at exit)
    return _SECRETS[0].secretDefineXML(xml).XMLDesc(0)


def _nodedev(xml: str) -> str:
    name = ET.fromstring(xml).findtext("name")
    parent = ("<device><name>computer</name><capability type='system'><hardware>"
              "<vendor>Libvirt</vendor><version>Test driver</version>"
              "<serial>123456</serial><uuid>11111111-2222-3333-4444-555555555555</uuid>"
              "</hardware><firmware><vendor>Libvirt</vendor><version>Test Driver</version>"
              "<release_date>01/22/2007</release_date></firmware></capability></device>")
    devices = xml if name == "computer" else parent + xml
    with tempfile.NamedTemporaryFile("w", suffix=".xml", prefix="pyvirt-capture-") as f:
        f.write(f"<node>{devices}</node>")
        f.flush()
        conn = libvirt.open(f"test://{f.name}")
        try:
            return conn.nodeDeviceLookupByName(name).XMLDesc(0)
        finally:
            conn.close()


def capture(family: str, names: list[str]) -> dict[str, dict[str, str]]:
    """libvirt's output (or error) for each input name of ``family``."""
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    folder = DATA / f"{family}xml2xml"
    out: dict[str, dict[str, str]] = {}
    conn = libvirt.open(DEFAULT) if family in HANDLERS else None
    if family == "nwfilter" and os.environ.get("PYVIRT_NWFILTER_URI"):
        conn = libvirt.open(os.environ["PYVIRT_NWFILTER_URI"])
    for name in names:
        xml = (folder / f"{name}.xml").read_text()
        try:
            if family == "secret":
                text = _secret(xml)
            elif family == "nodedev":
                text = _nodedev(xml)
            elif conn is not None and family == "nwfilter":
                text = _nwfilter(conn, xml, name)
            elif conn is not None:
                text = HANDLERS[family](conn, xml, name)
            else:
                raise ValueError(f"libvirt 9.0 has no public way to format {family} XML here")
            out[name] = {"xml": text}
        except (libvirt.libvirtError, ValueError) as exc:
            out[name] = {"error": str(exc)}
    return out


def write(family: str, results: dict[str, dict[str, str]]) -> None:
    """Store captured outputs as the expected files (never over pyvirt-only ones)."""
    folder = DATA / f"{family}xml2xml"
    for name, result in results.items():
        if "xml" in result and not (folder / "pyvirt-only" / f"{name}.out.xml").exists():
            (folder / f"{name}.out.xml").write_text(result["xml"])


if __name__ == "__main__":
    args = sys.argv[1:]
    writing = args[:1] == ["--write"]
    if writing:
        args = args[1:]
    found = capture(args[0], args[1:])
    if writing:
        write(args[0], found)
    json.dump(found, sys.stdout)
    sys.stdout.flush()
    if _SECRETS:
        # libvirt 9.0's embedded secret driver crashes when it shuts down
        # holding an ephemeral secret: skip its teardown
        shutil.rmtree(_ROOTS[0], ignore_errors=True)
        os._exit(0)
