"""Helpers for pyvirsh tests: run the shell in-process, compare with files.

Each case is an argv (without the program name) run against
``test:///default``; the expected stdout, stderr and exit status live in a
case file::

    @@@ captured: virsh 9.0 ...        (or: @@@ pyvirt-only: why pyvirt differs)
    @@@ stdout
    ...exact bytes...
    @@@ stderr
    ...exact bytes...
    @@@ exit 0

There are two kinds of case files, kept apart:

* ``tests/data/shell/<group>/<case>.txt`` record what the real ``virsh``
  (Debian's libvirt 9.0) prints for the same argv in the same directory.
  They are written only from ``/usr/bin/virsh`` (``PYVIRT_REGENERATE=virsh``)
  and ``test_virsh_agrees.py`` re-captures and compares them whenever virsh
  is installed.
* ``tests/data/shell/pyvirt-only/<group>/<case>.txt`` record pyvirsh's own
  output where libvirt 9.0 cannot give the behaviour (its test driver lacks
  the call, or its answer depends on the host); the header line says why.
  Only these may be rewritten from pyvirsh (``PYVIRT_REGENERATE=1``).

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
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "shell"
PYVIRT_ONLY = DATA / "pyvirt-only"
URI = "test:///default"
HOSTNAME_MARK = "@HOSTNAME@"
CAPTURED = "captured"
PYVIRT = "pyvirt-only"
CAPTURED_HEADER = "virsh 9.0 (Debian libvirt 9.0.0) on test:///default"
# files some cases write at fixed places: removed before every run so that
# no case sees what an earlier one left
SCRATCH_GLOBS = ("pyvirsh-test-*.sav", "pyvirsh-test-*.img")


@dataclass
class Result:
    """What one pyvirsh (or virsh) run printed and returned."""

    out: str
    err: str
    rc: int

    def text(self) -> str:
        """The case-file form of this result (without the header line)."""
        return f"@@@ stdout\n{self.out}@@@ stderr\n{self.err}@@@ exit {self.rc}\n"

    @classmethod
    def parse(cls, text: str) -> Result:
        """Read a case file (its header line, if any, is ignored)."""
        return parse_case(text)[2]


def parse_case(text: str) -> tuple[str, str, Result]:
    """Split a case file into (kind, header text, result)."""
    match = re.fullmatch(r"(?:@@@ (captured|pyvirt-only): ([^\n]*)\n)?"
                         r"@@@ stdout\n(.*)@@@ stderr\n(.*)@@@ exit (\d+)\n", text, re.DOTALL)
    if match is None:
        raise ValueError("malformed expected-output file")
    kind, header = match.group(1) or "", match.group(2) or ""
    return kind, header, Result(match.group(3), match.group(4), int(match.group(5)))


def case_path(group: str, name: str) -> Path:
    """The case file: the pyvirt-only one if it exists, else the libvirt-captured one."""
    own = PYVIRT_ONLY / group / f"{name}.txt"
    return own if own.exists() else DATA / group / f"{name}.txt"


def clear_scratch(recorded: bool = False) -> None:
    """Remove the files cases write under /tmp: this process's own (see
    :func:`own_path`) and, with ``recorded``, those at the paths the expected
    files record, which only real virsh writes (:func:`run_virsh`).  Never
    another process's: a pyvirsh run on one worker once removed the save
    file real virsh was about to restore on the other."""
    me = str(os.getpid())
    for pattern in SCRATCH_GLOBS:
        for leftover in Path("/tmp").glob(pattern):
            owner = _OWNER.search(leftover.name)
            if (owner is not None and owner.group(1) == me) or (recorded and owner is None):
                leftover.unlink(missing_ok=True)


def run_pyvirsh(argv: list[str], cwd: Path = DATA) -> Result:
    """Run pyvirsh's main() in this process, capturing its output."""
    from pyvirt.shell.main import main

    # test:///default keeps its state while any object of a connection is
    # alive; collect leftovers so that each run starts from a fresh state
    gc.collect()
    clear_scratch()
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        rc = main(list(argv), stdout=out, stderr=err)
    finally:
        os.chdir(old)
        gc.collect()
    return Result(out.getvalue(), err.getvalue(), rc)


VIRSH = "/usr/bin/virsh"


def run_virsh(argv: list[str], cwd: Path = DATA) -> Result:
    """Run the real virsh with the same arguments (capture and comparison)."""
    env = dict(os.environ, TZ="UTC", LC_ALL="C")
    # virsh 9.0 hangs for good, now and then, when a job it watches (save,
    # managedsave) ends at once: its main loop waits on with no source left
    # that would end it (SIGINT does not help). Measured next to a CPU hog:
    # 7 of 30 runs of 'managedsave test' hung, 14 of 30 pinned to one CPU;
    # under a parallel suite, five 15 s tries in a row once all hung. A run
    # that works takes well under a second here, so each try gets 3 s and
    # the tries go on for up to 3 minutes.
    deadline = time.monotonic() + 180
    while True:
        clear_scratch(recorded=True)
        try:
            proc = subprocess.run([VIRSH] + list(argv), cwd=cwd, env=env,
                                  capture_output=True, text=True,
                                  stdin=subprocess.DEVNULL, timeout=3, check=False)
        except subprocess.TimeoutExpired:
            if time.monotonic() < deadline:
                continue
            raise RuntimeError(f"virsh {argv} did not finish in 3 s in any try "
                               "for 3 minutes") from None
        return Result(proc.stdout, proc.stderr, proc.returncode)


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


def mask_host(result: Result) -> Result:
    """Replace a line that is the host name by a mark (before writing a case file)."""
    host = socket.gethostname()
    if not host:
        return result
    out, err = (re.sub(rf"(?m)^{re.escape(host)}$", HOSTNAME_MARK, value)
                for value in (result.out, result.err))
    return Result(out, err, result.rc)


def regenerate(group: str, name: str, argv: list[str], mode: str,
               back: Callable[[str], str] = str) -> None:
    """Rewrite a case file: captured ones only from virsh, pyvirt-only ones only from pyvirsh."""
    own = PYVIRT_ONLY / group / f"{name}.txt"
    captured = DATA / group / f"{name}.txt"
    if mode == "virsh":
        if own.exists():
            raise AssertionError(f"{own} records pyvirt's own behaviour; if libvirt now has "
                                 "it, delete that file and capture again")
        result = mask_host(run_virsh(argv))
        captured.parent.mkdir(parents=True, exist_ok=True)
        captured.write_text(f"@@@ {CAPTURED}: {CAPTURED_HEADER}\n" + back(result.text()))
        return
    if not own.exists():
        raise AssertionError(
            f"refusing to write {captured.relative_to(DATA.parent.parent.parent)} from pyvirsh: "
            "expected outputs are captured from libvirt (PYVIRT_REGENERATE=virsh); a case "
            f"libvirt 9.0 cannot run needs {own.relative_to(DATA.parent.parent.parent)} "
            "created by hand with a '@@@ pyvirt-only: <why>' header first")
    _kind, header, _old = parse_case(own.read_text())
    result = mask_host(run_pyvirsh(argv))
    own.write_text(f"@@@ {PYVIRT}: {header}\n" + back(result.text()))


def clean_for(mask: Callable[[str], str] | None) -> Callable[[str], str]:
    """The masking applied to both sides of a comparison."""
    def clean(text: str) -> str:
        text = mask_common(text)
        return mask(text) if mask else text
    return clean


def compare(actual: Result, expected: Result, argv: list[str],
            mask: Callable[[str], str] | None = None) -> None:
    """Assert two results are the same once masked."""
    clean = clean_for(mask)
    assert clean(actual.out) == clean(expected.out), f"stdout of {argv}"
    assert clean(actual.err) == clean(expected.err), f"stderr of {argv}"
    assert actual.rc == expected.rc, f"exit status of {argv}"


def own_path(shared: str) -> str:
    """This process's stand-in for a fixed path that expected files record.

    Files under /tmp are shared by every test run on the machine: two runs
    (or a run and a developer's) that save to one fixed path remove each
    other's file.  A case runs with a path of its own, and its output is
    written back with the recorded one before comparing or capturing.
    """
    stem, dot, ext = shared.rpartition(".")
    return f"{stem}-{os.getpid()}{dot}{ext}"


#: the process id in a name :func:`own_path` made ('...-PID.ext'); no match: a recorded name
_OWNER = re.compile(r"-(\d+)\.[^.]+$")


def _unshare(argv: list[str], paths: dict[str, str] | None,
             mask: Callable[[str], str] | None
             ) -> tuple[list[str], Callable[[str], str] | None, Callable[[str], str]]:
    """argv with each recorded path replaced by its own one, a mask that also puts
    the recorded paths back, and that putting back alone."""
    pairs = list((paths or {}).items())

    def back(text: str) -> str:
        for shared, own in pairs:
            text = text.replace(own, shared)
        return text
    if not pairs:
        return argv, mask, back
    run = []
    for word in argv:
        for shared, own in pairs:
            word = word.replace(shared, own)
        run.append(word)
    return run, (lambda text: mask(back(text))) if mask else back, back


def check(group: str, name: str, argv: list[str],
          mask: Callable[[str], str] | None = None,
          paths: dict[str, str] | None = None) -> Result:
    """Run a case with pyvirsh and compare it with its expected file; ``paths``
    maps paths the expected files record to the ones this run uses instead."""
    argv, mask, back = _unshare(argv, paths, mask)
    mode = os.environ.get("PYVIRT_REGENERATE")
    if mode:
        regenerate(group, name, argv, mode, back)
    expected = Result.parse(case_path(group, name).read_text())
    actual = run_pyvirsh(argv)
    compare(actual, expected, argv, mask)
    return actual


def cmd(*words: str) -> list[str]:
    """argv for one command string against test:///default."""
    return ["-c", URI, *words]
