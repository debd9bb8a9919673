"""nftables scripts for pyvirt's own tables (network firewalls, filter bindings,
bandwidth policing): each loaded with ``nft -f -`` in one transaction.

A table is replaced whole (:func:`replace_table`: an ``add``/``delete`` pair
first clears one a crashed daemon left) and deleted whole
(:func:`delete_table`, fine when it is not there).
"""

from __future__ import annotations

import subprocess

from pyvirt import constants as C
from pyvirt.errors import report

NFT = "/usr/sbin/nft"


def run(script: str, what: str, domain: int = C.VIR_FROM_NETWORK) -> None:
    """Load ``script``; a failure is a libvirtError ``what: nft's message``."""
    try:
        res = subprocess.run([NFT, "-f", "-"], input=script, capture_output=True, text=True,
                             timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise report(C.VIR_ERR_INTERNAL_ERROR, f"Failed to run '{NFT}': {exc}",
                     domain) from None
    if res.returncode != 0:
        raise report(C.VIR_ERR_INTERNAL_ERROR, f"{what}: {res.stderr.strip()}", domain)


def replace_table(table: str, lines: list[str], what: str,
                  domain: int = C.VIR_FROM_NETWORK) -> None:
    """Make ``table`` (``FAMILY NAME``) anew from ``lines``, in one transaction."""
    run(f"add table {table}\ndelete table {table}\n" + "\n".join(lines) + "\n", what, domain)


def delete_table(table: str, what: str, domain: int = C.VIR_FROM_NETWORK) -> None:
    """Delete ``table`` if it is there."""
    run(f"add table {table}\ndelete table {table}\n", what, domain)
