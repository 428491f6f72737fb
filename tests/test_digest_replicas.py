"""Replicas of the digest process through a simulated week, with workers SIGKILLed at random.

Three real ``briefbot digests`` processes on one machine and a fourth that says it runs on another
(a different BRIEFBOT_HOST_ID), all on one store, post to a fake Slack Web API on loopback. Their
clock is a shared fast clock (BRIEFBOT_FAST_CLOCK): a simulated week passes in about thirty seconds,
across a DST change (America/New_York, March 14, 2027). Every couple of seconds one serving worker,
chosen at random, is SIGKILLed wherever it is (composing, claiming, posting, recording) and a new
one is started in its place, so workers die holding a turn or a 'sending' claim; two others keep
serving meanwhile (with none for longer than the catch-up window, missing a digest is correct).

What must hold, and is checked from what the fake Slack received: every subscription gets exactly
one digest per local date of the week (none twice, none lost), and the store records each posted.

The settings are scaled to the fast clock: a lease of two real seconds (so a busy machine's slow
heartbeat is not taken for a death) and a catch-up window longer than the lease, so a digest whose
worker died is always taken over while it is still due.

PostgreSQL (BRIEFBOT_TEST_DATABASE_URL; ``.ci/run`` always sets it) for the week; SQLite, whose
one file can only be shared on one machine, for three days.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import random
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

import pytest

from bot.app import App
from bot.clock import FAST_CLOCK_ENV, FastClock
from bot.digests.schedule import parse_zone, slot_for
from bot.digests.scheduler import idempotency_key
from bot.models import Conversation
from bot.settings import PROJECT_DIR, Settings
from bot.store import open_store
from bot.store.records import DigestStatus, Subscription
from tests.digest_support import unthrottled
from tests.replica_support import fresh_database, tuned_config
from tests.slack_fakes import BOT_TOKEN, FakeSlack
from tests.store.conftest import TEST_DATABASE_URL

SPEED = 20_000.0  # simulated seconds per real second: a day in 4.3 s
LEASE_REAL_S = 2.0
START = dt.datetime(2027, 3, 9, 0, 0, tzinfo=dt.UTC)  # the fast clock reads this at the origin
ACTIVE = START + dt.timedelta(days=1)  # subscriptions deliver from here: time to start up
STARTUP_REAL_S = 8.0  # processes start before the origin, reading times before START
KILL_EVERY_REAL_S = (1.5, 3.5)
GUARD_REAL_S = 240.0  # turns a hang into a failure; never reached when things work

# (channel, local time, zone): four continents, both sides of the date line, a DST change
# (New York springs forward on March 14), and a time inside that change's gap (02:30 on the
# 14th does not exist in New York).
SUBSCRIPTIONS = (
    ("C1", "08:00", "UTC"),
    ("C2", "07:30", "America/New_York"),
    ("C3", "02:30", "America/New_York"),
    ("C4", "09:00", "Europe/Berlin"),
    ("C5", "06:15", "Asia/Kolkata"),
    ("C6", "08:00", "Pacific/Auckland"),
    ("C7", "23:30", "America/Los_Angeles"),
    ("C8", "12:00", "Asia/Tokyo"),
)


@dataclass(frozen=True)
class Run:
    """One simulated run: how many days, on which store."""

    days: int
    env: dict[str, str]  # names the store for the processes


def days_of(subscription: Subscription, end: dt.datetime) -> Iterator[str]:
    """The idempotency keys of the subscription's slots from ACTIVE to ``end``."""
    day = ACTIVE.astimezone(subscription.zone).date() - dt.timedelta(days=1)
    while True:
        slot = slot_for(day, subscription.time_of_day, subscription.zone)
        if slot.at > end:
            return
        if slot.at >= ACTIVE:
            yield f"bd{subscription.id}-{slot.local_date:%Y%m%d}"
        day += dt.timedelta(days=1)


class Worker:
    """One ``briefbot digests`` process, its log in a file."""

    def __init__(self, env: dict[str, str], log: IO[bytes], path: Path) -> None:
        self.env = env
        self.log = log
        self.path = path
        self.process: asyncio.subprocess.Process | None = None

    def serving(self) -> bool:
        """Whether it has started its scheduler (and holds a lease)."""
        return b"digest worker" in self.path.read_bytes()

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "-v",
            "digests",
            env={**os.environ, **self.env},
            cwd=PROJECT_DIR,
            stdout=self.log,
            stderr=self.log,
        )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> int:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await self.process.wait()


async def subscribe_all(settings: Settings) -> list[Subscription]:
    bot = await App.start(unthrottled(settings), clock=lambda: ACTIVE)
    try:
        for channel, at, zone in SUBSCRIPTIONS:
            reply = await bot.dispatcher.handle(
                f"subscribe china-russia {at} {zone}", Conversation("slack", channel, "U1")
            )
            assert "daily digest" in reply.title, reply  # type: ignore[union-attr]
        return await bot.subscriptions.active(["slack"])
    finally:
        await bot.close()


async def run_week(settings: Settings, run: Run, tmp_path: Path) -> None:
    subscriptions = await subscribe_all(settings)
    assert len(subscriptions) == len(SUBSCRIPTIONS)
    lease = LEASE_REAL_S * SPEED
    config = tuned_config(
        tmp_path / "config",
        lease_seconds=int(lease),
        poll_seconds=int(0.2 * SPEED),
        catch_up_minutes=int(3 * lease / 60),
        claim_timeout_minutes=10 * 24 * 60,
    )
    slack = FakeSlack()
    await slack.start()
    clock = FastClock(START, time.time() + STARTUP_REAL_S, SPEED)
    env = {
        **run.env,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "BRIEFBOT_CONFIG": str(config),
        FAST_CLOCK_ENV: clock.encode(),
    }
    end = ACTIVE + dt.timedelta(days=run.days)
    chaos = random.Random()
    seed = chaos.randrange(1 << 32)
    chaos.seed(seed)
    kills = 0
    logs = tmp_path / "logs"
    logs.mkdir()
    workers: list[Worker] = []
    with contextlib.ExitStack() as files:

        def new_worker(host: str) -> Worker:
            path = logs / f"worker-{len(workers)}-{host}.log"
            worker = Worker(
                {**env, "BRIEFBOT_HOST_ID": host}, files.enter_context(path.open("wb")), path
            )
            workers.append(worker)
            return worker

        running = [new_worker(h) for h in ("machine-a", "machine-a", "machine-a", "machine-b")]
        try:
            async with asyncio.timeout(GUARD_REAL_S):
                for worker in running:
                    await worker.start()
                await asyncio.sleep(STARTUP_REAL_S + (ACTIVE - START).total_seconds() / SPEED)
                # Kill at random until the last slot to check has passed by a lease and a poll.
                while clock() < end + dt.timedelta(seconds=2 * lease):
                    await asyncio.sleep(chaos.uniform(*KILL_EVERY_REAL_S))
                    # Any serving worker may die, as long as two others serve on: a process
                    # takes seconds to start on a busy machine, and with none serving for longer
                    # than the catch-up window a digest is rightly given up.
                    serving = [i for i, worker in enumerate(running) if worker.serving()]
                    if len(serving) < 3:
                        continue
                    victim = chaos.choice(serving)
                    running[victim].kill()
                    kills += 1
                    host = running[victim].env["BRIEFBOT_HOST_ID"]
                    running[victim] = new_worker(host)
                    await running[victim].start()
                # Let the last replacement (and any take-over it owes) finish.
                await asyncio.sleep(2 * LEASE_REAL_S)
                # A replacement still importing has no SIGTERM handler yet and would die of the
                # signal (-15); on a busy machine start-up can outlast the wait above.
                while True:
                    if all(worker.serving() for worker in running):
                        break
                    await asyncio.sleep(0.1)
                codes = [await worker.stop() for worker in running]
        finally:
            for worker in workers:
                if worker.process is not None and worker.process.returncode is None:
                    worker.process.kill()
                    await worker.process.wait()
            await slack.close()
    logged = "\n".join(
        f"--- {path.name}\n" + path.read_text(errors="replace")[-3000:]
        for path in sorted(logs.iterdir())
    )
    context = f"seed {seed}, {kills} kills\n{logged}"
    assert codes == [0] * len(running), context
    assert "Traceback" not in logged, context

    # What Slack received: each digest's top-level message, by its key.
    posted = Counter(
        message["metadata"]["event_payload"]["key"]
        for messages in slack.channel_messages.values()
        for message in messages
        if message["thread_ts"] is None
    )
    expected = {key for s in subscriptions for key in days_of(s, end)}
    assert len(expected) >= run.days * len(SUBSCRIPTIONS) - len(SUBSCRIPTIONS), expected
    twice = {key: n for key, n in posted.items() if n > 1}
    assert not twice, f"posted more than once: {twice}; {context}"
    lost = expected - set(posted)
    assert not lost, f"never posted: {sorted(lost)}; {context}"
    async with await open_store(settings) as store:
        for subscription in subscriptions:
            for entry in await store.subscriptions.log(subscription.id):
                if idempotency_key(entry) in expected:
                    assert entry.status is DigestStatus.POSTED, (entry, context)
    # The local time that does not exist in New York on March 14 was delivered at 03:00 EDT.
    c3 = next(s for s in subscriptions if s.channel_id == "C3")
    gap = slot_for(dt.date(2027, 3, 14), c3.time_of_day, parse_zone("America/New_York"))
    assert gap.at == dt.datetime(2027, 3, 14, 7, 0, tzinfo=dt.UTC)
    if run.days >= 7:
        assert f"bd{c3.id}-20270314" in posted


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="BRIEFBOT_TEST_DATABASE_URL is not set")
async def test_digest_replicas_on_postgres_through_a_week_of_sigkills(
    settings: Settings, tmp_path: Path
) -> None:
    with fresh_database(tmp_path) as url:
        await run_week(
            replace(settings, database_url=url), Run(7, {"BRIEFBOT_DATABASE_URL": url}), tmp_path
        )


async def test_digest_replicas_on_sqlite_through_three_days_of_sigkills(
    settings: Settings, tmp_path: Path
) -> None:
    await run_week(settings, Run(3, {"BRIEFBOT_DB": str(settings.store_path)}), tmp_path)
