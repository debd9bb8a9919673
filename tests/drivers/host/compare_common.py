"""What the side-by-side scripts share; imported under Debian's python3 (libvirt) and
pyvirt's alike, so it uses neither."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def cleaner(replace: list[tuple[str, str]]) -> Callable[[str], str]:
    """A function that makes XML and messages comparable: each (old, new) of ``replace``
    applied, UUIDs as UUID, <timestamps> left out."""
    def clean(text: str) -> str:
        for old, new in replace:
            text = text.replace(old, new)
        text = UUID_RE.sub("UUID", text)
        return re.sub(r"\s*<timestamps>.*?</timestamps>", "", text, flags=re.DOTALL)
    return clean


def recorder(lv: Any, out: dict[str, Any], clean: Callable[[str], str]
             ) -> Callable[..., Any]:
    """``call(case, func, *args)``: run it, record 'ok' (a string result cleaned) or the
    error's [code, domain, cleaned message] under ``case``; return the result or None."""
    def call(case: str, func: Any, *args: Any) -> Any:
        try:
            res = func(*args)
        except lv.libvirtError as exc:
            out[case] = [exc.get_error_code(), exc.get_error_domain(), clean(str(exc))]
            return None
        out[case] = clean(res) if isinstance(res, str) else "ok"
        return res
    return call
