"""Full-text parity: SQLite's FTS5 and PostgreSQL's tsvector find the same articles.

The English MultiLing dev set (tests/data/eval) goes into one store of each engine, and every
free-text query a reader could type from its titles (each title word, each pair of adjacent
title words, and the load benchmark's queries) must find the same articles on both. Skipped
without a test server (``BRIEFBOT_TEST_DATABASE_URL``; ``.ci/run`` starts one).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.brief.topics import free_text_query, query_words
from bot.ingest.inputs import read_inputs
from bot.ingest.pipeline import prepare
from bot.models import PreparedArticle
from bot.settings import PROJECT_DIR
from bot.store.postgres.store import PostgresStore
from bot.store.protocols import Store
from bot.store.records import SearchQuery
from bot.store.sqlite.store import SqliteStore
from tests.store.conftest import needs_postgres, postgres_schema
from tests.store.support import indexer

pytestmark = needs_postgres

DEV_SET = PROJECT_DIR / "tests" / "data" / "eval" / "multiling2011_en.jsonl"
NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
# Words whose articles the PostgreSQL parser used to hide: "Earthquake/Tsunami" was one file
# path token, "7/7" another, "U.S." a file, "cnn.com" a host.
PUNCTUATED = ("tsunami", "earthquake", "7 7", "u s", "tsunami earthquake")


def dev_articles() -> list[PreparedArticle]:
    raws = read_inputs([DEV_SET], 2_000_000, None)
    return [prepare(raw, indexer()) for raw in raws]


def dev_queries(articles: list[PreparedArticle]) -> list[str]:
    queries: dict[str, None] = dict.fromkeys(PUNCTUATED)
    for item in articles:
        words = [w.lower() for w in query_words(item.article.title or "")]
        queries.update(dict.fromkeys(words))
        queries.update(dict.fromkeys(f"{a} {b}" for a, b in itertools.pairwise(words)))
    queries.update(dict.fromkeys(("tsunami relief", "tsunami toll", "power of siberia")))
    return list(queries)


@pytest.fixture(scope="module")
def articles() -> list[PreparedArticle]:
    return dev_articles()


@pytest.fixture
async def both(articles: list[PreparedArticle], tmp_path: Path) -> AsyncIterator[list[Store]]:
    with postgres_schema() as url:
        sqlite = await SqliteStore.open(tmp_path / "parity.sqlite3")
        postgres = await PostgresStore.open(url)
        try:
            for store in (sqlite, postgres):
                await store.add_articles(articles, NOW)
            yield [sqlite, postgres]
        finally:
            await sqlite.close()
            await postgres.close()


async def origins(store: Store, query: SearchQuery) -> set[str]:
    # Article ids may differ between the engines (insertion order); what they hold may not.
    found = await store.search(query, 10_000)
    return {f"{a.origin}|{a.title}" for a in found}


async def test_every_title_query_finds_the_same_articles_on_both_engines(
    both: list[Store], articles: list[PreparedArticle]
) -> None:
    sqlite, postgres = both
    queries = dev_queries(articles)
    assert len(queries) > 500
    differences = []
    for text in queries:
        query = free_text_query(text)
        on_sqlite, on_postgres = await origins(sqlite, query), await origins(postgres, query)
        if on_sqlite != on_postgres:
            differences.append(
                f"{text!r}: only SQLite {sorted(on_sqlite - on_postgres)[:2]},"
                f" only PostgreSQL {sorted(on_postgres - on_sqlite)[:2]}"
            )
    assert not differences, "\n".join(differences)


async def test_a_slash_joined_word_is_found_on_both_engines(both: list[Store]) -> None:
    # "... to the Earthquake/Tsunami damaged region." is the only place some of the dev set's
    # aid articles say "tsunami"; PostgreSQL's parser used to read it as a file path.
    for store in both:
        found = {a.title for a in await store.search(free_text_query("tsunami"), 10_000)}
        assert "Aid pledges rise; Japan promises 500,000,000 USD" in found
