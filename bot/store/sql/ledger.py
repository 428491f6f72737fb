"""What web ingestion remembers (article URLs, HTTP validators, feed entries, topic tags), the
same SQL on every engine; tagging by topic, which runs each engine's full-text search, is the
engines' own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from bot.store.records import Validators
from bot.store.sql.statements import Statements


class SqlLedger:
    """Web-ingestion bookkeeping (tables of the 'ingest' migration); reads use the readers."""

    def __init__(self, statements: Statements) -> None:
        self._sql = statements

    async def article_for_url(self, url: str) -> int | None:
        """The stored article known under this canonical URL, if any."""
        rows = await self._sql.rows("SELECT article_id FROM article_urls WHERE url = ?", (url,))
        return int(rows[0]["article_id"]) if rows else None

    async def link_urls(self, article_id: int, urls: Iterable[str]) -> None:
        """Remember that these canonical URLs lead to this article."""
        insert = "INSERT INTO article_urls (url, article_id) VALUES (?, ?) ON CONFLICT DO NOTHING"
        await self._sql.changes(*((insert, (url, article_id)) for url in dict.fromkeys(urls)))

    async def validators(self, url: str) -> Validators | None:
        """The ETag / Last-Modified seen on the last fetch of this URL."""
        rows = await self._sql.rows(
            "SELECT etag, last_modified FROM http_validators WHERE url = ?", (url,)
        )
        return Validators(rows[0]["etag"], rows[0]["last_modified"]) if rows else None

    async def save_validators(self, url: str, validators: Validators, now: dt.datetime) -> None:
        """Keep the validators of a fetch for the next conditional request."""
        if validators.etag is None and validators.last_modified is None:
            return
        await self._sql.change(
            "INSERT INTO http_validators (url, etag, last_modified, updated_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET etag = excluded.etag,"
            " last_modified = excluded.last_modified, updated_at = excluded.updated_at",
            (url, validators.etag, validators.last_modified, now.isoformat()),
        )

    async def entry_seen(self, feed_url: str, entry_key: str) -> bool:
        """True when this feed entry was handled by an earlier poll."""
        rows = await self._sql.rows(
            "SELECT 1 AS seen FROM feed_entries WHERE feed_url = ? AND entry_key = ?",
            (feed_url, entry_key),
        )
        return bool(rows)

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
        await self._sql.change(
            "INSERT INTO feed_entries (feed_url, entry_key, link, article_id, outcome, seen_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (feed_url, entry_key) DO UPDATE"
            " SET link = excluded.link, article_id = excluded.article_id,"
            " outcome = excluded.outcome, seen_at = excluded.seen_at",
            (feed_url, entry_key, link, article_id, outcome, now.isoformat()),
        )

    async def topics_of(self, article_id: int) -> tuple[str, ...]:
        """The topic slugs an article is tagged with."""
        rows = await self._sql.rows(
            "SELECT topic FROM article_topics WHERE article_id = ? ORDER BY topic", (article_id,)
        )
        return tuple(str(r["topic"]) for r in rows)
