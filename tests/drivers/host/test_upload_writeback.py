"""An upload's data goes to the disk while it arrives, not only at its finish.

The upload sink asks the kernel to start writing each 16 MiB it has written
(``sync_file_range``); without that the kernel keeps an upload's pages dirty
for up to 30 s (or until gigabytes are dirty) and the finish's fsync writes
the whole volume at once.  Counted on a loop device of its own (its sectors
written in sysfs), ext4 mounted in a private mount namespace.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostutil import on_loop_device

SCRIPT = str(Path(__file__).with_name("writeback_script.py"))


@pytest.mark.slow
def test_upload_is_written_to_disk_before_its_finish(tmp_path: Path) -> None:
    res = on_loop_device(tmp_path, SCRIPT, 256 << 20, ext4=True, timeout=180)
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout)
    # 48 MiB sent: the first 32 (two runs of 16) were asked to be written; the
    # device wrote them (and some metadata) before the finish
    for side in ("in process", "through pyvirtd"):
        assert out[side] >= 32 << 20, (side, out)
