"""pyvirsh test fixtures (helpers are in shellcase.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> None:
    """Times print in UTC, as the expected files were captured."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
