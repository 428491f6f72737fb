"""Graceful shutdown: a signal lets the unit in flight finish; a stuck one is cancelled."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from bot.ops.runtime import InFlight, Shutdown, ShutdownTimeout, run_until_signalled, wait_for_stop


async def test_sigterm_lets_the_work_finish_its_unit() -> None:
    async def work(stop: Shutdown) -> int:
        units = 0
        while not stop.requested:
            units += 1
            if units == 3:
                os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.sleep(0)
        return units

    units, shutdown = await run_until_signalled(work, grace_seconds=60)
    assert units >= 3
    assert shutdown.signum == signal.SIGTERM and shutdown.exit_code == 143
    # The handler is gone again: the default disposition is back.
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


async def test_work_that_ignores_the_request_is_cancelled_after_the_grace_period() -> None:
    async def stuck(stop: Shutdown) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.Event().wait()

    with pytest.raises(ShutdownTimeout, match="SIGINT") as caught:
        await run_until_signalled(stuck, grace_seconds=0.01)
    assert caught.value.signum == signal.SIGINT


async def test_a_second_signal_stops_at_once() -> None:
    async def stuck(stop: Shutdown) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        await stop.wait()
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.Event().wait()

    with pytest.raises(ShutdownTimeout):
        await run_until_signalled(stuck, grace_seconds=3600)


async def test_no_signal_returns_the_result() -> None:
    async def quick(stop: Shutdown) -> str:
        return "done"

    result, shutdown = await run_until_signalled(quick, grace_seconds=1)
    assert result == "done" and not shutdown.requested and shutdown.exit_code == 0


async def test_drain_waits_for_the_commands_in_flight_and_refuses_new_ones() -> None:
    inflight = InFlight()
    entered, finish = asyncio.Event(), asyncio.Event()

    async def command() -> None:
        async with inflight.track():
            entered.set()
            await finish.wait()

    running = asyncio.ensure_future(command())
    await entered.wait()
    assert (inflight.count, inflight.accepting) == (1, True)

    async def answer_while_draining() -> None:
        # Runs after the drain has started (gather starts its tasks in order).
        assert not inflight.accepting and inflight.count == 1
        finish.set()

    drained, _ = await asyncio.gather(inflight.drain(grace_seconds=3600), answer_while_draining())
    assert drained is True
    await running
    assert inflight.count == 0


async def test_drain_gives_up_after_its_grace_period() -> None:
    inflight = InFlight()
    async with inflight.track():
        assert await inflight.drain(grace_seconds=0.01) is False
        assert inflight.count == 1
    assert await inflight.drain(grace_seconds=0) is True


async def test_a_command_that_fails_still_leaves_the_count() -> None:
    inflight = InFlight()
    with pytest.raises(RuntimeError):
        async with inflight.track():
            raise RuntimeError("boom")
    assert inflight.count == 0
    assert await inflight.drain(grace_seconds=0) is True


async def test_wait_for_stop_tells_a_stop_from_work_that_ended() -> None:
    shutdown, release = Shutdown(), asyncio.Event()
    serving = asyncio.ensure_future(release.wait())
    shutdown.request(signal.SIGTERM)
    assert await wait_for_stop(serving, shutdown) is True  # stop requested, work still running
    release.set()
    await serving

    ended = asyncio.ensure_future(asyncio.Event().wait())
    ended.cancel()
    with pytest.raises(asyncio.CancelledError):
        await ended
    assert await wait_for_stop(ended, Shutdown()) is False
