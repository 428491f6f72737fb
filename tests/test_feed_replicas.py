"""Replicas of the feed poller: two real ``briefbot poll`` processes on one store, reading feeds
from a loopback news server (saved real pages, served slowly so reads overlap).

What must hold: each feed is read by one replica at a time (its turn), so a page listed by only
one feed is fetched once; every feed entry is recorded once; an article reached under two URLs
or through two feeds is stored once. SQLite, and PostgreSQL when BRIEFBOT_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import signal
from collections import Counter
from pathlib import Path

import pytest

from bot.ingest.web import canonical_url
from bot.settings import Settings
from bot.store import open_store
from tests.bot_process import Process, briefbot_process
from tests.loopback import DATA, LoopbackServer, Route, serve
from tests.replica_support import fresh_database, tuned_config
from tests.store.conftest import TEST_DATABASE_URL

GUARD_SECONDS = 120  # turns a hang into a failure; never reached when things work
PAGES = {
    "/a/cnn": "cnn_article.html",
    "/a/time": "time_001.html",
    "/b/fox": "fox13now_001.html",
    "/shared/cleveland": "cleveland.com1.html",
    "/c/cnn-copy": "cnn_article.html",  # the same story under another URL
}
FEEDS = {
    "/feeds/a.rss": ("/a/cnn", "/a/time"),
    "/feeds/b.rss": ("/b/fox", "/shared/cleveland"),
    "/feeds/c.rss": ("/shared/cleveland", "/c/cnn-copy"),
    "/feeds/d.rss": ("/a/time",),
}
ONLY_IN_ONE_FEED = ("/a/cnn", "/b/fox", "/c/cnn-copy")


def rss(server: LoopbackServer, name: str, paths: tuple[str, ...]) -> Route:
    items = "".join(
        f"<item><title>{path}</title><link>{server.url('127.0.0.1', path)}</link>"
        f"<guid isPermaLink='false'>{name}{path}</guid></item>"
        for path in paths
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{name}</title><link>{server.url('127.0.0.1', '/')}</link>{items}"
        "</channel></rss>"
    )
    return Route(body.encode(), headers={"Content-Type": "application/rss+xml"})


async def run_pollers(settings: Settings, env: dict[str, str], tmp_path: Path) -> None:
    async with serve({}) as server:
        for path, name in PAGES.items():
            # Slow pages (about half a second each), so the replicas' reads overlap in time.
            body = (DATA / name).read_bytes()
            server.routes[path] = Route(
                body,
                headers={"Content-Type": "text/html; charset=utf-8"},
                drip_bytes=max(1, len(body) // 10),
                drip_pause=0.05,
            )
        for path, entries in FEEDS.items():
            server.routes[path] = rss(server, path, entries)
        config = tuned_config(
            tmp_path / "config",
            trusted_networks=["127.0.0.1/32"],
            poll_interval_seconds=30,
            lease_seconds=2,
        )
        urls = ", ".join(f'"{server.url("127.0.0.1", path)}"' for path in FEEDS)
        (config / "feeds.toml").write_text(f'[[feed]]\ntopic = "news"\nurls = [{urls}]\n')
        env = {**env, "BRIEFBOT_CONFIG": str(config)}
        async with contextlib.AsyncExitStack() as stack:
            pollers: list[Process] = [
                await stack.enter_async_context(briefbot_process(["-v", "poll"], env))
                for _ in range(2)
            ]
            async with asyncio.timeout(GUARD_SECONDS):
                await asyncio.gather(*(p.wait_for_line("feed worker") for p in pollers))
                await wait_for_entries(settings, server)
                for poller in pollers:
                    poller.process.send_signal(signal.SIGTERM)
                results = [await poller.finish() for poller in pollers]
    assert [code for code, _ in results] == [0, 0], results
    fetched = Counter(path for path, _ in server.requests)
    for path in ONLY_IN_ONE_FEED:
        assert fetched[path] == 1, (path, fetched, results)
    # Each feed read once (one round of 30 s, shared by the two), not once per replica.
    assert all(fetched[path] == 1 for path in FEEDS), (fetched, results)
    async with await open_store(settings) as store:
        ids = {
            path: await store.ledger.article_for_url(canonical_url(server.url("127.0.0.1", path)))
            for path in PAGES
        }
        assert None not in ids.values(), ids
        assert ids["/a/cnn"] == ids["/c/cnn-copy"]  # one story, stored once
        assert len(set(ids.values())) == len(set(PAGES.values()))
        assert await store.count_articles() == 5 + len(set(PAGES.values()))  # seeds + pages


async def wait_for_entries(settings: Settings, server: LoopbackServer) -> None:
    """Until every entry of every feed is recorded as handled."""
    async with await open_store(settings) as store:
        while True:
            seen = [
                await store.ledger.entry_seen(server.url("127.0.0.1", feed), f"{feed}{path}")
                for feed, paths in FEEDS.items()
                for path in paths
            ]
            if all(seen):
                return
            await asyncio.sleep(0.3)


async def test_two_pollers_on_sqlite_share_the_feeds(settings: Settings, tmp_path: Path) -> None:
    await run_pollers(settings, {"BRIEFBOT_DB": str(settings.store_path)}, tmp_path)


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="BRIEFBOT_TEST_DATABASE_URL is not set")
async def test_two_pollers_on_postgres_share_the_feeds(settings: Settings, tmp_path: Path) -> None:
    with fresh_database(tmp_path) as url:
        await run_pollers(
            dataclasses.replace(settings, database_url=url),
            {"BRIEFBOT_DATABASE_URL": url},
            tmp_path,
        )
