"""The briefbot store in PostgreSQL: the same Protocols as the SQLite store, for several
processes on several machines. Full-text search uses the generated ``search`` column."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from bot.models import (
    Article,
    FollowedTopic,
    PreparedArticle,
    SentenceRecord,
)
from bot.store.postgres.connection import Database
from bot.store.postgres.installations import PostgresInstallations
from bot.store.postgres.ledger import PostgresLedger
from bot.store.postgres.search import search_condition
from bot.store.postgres.subscriptions import PostgresSubscriptions
from bot.store.postgres.workers import PostgresWorkers
from bot.store.records import AddResult, SearchQuery, content_hash
from bot.store.sql.articles import (
    LANGUAGES_PRESENT,
    article_from_row,
    article_row,
    sentence_rows,
)
from bot.store.sql.generation import BUMP_GENERATION, READ_GENERATION

_ARTICLE_COLUMNS = (
    "a.id, a.source, a.title, a.url, a.published, a.date_precision, a.origin, a.language"
)
_ARTICLE_FIELDS = (
    "content_hash, origin, url, source, title, published, date_precision, body, ingested_at,"
    " author, language"
)
_ROWS_PER_INSERT = 500


class PostgresStore:
    """The store in one PostgreSQL database (selected by BRIEFBOT_DATABASE_URL)."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._subscriptions = PostgresSubscriptions(database)
        self._ledger = PostgresLedger(database)
        self._installations = PostgresInstallations(database)
        self._workers = PostgresWorkers(database)

    @classmethod
    async def open(cls, url: str, prepare_threshold: int | None = 5) -> PostgresStore:
        """Connect to the database at ``url`` and migrate it when it is behind."""
        return cls(await Database.open(url, prepare_threshold))

    @property
    def subscriptions(self) -> PostgresSubscriptions:
        """Digest subscriptions and the digest log."""
        return self._subscriptions

    @property
    def ledger(self) -> PostgresLedger:
        """Web-ingestion bookkeeping."""
        return self._ledger

    @property
    def installations(self) -> PostgresInstallations:
        """Chat installations by workspace and OAuth states."""
        return self._installations

    @property
    def workers(self) -> PostgresWorkers:
        """Worker leases and turns at shared work (digests, feeds) across replicas."""
        return self._workers

    async def close(self) -> None:
        """Close the pool's connections."""
        await self._db.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def schema_version(self) -> int:
        """The last migration applied."""
        return await self._db.schema_version()

    async def add_article(self, prepared: PreparedArticle, now: dt.datetime) -> AddResult:
        """Store one article and its sentences' terms; see ``add_articles``."""
        return (await self.add_articles([prepared], now))[0]

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
            f"SELECT {_ARTICLE_COLUMNS} FROM articles a WHERE ({condition})"
            " AND a.ingested_at > %s ORDER BY a.published DESC NULLS LAST, a.id DESC LIMIT %s",
            (*params, after, limit),
        )
        return [article_from_row(row) for row in rows]

    async def article(self, article_id: int) -> Article | None:
        """One stored article by id."""
        row = await self._db.fetch_one(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles a WHERE a.id = %s", (article_id,)
        )
        return None if row is None else article_from_row(row)

    async def articles(self, limit: int) -> list[Article]:
        """The newest stored articles."""
        rows = await self._db.fetch_all(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles a"
            " ORDER BY a.published DESC NULLS LAST, a.id DESC LIMIT %s",
            (limit,),
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

    async def generation(self) -> int:
        """A number that moves on with every change to stored articles (generation.py)."""
        row = await self._db.fetch_one(READ_GENERATION)
        return int(row[0]) if row else 0

    async def count_articles(self) -> int:
        """How many articles the store holds."""
        row = await self._db.fetch_one("SELECT count(*) FROM articles")
        return int(row[0]) if row else 0

    async def get_meta(self, key: str) -> str | None:
        """A stored setting of the store itself."""
        row = await self._db.fetch_one("SELECT value FROM meta WHERE key = %s", (key,))
        return str(row[0]) if row else None

    async def set_meta(self, key: str, value: str) -> None:
        """Record a setting of the store itself."""
        await self._db.fetch_all(
            "INSERT INTO meta (key, value) VALUES (%s, %s)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    async def claim_event(
        self, platform: str, event_id: str, now: dt.datetime, keep: dt.timedelta
    ) -> bool:
        """Record a platform event as being answered; False when it was claimed before."""
        async with self._db.write() as db:
            await db.execute(
                "DELETE FROM processed_events WHERE seen_at < %s", ((now - keep).isoformat(),)
            )
            cursor = await db.execute(
                "INSERT INTO processed_events (platform, event_id, seen_at) VALUES (%s, %s, %s)"
                " ON CONFLICT (platform, event_id) DO NOTHING",
                (platform, event_id, now.isoformat()),
            )
            return cursor.rowcount == 1

    async def note_brief(
        self, platform: str, channel_id: str, target: str, shown_at: dt.datetime
    ) -> None:
        """Remember that a channel was shown a brief of a target (for ``--since last``)."""
        await self._db.fetch_all(
            "INSERT INTO channel_briefs (platform, channel_id, target, shown_at)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (platform, channel_id, target)"
            " DO UPDATE SET shown_at = excluded.shown_at",
            (platform, channel_id, target, shown_at.astimezone(dt.UTC).isoformat()),
        )

    async def last_brief(self, platform: str, channel_id: str, target: str) -> dt.datetime | None:
        """When the channel was last shown a brief of the target, or None."""
        row = await self._db.fetch_one(
            "SELECT shown_at FROM channel_briefs"
            " WHERE platform = %s AND channel_id = %s AND target = %s",
            (platform, channel_id, target),
        )
        return None if row is None else dt.datetime.fromisoformat(str(row[0]))

    async def follow(
        self, platform: str, channel_id: str, slug: str, words: str, now: dt.datetime
    ) -> bool:
        """Store a channel's followed topic; False when the channel already follows it."""
        rows = await self._db.fetch_all(
            "INSERT INTO followed_topics (platform, channel_id, slug, words, created_at)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (platform, channel_id, slug) DO NOTHING"
            " RETURNING id",
            (platform, channel_id, slug, words, now.astimezone(dt.UTC).isoformat()),
        )
        return bool(rows)

    async def unfollow(self, platform: str, channel_id: str, slug: str) -> bool:
        """Forget a channel's followed topic; False when it did not follow it."""
        rows = await self._db.fetch_all(
            "DELETE FROM followed_topics WHERE platform = %s AND channel_id = %s AND slug = %s"
            " RETURNING id",
            (platform, channel_id, slug),
        )
        return bool(rows)

    async def followed(self, platform: str, channel_id: str) -> list[FollowedTopic]:
        """A channel's followed topics, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT slug, words, created_at FROM followed_topics"
            " WHERE platform = %s AND channel_id = %s ORDER BY created_at, slug",
            (platform, channel_id),
        )
        return [
            FollowedTopic(str(r[0]), str(r[1]), dt.datetime.fromisoformat(str(r[2]))) for r in rows
        ]
