"""Graceful shutdown for long-running work: SIGTERM/SIGINT ask it to stop, with a time bound.

One stop mechanism for every long-running command (``ingest``, ``poll``, ``digests`` and the chat
runners): the work gets a ``Shutdown`` it checks between units (an article, a feed, a digest, a
chat event) and sleeps on with ``pause``, so the unit in flight finishes and is committed. If
it has not returned ``grace_seconds`` after the first signal, or a second signal arrives, it is
cancelled. The caller closes the store afterwards, in its ``finally``, either way.

Chat runners serve many commands at once; ``InFlight`` counts them so that, after the signal,
the runner stops taking new ones and waits (bounded) until those it took have been answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

T = TypeVar("T")
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# Chat runners: commands in flight get this long after SIGTERM to deliver their answers; the
# runner itself a little longer, to close its connections and the store before it is cancelled.
CHAT_DRAIN_SECONDS = 20.0
CHAT_GRACE_SECONDS = CHAT_DRAIN_SECONDS + 5.0
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

    async def pause(self, seconds: float) -> bool:
        """Sleep ``seconds``, waking early when a stop is requested; True if one was."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout=seconds)
        return self.requested


# How long-running work sleeps between rounds: ``Shutdown.pause`` unless a test injects another.
Pause = Callable[[float, Shutdown], Awaitable[object]]


async def pause(seconds: float, shutdown: Shutdown) -> bool:
    """Sleep ``seconds`` or until ``shutdown`` is requested (the default ``Pause``)."""
    return await shutdown.pause(seconds)


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


class InFlight:
    """The chat commands being worked on, so a shutdown can let them finish and answer.

    A listener wraps its whole body, up to and including delivering the reply, in ``track()``;
    after ``drain`` has begun, ``accepting`` is False and listeners should take no new command.
    """

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._accepting = True

    @property
    def accepting(self) -> bool:
        """False once a drain has begun: new commands should be left alone."""
        return self._accepting

    @property
    def count(self) -> int:
        """How many commands are in flight now."""
        return self._count

    @asynccontextmanager
    async def track(self) -> AsyncIterator[None]:
        """Count the block as one command in flight until it exits, however it exits."""
        self._count += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._count -= 1
            if self._count == 0:
                self._idle.set()

    async def drain(self, grace_seconds: float) -> bool:
        """Stop accepting and wait up to ``grace_seconds`` for the commands in flight; True if
        all finished."""
        self._accepting = False
        if self._count:
            log.warning(
                "waiting for %d command(s) in flight (at most %g s)", self._count, grace_seconds
            )
        try:
            async with asyncio.timeout(grace_seconds):
                await self._idle.wait()
        except TimeoutError:
            log.warning("%d command(s) still unanswered after %g s", self._count, grace_seconds)
            return False
        return True


async def wait_for_stop(task: asyncio.Future[None], shutdown: Shutdown) -> bool:
    """Wait until ``task`` ends or a stop is requested; True for a stop, the task still running."""
    stop = asyncio.ensure_future(shutdown.wait())
    try:
        await asyncio.wait([task, stop], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
    return not task.done()
