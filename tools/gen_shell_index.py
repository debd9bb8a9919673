#!/usr/bin/env python3
"""Write pyvirt/shell/index.py: every pyvirsh command, its group, help and module.

pyvirsh imports a command's module only when the command runs (or its
help is shown); the index tells it which module that is, and gives
``help`` and tab completion the names without importing anything.  The
commands themselves stay declared once, by ``@command`` in their modules:
this tool imports every module of pyvirt/shell, collects what they
declare and writes the index in declaration order.

Usage: tools/gen_shell_index.py [--check]
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "pyvirt" / "shell" / "index.py"

HEADER = '''"""Every pyvirsh command: name -> (help group, one-line help, module).

Written by tools/gen_shell_index.py from the ``@command`` declarations of
the modules of pyvirt/shell; do not edit by hand.  pyvirsh lists and
completes commands from this table and imports a command's module only
when the command runs or its help is shown.
"""

# fmt: off
INDEX: dict[str, tuple[str, str, str]] = {
'''


def collect() -> dict[str, tuple[str, str, str]]:
    """Import every shell module; return the commands they declare, in order."""
    sys.path.insert(0, str(ROOT))
    import pyvirt.shell
    from pyvirt.shell import command
    found: dict[str, tuple[str, str, str]] = {}
    names = ["main"] + sorted(info.name for info in pkgutil.iter_modules(pyvirt.shell.__path__)
                              if info.name not in ("main", "index", "__main__"))
    for name in names:
        importlib.import_module(f"pyvirt.shell.{name}")
        for cmd_name, cmd in command.COMMANDS.items():
            if cmd_name not in found:
                found[cmd_name] = (cmd.group, cmd.help, name)
    return found

def render(index: dict[str, tuple[str, str, str]]) -> str:
    """The text of index.py."""
    lines = [HEADER]
    for name, entry in index.items():
        lines.append(f"    {name!r}: {entry!r},\n")
    lines.append("}\n")
    return "".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, compare) pyvirt/shell/index.py."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    text = render(collect())
    if args.check:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"{OUT} is out of date: run tools/gen_shell_index.py")
            return 1
        return 0
    OUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
