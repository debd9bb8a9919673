"""Storage volume commands."""

from __future__ import annotations

import os

import pytest
from shellcase import check, cmd, own_path, run_pyvirsh

POOL = "pool-create input/pool.xml; "
VOLS = POOL + "vol-create pool1 input/vol.xml; vol-create-as pool1 v2 1G --allocation 100M " \
              "--format qcow2; "
DOWNLOAD = "/tmp/pyvirsh-test-volume.img"      # as the expected files record it
OWN_DOWNLOAD = own_path(DOWNLOAD)              # what this run writes
CASES = {
    "vol-list-empty": cmd("vol-list default-pool"),
    "vol-list-details-empty": cmd("vol-list default-pool --details"),
    "vol-list": cmd(VOLS + "vol-list pool1"),
    "vol-list-details": cmd(VOLS + "vol-list pool1 --details"),
    "vol-list-missing-pool": cmd("vol-list nope"),
    "vol-create": cmd(POOL + "vol-create pool1 input/vol.xml"),
    "vol-create-missing": cmd(POOL + "vol-create pool1 input/nosuch.xml"),
    "vol-create-as": cmd(VOLS + "vol-dumpxml v2 --pool pool1"),
    "vol-create-as-print": cmd(POOL + "vol-create-as pool1 v3 10M --format raw --print-xml"),
    "vol-create-as-malformed": cmd(POOL + "vol-create-as pool1 v3 10Q"),
    "vol-create-as-backing": cmd(VOLS + "vol-create-as pool1 v4 1G --format qcow2 "
                                        "--backing-vol v2 --backing-vol-format qcow2 "
                                        "--print-xml"),
    "vol-info": cmd(VOLS + "vol-info vol1.img --pool pool1"),
    "vol-info-path": cmd(VOLS + "vol-info /pool1/v2"),
    "vol-info-bytes": cmd(VOLS + "vol-info v2 pool1 --bytes"),
    "vol-info-missing": cmd("vol-info nope"),
    "vol-info-missing-pool": cmd("vol-info nope --pool default-pool"),
    "vol-info-bad-pool": cmd("vol-info nope --pool nopool"),
    "vol-dumpxml-xpath": cmd(VOLS + "vol-dumpxml /pool1/v2 --xpath //capacity"),
    "vol-path": cmd(VOLS + "vol-path v2 --pool pool1"),
    "vol-key": cmd(VOLS + "vol-key /pool1/v2"),
    "vol-name": cmd(VOLS + "vol-name /pool1/v2"),
    "vol-clone": cmd(VOLS + "vol-clone v2 v3 --pool pool1; vol-list pool1 --details"),
    "vol-clone-print": cmd(VOLS + "vol-clone v2 v3 --pool pool1 --print-xml"),
    "vol-delete": cmd(VOLS + "vol-delete v2 pool1; vol-list pool1"),
    "vol-resize": cmd(VOLS + "vol-resize v2 2G --pool pool1"),
    "vol-resize-negative": cmd(VOLS + "vol-resize v2 -1G --pool pool1"),
    "vol-resize-shrink": cmd(VOLS + "vol-resize v2 --pool pool1 --shrink -- -1G"),
    "vol-wipe": cmd(VOLS + "vol-wipe v2 pool1"),
    "vol-wipe-bad-algorithm": cmd(VOLS + "vol-wipe v2 pool1 --algorithm bogus"),
    "vol-upload-missing-file": cmd(VOLS + "vol-upload v2 input/nosuch.img --pool pool1"),
    "vol-upload": cmd(VOLS + "vol-upload v2 input/vol.xml --pool pool1"),
    "vol-download": cmd(VOLS + f"vol-download v2 {DOWNLOAD} --pool pool1"),
    "vol-quiet": ["-q", "-c", "test:///default", VOLS + "vol-list pool1"],
}


@pytest.fixture(autouse=True)
def _clean_download():
    yield
    if os.path.exists(OWN_DOWNLOAD):
        os.unlink(OWN_DOWNLOAD)


@pytest.mark.parametrize("name", sorted(CASES))
def test_volume(name: str) -> None:
    check("volume", name, CASES[name], paths={DOWNLOAD: OWN_DOWNLOAD})


def test_vol_download_writes_whole_pages(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """vol-download writes its file in whole pages (1 MiB writes, the last aside) when
    the stream gives smaller pieces, as a remote stream's 262,120-byte messages: the
    kernel takes unaligned writes into the page cache at several times the cost."""
    import pyvirt

    data = os.urandom(3 * (1 << 20) + 5000)

    def download(_vol: object, stream: pyvirt.virStream, *_args: object) -> int:
        st = stream._o
        st.bind(None)
        for off in range(0, len(data), 262120):
            st.feed(data[off:off + 262120])
        st.feed_eof()
        return 0

    writes: list[int] = []
    fdopen = os.fdopen

    def recording_fdopen(fd: int, *args: object, **kw: object) -> object:
        fh = fdopen(fd, *args, **kw)
        write = fh.write
        fh.write = lambda chunk: (writes.append(len(chunk)), write(chunk))[1]
        return fh

    monkeypatch.setattr(pyvirt.virStorageVol, "download", download)
    monkeypatch.setattr(os, "fdopen", recording_fdopen)
    out = tmp_path / "down.img"
    res = run_pyvirsh(cmd(VOLS + f"vol-download v2 {out} --pool pool1"))
    assert res.rc == 0, res.err
    assert out.read_bytes() == data
    assert writes == [1 << 20] * 3 + [5000]
