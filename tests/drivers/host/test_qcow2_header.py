"""The qcow2 header reader agrees with ``qemu-img info`` on the fields a refresh uses."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from pyvirt.drivers.storage import qcow2, volfile


def _fields(info: dict) -> tuple:
    data = (info.get("format-specific") or {}).get("data", {})
    return (info["format"], info["virtual-size"], info["cluster-size"],
            info.get("backing-filename"), info.get("backing-filename-format"),
            data.get("compat"), (data.get("encrypt") or {}).get("format"))


def test_header_fields_match_qemu_img(tmp_path: Path) -> None:
    def make(name: str, *opts: str) -> str:
        subprocess.run(["qemu-img", "create", "-q", *opts[:-1], name, *opts[-1:]],
                       check=True, cwd=tmp_path)
        return str(tmp_path / name)
    make("base.raw", "-f", "raw", "1M")
    images = [
        make("plain.qcow2", "-f", "qcow2", "64M"),
        make("old.qcow2", "-f", "qcow2", "-o", "compat=0.10,cluster_size=4096", "10M"),
        make("feat.qcow2", "-f", "qcow2", "-o", "extended_l2=on,lazy_refcounts=on", "1G"),
        make("top.qcow2", "-f", "qcow2", "-b", "base.raw", "-F", "raw", "1M"),
        make("top2.qcow2", "-f", "qcow2", "-b", "top.qcow2", "-F", "qcow2", "2M"),
    ]
    for path in images:
        head = Path(path).read_bytes()[:qcow2.HEAD_MAX]
        mine = qcow2.parse(head)
        assert mine is not None, path
        assert _fields(mine) == _fields(volfile.qemu_img_info(path)), path
        # a refresh's reader: the same from its first read or a second, longer one
        assert volfile.image_info(path, os.stat(path)) == mine, path
    # a header whose backing name lies past what was read is not guessed at
    assert qcow2.parse(Path(images[-1]).read_bytes()[:200]) is None
    raw = str(tmp_path / "base.raw")
    assert qcow2.parse(Path(raw).read_bytes()) is None
    assert volfile.image_info(raw, os.stat(raw)) is None
