"""Graceful shutdown for long-running work: SIGTERM/SIGINT ask it to stop, with a time bound.

The work gets a ``Shutdown`` it checks between units (an article, a chat event) so the unit in
flight finishes and is committed. If it has not returned ``grace_seconds`` after the first
signal, or a second signal arrives, it is cancelled. The caller closes the store afterwards,
in its ``finally``, either way.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
log = logging.getLogger(__name__)


class ShutdownTimeout(Exception):
    """The work did not stop within its grace period after a signal and was cancelled."""

    def __init__(self, signum: int, grace_seconds: float) -> None:
        super().__init__(
            f"{signal.Signals(signum).name}: work did not stop within {grace_seconds:g} s"
        )
        self.signum = signum


class Shutdown:
    """Whether a stop was requested, and by which signal."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.signum: int | None = None

    @property
    def requested(self) -> bool:
        """True once a stop signal has arrived."""
        return self._event.is_set()

    @property
    def exit_code(self) -> int:
        """The conventional exit status for the signal (128 + its number), 0 if none came."""
        return 128 + self.signum if self.signum is not None else 0

    def request(self, signum: int) -> None:
        """Ask the work to stop (what the signal handler does)."""
        if self.signum is None:
            self.signum = signum
        self._event.set()

    async def wait(self) -> None:
        """Return once a stop has been requested."""
        await self._event.wait()


async def run_until_signalled(
    work: Callable[[Shutdown], Awaitable[T]],
    grace_seconds: float,
    signals: tuple[signal.Signals, ...] = STOP_SIGNALS,
) -> tuple[T, Shutdown]:
    """Run ``work`` with stop signals routed to its ``Shutdown``; return its result and that.

    Raise ShutdownTimeout when the work had to be cancelled.
    """
    loop = asyncio.get_running_loop()
    shutdown = Shutdown()
    task = asyncio.ensure_future(work(shutdown))
    cancelled_by_us = False
    timers: list[asyncio.TimerHandle] = []

    def cancel() -> None:
        nonlocal cancelled_by_us
        cancelled_by_us = True
        task.cancel()

    def on_signal(signum: int) -> None:
        if shutdown.requested:
            log.warning("second %s: stopping now", signal.Signals(signum).name)
            cancel()
            return
        log.warning(
            "%s: finishing the work in flight (at most %g s)",
            signal.Signals(signum).name,
            grace_seconds,
        )
        shutdown.request(signum)
        timers.append(loop.call_later(grace_seconds, cancel))

    for sig in signals:
        loop.add_signal_handler(sig, on_signal, int(sig))
    try:
        try:
            result = await task
        except asyncio.CancelledError:
            if cancelled_by_us and shutdown.signum is not None:
                raise ShutdownTimeout(shutdown.signum, grace_seconds) from None
            raise
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
        for timer in timers:
            timer.cancel()
    return result, shutdown
