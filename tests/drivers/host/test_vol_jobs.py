"""Long volume jobs (wipe, resize, delete with zeroing) run without the driver's lock.

A volume being wiped by ``scrub`` is in use: deleting, resizing or wiping it
again is refused, and its pool cannot be stopped or refreshed; meanwhile the
other volumes and pools answer at once.  The wipe algorithms are checked on
real files.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
import time
from pathlib import Path

import pytest
from hostutil import code

import pyvirt
from pyvirt import constants as C
from pyvirt.drivers.storage import transfer


def _pool(conn: pyvirt.virConnect, tmp_path: Path) -> pyvirt.virStoragePool:
    return conn.storagePoolCreateXML(
        f"<pool type='dir'><name>jobs</name><target><path>{tmp_path / 'pool'}</path></target>"
        "</pool>", C.VIR_STORAGE_POOL_CREATE_WITH_BUILD)


def _raw(pool: pyvirt.virStoragePool, name: str, mib: int) -> pyvirt.virStorageVol:
    return pool.createXML(f"<volume><name>{name}</name><capacity unit='M'>{mib}</capacity>"
                          f"<allocation unit='M'>{mib}</allocation></volume>", 0)


def _digest(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


@pytest.mark.skipif(shutil.which("scrub") is None, reason="needs scrub")
def test_wipe_runs_without_the_driver_lock(conn: pyvirt.virConnect, tmp_path: Path) -> None:
    pool = _pool(conn, tmp_path)
    big = _raw(pool, "big.img", 160)
    small = _raw(pool, "small.img", 1)
    errors: list[BaseException] = []

    def wipe() -> None:
        try:
            big.wipePattern(C.VIR_STORAGE_VOL_WIPE_ALG_NNSA, 0)
        except BaseException as exc:  # noqa: BLE001  (reported by the assertion below)
            errors.append(exc)
    job = threading.Thread(target=wipe)
    job.start()
    deadline = time.monotonic() + 10
    while not transfer.in_use(pool.storageVolLookupByName("big.img")._o):
        assert time.monotonic() < deadline and job.is_alive(), "the wipe never started"
        time.sleep(0.005)
    started = time.monotonic()
    assert small.info()[1] == 1 << 20                       # other volumes answer
    assert sorted(pool.listVolumes()) == ["big.img", "small.img"]
    assert pool.info()[0] == C.VIR_STORAGE_POOL_RUNNING
    quick = time.monotonic() - started
    refused = {}
    for what, call in (("delete", lambda: big.delete(0)),
                       ("resize", lambda: big.resize(200 << 20, 0)),
                       ("wipe", lambda: big.wipe(0)),
                       ("destroy", pool.destroy),
                       ("refresh", lambda: pool.refresh(0))):
        with pytest.raises(pyvirt.libvirtError) as exc:
            call()
        refused[what] = code(exc)
    still_running = job.is_alive()
    job.join(60)
    assert not errors, errors
    assert still_running, "the wipe ended before the checks: make the volume bigger"
    assert quick < 0.5, quick
    assert set(refused.values()) == {(C.VIR_ERR_OPERATION_INVALID, C.VIR_FROM_STORAGE)}
    assert big.info()[1] == 160 << 20
    big.delete(0)                                            # free again
    assert pool.listVolumes() == ["small.img"]


@pytest.mark.skipif(shutil.which("scrub") is None, reason="needs scrub")
def test_wipe_algorithms(conn: pyvirt.virConnect, tmp_path: Path) -> None:
    pool = _pool(conn, tmp_path)
    vol = _raw(pool, "w.img", 1)
    path = vol.path()
    zeros = hashlib.sha256(bytes(1 << 20)).hexdigest()
    seen = set()
    for alg in (C.VIR_STORAGE_VOL_WIPE_ALG_NNSA, C.VIR_STORAGE_VOL_WIPE_ALG_DOD,
                C.VIR_STORAGE_VOL_WIPE_ALG_BSI, C.VIR_STORAGE_VOL_WIPE_ALG_SCHNEIER,
                C.VIR_STORAGE_VOL_WIPE_ALG_PFITZNER7, C.VIR_STORAGE_VOL_WIPE_ALG_RANDOM):
        vol.wipePattern(alg, 0)
        seen.add(_digest(path))
        assert vol.info()[1] == 1 << 20
    assert zeros not in seen and len(seen) >= 2              # overwritten, not zeroed
    vol.wipe(0)
    assert _digest(path) == zeros
    with pytest.raises(pyvirt.libvirtError) as exc:
        vol.wipePattern(C.VIR_STORAGE_VOL_WIPE_ALG_TRIM, 0)
    assert code(exc) == (C.VIR_ERR_ARGUMENT_UNSUPPORTED, C.VIR_FROM_STORAGE)
    with pytest.raises(pyvirt.libvirtError) as exc:
        vol.wipePattern(C.VIR_STORAGE_VOL_WIPE_ALG_TRIM + 1, 0)
    assert code(exc) == (C.VIR_ERR_INVALID_ARG, C.VIR_FROM_STORAGE)
    vol.delete(C.VIR_STORAGE_VOL_DELETE_ZEROED)
    assert pool.listVolumes() == []
