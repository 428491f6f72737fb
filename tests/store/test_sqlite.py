"""What only the SQLite store has: migrations, WAL, FTS5, whole batches across SIGKILL."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import re
import signal
import sqlite3
import sys
import threading
from pathlib import Path

import aiosqlite
import pytest

from bot.models import Paragraph, PreparedArticle
from bot.store.errors import StoreError, StoreFault
from bot.store.records import SearchQuery, content_hash
from bot.store.sqlite.migrations import MIGRATIONS
from bot.store.sqlite.store import SqliteStore
from tests.conftest import FIXED_NOW
from tests.store.support import BATCH, article, batch_of_seeds, prepared, seed_articles
from tests.test_faults import ingesting


async def test_open_migrates_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = await SqliteStore.open(path)
    await store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # Re-opening a migrated store is a no-op.
    store = await SqliteStore.open(path)
    assert await store.integrity_ok()
    await store.close()


def test_content_hash_is_the_one_stores_already_hold() -> None:
    # Stores written before hashed with re.sub(r"\s+", " ", ...).strip(): a story stored then
    # must still be recognised, whatever Unicode spaces its text holds.
    odd = ("Straße\u00a0und  Platz.", "\u2003Trade\x1cgrew\r\nagain.\u3000", "\tFIN ")
    body = "\n".join(" ".join(p) for p in (odd[:2], odd[2:]))
    before = hashlib.sha256(re.sub(r"\s+", " ", body.casefold()).strip().encode()).hexdigest()
    clean = dataclasses.replace(article("x."), paragraphs=(Paragraph(odd[:2]), Paragraph(odd[2:])))
    assert clean.body == body
    assert content_hash(clean) == before


def stored_rows(path: Path) -> tuple[list[tuple[object, ...]], ...]:
    """Every row of the article tables, and what full-text queries find, in a fixed order."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        articles = db.execute("SELECT * FROM articles ORDER BY id").fetchall()
        sentences = db.execute("SELECT * FROM sentences ORDER BY id").fetchall()
        found = [
            db.execute(
                "SELECT rowid, rank FROM articles_fts WHERE articles_fts MATCH ?"
                " ORDER BY rank, rowid",
                (query,),
            ).fetchall()
            for query in (
                '"china"',
                '"putin" AND "xi"',
                '"sanction"',
                '"russia"',
                '"no limit"',
            )
        ]
    return tuple([tuple(row) for row in rows] for rows in (articles, sentences, *found))


def writer(store: SqliteStore) -> aiosqlite.Connection:
    """The store's private writing connection: this file tests the SQLite implementation."""
    connection = store._db.writer
    assert connection is not None
    return connection


async def test_a_batch_stores_exactly_what_one_by_one_stores(tmp_path: Path) -> None:
    items = list(seed_articles())
    async with (
        await SqliteStore.open(tmp_path / "one.sqlite3") as one,
        await SqliteStore.open(tmp_path / "batch.sqlite3") as batch,
    ):
        singles = [await one.add_article(i, FIXED_NOW) for i in items]
        together = await batch.add_articles(items, FIXED_NOW)
        assert together == singles
        assert [r.added for r in together] == [True] * len(items)
        rows = stored_rows(tmp_path / "batch.sqlite3")
        assert rows == stored_rows(tmp_path / "one.sqlite3")
        assert all(rows[2:])  # every query finds something, so the comparison means something
        assert await batch.integrity_ok()


async def test_a_failed_batch_leaves_no_part_of_any_article(tmp_path: Path) -> None:
    items = list(seed_articles())
    path = tmp_path / "s.sqlite3"
    async with await SqliteStore.open(path) as store:
        await store.add_articles([prepared("Exports rose. Imports fell.")], FIXED_NOW)
        before = stored_rows(path)
        # Terms that do not fit the sentences: refused before anything is written.
        unfit = PreparedArticle(items[-1].article, items[-1].terms[1:])
        with pytest.raises(ValueError, match="term lists for"):
            await store.add_articles([*items[:-1], unfit], FIXED_NOW)
        # SQLite itself fails in the middle of the batch: the articles before the failing
        # sentence are already inserted (with their FTS entries) when it fails.
        last = items[-1].article.sentences[-1]
        # A trigger takes no bound parameters: the sentence is quoted as an SQL literal.
        literal = "'" + last.replace("'", "''") + "'"
        await writer(store).execute(
            f"CREATE TEMP TRIGGER fail BEFORE INSERT ON sentences WHEN new.text = {literal}"
            " BEGIN SELECT RAISE(ABORT, 'disk trouble'); END"
        )
        with pytest.raises(StoreError, match="disk trouble") as failed:
            await store.add_articles(items, FIXED_NOW)
        assert failed.value.fault is StoreFault.FAILED
        assert stored_rows(path) == before
        assert await store.integrity_ok()
        await writer(store).execute("DROP TRIGGER temp.fail")
        # The store is usable afterwards, and the batch is stored whole.
        stored = await store.add_articles(items, FIXED_NOW)
        assert [r.added for r in stored] == [True] * len(items)
        assert await store.count_articles() == 1 + len(items)


async def store_two_batches_and_stop_inside_the_third(path: Path) -> None:
    """Run in a child process: commit two batches, then stop mid-way through the third's
    sentences, with that open transaction's pages already spilled into the WAL file."""

    def stop(_: object) -> None:
        print("inside batch 2", flush=True)
        threading.Event().wait()  # until killed, holding the transaction open

    async with await SqliteStore.open(path) as store:
        db = writer(store)
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
        "from tests.store.test_sqlite import store_two_batches_and_stop_inside_the_third as run\n"
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
    async with await SqliteStore.open(db) as store:
        assert await store.integrity_ok()
        assert await store.search(SearchQuery((("dispatch",),)), 100) == await store.articles(100)
        again = await store.add_articles(batch_of_seeds(2), FIXED_NOW)
        assert [r.added for r in again] == [True] * BATCH
