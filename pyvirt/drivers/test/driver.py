"""The test driver: one object serving every family of a test:/// connection.

:class:`TestDriver` combines the domain operations (domain.py, tunables.py,
snapshot.py, checkpoint.py), the connection and node operations (host.py)
and the host-resource families (network.py, storage.py, interface.py,
nodedev.py, secret.py, nwfilter.py), all working on one
:class:`~pyvirt.drivers.test.state.NodeState`.
"""

from __future__ import annotations

from pyvirt import constants as C
from pyvirt.drivers.test import state as statemod
from pyvirt.drivers.test.checkpoint import CheckpointMixin
from pyvirt.drivers.test.domain import DomainMixin
from pyvirt.drivers.test.host import HostMixin
from pyvirt.drivers.test.interface import InterfaceMixin
from pyvirt.drivers.test.network import NetworkMixin
from pyvirt.drivers.test.nodedev import NodeDeviceMixin
from pyvirt.drivers.test.nwfilter import NWFilterMixin
from pyvirt.drivers.test.secret import SecretMixin
from pyvirt.drivers.test.snapshot import SnapshotMixin
from pyvirt.drivers.test.state import NodeState
from pyvirt.drivers.test.storage import StorageMixin
from pyvirt.drivers.test.tunables import TunablesMixin


class TestDriver(DomainMixin, TunablesMixin, SnapshotMixin, CheckpointMixin, HostMixin,
                 NetworkMixin, StorageMixin, InterfaceMixin, NodeDeviceMixin, SecretMixin,
                 NWFilterMixin):
    """libvirt's test driver: a simulated host whose objects live in memory."""

    __test__ = False  # not a pytest test class
    error_domain = C.VIR_FROM_TEST

    def __init__(self, state: NodeState, uri: str) -> None:
        self.state = state
        self.uri = uri
        self._closed = False

    def connectClose(self) -> int:  # noqa: N802
        """Release the state (the shared default state resets after its last user)."""
        if not self._closed:
            self._closed = True
            statemod.release(self.state)
        return 0
