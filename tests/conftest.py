"""Shared fixtures: silence libvirt's default stderr error printer in tests."""

import pytest

import pyvirt

# -- skip-reason summary and CI check (tests/_skipreport.py) --------------------
pytest_plugins = ("_skipreport",)
# -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _quiet_errors():
    pyvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    yield
    pyvirt.registerErrorHandler(None, None)
