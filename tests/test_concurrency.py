"""Load: 100 concurrent commands and concurrent ingests on one file-backed store.

Every command is answered, no "database is locked", and the event loop stays responsive (its
worst lag during the burst is measured and printed; only a generous sanity bound is asserted).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from pathlib import Path

import pytest

from bot.app import App
from bot.chat.commands import BriefReply, Notice
from bot.chat.ratelimit import BucketLimit, RateLimits
from bot.ingest.pipeline import ingest_paths
from bot.ingest.workers import InProcessPreparer
from bot.models import Conversation
from bot.settings import Settings
from bot.store.records import SearchQuery
from bot.store.sqlite.store import SqliteStore
from tests.conftest import fixed_clock
from tests.store.support import prepared

ROOMY = RateLimits(BucketLimit(1000, 1000), BucketLimit(1000, 1000))
TEXTS = [
    "china-russia",
    "china-russia --sentences 3",
    "ukraine-war",
    "sanctions",
    "Power of Siberia pipeline",
    "Xi Putin",
    "help",
    "topics",
    "china-rusia",
    "",
]


def write_articles(folder: Path, prefix: str, count: int) -> None:
    folder.mkdir()
    for i in range(count):
        (folder / f"{prefix}{i}.txt").write_text(
            f"China and Russia held trade talks in round {prefix}{i} on Monday, officials said.\n"
            f"Delegates from both countries discussed energy prices and pipeline {i} deliveries.\n"
            "The ministers agreed to meet again in Beijing before the end of the year.\n"
        )


class LagMeter:
    """Measures how late the event loop runs a task that asks to wake every few ms."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.worst = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            start = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.worst = max(self.worst, time.perf_counter() - start - self.interval)


async def test_burst_of_commands_with_concurrent_ingests(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_articles(tmp_path / "same_process", "a", 8)
    write_articles(tmp_path / "other_connection", "b", 8)
    bot = await App.start(dataclasses.replace(settings, limits=ROOMY), fixed_clock)
    other = await SqliteStore.open(settings.store_path)  # a second writer, as another process is
    meter, stop = LagMeter(), asyncio.Event()
    ticker = asyncio.ensure_future(meter.run(stop))
    caplog.set_level(logging.WARNING)
    try:
        commands = [
            bot.dispatcher.handle(
                TEXTS[i % len(TEXTS)], Conversation("slack", f"C{i % 7}", f"U{i}")
            )
            for i in range(100)
        ]
        started = time.perf_counter()
        results = await asyncio.wait_for(
            asyncio.gather(
                *commands,
                bot.intake.ingest_files([tmp_path / "same_process"]),
                ingest_paths(
                    [tmp_path / "other_connection"],
                    other,
                    InProcessPreparer(bot.indexer, settings.max_article_bytes),
                    fixed_clock,
                ),
                return_exceptions=True,
            ),
            timeout=300,
        )
        elapsed = time.perf_counter() - started
    finally:
        stop.set()
        await ticker
        await other.close()
        total = await bot.store.count_articles()
        integrity = await bot.store.integrity_ok()
        await bot.close()

    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    replies, ingests = results[:100], results[100:]
    assert all(isinstance(r, BriefReply | Notice) for r in replies)
    internal = [r for r in replies if isinstance(r, Notice) and "on my side" in r.text]
    assert not internal
    briefs = sum(isinstance(r, BriefReply) for r in replies)
    assert briefs == 60  # six of the ten texts are briefs
    assert [(i.added, i.failures) for i in ingests] == [(8, ()), (8, ())]  # type: ignore[union-attr]
    assert total == 5 + 16 and integrity
    assert "locked" not in caplog.text
    print(
        f"\n100 commands + 2x8 ingests: {elapsed:.2f} s, worst event-loop lag "
        f"{meter.worst * 1000:.0f} ms"
    )
    assert meter.worst < 5.0  # sanity only: a blocked loop would show whole seconds


async def test_concurrent_writes_on_one_connection_each_commit_whole(tmp_path: Path) -> None:
    # Before the store's lock, every add_article but the first failed with
    # "cannot start a transaction within a transaction".
    async with await SqliteStore.open(tmp_path / "s.sqlite3") as store:
        bodies = [
            f"Round {i} of talks began. Trade grew by {i} percent. Talks ended." for i in range(20)
        ]

        async def reader() -> list[int]:
            # Sentence counts seen while the writes run: only whole articles, 3 sentences each.
            seen = []
            for _ in range(20):
                for found in await store.search(SearchQuery((("talks",),)), 100):
                    seen.append(len(await store.sentences([found.id])))
                await asyncio.sleep(0)
            return seen

        *results, seen = await asyncio.gather(
            *(store.add_articles([prepared(body)], fixed_clock()) for body in bodies), reader()
        )
        assert all(added.added for [added] in results)
        assert await store.count_articles() == 20
        assert set(seen) <= {3}
