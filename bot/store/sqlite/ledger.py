"""What web ingestion remembers in the store: article URLs, HTTP validators, feed entries, tags."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from bot.store.records import SearchQuery, Validators
from bot.store.sqlite.connection import Database
from bot.store.sqlite.fts import match_expression


class SqliteLedger:
    """Web-ingestion bookkeeping (tables of the 'ingest' migration); reads use the readers."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def article_for_url(self, url: str) -> int | None:
        """The stored article known under this canonical URL, if any."""
        row = await self._db.fetch_one("SELECT article_id FROM article_urls WHERE url = ?", (url,))
        return None if row is None else int(row[0])

    async def link_urls(self, article_id: int, urls: Iterable[str]) -> None:
        """Remember that these canonical URLs lead to this article."""
        async with self._db.write() as db:
            await db.executemany(
                "INSERT OR IGNORE INTO article_urls (url, article_id) VALUES (?, ?)",
                [(url, article_id) for url in dict.fromkeys(urls)],
            )

    async def validators(self, url: str) -> Validators | None:
        """The ETag / Last-Modified seen on the last fetch of this URL."""
        row = await self._db.fetch_one(
            "SELECT etag, last_modified FROM http_validators WHERE url = ?", (url,)
        )
        return None if row is None else Validators(row[0], row[1])

    async def save_validators(self, url: str, validators: Validators, now: dt.datetime) -> None:
        """Keep the validators of a fetch for the next conditional request."""
        if validators.etag is None and validators.last_modified is None:
            return
        async with self._db.write() as db:
            await db.execute(
                "INSERT INTO http_validators (url, etag, last_modified, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET etag = excluded.etag,"
                " last_modified = excluded.last_modified, updated_at = excluded.updated_at",
                (url, validators.etag, validators.last_modified, now.isoformat()),
            )

    async def entry_seen(self, feed_url: str, entry_key: str) -> bool:
        """True when this feed entry was handled by an earlier poll."""
        row = await self._db.fetch_one(
            "SELECT 1 FROM feed_entries WHERE feed_url = ? AND entry_key = ?",
            (feed_url, entry_key),
        )
        return row is not None

    async def record_entry(
        self,
        feed_url: str,
        entry_key: str,
        link: str | None,
        article_id: int | None,
        outcome: str,
        now: dt.datetime,
    ) -> None:
        """Remember a handled feed entry so later polls skip it."""
        async with self._db.write() as db:
            await db.execute(
                "INSERT OR REPLACE INTO feed_entries"
                " (feed_url, entry_key, link, article_id, outcome, seen_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (feed_url, entry_key, link, article_id, outcome, now.isoformat()),
            )

    async def tag(self, article_id: int, topics: Mapping[str, SearchQuery]) -> tuple[str, ...]:
        """Tag the article with every topic (slug -> query) whose query matches it; the slugs."""
        tagged: list[str] = []
        async with self._db.write() as db:
            found = list(
                await db.execute_fetchall(
                    "SELECT language FROM articles WHERE id = ?", (article_id,)
                )
            )
            language = str(found[0][0]) if found else "en"
            for slug, query in topics.items():
                expression = match_expression(query, language)
                if not expression:
                    continue
                rows = await db.execute_fetchall(
                    "SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? AND rowid = ?",
                    (expression, article_id),
                )
                if rows:
                    tagged.append(slug)
            await db.executemany(
                "INSERT OR IGNORE INTO article_topics (article_id, topic) VALUES (?, ?)",
                [(article_id, slug) for slug in tagged],
            )
        return tuple(tagged)

    async def topics_of(self, article_id: int) -> tuple[str, ...]:
        """The topic slugs an article is tagged with."""
        rows = await self._db.fetch_all(
            "SELECT topic FROM article_topics WHERE article_id = ? ORDER BY topic", (article_id,)
        )
        return tuple(str(r[0]) for r in rows)
