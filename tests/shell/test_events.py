"""event and console."""

from __future__ import annotations

import pytest
from shellcase import check, cmd

CASES = {
    "event-list": cmd("event --list"),
    "event-none": cmd("event"),
    "event-unknown": cmd("event --event bogus"),
    "event-exclusive": cmd("event --all --event lifecycle"),
    "event-timeout": cmd("event --all --loop --timeout 1"),
    "event-one-timeout": cmd("event --event lifecycle --timeout 1"),
    "event-bad-timeout": cmd("event --all --timeout 0"),
    "event-domain-missing": cmd("event --domain nope --all --timeout 1"),
    "console-no-tty": cmd("console test"),
    "console-shutoff": cmd("destroy test; console test"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_events(name: str) -> None:
    check("events", name, CASES[name])
