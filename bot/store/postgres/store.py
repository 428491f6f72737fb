"""The briefbot store in PostgreSQL: the same Protocols as the SQLite store, for several
processes on several machines. Full-text search uses the generated ``search`` column."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.models import (
    Article,
    PreparedArticle,
    SentenceRecord,
)
from bot.store.postgres.connection import Database, Statements
from bot.store.postgres.ledger import PostgresLedger
from bot.store.postgres.search import search_condition
from bot.store.records import AddResult, SearchQuery, content_hash
from bot.store.sql.articles import (
    LANGUAGES_PRESENT,
    article_from_row,
    article_row,
    sentence_rows,
)
from bot.store.sql.generation import BUMP_GENERATION
from bot.store.sql.store import ARTICLE_COLUMNS, SqlStore
from bot.store.sql.workers import SqlWorkers

_ARTICLE_FIELDS = (
    "content_hash, origin, url, source, title, published, date_precision, body, ingested_at,"
    " author, language"
)
_ROWS_PER_INSERT = 500


class PostgresStore(SqlStore):
    """The store in one PostgreSQL database (selected by BRIEFBOT_DATABASE_URL)."""

    def __init__(self, database: Database) -> None:
        # Turns are picked FOR UPDATE SKIP LOCKED, so replicas never wait for each other's picks.
        statements = Statements(database)
        workers = SqlWorkers(statements, skip_locked=" FOR UPDATE SKIP LOCKED")
        super().__init__(statements, PostgresLedger(database), workers)
        self._db = database

    @classmethod
    async def open(cls, url: str, prepare_threshold: int | None = 5) -> PostgresStore:
        """Connect to the database at ``url`` and migrate it when it is behind."""
        return cls(await Database.open(url, prepare_threshold))

    async def close(self) -> None:
        """Close the pool's connections."""
        await self._db.close()

    async def schema_version(self) -> int:
        """The last migration applied."""
        return await self._db.schema_version()

    async def add_articles(
        self, items: Sequence[PreparedArticle], now: dt.datetime
    ) -> list[AddResult]:
        """Store articles and their sentences in one transaction, each once by content hash."""
        for item in items:
            if len(item.terms) != len(item.article.sentences):
                raise ValueError(
                    f"{item.article.origin}: {len(item.terms)} term lists for"
                    f" {len(item.article.sentences)} sentences"
                )
        if not items:
            return []
        digests = [content_hash(item.article) for item in items]
        first = dict(zip(reversed(digests), reversed(items), strict=True))  # first of each hash
        ingested_at = now.isoformat()
        # In hash order, so two writers inserting overlapping batches never deadlock.
        ordered = sorted(first.items())
        async with self._db.write() as db:
            added: dict[str, int] = {}
            for start in range(0, len(ordered), _ROWS_PER_INSERT):
                chunk = ordered[start : start + _ROWS_PER_INSERT]
                values = ", ".join(["(" + ", ".join(["%s"] * 11) + ")"] * len(chunk))
                cursor = await db.execute(
                    f"INSERT INTO articles ({_ARTICLE_FIELDS}) VALUES {values}"
                    " ON CONFLICT (content_hash) DO NOTHING RETURNING id, content_hash",
                    [v for digest, item in chunk for v in article_row(digest, item, ingested_at)],
                )
                added.update((str(r[1]), int(r[0])) for r in await cursor.fetchall())
            cursor = await db.execute(
                "SELECT content_hash, id FROM articles WHERE content_hash = ANY(%s)",
                (list(first),),
            )
            ids = {str(r[0]): int(r[1]) for r in await cursor.fetchall()}
            async with db.cursor().copy(
                "COPY sentences (article_id, position, paragraph, text, terms) FROM STDIN"
            ) as copy:
                for digest, article_id in added.items():
                    for row in sentence_rows(article_id, first[digest]):
                        await copy.write_row(row)
            if added:
                # Last, so concurrent ingests hold the generation's row only until they commit.
                await db.execute(BUMP_GENERATION)
        results = []
        for digest in digests:
            # Only a hash's first article in the batch was added; a repeat names it.
            results.append(AddResult(ids[digest], added=added.pop(digest, None) is not None))
        return results

    async def search(
        self, query: SearchQuery, limit: int, ingested_after: dt.datetime | None = None
    ) -> list[Article]:
        """Articles matching the query, newest first (stored after ``ingested_after``)."""
        if not query:
            return []
        after = "" if ingested_after is None else ingested_after.astimezone(dt.UTC).isoformat()
        # The query in each language's configuration, against that language's articles only.
        present = [str(r[0]) for r in await self._db.fetch_all(LANGUAGES_PRESENT)]
        condition, params = search_condition(query, present)
        if not condition:
            return []
        rows = await self._db.fetch_all(
            f"SELECT {ARTICLE_COLUMNS} FROM articles a WHERE ({condition})"
            " AND a.ingested_at > %s ORDER BY a.published DESC NULLS LAST, a.id DESC LIMIT %s",
            (*params, after, limit),
        )
        return [article_from_row(row) for row in rows]

    async def sentences(self, article_ids: Sequence[int]) -> list[SentenceRecord]:
        """Stored sentences of these articles, by article then position, with stored terms."""
        if not article_ids:
            return []
        rows = await self._db.fetch_all(
            "SELECT id, article_id, position, text, terms FROM sentences"
            " WHERE article_id = ANY(%s) ORDER BY article_id, position",
            (list(article_ids),),
        )
        return [
            SentenceRecord(
                int(r[0]),
                int(r[1]),
                int(r[2]),
                str(r[3]),
                None if r[4] is None else tuple(str(r[4]).split()),
            )
            for r in rows
        ]
