"""The SQLite store: migrations, WAL, dedupe by content, sentences kept in order, FTS search."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import functools
import hashlib
import itertools
import re
import signal
import sqlite3
import sys
import threading
from pathlib import Path

import pytest

from bot.ingest.load import article_files, load_file, read_manifest
from bot.ingest.pipeline import prepare
from bot.models import ArticleDate, CleanArticle, Paragraph, PreparedArticle
from bot.store.sqlite.migrations import MIGRATIONS
from bot.store.sqlite.store import Store, content_hash
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer
from tests.conftest import FIXED_NOW, SEEDS
from tests.test_faults import ingesting


def article(body: str, source: str = "Wire") -> CleanArticle:
    return CleanArticle(
        origin="test",
        title="Talks in Moscow",
        source=source,
        url=None,
        date=ArticleDate.unknown(),
        paragraphs=(Paragraph(tuple(s.strip() + "." for s in body.split(".") if s.strip())),),
    )


@functools.cache
def indexer() -> TermIndexer:
    return TermIndexer(OfflineTokenizer())


def prepared(body: str, source: str = "Wire") -> PreparedArticle:
    """A one-paragraph article with its sentences' real terms, as ingest stores it."""
    clean = article(body, source)
    return PreparedArticle(clean, tuple(indexer().terms_many(clean.sentences)))


def seed_articles() -> list[PreparedArticle]:
    """The project's real seed articles, cleaned, split and indexed as ingest does."""
    manifest = read_manifest(SEEDS)
    return [prepare(load_file(p, 2_000_000, manifest), indexer()) for p in article_files([SEEDS])]


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
        one = prepared("China and Russia met. Trade grew.")
        first = await store.add_article(one, FIXED_NOW)
        [again] = await store.add_articles(
            [prepared("China  and Russia met.   Trade grew.", source="Other")], FIXED_NOW
        )
        assert first.added and not again.added
        assert again.article_id == first.article_id
        assert await store.count_articles() == 1


async def test_sentences_come_back_in_order(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "s.sqlite3") as store:
        [result] = await store.add_articles(
            [prepared("One thing. Two things. Three things.")], FIXED_NOW
        )
        records = await store.sentences([result.article_id])
        assert [r.text for r in records] == ["One thing.", "Two things.", "Three things."]
        assert [r.position for r in records] == [0, 1, 2]


async def test_full_text_search_is_stemmed(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "s.sqlite3") as store:
        await store.add_articles(
            [prepared("Sanctions were imposed on exporters."), prepared("The weather was fine.")],
            FIXED_NOW,
        )
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


async def test_sentence_terms_round_trip(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "s.sqlite3") as store:
        with_terms = await store.add_article(
            PreparedArticle(
                article("China and Russia met. Oh. Trade grew."),
                (("china", "russia", "met"), (), ("trade", "grew")),
            ),
            FIXED_NOW,
        )
        [without] = await store.add_articles([prepared("The weather was fine.")], FIXED_NOW)
        async with store.write() as db:
            # As a store written before sentences had terms holds it.
            await db.execute(
                "UPDATE sentences SET terms = NULL WHERE article_id = ?", (without.article_id,)
            )
        records = await store.sentences([with_terms.article_id, without.article_id])
        assert [r.terms for r in records] == [
            ("china", "russia", "met"),
            (),
            ("trade", "grew"),
            None,
        ]


async def test_terms_must_match_the_sentences(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "s.sqlite3") as store:
        with pytest.raises(ValueError, match="1 term lists for 2 sentences"):
            await store.add_article(
                PreparedArticle(article("One thing. Two things."), (("one",),)), FIXED_NOW
            )
        assert await store.count_articles() == 0


def test_content_hash_is_the_one_stores_already_hold() -> None:
    # Stores written before hashed with re.sub(r"\s+", " ", ...).strip(): a story stored then
    # must still be recognised, whatever Unicode spaces its text holds.
    odd = ("Straße\u00a0und  Platz.", "\u2003Trade\x1cgrew\r\nagain.\u3000", "\tFIN ")
    body = "\n".join(" ".join(p) for p in (odd[:2], odd[2:]))
    before = hashlib.sha256(re.sub(r"\s+", " ", body.casefold()).strip().encode()).hexdigest()
    clean = dataclasses.replace(article("x."), paragraphs=(Paragraph(odd[:2]), Paragraph(odd[2:])))
    assert clean.body == body
    assert content_hash(clean) == before


async def stored_rows(store: Store) -> tuple[list[tuple[object, ...]], ...]:
    """Every row of the article tables, and what full-text queries find, in a fixed order."""
    articles = await store.fetch_all("SELECT * FROM articles ORDER BY id")
    sentences = await store.fetch_all("SELECT * FROM sentences ORDER BY id")
    found = [
        await store.fetch_all(
            "SELECT rowid, rank FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rank, rowid",
            (query,),
        )
        for query in ('"china"', '"putin" AND "xi"', '"sanction"', 'title:"russia"', '"no limit"')
    ]
    return tuple([tuple(row) for row in rows] for rows in (articles, sentences, *found))


async def fts_consistent(store: Store) -> bool:
    """FTS5's own check that the index matches the articles it was built from."""
    try:
        async with store.write() as db:
            await db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    except sqlite3.DatabaseError:
        return False
    return True


async def test_a_batch_stores_exactly_what_one_by_one_stores(tmp_path: Path) -> None:
    items = seed_articles()
    async with (
        await Store.open(tmp_path / "one.sqlite3") as one,
        await Store.open(tmp_path / "batch.sqlite3") as batch,
    ):
        singles = [await one.add_article(i, FIXED_NOW) for i in items]
        together = await batch.add_articles(items, FIXED_NOW)
        assert together == singles
        assert [r.added for r in together] == [True] * len(items)
        rows = await stored_rows(batch)
        assert rows == await stored_rows(one)
        assert all(rows[2:])  # every query finds something, so the comparison means something
        assert await fts_consistent(batch)


async def test_duplicates_within_and_across_batches_are_stored_once(tmp_path: Path) -> None:
    talks, trade, weather = (
        prepared("China and Russia met. Trade grew."),
        prepared("Exports rose. Imports fell."),
        prepared("The weather was fine."),
    )
    # The same prose, spaced and capitalized differently, from another source.
    talks_again = prepared("CHINA and Russia  met.\tTrade grew.", source="Other")
    assert content_hash(talks_again.article) == content_hash(talks.article)
    async with await Store.open(tmp_path / "s.sqlite3") as store:
        first = await store.add_articles([talks, trade, talks_again, talks], FIXED_NOW)
        assert [r.added for r in first] == [True, True, False, False]
        assert first[2].article_id == first[3].article_id == first[0].article_id
        second = await store.add_articles([trade, weather, weather], FIXED_NOW)
        assert [(r.article_id, r.added) for r in second[:1]] == [(first[1].article_id, False)]
        assert [r.added for r in second[1:]] == [True, False]
        assert second[2].article_id == second[1].article_id
        assert await store.count_articles() == 3
        records = await store.sentences([first[0].article_id])
        assert [r.text for r in records] == ["China and Russia met.", "Trade grew."]
        assert await store.add_articles([], FIXED_NOW) == []


async def test_a_failed_batch_leaves_no_part_of_any_article(tmp_path: Path) -> None:
    items = seed_articles()
    async with await Store.open(tmp_path / "s.sqlite3") as store:
        await store.add_articles([prepared("Exports rose. Imports fell.")], FIXED_NOW)
        before = await stored_rows(store)
        # Terms that do not fit the sentences: refused before anything is written.
        unfit = PreparedArticle(items[-1].article, items[-1].terms[1:])
        with pytest.raises(ValueError, match="term lists for"):
            await store.add_articles([*items[:-1], unfit], FIXED_NOW)
        # SQLite itself fails in the middle of the batch: the articles before the failing
        # sentence are already inserted (with their FTS entries) when it fails.
        last = items[-1].article.sentences[-1]
        async with store.write() as db:
            # A trigger takes no bound parameters: the sentence is quoted as an SQL literal.
            literal = "'" + last.replace("'", "''") + "'"
            await db.execute(
                f"CREATE TEMP TRIGGER fail BEFORE INSERT ON sentences WHEN new.text = {literal}"
                " BEGIN SELECT RAISE(ABORT, 'disk trouble'); END"
            )
        with pytest.raises(sqlite3.IntegrityError, match="disk trouble"):
            await store.add_articles(items, FIXED_NOW)
        assert await stored_rows(store) == before
        assert await store.integrity_ok() and await fts_consistent(store)
        async with store.write() as db:
            await db.execute("DROP TRIGGER temp.fail")
        # The store is usable afterwards, and the batch is stored whole.
        stored = await store.add_articles(items, FIXED_NOW)
        assert [r.added for r in stored] == [True] * len(items)
        assert await store.count_articles() == 1 + len(items)


async def test_concurrent_batch_writers_wait_for_each_other(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    bodies = [f"Round {i} of talks began. Trade grew by {i} percent." for i in range(60)]
    async with await Store.open(path) as first, await Store.open(path) as second:
        # Two connections (as two processes would have) and several writers on each, with
        # overlapping batches: every batch waits its turn, none fails with "database is locked".
        writes = [
            store.add_articles([prepared(b) for b in bodies[start : start + 20]], FIXED_NOW)
            for start in range(0, 50, 10)
            for store in (first, second)
        ]
        results = await asyncio.gather(*writes)
        assert sum(r.added for batch in results for r in batch) == 60
        assert await first.count_articles() == 60
        assert await second.integrity_ok() and await fts_consistent(second)


BATCH = 16


def numbered(item: PreparedArticle, number: int) -> PreparedArticle:
    """The article with an opening paragraph of its own, so each copy has its own content."""
    opening = f"Dispatch {number} of the newsroom."
    article = dataclasses.replace(
        item.article, paragraphs=(Paragraph((opening,)), *item.article.paragraphs)
    )
    return PreparedArticle(article, (indexer().terms(opening), *item.terms))


def batch_of_seeds(batch: int) -> list[PreparedArticle]:
    items = itertools.islice(itertools.cycle(seed_articles()), BATCH)
    return [numbered(item, batch * BATCH + n) for n, item in enumerate(items)]


async def store_two_batches_and_stop_inside_the_third(path: Path) -> None:
    """Run in a child process: commit two batches, then stop mid-way through the third's
    sentences, with that open transaction's pages already spilled into the WAL file."""

    def stop(_: object) -> None:
        print("inside batch 2", flush=True)
        threading.Event().wait()  # until killed, holding the transaction open

    async with await Store.open(path) as store:
        async with store.write() as db:
            await db.execute("PRAGMA cache_size = 8")  # pages of an open write go to the WAL
            await db.create_function("stop", 1, stop)
            await db.execute(
                "CREATE TEMP TRIGGER stop AFTER INSERT ON sentences"
                f" WHEN new.article_id = {2 * BATCH + BATCH // 2} AND new.position = 0"
                " BEGIN SELECT stop(new.id); END"
            )
        for batch in range(3):
            await store.add_articles(batch_of_seeds(batch), FIXED_NOW)
            print(f"stored batch {batch}", flush=True)


async def test_sigkill_inside_a_batch_keeps_no_part_of_it(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite3"
    child = (
        "import asyncio, pathlib\n"
        "from tests.test_store import store_two_batches_and_stop_inside_the_third as run\n"
        f"asyncio.run(run(pathlib.Path({str(db)!r})))"
    )
    with ingesting([sys.executable, "-c", child]) as process:
        assert process.stdout is not None and process.stderr is not None
        lines = [process.stdout.readline() for _ in range(3)]
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert lines == ["stored batch 0\n", "stored batch 1\n", "inside batch 2\n"], (
            process.stderr.read()
        )

    expected = {item.article.origin: len(item.article.sentences) + 1 for item in seed_articles()}
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        counts = conn.execute(
            "SELECT a.origin, count(s.id) FROM articles a"
            " LEFT JOIN sentences s ON s.article_id = a.id GROUP BY a.id"
        ).fetchall()
    assert len(counts) == 2 * BATCH
    assert all(stored == expected[origin] for origin, stored in counts)
    async with await Store.open(db) as store:
        assert await fts_consistent(store)
        assert await store.search('"dispatch"', 100) == await store.articles(100)
        again = await store.add_articles(batch_of_seeds(2), FIXED_NOW)
        assert [r.added for r in again] == [True] * BATCH
