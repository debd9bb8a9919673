"""libvirt's keepalive timing (virKeepAlive), for the daemon and the client.

One side pings when it has heard nothing from its peer for ``interval``
seconds; any packet received resets the silence and the count of
unanswered pings.  After ``count`` pings in a row went unanswered, and one
more interval of silence, the peer is dead.  With ``count`` 0 the peer is
dead after one interval of silence, without a ping (libvirtd.conf's
``keepalive_count = 0``).

The timer runs on an asyncio loop; the time of the last received packet
is read through a callable, so the side that reads the socket (any
thread) only stores a number per packet.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from pyvirt.rpc import protocol as P

PING = P.frame(P.KEEPALIVE_PROGRAM, P.KEEPALIVE_PROTOCOL_VERSION, P.KEEPALIVE_PROC_PING,
               P.MESSAGE, 0, P.OK)
PONG = P.frame(P.KEEPALIVE_PROGRAM, P.KEEPALIVE_PROTOCOL_VERSION, P.KEEPALIVE_PROC_PONG,
               P.MESSAGE, 0, P.OK)


class KeepAlive:
    """Ping a silent peer; call ``dead()`` when it stopped answering.

    ``last_rx()`` returns the ``time.monotonic()`` of the last packet
    received; ``send(data)`` queues a ping; ``dead()`` is called once, on
    the loop, when the peer is given up.  Create, start and stop on the
    loop's thread.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, interval: float, count: int,
                 last_rx: Callable[[], float], send: Callable[[bytes], None],
                 dead: Callable[[], None]) -> None:
        self.loop = loop
        self.interval = interval
        self.count = count
        self._last_rx = last_rx
        self._send = send
        self._dead = dead
        self._left = count          # pings still allowed before giving up
        self._pinged = 0.0          # when the last ping went out
        self._timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        """Start timing from the last packet received."""
        if self.interval > 0 and self._timer is None:
            self._left = self.count
            self._tick()

    def stop(self) -> None:
        """Stop pinging."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    @property
    def running(self) -> bool:
        """True while the timer runs."""
        return self._timer is not None

    def _tick(self) -> None:
        now = time.monotonic()
        heard = self._last_rx()
        if heard >= self._pinged:
            self._left = self.count      # the peer spoke since our last ping
        since = max(heard, self._pinged)
        if now - since < self.interval:
            self._timer = self.loop.call_later(since + self.interval - now, self._tick)
            return
        if self._left <= 0:
            self._timer = None
            self._dead()
            return
        self._left -= 1
        self._pinged = now
        self._timer = self.loop.call_later(self.interval, self._tick)
        self._send(PING)
