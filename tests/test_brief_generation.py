"""Two replicas (two App instances) on one store: neither serves a brief the store has moved
past, whichever of them or whoever else changed it. Runs on SQLite and, when
``BRIEFBOT_TEST_DATABASE_URL`` is set, on PostgreSQL."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator

import psycopg
import pytest

from bot.app import App
from bot.models import ArticleDate, CleanArticle, Paragraph, PreparedArticle
from bot.settings import Settings
from tests.conftest import fixed_clock
from tests.store.conftest import needs_postgres, postgres_schema


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=needs_postgres)])
def shared(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Settings]:
    """Settings every replica shares: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield settings
        return
    with postgres_schema() as url:
        yield dataclasses.replace(settings, database_url=url)


def run_sql(settings: Settings, statement: str, params: tuple[str, ...]) -> None:
    """What an operator does by hand, outside briefbot."""
    if settings.database_url is None:
        with sqlite3.connect(settings.store_path) as db:
            db.execute(statement, params)
        return
    with psycopg.connect(settings.database_url, autocommit=True) as db:
        db.execute(statement.replace("?", "%s"), params)  # type: ignore[arg-type]


async def test_a_replica_never_serves_a_brief_the_store_has_moved_past(shared: Settings) -> None:
    first = await App.start(shared, clock=fixed_clock)
    second = await App.start(shared, clock=fixed_clock)
    try:
        before = await first.briefer.brief("china-russia")
        assert await first.briefer.brief("china-russia") is before  # a burst costs one brief
        assert (await second.briefer.brief("china-russia")).points == before.points

        # An operator corrects the first point's sentence in place: same article ids.
        lead = before.points[0].text
        run_sql(
            shared, "UPDATE sentences SET text = ? WHERE text = ?", (lead + " [corrected]", lead)
        )
        for replica in (first, second):
            after = await replica.briefer.brief("china-russia")
            assert after.points[0].text == lead + " [corrected]"

        # The other replica ingests a matching article: the first briefs it too.
        article = CleanArticle(
            origin="wire/moscow.txt",
            title="China and Russia sign a gas deal",
            source="Wire",
            url=None,
            date=ArticleDate.unknown(),
            paragraphs=(
                Paragraph(("China and Russia signed a long-delayed gas supply deal on Friday.",)),
            ),
        )
        terms = tuple(second.indexer.terms_many(article.sentences))
        await second.store.add_article(PreparedArticle(article, terms), fixed_clock())
        newest = await first.briefer.brief("china-russia")
        assert newest.article_count == before.article_count + 1
    finally:
        await first.close()
        await second.close()
