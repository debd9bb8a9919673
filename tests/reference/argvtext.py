"""QEMU command lines as text: one option (with its value) per line.

Shared by ``capture_argv.py`` (under Debian's python3) and the comparison
test (under pyvirt's), so it imports nothing but the standard library.
"""

from __future__ import annotations

import shlex

# the first line of every tests/data/qemuxml2argv/libvirt/NAME.args
CAPTURE_HEADER = ("# captured: libvirt 9.0 (Debian 9.0.0) virConnectDomainXMLToNative "
                  "qemu-argv on qemu:///embed?root=@ROOT@")


def one_per_line(text: str) -> str:
    """Split a shell-quoted command line into one option (and its value) per line.

    Environment assignments and the program come first, one per line; an
    option word starting with '-' takes the next word as its value unless that
    word is an option itself.
    """
    lines: list[str] = []
    for word in shlex.split(text.replace("\\\n", " ")):
        if lines and not word.startswith("-") and lines[-1].startswith("-") \
                and " " not in lines[-1]:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines) + "\n"
