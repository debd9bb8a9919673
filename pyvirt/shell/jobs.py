"""Long operations: run in a worker thread, watched from the main thread.

The operation (save, migrate, a volume transfer, ...) runs in a worker
thread while the main thread polls the domain's job statistics every
``POLL`` seconds and, with ``--verbose``, feeds a progress bar.  Ctrl-C in
the main thread asks libvirt to abort the job (``dom.abortJob()``) and
then waits for the operation to return, so the guest is left as the
hypervisor leaves an aborted job, and the command reports the operation's
own error.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pyvirt as libvirt
from pyvirt.shell.output import Progress

POLL = 0.2


class _Worker(threading.Thread):
    """Runs ``func`` and keeps its result or exception."""

    def __init__(self, func: Callable[[], Any]):
        super().__init__(name="pyvirsh-job", daemon=True)
        self.func = func
        self.result: Any = None
        self.error: BaseException | None = None
        # an Event, not Thread.join(): join() interrupted by Ctrl-C may
        # report a still-running thread as finished
        self.done = threading.Event()

    def run(self) -> None:
        try:
            self.result = self.func()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            self.error = exc
        finally:
            self.done.set()


def _job_progress(dom: Any) -> tuple[int, int] | None:
    """(processed, total) bytes of the domain's running job, if known."""
    from pyvirt.shell.domain_monitor import job_stats

    stats = job_stats(dom)
    if stats.get("type", 0) in (libvirt.VIR_DOMAIN_JOB_BOUNDED,
                                libvirt.VIR_DOMAIN_JOB_UNBOUNDED):
        total = int(stats.get("data_total", 0) or 0)
        done = int(stats.get("data_processed", 0) or 0)
        if not total:
            total = int(stats.get("memory_total", 0) or 0)
            done = int(stats.get("memory_processed", 0) or 0)
        return done, total
    return None


def run_domain_job(shell: Any, dom: Any, label: str, func: Callable[[], Any],
                   verbose: bool, abort: Callable[[], Any] | None = None) -> Any:
    """Run ``func`` (a call on ``dom``) as a watched job; return its result.

    ``abort`` is what Ctrl-C calls (default ``dom.abortJob``).  The
    worker's exception, if any, is re-raised here.
    """
    abort_job = abort or dom.abortJob
    worker = _Worker(func)
    bar = Progress(label, shell.out.stderr) if verbose else None
    polling = verbose
    aborted = False
    if bar is not None:
        bar.__enter__()
    try:
        worker.start()
        while not worker.done.is_set():
            try:
                worker.done.wait(POLL)
                if polling and not worker.done.is_set():
                    try:
                        progress = _job_progress(dom)
                    except libvirt.libvirtError:
                        polling = False
                        progress = None
                    if progress is not None and bar is not None:
                        bar.update(*progress)
            except KeyboardInterrupt:
                if not aborted:
                    aborted = True
                    try:
                        abort_job()
                    except libvirt.libvirtError as exc:
                        shell.out.error(_message(exc))
        if bar is not None and worker.error is None:
            bar.finish()
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if worker.error is not None:
        raise worker.error
    return worker.result


class TransferCancelled(Exception):
    """Raised inside a transfer's ``report`` once Ctrl-C was pressed."""


def run_transfer(shell: Any, label: str, total: int | None,
                 func: Callable[[Callable[[int], None]], Any], verbose: bool,
                 abort: Callable[[], Any] | None = None) -> Any:
    """Run a byte transfer ``func(report)``; ``report(n)`` adds n bytes done.

    Used for volume upload/download/wipe, whose progress is counted by the
    shell itself.  After Ctrl-C, ``report`` raises TransferCancelled (the
    transfer aborts its stream) and ``abort``, if given, is called.
    """
    done = [0]
    cancel = threading.Event()

    def report(count: int) -> None:
        if cancel.is_set():
            raise TransferCancelled()
        done[0] += count

    worker = _Worker(lambda: func(report))
    bar = Progress(label, shell.out.stderr) if verbose else None
    aborted = False
    if bar is not None:
        bar.__enter__()
    try:
        worker.start()
        while not worker.done.is_set():
            try:
                worker.done.wait(POLL)
                if bar is not None:
                    bar.update(done[0], total)
            except KeyboardInterrupt:
                if not aborted:
                    aborted = True
                    cancel.set()
                    try:
                        if abort is not None:
                            abort()
                    except Exception as exc:  # noqa: BLE001 - report and keep waiting
                        shell.out.error(_message(exc))
        if bar is not None and worker.error is None:
            bar.finish()
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if worker.error is not None:
        raise worker.error
    return worker.result


def _message(exc: BaseException) -> str:
    getter = getattr(exc, "get_error_message", None)
    return (getter() if getter else None) or str(exc)
