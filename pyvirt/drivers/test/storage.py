"""The test driver's storage family (work in progress)."""

from __future__ import annotations

from typing import Any

from pyvirt.driver import interface


class StorageMixin(interface.StorageDriver):
    """storage operations of the test driver, on ``self.state``."""

    state: Any


def load(state: Any, node_elem: Any, base_dir: str) -> None:
    """Fill the state's store from a <node> document's elements."""
