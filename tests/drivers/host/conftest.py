"""Fixtures of the host drivers' tests (storage, secret): a fresh embed root."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from netns import netns  # noqa: F401  (the network tests' namespace fixture)

import pyvirt


@pytest.fixture
def uri(tmp_path: Path) -> str:
    """The URI of an embed root under the test's temporary directory."""
    return f"qemu:///embed?root={tmp_path / 'root'}"


@pytest.fixture
def conn(uri: str) -> Iterator[pyvirt.virConnect]:
    """A connection to that root."""
    c = pyvirt.open(uri)
    yield c
    c.close()



@pytest.fixture(scope="session")
def ceph_cluster() -> Iterator[object]:
    """A real single-node Ceph cluster (mon, mgr, bluestore OSD on 127.0.0.1, cephx),
    started once per test session and stopped (no process left) at its end."""
    import ceph
    lacking = ceph.missing()
    if lacking:
        pytest.skip(f"Ceph is not installed (missing {', '.join(lacking)}; Debian: "
                    "ceph-mon ceph-mgr ceph-osd ceph-common)")
    cluster = ceph.start_cluster()
    yield cluster
    from pyvirt.drivers.storage.backends.rbd import forget_all
    forget_all()
    cluster.stop()
