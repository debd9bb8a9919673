"""What the side-by-side scripts share: a record of calls and their errors, text cleaning.

A script imports it from its own folder, under Debian's python3 (libvirt)
or pyvirt's venv alike.
"""

from __future__ import annotations

import re
from typing import Any

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class Record:
    """Results by case: "ok" or [code, domain, message], messages cleaned by ``clean``."""

    def __init__(self, lv: Any, replace: list[tuple[str, str]]) -> None:
        self.lv, self.replace = lv, replace
        self.out: dict[str, Any] = {}
        lv.registerErrorHandler(lambda _ctx, _err: None, None)   # no printing on stderr

    def clean(self, text: str) -> str:
        """``text`` with UUIDs written UUID and the run's own values replaced."""
        text = UUID.sub("UUID", text)
        for old, new in self.replace:
            text = text.replace(old, new)
        return text

    def call(self, case: str, func: Any, *args: Any) -> Any:
        """Run ``func(*args)`` and record how it went; its result (None on error)."""
        try:
            res = func(*args)
        except self.lv.libvirtError as exc:
            self.out[case] = [exc.get_error_code(), exc.get_error_domain(),
                              self.clean(str(exc))]
            return None
        self.out[case] = "ok"
        return res

    def __setitem__(self, case: str, value: Any) -> None:
        self.out[case] = value

    def __getitem__(self, case: str) -> Any:
        return self.out[case]
