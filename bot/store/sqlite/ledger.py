"""What web ingestion remembers in the store: article URLs, HTTP validators, feed entries, tags."""

from __future__ import annotations

from collections.abc import Mapping

from bot.store.records import SearchQuery
from bot.store.sql.ledger import SqlLedger
from bot.store.sqlite.connection import Database, Statements
from bot.store.sqlite.fts import match_expression


class SqliteLedger(SqlLedger):
    """Web-ingestion bookkeeping: the shared SQL, and tagging by this engine's search."""

    def __init__(self, database: Database) -> None:
        super().__init__(Statements(database))
        self._db = database

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
