"""Stage 4, store: one SQLite file holding articles, their sentences and an FTS index."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import aiosqlite

from bot.models import (
    Article,
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
from bot.store.sql.generation import BUMP_GENERATION
from bot.store.sql.store import ARTICLE_COLUMNS, SqlStore
from bot.store.sql.workers import SqlWorkers
from bot.store.sqlite.connection import BUSY_TIMEOUT_MS, Database, Statements
from bot.store.sqlite.fts import match_expressions
from bot.store.sqlite.ledger import SqliteLedger

_SQL_VARIABLES = 900  # stay under SQLite's default bound-parameter limit


class SqliteStore(SqlStore):
    """The briefbot store in one SQLite file (WAL mode, migrated on open only when needed).

    Reads use reader connections and never wait for writes; writes are serialized on one
    writer connection (see bot.store.sqlite.connection).
    """

    def __init__(self, database: Database) -> None:
        # SQLite's one writer is the lock: turns need no row-locking clause.
        statements = Statements(database)
        super().__init__(statements, SqliteLedger(database), SqlWorkers(statements))
        self._db = database

    @classmethod
    async def open(cls, path: Path | str, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> SqliteStore:
        """Open (creating if needed) the store at ``path``; migrate it only when it is behind.

        A write waits up to ``busy_timeout_ms`` for another process's write, then fails with
        ``StoreError(LOCKED)``.
        """
        return cls(await Database.open(Path(path), busy_timeout_ms=busy_timeout_ms))

    @property
    def read_only(self) -> bool:
        """True when the file can only be read (briefs work, storing does not)."""
        return self._db.read_only

    async def close(self) -> None:
        """Close the connections; WAL content is checkpointed by SQLite on last close."""
        await self._db.close()

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
            f"SELECT {ARTICLE_COLUMNS} FROM articles a WHERE ({' OR '.join(terms)})"
            " AND a.ingested_at > ?"
            " ORDER BY a.published DESC NULLS LAST, a.id DESC LIMIT ?",
            (*params, after, limit),
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
