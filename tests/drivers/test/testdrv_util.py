"""Helpers of the test driver's tests (a module name unique across the test tree)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import pyvirt

DOMAIN_XML = ("<domain type='test'><name>{name}</name><memory>1048576</memory>"
              "<vcpu>1</vcpu><os><type>hvm</type></os></domain>")


def domain_xml(name: str = "foo", extra: str = "") -> str:
    """A minimal domain definition; ``extra`` goes before </domain>."""
    return DOMAIN_XML.format(name=name).replace("</domain>", extra + "</domain>")


def expect_error(func: Callable[[], Any], code: int, domain: int | None = None,
                 message: str | None = None) -> pyvirt.libvirtError:
    """Call ``func``; check it raises libvirtError with ``code`` (and domain, message)."""
    with pytest.raises(pyvirt.libvirtError) as info:
        func()
    err = info.value
    assert err.get_error_code() == code, str(err)
    if domain is not None:
        assert err.get_error_domain() == domain, str(err)
    if message is not None:
        assert str(err) == message
    return err
