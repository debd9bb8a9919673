"""Shared fixtures: silence libvirt's default stderr error printer in tests."""

import pytest

import pyvirt


@pytest.fixture(autouse=True)
def _quiet_errors():
    pyvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    yield
    pyvirt.registerErrorHandler(None, None)
