"""Command line rules and bad input: virsh's wording, exit 1, no traceback."""

from __future__ import annotations

import pytest
from shellcase import check, cmd

CASES = {
    "unknown-command": cmd("foo"),
    "unknown-command-argv": ["-c", "test:///default", "foo", "bar"],
    "unknown-option": cmd("dominfo test --bogus"),
    "missing-data": cmd("dominfo"),
    "missing-number": cmd("setmem test"),
    "unexpected-data": cmd("dominfo test extra"),
    "xpath-not-positional": cmd("dumpxml test //name"),
    "option-seen": cmd("list --all --all"),
    "option-seen-positional": cmd("dominfo test --domain test"),
    "expected-syntax": cmd("dominfo --domain"),
    "expected-number": cmd("setmem test --size"),
    "bool-with-value": cmd("list --all=yes"),
    "empty-value": ["-c", "test:///default", "dominfo", ""],
    "malformed-number": cmd("setvcpus test two"),
    "missing-file": cmd("define /nonexistent/dom.xml"),
    "missing-domain": cmd("dominfo nope"),
    "missing-domain-uuid": cmd("dominfo 11111111-2222-3333-4444-555555555555"),
    "missing-domain-id": cmd("dominfo 42"),
    "equals-form": cmd("domstate --domain=test --reason"),
    "double-dash": cmd("domstate -- test"),
    "argv-form": ["-c", "test:///default", "domstate", "test", "--reason"],
    "argv-no-split": ["-c", "test:///default", "uri", ";", "uri"],
    "semicolons": cmd("uri; hostname; uri"),
    "semicolon-error-continues": cmd("dominfo nope; uri"),
    "semicolon-last-fails": cmd("uri; dominfo nope"),
    "parse-error-runs-nothing": cmd("uri; foo"),
    "quotes": cmd("echo 'a b' \"c d\" e\\ f"),
    "missing-quote": cmd('echo "abc'),
    "dangling-backslash": cmd("echo abc\\"),
    "comment": cmd("uri # hostname"),
    "newline-separator": cmd("uri\nhostname"),
    "global-unknown-short": ["-x", "uri"],
    "global-unknown-long": ["--bogus", "uri"],
    "global-missing-argument": ["-c"],
    "connect-failure": ["-c", "bogus:///nowhere", "uri"],
    "quiet": ["-q", "-c", "test:///default", "destroy test; uri"],
    "readonly": ["-r", "-c", "test:///default", "suspend test"],
    "exclusive": cmd("list --table --name"),
    "cd-noninteractive": cmd("cd /"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_parse(name: str) -> None:
    check("parse", name, CASES[name])
