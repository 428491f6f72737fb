"""``SearchQuery`` as a PostgreSQL tsquery: each phrase a bound parameter of phraseto_tsquery,
so user text is never query syntax and never makes a query fail. Each phrase goes through
``briefbot_search_text`` (migration 3) as the documents do, so both sides split at the same
punctuation, as SQLite's FTS5 does."""

from __future__ import annotations

from bot.store.records import SearchQuery

CONFIG = "briefbot"  # the text search configuration of migration 1 (stems, keeps stop words)
# One phrase, split at the same marks and stemmed as the documents are (migration 3).
PHRASE = f"phraseto_tsquery('{CONFIG}', briefbot_search_text(%s))"


def tsquery(query: SearchQuery) -> tuple[str, list[str]]:
    """SQL for the tsquery and its parameters; ('', []) when the query has no phrases."""
    parts: list[str] = []
    params: list[str] = []
    for clause in query.clauses():
        joiner = " && " if clause.match_all else " || "
        parts.append("(" + joiner.join(PHRASE for _ in clause.phrases) + ")")
        params.extend(" ".join(words) for words in clause.phrases)
    return " || ".join(parts), params
