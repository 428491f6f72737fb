"""What web ingestion remembers in the store: article URLs, HTTP validators, feed entries, tags."""

from __future__ import annotations

from collections.abc import Mapping

from bot.store.postgres.connection import Database, Statements
from bot.store.postgres.search import search_condition
from bot.store.records import SearchQuery
from bot.store.sql.ledger import SqlLedger


class PostgresLedger(SqlLedger):
    """Web-ingestion bookkeeping: the shared SQL, and tagging by this engine's search."""

    def __init__(self, database: Database) -> None:
        super().__init__(Statements(database))
        self._db = database

    async def tag(self, article_id: int, topics: Mapping[str, SearchQuery]) -> tuple[str, ...]:
        """Tag the article with every topic (slug -> query) whose query matches it; the slugs."""
        tagged: list[str] = []
        async with self._db.write() as db:
            cursor = await db.execute("SELECT language FROM articles WHERE id = %s", (article_id,))
            found = await cursor.fetchone()
            language = str(found[0]) if found else "en"
            for slug, query in topics.items():
                condition, params = search_condition(query, [language])
                if not condition:
                    continue
                cursor = await db.execute(
                    f"SELECT 1 FROM articles a WHERE a.id = %s AND ({condition})",
                    (article_id, *params),
                )
                if await cursor.fetchone() is not None:
                    tagged.append(slug)
            await db.cursor().executemany(
                "INSERT INTO article_topics (article_id, topic) VALUES (%s, %s)"
                " ON CONFLICT DO NOTHING",
                [(article_id, slug) for slug in tagged],
            )
        return tuple(tagged)
