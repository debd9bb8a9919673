"""pyvirt.util.fileutil: several files written atomically with one directory fsync."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pyvirt.util.fileutil import atomic_write_many


def test_atomic_write_many_replaces_each_file_and_leaves_no_temporaries(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_text("old a")
    atomic_write_many({str(tmp_path / "a.xml"): "new a", str(tmp_path / "b.xml"): b"new b"},
                      0o600)
    assert (tmp_path / "a.xml").read_text() == "new a"
    assert (tmp_path / "b.xml").read_bytes() == b"new b"
    assert stat.S_IMODE(os.stat(tmp_path / "b.xml").st_mode) == 0o600
    assert sorted(os.listdir(tmp_path)) == ["a.xml", "b.xml"]


def test_atomic_write_many_stops_at_the_first_failure(tmp_path: Path) -> None:
    """A file that cannot be written raises; the ones before it are written, the
    old content of the ones after it stays, and no temporary file is left."""
    (tmp_path / "c.xml").write_text("old c")
    with pytest.raises(OSError):
        atomic_write_many({str(tmp_path / "a.xml"): "a",
                           str(tmp_path / "missing" / "b.xml"): "b",
                           str(tmp_path / "c.xml"): "new c"})
    assert (tmp_path / "a.xml").read_text() == "a"
    assert (tmp_path / "c.xml").read_text() == "old c"
    assert sorted(os.listdir(tmp_path)) == ["a.xml", "c.xml"]
