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

