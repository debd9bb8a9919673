"""Write the expected outputs of tests/data/domainxml2xml from real libvirt.

Run with Debian's python3 that has libvirt-python (not pyvirt's venv):

    /usr/bin/python3 tests/conf/libvirt_reference.py [NAME ...]

Each NAME.xml is defined on libvirt's test driver and read back with
VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE into NAME.out.xml.
"""

import sys
from pathlib import Path

import libvirt  # type: ignore[import-not-found]

DATA = Path(__file__).resolve().parent.parent / "data" / "domainxml2xml"
FLAGS = libvirt.VIR_DOMAIN_XML_INACTIVE | libvirt.VIR_DOMAIN_XML_SECURE


def main(names: list[str]) -> int:
    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    conn = libvirt.open("test:///default")
    inputs = sorted(p for p in DATA.glob("*.xml") if not p.name.endswith(".out.xml"))
    if names:
        inputs = [DATA / f"{n}.xml" for n in names]
    failed = 0
    for path in inputs:
        try:
            dom = conn.defineXML(path.read_text())
        except libvirt.libvirtError as exc:
            print(f"{path.name}: {exc}", file=sys.stderr)
            failed += 1
            continue
        path.with_suffix(".out.xml").write_text(dom.XMLDesc(FLAGS))
        dom.undefine()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
