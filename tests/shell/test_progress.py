"""--verbose progress bars on long operations, and Ctrl-C aborting a job."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import pytest
from shellcase import cmd, run_pyvirsh

SAVE = f"/tmp/pyvirsh-test-progress-{os.getpid()}.sav"


@pytest.fixture(autouse=True)
def _clean():
    yield
    if os.path.exists(SAVE):
        os.unlink(SAVE)


def test_save_verbose() -> None:
    result = run_pyvirsh(cmd(f"save test {SAVE} --verbose; restore {SAVE} --verbose"))
    assert result.rc == 0, result.err
    assert f"\nDomain 'test' saved to {SAVE}\n" in result.out
    assert f"Domain restored from {SAVE}\n" in result.out
    assert "Save" in result.err and "100" in result.err


def test_managedsave_verbose() -> None:
    result = run_pyvirsh(cmd("managedsave test --verbose"))
    assert result.rc == 0, result.err
    assert "Managedsave" in result.err


class _SlowDomain:
    """A stand-in domain whose job runs until abortJob() is called."""

    def __init__(self) -> None:
        self.aborted = threading.Event()

    def jobStats(self, flags: int = 0) -> dict[str, Any]:
        return {"type": 2, "data_total": 100, "data_processed": 10}

    def abortJob(self) -> None:
        self.aborted.set()


def test_ctrl_c_aborts_job() -> None:
    import signal

    import pyvirt as libvirt
    from pyvirt.shell.jobs import run_domain_job
    from pyvirt.shell.main import Shell

    dom = _SlowDomain()
    running = threading.Event()

    def job() -> None:
        running.set()
        if not dom.aborted.wait(10):
            raise AssertionError("job was not aborted")
        raise libvirt.libvirtError("operation aborted: job canceled by client")

    def press_ctrl_c() -> None:
        # once the job runs, and a little later, so that the main thread
        # is in its watch loop even on a loaded machine
        if running.wait(30):
            time.sleep(0.3)
            os.kill(os.getpid(), signal.SIGINT)

    # Ctrl-C as pyvirsh sees it: Python's own handler, whatever an earlier
    # test in this process left installed
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    presser = threading.Thread(target=press_ctrl_c, daemon=True)
    presser.start()
    started = time.monotonic()
    try:
        with pytest.raises(libvirt.libvirtError):
            run_domain_job(Shell(), dom, "Save", job, verbose=False)
    finally:
        presser.join(30)
        signal.signal(signal.SIGINT, previous)
    assert dom.aborted.is_set()
    assert time.monotonic() - started < 5
