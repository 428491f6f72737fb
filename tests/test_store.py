"""The SQLite store: migrations, WAL, dedupe by content, sentences kept in order, FTS search."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

from bot.migrations import MIGRATIONS
from bot.models import ArticleDate, CleanArticle, Paragraph
from bot.store import Store
from tests.conftest import FIXED_NOW


def article(body: str, source: str = "Wire") -> CleanArticle:
    return CleanArticle(
        origin="test",
        title="Talks in Moscow",
        source=source,
        url=None,
        date=ArticleDate.unknown(),
        paragraphs=(Paragraph(tuple(s.strip() + "." for s in body.split(".") if s.strip())),),
    )


async def test_open_migrates_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = await Store.open(path)
    await store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # Re-opening a migrated store is a no-op.
    store = await Store.open(path)
    assert await store.integrity_ok()
    await store.close()


async def test_same_content_is_stored_once(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "s.sqlite3") as store:
        first = await store.add_article(article("China and Russia met. Trade grew."), FIXED_NOW)
        again = await store.add_article(
            article("China  and Russia met.   Trade grew.", source="Other"), FIXED_NOW
        )
        assert first.added and not again.added
        assert again.article_id == first.article_id
        assert await store.count_articles() == 1


async def test_sentences_come_back_in_order(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "s.sqlite3") as store:
        result = await store.add_article(article("One thing. Two things. Three things."), FIXED_NOW)
        records = await store.sentences([result.article_id])
        assert [r.text for r in records] == ["One thing.", "Two things.", "Three things."]
        assert [r.position for r in records] == [0, 1, 2]


async def test_full_text_search_is_stemmed(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "s.sqlite3") as store:
        await store.add_article(article("Sanctions were imposed on exporters."), FIXED_NOW)
        await store.add_article(article("The weather was fine."), FIXED_NOW)
        hits = await store.search('"sanction" AND "export"', 10)
        assert len(hits) == 1


async def test_meta_round_trip(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "s.sqlite3") as store:
        assert await store.get_meta("k") is None
        await store.set_meta("k", "1")
        await store.set_meta("k", "2")
        assert await store.get_meta("k") == "2"


async def test_an_event_is_claimed_once_per_platform(tmp_path: Path) -> None:
    keep = dt.timedelta(days=1)
    async with await Store.open(tmp_path / "s.sqlite3") as store:
        assert await store.claim_event("slack", "Ev1", FIXED_NOW, keep)
        assert not await store.claim_event("slack", "Ev1", FIXED_NOW, keep)
        assert await store.claim_event("discord", "Ev1", FIXED_NOW, keep)
        # A claim older than `keep` is forgotten.
        assert await store.claim_event("slack", "Ev1", FIXED_NOW + 2 * keep, keep)


async def test_concurrent_claims_do_not_interleave_transactions(tmp_path: Path) -> None:
    keep = dt.timedelta(days=1)
    async with await Store.open(tmp_path / "s.sqlite3") as store:
        claims = [store.claim_event("slack", f"Ev{n % 5}", FIXED_NOW, keep) for n in range(20)]
        results = await asyncio.gather(*claims)
        assert sum(results) == 5
