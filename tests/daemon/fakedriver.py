"""A small driver for in-process daemon tests (URI scheme ``rpctest``).

It serves what the stream tests need: a volume to upload to and download
from, a console that answers each line in upper case, and a domain whose
events can be fired on demand.
"""

from __future__ import annotations

import threading
from typing import Any

from pyvirt import constants as C
from pyvirt.driver import interface as I
from pyvirt.driver.events import EventRegistry
from pyvirt.driver.registry import Drivers
from pyvirt.driver.stream import handle_of
from pyvirt.errors import report

# set when the slow call (domainSetAutostart) has begun, for tests in this process
SLOW_CALL_STARTED = threading.Event()
from pyvirt.rpc import handles as H

UUID = "11111111-2222-3333-4444-555555555555"
POOL_UUID = "aaaaaaaa-2222-3333-4444-555555555555"
VOLUMES: dict[str, bytearray] = {}


class _UploadSink:
    def __init__(self, name: str) -> None:
        self.name = name
        self.data = bytearray()

    def write(self, data: bytes) -> None:
        self.data += data

    def finish(self) -> None:
        VOLUMES[self.name] = self.data

    def abort(self) -> None:
        self.data = bytearray()


class _ConsoleSink:
    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.pending = b""

    def write(self, data: bytes) -> None:
        self.pending += data
        while b"\n" in self.pending:
            line, self.pending = self.pending.split(b"\n", 1)
            if line == b"quit":
                self.stream.feed_eof()
                return
            self.stream.feed(line.upper() + b"\n")

    def finish(self) -> None:
        pass

    def abort(self) -> None:
        pass


class FakeDriver(I.HypervisorDriver, I.StorageDriver):
    """Just enough driver for streams, events and slow calls."""

    error_domain = C.VIR_FROM_TEST

    def __init__(self) -> None:
        self.events = EventRegistry()
        self.dom = H.DomainHandle("fake", UUID, 1)
        self.pool = H.StoragePoolHandle("pool", POOL_UUID)

    def connectClose(self) -> int:
        return 0

    def connectGetType(self) -> str:
        return "FAKE"

    def connectGetVersion(self) -> int:
        return 7

    def domainLookupByName(self, name: str) -> Any:
        if name != "fake":
            raise report(C.VIR_ERR_NO_DOMAIN, f"no domain with matching name '{name}'",
                         C.VIR_FROM_TEST)
        return self.dom

    def domainGetInfo(self, dom: Any) -> list:
        return [C.VIR_DOMAIN_RUNNING, 1024, 1024, 1, 0]

    def domainSetAutostart(self, dom: Any, autostart: int) -> None:
        # Used as a "slow call": autostart = milliseconds to sleep.
        import time
        SLOW_CALL_STARTED.set()
        time.sleep(autostart / 1000)

    def domainOpenConsole(self, dom: Any, dev_name: Any, st: Any, flags: int) -> int:
        stream = handle_of(st)
        stream.bind(_ConsoleSink(stream))
        stream.feed(b"login: ")
        return 0

    def connectDomainEventRegisterAny(self, dom: Any, eventID: int, callback: Any) -> int:
        return self.events.register("domain", eventID, dom.uuid if dom else None, callback)

    def connectDomainEventDeregisterAny(self, callbackID: int) -> None:
        self.events.deregister(callbackID)

    def domainReboot(self, dom: Any, flags: int) -> None:
        self.events.emit("domain", C.VIR_DOMAIN_EVENT_ID_REBOOT, self.dom, UUID)
        self.events.emit("domain", C.VIR_DOMAIN_EVENT_ID_TUNABLE, self.dom, UUID,
                         {"cputune.vcpu_quota": -1, "cputune.shares": 1024})
        self.events.emit("domain", C.VIR_DOMAIN_EVENT_ID_PMWAKEUP, self.dom, UUID, 0)
        self.events.emit("domain", C.VIR_DOMAIN_EVENT_ID_GRAPHICS, self.dom, UUID, 0,
                         {"family": 0, "node": "127.0.0.1", "service": "5900"},
                         {"family": 0, "node": "127.0.0.1", "service": "40000"}, "vnc",
                         [("x509dname", "CN=someone")])

    def storagePoolLookupByName(self, name: str) -> Any:
        return self.pool

    def storageVolLookupByName(self, pool: Any, name: str) -> Any:
        return H.StorageVolHandle("pool", name, f"/pool/{name}")

    def storageVolUpload(self, vol: Any, stream: Any, offset: int, length: int,
                         flags: int) -> None:
        handle_of(stream).bind(_UploadSink(vol.name))

    def storageVolDownload(self, vol: Any, stream: Any, offset: int, length: int,
                           flags: int) -> None:
        st = handle_of(stream)
        st.bind()
        data = bytes(VOLUMES.get(vol.name, b""))
        if length:
            data = data[offset:offset + length]

        def produce() -> None:
            for i in range(0, len(data), 100_000):
                st.feed(data[i:i + 100_000])
            st.feed_eof()
        threading.Thread(target=produce, daemon=True).start()


_shared = FakeDriver()


def open_uri(uri: Any, auth: Any, flags: int) -> Drivers:
    """Open ``rpctest:///`` (one shared fake state)."""
    return Drivers(hv=_shared, stor=_shared)
