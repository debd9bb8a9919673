"""Record what real libvirt does with each input of tests/data/outcomes.

Run with Debian's python3 that has libvirt-python (not pyvirt's venv):

    /usr/bin/python3 tests/conf/libvirt_outcomes.py [FILE.json ...]

Each case (name, xml) of each file is defined on libvirt's test driver as
the file's ``object`` (domain, network or pool); the error
(code, domain, message) or, when it is accepted, the definition read back
(a domain with VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE; the file's
``part``: the whole definition or only the domain's ``devices``) is
written back into the file.
"""

import json
import sys
from collections.abc import Callable
from pathlib import Path

import libvirt  # type: ignore[import-not-found]

FOLDER = Path(__file__).resolve().parent.parent / "data" / "outcomes"
FLAGS = libvirt.VIR_DOMAIN_XML_INACTIVE | libvirt.VIR_DOMAIN_XML_SECURE


def devices_of(xml: str) -> str:
    """The lines inside ``<devices>`` of a domain's XML."""
    if "<devices>\n" not in xml:
        return ""
    return xml.split("<devices>\n", 1)[1].split("  </devices>", 1)[0]


def define_of(conn: "libvirt.virConnect", kind: str) -> "Callable[[str], object]":
    """The define call of a connection for an object kind of the data files."""
    return {"domain": conn.defineXML, "network": conn.networkDefineXML,
            "pool": conn.storagePoolDefineXML}[kind]


def main(paths: list[str]) -> int:
    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    conn = libvirt.open("test:///default")
    for path in [Path(p) for p in paths] or sorted(FOLDER.glob("*.json")):
        record(conn, path)
    return 0


def record(conn: "libvirt.virConnect", path: Path) -> None:
    """Define each case of ``path`` and write libvirt's outcome into it."""
    data = json.loads(path.read_text())
    kind = data.get("object", "domain")
    for case in data["cases"]:
        for key in ("code", "domain", "message", "output"):
            case.pop(key, None)
        try:
            dom = define_of(conn, kind)(case["xml"])
        except libvirt.libvirtError as exc:
            case.update(code=exc.get_error_code(), domain=exc.get_error_domain(),
                        message=exc.get_error_message())
            continue
        xml = dom.XMLDesc(FLAGS if kind == "domain" else 0)
        case["output"] = devices_of(xml) if data["part"] == "devices" else xml
        dom.undefine()
    data["captured_from"] = f"libvirt {libvirt.getVersion() // 1000000}." \
        f"{libvirt.getVersion() // 1000 % 1000} test:///default"
    path.write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
