"""The store's generation moves on with every change to stored articles, in every process.

Adding articles bumps it (in the adding transaction), a batch of duplicates does not; changing
or deleting articles or sentences bumps it even when done by hand in SQL (triggers). Each test
runs on SQLite and, when ``BRIEFBOT_TEST_DATABASE_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import psycopg
import pytest

from bot.store.lexemes import document_lexemes
from bot.store.protocols import Store
from bot.store.sqlite.store import SqliteStore
from tests.conftest import FIXED_NOW
from tests.store.conftest import postgres_schema
from tests.store.support import prepared, seed_articles

# Runs one SQL statement on the store's database as an operator would, outside briefbot.
RunSql = Callable[[str], None]


@pytest.fixture
async def engine(backend: str, tmp_path: Path) -> AsyncIterator[tuple[Store, Store, RunSql]]:
    """Two stores (two processes) on one fresh database, and a way to run SQL on it."""
    if backend == "sqlite":
        path = tmp_path / "store.sqlite3"
        first, second = await SqliteStore.open(path), await SqliteStore.open(path)

        def run_sqlite(statement: str) -> None:
            with sqlite3.connect(path) as db:
                # The full-text index's delete trigger reads lexemes through this function.
                db.create_function("briefbot_lexemes", 3, document_lexemes, deterministic=True)
                db.execute(statement)

        try:
            yield first, second, run_sqlite
        finally:
            await first.close()
            await second.close()
        return
    from bot.store.postgres.store import PostgresStore

    with postgres_schema() as url:
        first, second = await PostgresStore.open(url), await PostgresStore.open(url)

        def run_postgres(statement: str) -> None:
            with psycopg.connect(url, autocommit=True) as db:
                db.execute(statement)  # type: ignore[arg-type]

        try:
            yield first, second, run_postgres
        finally:
            await first.close()
            await second.close()


async def test_adding_articles_moves_the_generation_on_for_every_process(
    engine: tuple[Store, Store, RunSql],
) -> None:
    first, second, _ = engine
    assert await first.generation() == 0
    await first.add_articles(list(seed_articles()[:2]), FIXED_NOW)
    after_add = await second.generation()
    assert after_add > 0
    assert await first.generation() == after_add

    await second.add_articles(list(seed_articles()[:2]), FIXED_NOW)  # all already stored
    assert await first.generation() == after_add

    await second.add_article(prepared("A new statement about the talks."), FIXED_NOW)
    assert await first.generation() > after_add


async def test_changing_or_deleting_by_hand_moves_the_generation_on(
    engine: tuple[Store, Store, RunSql],
) -> None:
    first, second, run_sql = engine
    [added] = await first.add_articles([seed_articles()[0]], FIXED_NOW)
    seen = await second.generation()

    run_sql(f"UPDATE sentences SET text = 'Corrected.' WHERE article_id = {added.article_id}")
    assert await second.generation() > seen
    seen = await second.generation()

    run_sql(f"UPDATE articles SET source = 'Corrected outlet' WHERE id = {added.article_id}")
    assert await second.generation() > seen
    seen = await second.generation()

    run_sql(f"DELETE FROM articles WHERE id = {added.article_id}")
    assert await second.generation() > seen
    assert await first.count_articles() == 0
