"""An fs pool for real: ext4 on a loop device, mounted in a private mount namespace.

The pool's driver runs in a subprocess under ``unshare -m``, so its mounts
vanish with it; the loop device is detached at the end.
"""

from __future__ import annotations

import json
from pathlib import Path

from hostutil import on_loop_device

SCRIPT = str(Path(__file__).with_name("fs_pool_script.py"))


def test_fs_pool_on_a_loop_device(tmp_path: Path) -> None:
    res = on_loop_device(tmp_path, SCRIPT, 64 << 20)
    dev = res.args[-1]
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout)
    mnt = tmp_path / "mnt"
    assert out["build auto"][0] == 55                            # OPERATION_INVALID
    assert out["build"] == "ok"
    assert out["build again without overwrite"] == [
        76, f"Storage pool already built: Device '{dev}' already formatted using 'ext4'"]
    assert out["start"] == "ok" and out["mounted"] is True
    assert out["vol path"] == f"{mnt}/d.qcow2" and out["volumes"] == ["d.qcow2"]
    assert sorted(out["pool type in list"]) == ["auto", "fsp"] and out["capacity under 64M"] is True
    assert out["destroy"] == "ok" and out["mounted after destroy"] is False
    assert out["file visible after destroy"] is False             # it is on the device
    assert out["start again"] == "ok" and out["volumes again"] == ["d.qcow2"]
    assert out["active after reopen"] == 1
    assert out["destroy again"] == "ok" and out["mounted at end"] is False
    assert not any(str(mnt) in line for line in Path("/proc/self/mounts").read_text().splitlines())
