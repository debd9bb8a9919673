"""SpareThreads: a job goes to an idle thread, or to a new one when none is idle."""

from __future__ import annotations

import queue
import threading

from waiting import DEADLINE, wait_until

from pyvirt.util.spare_threads import SpareThreads


def test_a_finished_thread_takes_the_next_job():
    spare = SpareThreads("test-spare")
    seen: list[int] = []
    done = threading.Event()

    def job() -> None:
        seen.append(threading.get_ident())
        done.set()
    for _ in range(5):
        done.clear()
        spare.run(job)
        assert done.wait(DEADLINE)
        wait_until(lambda: spare.idle_threads() == 1, what="the thread to be idle again")
    assert len(set(seen)) == 1


def test_jobs_at_once_each_get_a_thread_and_a_failing_job_leaves_its_thread_usable():
    spare = SpareThreads("test-spare")
    release = threading.Event()
    running: list[int] = []
    lock = threading.Lock()

    def blocked() -> None:
        with lock:
            running.append(threading.get_ident())
        release.wait(DEADLINE)

    def failing() -> None:
        raise RuntimeError("job failed on purpose")
    for _ in range(3):
        spare.run(blocked)
    wait_until(lambda: len(running) == 3, what="three jobs running at once")
    assert len(set(running)) == 3 and spare.idle_threads() == 0
    release.set()
    wait_until(lambda: spare.idle_threads() == 3, what="the three threads idle")
    spare.run(failing)
    wait_until(lambda: spare.idle_threads() == 3, what="the thread back after the failure")
    ran = threading.Event()
    spare.run(ran.set)
    assert ran.wait(DEADLINE)


def test_idle_threads_end_after_their_time():
    spare = SpareThreads("test-spare-end", idle=0.05)
    ran = threading.Event()
    spare.run(ran.set)
    assert ran.wait(DEADLINE)
    assert any(t.name == "test-spare-end" for t in threading.enumerate())
    wait_until(lambda: not any(t.name == "test-spare-end" for t in threading.enumerate())
               and spare.idle_threads() == 0, what="the idle thread to end")


def test_a_forked_child_starts_its_own_threads():
    """The parent's idle thread does not exist in a child of fork(): a job run there
    gets a thread of its own instead of waiting for ever in the queue."""
    import os
    spare = SpareThreads("test-spare-fork")
    ran = threading.Event()
    spare.run(ran.set)
    assert ran.wait(DEADLINE)
    wait_until(lambda: spare.idle_threads() == 1, what="the thread to be idle")
    pid = os.fork()
    if not pid:                                   # the child: no test machinery here
        done = threading.Event()
        spare.run(done.set)
        os._exit(0 if done.wait(10) and spare.idle_threads() <= 1 else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


class _RacingQueue:
    """The jobs' queue with one race made to happen (it cannot be timed for real): the
    first idle thread's wait ends with no job just as one is queued, it sees the
    job waiting, and the other idle thread takes it first."""

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.first: int | None = None
        self.lock = threading.Lock()
        self.queued, self.seen, self.taken = (threading.Event() for _ in range(3))

    def put(self, job) -> None:
        self.jobs.put(job)
        self.queued.set()

    def empty(self) -> bool:
        if threading.get_ident() == self.first:
            self.seen.set()
        return self.jobs.empty()

    def get(self, timeout: float | None = None):
        me = threading.get_ident()
        with self.lock:
            if self.first is None:
                self.first = me
        if me == self.first and not self.seen.is_set():
            assert self.queued.wait(DEADLINE)
            raise queue.Empty                       # its wait ran out as the job came
        if me == self.first:
            assert self.taken.wait(DEADLINE)        # the other one is first to take it
            return self.jobs.get(timeout=timeout)
        assert self.seen.wait(DEADLINE)
        job = self.jobs.get(timeout=timeout)
        self.taken.set()
        return job


def test_a_thread_that_lost_a_job_to_another_still_ends_when_idle():
    spare = SpareThreads("test-spare-race", idle=0.2)
    racing = _RacingQueue()
    spare._jobs = racing                            # type: ignore[assignment]
    release = threading.Event()
    for _ in range(2):
        spare.run(lambda: release.wait(DEADLINE))
    release.set()
    wait_until(lambda: spare.idle_threads() == 2, what="two idle threads")
    ran = threading.Event()
    spare.run(ran.set)
    assert ran.wait(DEADLINE)
    wait_until(lambda: not any(t.name == "test-spare-race" for t in threading.enumerate()),
               what="both threads ending once idle for their time")
    assert spare.idle_threads() == 0
