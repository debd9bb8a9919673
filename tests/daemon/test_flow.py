"""pyvirtd's worker pool: outcomes on the loop, shares, shutdown (no daemon needed)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from pyvirt.daemon.flow import WorkerPool


def _run(coro_fn, size: int = 4):
    loop = asyncio.new_event_loop()
    pool = WorkerPool(loop, "flowtest", size)
    try:
        return loop.run_until_complete(coro_fn(loop, pool)), pool
    finally:
        pool.shutdown()
        loop.close()


def test_call_hands_result_and_error_to_the_loop_thread():
    async def scenario(loop, pool):
        got: list = []
        done = asyncio.Event()

        def finished(ok, value):
            got.append((ok, value, threading.current_thread() is threading.main_thread()))
            if len(got) == 2:
                done.set()
        pool.call("A", threading.current_thread, (), finished)
        pool.call("B", int, ("not a number",), finished)
        await asyncio.wait_for(done.wait(), 10)
        return got
    got, pool = _run(scenario)
    by_ok = {ok: (value, on_loop) for ok, value, on_loop in got}
    worker, on_loop = by_ok[True]
    assert worker is not threading.main_thread() and on_loop
    error, on_loop = by_ok[False]
    assert isinstance(error, ValueError) and on_loop
    assert pool.running == 0 and not pool.holding


def test_many_calls_finish_and_threads_stay_within_size():
    async def scenario(loop, pool):
        futs = [pool.submit(f"P{i % 3}", time.sleep, 0.001) for i in range(200)]
        await asyncio.wait_for(asyncio.gather(*futs), 30)
        return len(pool._threads)
    threads, pool = _run(scenario, size=3)
    assert 1 <= threads <= 3
    assert pool.running == 0 and not pool.waiting


def test_submit_propagates_exceptions():
    async def scenario(loop, pool):
        with pytest.raises(ZeroDivisionError):
            await asyncio.wait_for(pool.submit("X", lambda: 1 / 0), 10)
        return pool.running
    running, _pool = _run(scenario)
    assert running == 0


def test_shutdown_fails_calls_not_started():
    loop = asyncio.new_event_loop()
    pool = WorkerPool(loop, "flowtest", 2)
    release = threading.Event()
    outcomes: list = []

    async def scenario():
        # share is 1 of 2 threads: the second SLOW call waits in line.
        pool.submit("SLOW", release.wait, 30)
        pool.call("SLOW", time.monotonic, (), lambda ok, v: outcomes.append((ok, v)))
        await asyncio.sleep(0.05)
        assert len(pool.waiting) == 1
        pool.shutdown()
    try:
        loop.run_until_complete(scenario())
    finally:
        release.set()
        loop.close()
    assert len(outcomes) == 1 and outcomes[0][0] is False
    assert isinstance(outcomes[0][1], asyncio.CancelledError)


def test_worker_replies_stay_whole_when_the_client_reads_late(tmp_path):
    """Replies written by workers and by the loop (socket full) arrive whole, once each."""
    import daemons
    import hostile

    from pyvirt.rpc import protocol as P
    from pyvirt.rpc import remote_protocol as R

    # The test driver's calls on the worker pool, as a disk-backed driver's are.
    d = daemons.start_pyvirtd(tmp_path, tcp=False, config="inline_drivers = []\n")
    try:
        conn = hostile.RawConn(d.sock, timeout=30)
        assert conn.open().status == P.OK
        caps = R.PROGRAM["CONNECT_GET_CAPABILITIES"]
        count = 300
        conn.send(b"".join(P.frame(P.REMOTE_PROGRAM, 1, caps.number, P.CALL, serial, P.OK, b"")
                           for serial in range(1, count + 1)))
        time.sleep(1.0)         # replies fill the socket; the rest wait in the daemon
        serials = []
        for _ in range(count):
            msg = conn.recv()
            assert msg is not None, "the daemon closed the connection"
            assert msg.status == P.OK and msg.proc == caps.number
            (xml,) = caps.decode_ret(msg.body)
            assert xml.startswith("<capabilities>") and xml.rstrip().endswith("</capabilities>")
            serials.append(msg.serial)
        assert sorted(serials) == list(range(1, count + 1))
        conn.close()
    finally:
        status = d.stop()
    log = d.log.read_text()
    assert status == 0, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
