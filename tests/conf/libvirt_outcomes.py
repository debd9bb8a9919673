"""Record what real libvirt does with each input of tests/data/outcomes.

Run with Debian's python3 that has libvirt-python (not pyvirt's venv):

    /usr/bin/python3 tests/conf/libvirt_outcomes.py [FILE.json ...]

Each case (name, xml) of each file is defined on libvirt's test driver as
the file's ``object`` (domain, network or pool); the error
(code, domain, message) or, when it is accepted, the definition read back
(a domain with VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE; the file's
``part``: the whole definition or only the domain's ``devices``) is
written back into the file.

The functions :func:`outcome` and :func:`devices_of` import nothing from
libvirt: the tests call them with a pyvirt connection and pyvirt's error
class, the recorders with libvirt-python's, so both sides run the very same
define / read back / remove steps.
"""

import json
import sys
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parent.parent / "data" / "outcomes"
# VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE (the same numbers in both)
DOMAIN_FLAGS = 2 | 1
# the storage pool of test:///default that volumes are created in
VOLUME_POOL = "default-pool"


def devices_of(xml: str) -> str:
    """The lines inside ``<devices>`` of a domain's XML."""
    if "<devices>\n" not in xml:
        return ""
    return xml.split("<devices>\n", 1)[1].split("  </devices>", 1)[0]


def outcome(conn: Any, kind: str, xml: str, error: type) -> dict:
    """Define ``xml`` as a ``kind`` (domain, network, pool or volume) on
    ``conn``, read the definition back and remove it again.

    Returns ``{"output": XML}``, or ``{"code", "domain", "message"}`` of the
    ``error`` (the connection's libvirtError class) the definition raised.
    """
    try:
        if kind == "volume":
            obj = conn.storagePoolLookupByName(VOLUME_POOL).createXML(xml, 0)
        else:
            obj = {"domain": conn.defineXML, "network": conn.networkDefineXML,
                   "pool": conn.storagePoolDefineXML}[kind](xml)
    except error as exc:
        return {"code": exc.get_error_code(), "domain": exc.get_error_domain(),
                "message": exc.get_error_message()}
    text = obj.XMLDesc(DOMAIN_FLAGS if kind == "domain" else 0)
    if kind == "volume":
        obj.delete(0)
    else:
        obj.undefine()
    return {"output": text}


def main(paths: list[str]) -> int:
    import libvirt  # type: ignore[import-not-found]
    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    conn = libvirt.open("test:///default")
    for path in [Path(p) for p in paths] or sorted(FOLDER.glob("*.json")):
        record(conn, path, libvirt)
    return 0


def captured_from(libvirt: Any) -> str:
    """Which libvirt the outcomes come from, e.g. 'libvirt 9.0 test:///default'."""
    version = libvirt.getVersion()
    return f"libvirt {version // 1000000}.{version // 1000 % 1000} test:///default"


def record(conn: Any, path: Path, libvirt: Any) -> None:
    """Define each case of ``path`` and write libvirt's outcome into it."""
    data = json.loads(path.read_text())
    kind = data.get("object", "domain")
    for case in data["cases"]:
        for key in ("code", "domain", "message", "output"):
            case.pop(key, None)
        result = outcome(conn, kind, case["xml"], libvirt.libvirtError)
        if "output" in result and data["part"] == "devices":
            result["output"] = devices_of(result["output"])
        case.update(result)
    data["captured_from"] = captured_from(libvirt)
    path.write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
