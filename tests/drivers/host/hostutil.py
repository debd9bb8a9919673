"""Helpers of the host drivers' tests."""

from __future__ import annotations

import pytest


def code(exc: pytest.ExceptionInfo) -> tuple[int, int]:
    """(error code, error domain) of a raised libvirtError."""
    return exc.value.get_error_code(), exc.value.get_error_domain()
