"""Interactive mode: tab completion and the command loop."""

from __future__ import annotations

import io

from pyvirt.shell.interactive import Completer
from pyvirt.shell.main import Shell, main


def _completer() -> tuple[Shell, Completer]:
    shell = Shell(io.StringIO(), io.StringIO())
    shell.uri = "test:///default"
    return shell, Completer(shell)


def test_complete_commands() -> None:
    shell, completer = _completer()
    try:
        names = completer.candidates("dom", "dom")
        assert names == sorted(names)
        assert {"domblklist", "domid", "dominfo", "domstate"} <= set(names)
        assert "snapshot-create-as" in completer.candidates("snap", "snap")
    finally:
        shell.close()


def test_complete_options_not_yet_given() -> None:
    shell, completer = _completer()
    try:
        options = completer.candidates("list --all --", "--")
        assert "--all" not in options
        assert "--inactive" in options and "--title" in options
        assert completer.candidates("domstate test --r", "--r") == ["--reason"]
    finally:
        shell.close()


def test_complete_domain_and_network_names() -> None:
    shell, completer = _completer()
    try:
        assert completer.candidates("dominfo ", "") == ["test"]
        assert completer.candidates("dominfo --domain t", "t") == ["test"]
        assert completer.candidates("net-info d", "d") == ["default"]
        assert completer.candidates("uri; dominfo t", "t") == ["test"]
    finally:
        shell.close()


def test_interactive_loop(monkeypatch, tmp_path) -> None:
    lines = iter(["uri", "dominfo nope", "quit"])

    def fake_input(prompt: str) -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", fake_input)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    out, err = io.StringIO(), io.StringIO()
    assert main(["-c", "test:///default"], stdout=out, stderr=err) == 0
    assert out.getvalue().startswith("Welcome to pyvirsh, the virtualization interactive "
                                     "terminal.\n")
    assert "test:///default\n\n" in out.getvalue()
    assert err.getvalue() == "error: failed to get domain 'nope'\n"
