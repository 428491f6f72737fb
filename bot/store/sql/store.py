"""What every engine's store does with the same SQL: reading stored articles, the store's own
settings, event claims, the brief log and followed topics.

Each engine's store (``bot.store.sqlite.store``, ``bot.store.postgres.store``) builds on this and
keeps only what its engine does its own way: storing a batch of articles (multi-row inserts and
FTS5 on SQLite, ``COPY`` on PostgreSQL), full-text search, and reading many articles' sentences.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from bot.models import Article, FollowedTopic, PreparedArticle, SentenceRecord
from bot.store.protocols import FeedLedger
from bot.store.records import AddResult, SearchQuery
from bot.store.sql.articles import article_from_row
from bot.store.sql.generation import READ_GENERATION
from bot.store.sql.installations import SqlInstallations
from bot.store.sql.statements import Statements
from bot.store.sql.subscriptions import SqlSubscriptions
from bot.store.sql.workers import SqlWorkers

ARTICLE_COLUMNS = (
    "a.id, a.source, a.title, a.url, a.published, a.date_precision, a.origin, a.language"
)


class SqlStore(ABC):
    """A ``bot.store.protocols.Store`` whose shared parts are written once, in SQLite's dialect;
    an engine's store adds what the abstract methods name."""

    def __init__(self, statements: Statements, ledger: FeedLedger, workers: SqlWorkers) -> None:
        self._sql = statements
        self._subscriptions = SqlSubscriptions(statements)
        self._installations = SqlInstallations(statements)
        self._ledger = ledger
        self._workers = workers

    @property
    def subscriptions(self) -> SqlSubscriptions:
        """Digest subscriptions and the digest log."""
        return self._subscriptions

    @property
    def ledger(self) -> FeedLedger:
        """Web-ingestion bookkeeping."""
        return self._ledger

    @property
    def installations(self) -> SqlInstallations:
        """Chat installations by workspace and OAuth states (bot.store.installations)."""
        return self._installations

    @property
    def workers(self) -> SqlWorkers:
        """Worker leases and turns at shared work (digests, feeds) across replicas."""
        return self._workers

    @abstractmethod
    async def close(self) -> None:
        """Close the engine's connections."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @abstractmethod
    async def add_articles(
        self, items: Sequence[PreparedArticle], now: dt.datetime
    ) -> list[AddResult]:
        """Store articles and their sentences in one transaction, each once by content hash.

        A hash already stored, or met earlier in the batch, is not stored again: its result
        names the stored article. Either the whole batch is stored or none of it.
        """

    @abstractmethod
    async def search(
        self, query: SearchQuery, limit: int, ingested_after: dt.datetime | None = None
    ) -> list[Article]:
        """Articles matching the query, newest first (stored after ``ingested_after``)."""

    @abstractmethod
    async def sentences(self, article_ids: Sequence[int]) -> list[SentenceRecord]:
        """Stored sentences of these articles, by article then position, with stored terms."""

    async def add_article(self, prepared: PreparedArticle, now: dt.datetime) -> AddResult:
        """Store one article and its sentences' terms; see ``add_articles``."""
        return (await self.add_articles([prepared], now))[0]

    async def article(self, article_id: int) -> Article | None:
        """One stored article by id."""
        rows = await self._sql.rows(
            f"SELECT {ARTICLE_COLUMNS} FROM articles a WHERE a.id = ?", (article_id,)
        )
        return article_from_row(rows[0]) if rows else None

    async def articles(self, limit: int) -> list[Article]:
        """The newest stored articles."""
        rows = await self._sql.rows(
            f"SELECT {ARTICLE_COLUMNS} FROM articles a"
            " ORDER BY a.published DESC NULLS LAST, a.id DESC LIMIT ?",
            (limit,),
        )
        return [article_from_row(row) for row in rows]

    async def generation(self) -> int:
        """A number that moves on with every change to stored articles (generation.py)."""
        rows = await self._sql.rows(READ_GENERATION)
        return int(rows[0][0]) if rows else 0

    async def count_articles(self) -> int:
        """How many articles the store holds."""
        rows = await self._sql.rows("SELECT count(*) FROM articles")
        return int(rows[0][0]) if rows else 0

    async def get_meta(self, key: str) -> str | None:
        """A stored setting of the store itself, e.g. whether seeds were ingested."""
        rows = await self._sql.rows("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    async def set_meta(self, key: str, value: str) -> None:
        """Record a setting of the store itself."""
        await self._sql.change(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    async def claim_event(
        self, platform: str, event_id: str, now: dt.datetime, keep: dt.timedelta
    ) -> bool:
        """Record a platform event as being answered; False when it was claimed before.

        Claims older than ``keep`` are forgotten in the same transaction, so the table stays
        small: platforms redeliver within minutes, never days.
        """
        _, claimed = await self._sql.changes(
            ("DELETE FROM processed_events WHERE seen_at < ?", ((now - keep).isoformat(),)),
            (
                "INSERT INTO processed_events (platform, event_id, seen_at) VALUES (?, ?, ?)"
                " ON CONFLICT (platform, event_id) DO NOTHING",
                (platform, event_id, now.isoformat()),
            ),
        )
        return claimed == 1

    async def note_brief(
        self, platform: str, channel_id: str, target: str, shown_at: dt.datetime
    ) -> None:
        """Remember that a channel was shown a brief of a target (for ``--since last``)."""
        await self._sql.change(
            "INSERT INTO channel_briefs (platform, channel_id, target, shown_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (platform, channel_id, target)"
            " DO UPDATE SET shown_at = excluded.shown_at",
            (platform, channel_id, target, _utc(shown_at)),
        )

    async def last_brief(self, platform: str, channel_id: str, target: str) -> dt.datetime | None:
        """When the channel was last shown a brief of the target, or None."""
        rows = await self._sql.rows(
            "SELECT shown_at FROM channel_briefs"
            " WHERE platform = ? AND channel_id = ? AND target = ?",
            (platform, channel_id, target),
        )
        return dt.datetime.fromisoformat(str(rows[0][0])) if rows else None

    async def follow(
        self, platform: str, channel_id: str, slug: str, words: str, now: dt.datetime
    ) -> bool:
        """Store a channel's followed topic; False when the channel already follows it."""
        added = await self._sql.change(
            "INSERT INTO followed_topics (platform, channel_id, slug, words, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, channel_id, slug) DO NOTHING",
            (platform, channel_id, slug, words, _utc(now)),
        )
        return added == 1

    async def unfollow(self, platform: str, channel_id: str, slug: str) -> bool:
        """Forget a channel's followed topic; False when it did not follow it."""
        removed = await self._sql.change(
            "DELETE FROM followed_topics WHERE platform = ? AND channel_id = ? AND slug = ?",
            (platform, channel_id, slug),
        )
        return removed == 1

    async def followed(self, platform: str, channel_id: str) -> list[FollowedTopic]:
        """A channel's followed topics, oldest first."""
        rows = await self._sql.rows(
            "SELECT slug, words, created_at FROM followed_topics"
            " WHERE platform = ? AND channel_id = ? ORDER BY created_at, slug",
            (platform, channel_id),
        )
        return [
            FollowedTopic(str(r[0]), str(r[1]), dt.datetime.fromisoformat(str(r[2]))) for r in rows
        ]


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()
