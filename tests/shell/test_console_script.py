"""The installed ``pyvirsh`` console script, run as a separate process."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from shellcase import DATA, Result


def _pyvirsh(*args: str) -> Result:
    program = shutil.which("pyvirsh")
    if program is None:
        pytest.fail("the pyvirsh console script is not installed (pip install -e .)")
    proc = subprocess.run([program, *args], cwd=DATA, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=60, check=False)
    return Result(proc.stdout, proc.stderr, proc.returncode)


def test_list() -> None:
    result = _pyvirsh("-c", "test:///default", "list", "--all")
    assert result == Result(" Id   Name   State\n----------------------\n"
                            " 1    test   running\n\n", "", 0)


def test_error_exit_status() -> None:
    result = _pyvirsh("-c", "test:///default", "dominfo nope")
    assert result == Result("\n", "error: failed to get domain 'nope'\n", 1)


def test_interactive_session() -> None:
    program = shutil.which("pyvirsh")
    assert program is not None
    proc = subprocess.run([program, "-q", "-c", "test:///default"], cwd=DATA,
                          input="domstate test\nquit\n", capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0
    assert "running\n" in proc.stdout
    assert proc.stderr == ""
