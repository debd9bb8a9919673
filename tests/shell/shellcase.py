"""Helpers for pyvirsh tests: run the shell in-process, compare with files.

Each case is an argv (without the program name) run against
``test:///default``; the expected stdout, stderr and exit status live in
``tests/data/shell/<group>/<case>.txt``::

    @@@ stdout
    ...exact bytes...
    @@@ stderr
    ...exact bytes...
    @@@ exit 0

The expected files were captured from the real ``virsh`` (libvirt 9.0)
wherever the data are the same.  Regenerate them with
``PYVIRT_REGENERATE=1`` (from pyvirsh) or ``PYVIRT_REGENERATE=virsh`` (from
``/usr/bin/virsh``, run with the same arguments in the same directory).
Values that change from run to run (CPU time, creation times, counters
derived from the clock, the host name) are masked on both sides.
"""

from __future__ import annotations

import gc
import io
import os
import re
import socket
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "shell"
URI = "test:///default"
HOSTNAME_MARK = "@HOSTNAME@"


@dataclass
class Result:
    """What one pyvirsh (or virsh) run printed and returned."""

    out: str
    err: str
    rc: int

    def text(self) -> str:
        """The case-file form of this result."""
        return f"@@@ stdout\n{self.out}@@@ stderr\n{self.err}@@@ exit {self.rc}\n"

    @classmethod
    def parse(cls, text: str) -> Result:
        """Read a case file."""
        match = re.fullmatch(r"@@@ stdout\n(.*)@@@ stderr\n(.*)@@@ exit (\d+)\n", text,
                             re.DOTALL)
        if match is None:
            raise ValueError("malformed expected-output file")
        return cls(match.group(1), match.group(2), int(match.group(3)))


def run_pyvirsh(argv: list[str], cwd: Path = DATA) -> Result:
    """Run pyvirsh's main() in this process, capturing its output."""
    from pyvirt.shell.main import main

    # test:///default keeps its state while any object of a connection is
    # alive; collect leftovers so that each run starts from a fresh state
    gc.collect()
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        rc = main(list(argv), stdout=out, stderr=err)
    finally:
        os.chdir(old)
        gc.collect()
    return Result(out.getvalue(), err.getvalue(), rc)


def run_virsh(argv: list[str], cwd: Path = DATA) -> Result:
    """Run the real virsh with the same arguments (for regeneration)."""
    env = dict(os.environ, TZ="UTC", LC_ALL="C")
    for _attempt in range(3):
        # virsh 9.0 sometimes hangs when a watched job ends at once: retry
        try:
            proc = subprocess.run(["/usr/bin/virsh"] + list(argv), cwd=cwd, env=env,
                                  capture_output=True, text=True,
                                  stdin=subprocess.DEVNULL, timeout=20, check=False)
        except subprocess.TimeoutExpired:
            continue
        return Result(proc.stdout, proc.stderr, proc.returncode)
    raise RuntimeError(f"virsh {argv} did not finish")


# -- masking of values that differ between runs -----------------------------------

def mask_common(text: str) -> str:
    """Mask the host name, CPU times, creation times and snapshot times."""
    host = socket.gethostname()
    if host:
        text = re.sub(rf"(?m)^{re.escape(host)}$", HOSTNAME_MARK, text)
    text = re.sub(r"(CPU time:\s+)\d+\.\ds", r"\1<cputime>", text)
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}", "YYYY-MM-DD hh:mm:ss +zzzz",
                  text)
    text = re.sub(r"<creationTime>\d+</creationTime>", "<creationTime>T</creationTime>", text)
    return text


def mask_numbers(text: str) -> str:
    """Mask every number (statistics derived from the clock)."""
    return re.sub(r"\d+", "N", text)


def check(group: str, name: str, argv: list[str],
          mask: Callable[[str], str] | None = None) -> Result:
    """Run a case and compare it with its expected file (or regenerate it)."""
    path = DATA / group / f"{name}.txt"
    mode = os.environ.get("PYVIRT_REGENERATE")
    if mode:
        result = run_virsh(argv) if mode == "virsh" else run_pyvirsh(argv)
        host = socket.gethostname()
        for attr in ("out", "err"):
            value = getattr(result, attr)
            if host:
                value = re.sub(rf"(?m)^{re.escape(host)}$", HOSTNAME_MARK, value)
            setattr(result, attr, value)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(result.text())
    expected = Result.parse(path.read_text())
    actual = run_pyvirsh(argv)

    def clean(text: str) -> str:
        text = mask_common(text)
        return mask(text) if mask else text

    assert clean(actual.out) == clean(expected.out), f"stdout of {argv}"
    assert clean(actual.err) == clean(expected.err), f"stderr of {argv}"
    assert actual.rc == expected.rc, f"exit status of {argv}"
    return actual


def cmd(*words: str) -> list[str]:
    """argv for one command string against test:///default."""
    return ["-c", URI, *words]
