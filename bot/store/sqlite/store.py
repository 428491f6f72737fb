"""Stage 4, store: one SQLite file holding articles, their sentences and an FTS index."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

import aiosqlite

from bot.models import (
    Article,
    FollowedTopic,
    PreparedArticle,
    SentenceRecord,
)
from bot.store.errors import StoreError, StoreFault
from bot.store.records import AddResult, SearchQuery, content_hash
from bot.store.sql.articles import (
    LANGUAGES_PRESENT,
    article_from_row,
    article_row,
    sentence_rows,
)
from bot.store.sql.generation import BUMP_GENERATION, READ_GENERATION
from bot.store.sqlite.connection import BUSY_TIMEOUT_MS, Database
from bot.store.sqlite.fts import match_expressions
from bot.store.sqlite.installations import SqliteInstallations
from bot.store.sqlite.ledger import SqliteLedger
from bot.store.sqlite.subscriptions import SqliteSubscriptions
from bot.store.sqlite.workers import SqliteWorkers

_SQL_VARIABLES = 900  # stay under SQLite's default bound-parameter limit


class SqliteStore:
    """The briefbot store in one SQLite file (WAL mode, migrated on open only when needed).

    Reads use reader connections and never wait for writes; writes are serialized on one
    writer connection (see bot.store.sqlite.connection).
    """

    def __init__(self, database: Database) -> None:
        self._db = database
        self._subscriptions = SqliteSubscriptions(database)
        self._ledger = SqliteLedger(database)
        self._installations = SqliteInstallations(database)
        self._workers = SqliteWorkers(database)

    @classmethod
    async def open(cls, path: Path | str, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> SqliteStore:
        """Open (creating if needed) the store at ``path``; migrate it only when it is behind.

        A write waits up to ``busy_timeout_ms`` for another process's write, then fails with
        ``StoreError(LOCKED)``.
        """
        return cls(await Database.open(Path(path), busy_timeout_ms=busy_timeout_ms))

    @property
    def subscriptions(self) -> SqliteSubscriptions:
        """Digest subscriptions and the digest log."""
        return self._subscriptions

    @property
    def ledger(self) -> SqliteLedger:
        """Web-ingestion bookkeeping."""
        return self._ledger

    @property
    def read_only(self) -> bool:
        """True when the file can only be read (briefs work, storing does not)."""
        return self._db.read_only

    @property
    def installations(self) -> SqliteInstallations:
        """Chat installations by workspace and OAuth states (bot.store.installations)."""
        return self._installations

    @property
    def workers(self) -> SqliteWorkers:
        """Worker leases and turns at shared work (digests, feeds) across replicas."""
        return self._workers

    async def close(self) -> None:
        """Close the connections; WAL content is checkpointed by SQLite on last close."""
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

    async def add_article(self, prepared: PreparedArticle, now: dt.datetime) -> AddResult:
        """Store one article and its sentences' terms; see ``add_articles``."""
        return (await self.add_articles([prepared], now))[0]

    async def add_articles(
        self, items: Sequence[PreparedArticle], now: dt.datetime
    ) -> list[AddResult]:
        """Store articles and their sentences in one transaction, each once by content hash.

        A hash already stored, or met earlier in the batch, is not stored again: its result
        names the stored article. Either the whole batch is stored or none of it.
        """
        for item in items:
            if len(item.terms) != len(item.article.sentences):
                raise ValueError(
                    f"{item.article.origin}: {len(item.terms)} term lists for"
                    f" {len(item.article.sentences)} sentences"
                )
        if not items:
            return []
        digests = [content_hash(item.article) for item in items]
        ingested_at = now.isoformat()
        async with self._db.write() as db:
            ids = await _stored_ids(db, digests)
            fresh = {d: item for d, item in zip(digests, items, strict=True) if d not in ids}
            new = list(fresh.items())
            # The index's trigger takes the lexemes the articles came with, if any.
            self._db.lexemes.give(item for _, item in new)
            rows_per_insert = _SQL_VARIABLES // _ARTICLE_FIELDS
            for start in range(0, len(new), rows_per_insert):
                chunk = new[start : start + rows_per_insert]
                # One multi-row INSERT, not executemany: FTS5 writes out its pending index
                # data at each statement's savepoint, so one statement per article made one
                # index segment per article and doubled the trigger's cost.
                returned = await db.execute_fetchall(
                    _INSERT_ARTICLES
                    + ", ".join([_ARTICLE_VALUES] * len(chunk))
                    + " RETURNING id, content_hash",
                    [v for digest, item in chunk for v in article_row(digest, item, ingested_at)],
                )
                ids.update((str(row[1]), int(row[0])) for row in returned)
            await db.executemany(
                "INSERT INTO sentences (article_id, position, paragraph, text, terms)"
                " VALUES (?, ?, ?, ?, ?)",
                [row for digest, item in new for row in sentence_rows(ids[digest], item)],
            )
            if new:
                # Last, so concurrent ingests hold the generation's row only until they commit.
                await db.execute(BUMP_GENERATION)
        results = []
        for digest in digests:
            # Only a hash's first article in the batch was added; a repeat names it.
            results.append(AddResult(ids[digest], added=fresh.pop(digest, None) is not None))
        return results

    async def search(
        self, query: SearchQuery, limit: int, ingested_after: dt.datetime | None = None
    ) -> list[Article]:
        """Articles matching the query, newest first (stored after ``ingested_after``)."""
        if not query:
            return []
        after = "" if ingested_after is None else ingested_after.astimezone(dt.UTC).isoformat()
        # The query in each language's lexemes, against that language's articles only.
        present = [str(r[0]) for r in await self._db.fetch_all(LANGUAGES_PRESENT)]
        groups = match_expressions(query, present)
        if not groups:
            return []
        terms: list[str] = []
        params: list[object] = []
        for expression, languages in groups.items():
            terms.append(
                f"(a.language IN ({','.join('?' * len(languages))}) AND a.id IN"
                " (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?))"
            )
            params.extend([*languages, expression])
        rows = await self._db.fetch_all(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles a WHERE ({' OR '.join(terms)})"
            " AND a.ingested_at > ?"
            " ORDER BY a.published DESC NULLS LAST, a.id DESC LIMIT ?",
            (*params, after, limit),
        )
        return [article_from_row(row) for row in rows]

    async def article(self, article_id: int) -> Article | None:
        """One stored article by id."""
        row = await self._db.fetch_one(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles a WHERE a.id = ?", (article_id,)
        )
        return None if row is None else article_from_row(row)

    async def articles(self, limit: int) -> list[Article]:
        """The newest stored articles."""
        rows = await self._db.fetch_all(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles a"
            " ORDER BY a.published DESC NULLS LAST, a.id DESC LIMIT ?",
            (limit,),
        )
        return [article_from_row(row) for row in rows]

    async def sentences(self, article_ids: Sequence[int]) -> list[SentenceRecord]:
        """Stored sentences of these articles, by article then position, with stored terms."""
        records: list[SentenceRecord] = []
        for start in range(0, len(article_ids), _SQL_VARIABLES):
            chunk = list(article_ids[start : start + _SQL_VARIABLES])
            marks = ",".join("?" * len(chunk))
            rows = await self._db.fetch_all(
                "SELECT id, article_id, position, text, terms FROM sentences"
                f" WHERE article_id IN ({marks}) ORDER BY article_id, position",
                chunk,
            )
            records.extend(
                SentenceRecord(
                    int(r[0]),
                    int(r[1]),
                    int(r[2]),
                    str(r[3]),
                    None if r[4] is None else tuple(str(r[4]).split()),
                )
                for r in rows
            )
        return records

    async def generation(self) -> int:
        """A number that moves on with every change to stored articles (generation.py)."""
        row = await self._db.fetch_one(READ_GENERATION)
        return int(row[0]) if row else 0

    async def count_articles(self) -> int:
        """How many articles the store holds."""
        row = await self._db.fetch_one("SELECT count(*) FROM articles")
        return int(row[0]) if row else 0

    async def get_meta(self, key: str) -> str | None:
        """A stored setting of the store itself, e.g. whether seeds were ingested."""
        row = await self._db.fetch_one("SELECT value FROM meta WHERE key = ?", (key,))
        return str(row[0]) if row else None

    async def set_meta(self, key: str, value: str) -> None:
        """Record a setting of the store itself."""
        async with self._db.write() as db:
            await db.execute(
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
        async with self._db.write() as db:
            await db.execute(
                "DELETE FROM processed_events WHERE seen_at < ?", ((now - keep).isoformat(),)
            )
            cursor = await db.execute(
                "INSERT INTO processed_events (platform, event_id, seen_at) VALUES (?, ?, ?)"
                " ON CONFLICT (platform, event_id) DO NOTHING",
                (platform, event_id, now.isoformat()),
            )
            return cursor.rowcount == 1

    async def note_brief(
        self, platform: str, channel_id: str, target: str, shown_at: dt.datetime
    ) -> None:
        """Remember that a channel was shown a brief of a target (for ``--since last``)."""
        async with self._db.write() as db:
            await db.execute(
                "INSERT INTO channel_briefs (platform, channel_id, target, shown_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (platform, channel_id, target)"
                " DO UPDATE SET shown_at = excluded.shown_at",
                (platform, channel_id, target, shown_at.astimezone(dt.UTC).isoformat()),
            )

    async def last_brief(self, platform: str, channel_id: str, target: str) -> dt.datetime | None:
        """When the channel was last shown a brief of the target, or None."""
        row = await self._db.fetch_one(
            "SELECT shown_at FROM channel_briefs"
            " WHERE platform = ? AND channel_id = ? AND target = ?",
            (platform, channel_id, target),
        )
        return None if row is None else dt.datetime.fromisoformat(str(row[0]))

    async def follow(
        self, platform: str, channel_id: str, slug: str, words: str, now: dt.datetime
    ) -> bool:
        """Store a channel's followed topic; False when the channel already follows it."""
        async with self._db.write() as db:
            cursor = await db.execute(
                "INSERT INTO followed_topics (platform, channel_id, slug, words, created_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, channel_id, slug) DO NOTHING",
                (platform, channel_id, slug, words, now.astimezone(dt.UTC).isoformat()),
            )
            return cursor.rowcount == 1

    async def unfollow(self, platform: str, channel_id: str, slug: str) -> bool:
        """Forget a channel's followed topic; False when it did not follow it."""
        async with self._db.write() as db:
            cursor = await db.execute(
                "DELETE FROM followed_topics WHERE platform = ? AND channel_id = ? AND slug = ?",
                (platform, channel_id, slug),
            )
            return cursor.rowcount == 1

    async def followed(self, platform: str, channel_id: str) -> list[FollowedTopic]:
        """A channel's followed topics, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT slug, words, created_at FROM followed_topics"
            " WHERE platform = ? AND channel_id = ? ORDER BY created_at, slug",
            (platform, channel_id),
        )
        return [
            FollowedTopic(str(r[0]), str(r[1]), dt.datetime.fromisoformat(str(r[2]))) for r in rows
        ]

    async def integrity_ok(self) -> bool:
        """True when SQLite's integrity check and FTS5's own index check pass."""
        row = await self._db.fetch_one("PRAGMA integrity_check")
        if row is None or str(row[0]) != "ok":
            return False
        return await self.fts_consistent()

    async def fts_consistent(self) -> bool:
        """FTS5's own check that the index matches the articles it was built from."""
        # The check is written as an INSERT of a command; it changes nothing. Run on a
        # reader it is refused as a write, so it takes the writer when there is one.
        try:
            if self._db.read_only:
                return True
            async with self._db.write() as db:
                await db.execute(
                    "INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')"
                )
        except StoreError as exc:
            if exc.fault is StoreFault.CORRUPT:
                return False
            raise
        return True

    async def journal_mode(self) -> str:
        """SQLite's journal mode for this file ('wal' when configured as intended)."""
        row = await self._db.fetch_one("PRAGMA journal_mode")
        return str(row[0]) if row else ""


_INSERT_ARTICLES = (
    "INSERT INTO articles (content_hash, origin, url, source, title, published, date_precision,"
    " body, ingested_at, author, language) VALUES "
)
_ARTICLE_FIELDS = 11
_ARTICLE_VALUES = "(" + ", ".join("?" * _ARTICLE_FIELDS) + ")"


async def _stored_ids(db: aiosqlite.Connection, digests: Sequence[str]) -> dict[str, int]:
    """Ids of the stored articles among these content hashes."""
    unique = list(dict.fromkeys(digests))
    ids: dict[str, int] = {}
    for start in range(0, len(unique), _SQL_VARIABLES):
        chunk = unique[start : start + _SQL_VARIABLES]
        rows = await db.execute_fetchall(
            "SELECT content_hash, id FROM articles"
            f" WHERE content_hash IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        ids.update((str(row[0]), int(row[1])) for row in rows)
    return ids


_ARTICLE_COLUMNS = (
    "a.id, a.source, a.title, a.url, a.published, a.date_precision, a.origin, a.language"
)
