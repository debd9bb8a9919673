"""Fixtures of the test driver's tests: a fresh test:///default per test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from testdrv_util import domain_xml

import pyvirt
from pyvirt.drivers.test import state as statemod


@pytest.fixture
def conn() -> Iterator[Any]:
    """A connection to a pristine test:///default (the shared state is rebuilt)."""
    statemod._default = None  # start from libvirt's default node, whatever ran before
    c = pyvirt.open("test:///default")
    yield c
    c.close()


@pytest.fixture
def foo(conn: Any) -> Any:
    """A defined, shut-off domain named 'foo'."""
    return conn.defineXML(domain_xml())
