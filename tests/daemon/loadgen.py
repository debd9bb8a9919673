"""Load generator: N client threads mixing calls for a bounded time.

Runs under pyvirt (``python3``) or real libvirt-python (``/usr/bin/python3``);
prints one JSON line: calls made, errors, per-client counts and whether
every domain a client defined was seen and removed.

    loadgen.py URI CLIENTS SECONDS [pyvirt|libvirt] [TAG]
"""

from __future__ import annotations

import json
import sys
import threading
import time


def main() -> None:
    uri, clients, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    flavour = sys.argv[4] if len(sys.argv) > 4 else "pyvirt"
    tag = sys.argv[5] if len(sys.argv) > 5 else "t"
    if flavour == "pyvirt":
        import pyvirt as libvirt
    else:
        import libvirt  # type: ignore[no-redef]
    libvirt.registerErrorHandler(lambda _c, _e: None, None)
    deadline = time.monotonic() + seconds
    counts = [0] * clients
    errors: list[str] = []
    lost: list[str] = []

    def client(i: int) -> None:
        try:
            conn = libvirt.open(uri)
        except libvirt.libvirtError as exc:
            errors.append(f"open: {exc}")
            return
        n = 0
        try:
            while time.monotonic() < deadline:
                name = f"load-{tag}-{i}-{n}"
                xml = (f"<domain type='test'><name>{name}</name><memory>65536</memory>"
                       "<os><type>hvm</type></os></domain>")
                conn.getVersion()
                conn.lookupByName("test").info()
                dom = conn.defineXML(xml)
                names = {d.name() for d in conn.listAllDomains()}
                if name not in names:
                    lost.append(name)
                dom.create()
                dom.XMLDesc(0)
                dom.destroy()
                dom.undefine()
                conn.networkLookupByName("default").isActive()
                n += 1
                counts[i] += 10
        except libvirt.libvirtError as exc:
            errors.append(f"client {i}: {exc}")
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    stuck = sum(t.is_alive() for t in threads)
    print(json.dumps({"calls": sum(counts), "seconds": time.monotonic() - start,
                      "errors": errors[:10], "nerrors": len(errors), "lost": lost[:10],
                      "min_client_calls": min(counts) if counts else 0, "stuck": stuck}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
