"""libvirt's architecture names (virArch), for checking an arch argument."""

from __future__ import annotations

ARCHES = frozenset((
    "i686", "x86_64", "aarch64", "armv6l", "armv7l", "armv7b", "ppc", "ppc64", "ppc64le",
    "s390", "s390x", "mips", "mipsel", "mips64", "mips64el", "riscv32", "riscv64", "sparc",
    "sparc64", "alpha", "m68k", "microblaze", "microblazeel", "or32", "parisc", "parisc64",
    "sh4", "sh4eb", "unicore32", "xtensa", "xtensaeb", "cris", "lm32", "loongarch64"))
