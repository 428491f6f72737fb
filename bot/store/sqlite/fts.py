"""``SearchQuery`` as an FTS5 match expression: every phrase quoted, never user syntax."""

from __future__ import annotations

from bot.store.records import SearchQuery


def match_expression(query: SearchQuery) -> str:
    """The FTS5 MATCH string for the query ('' when it has no phrases: match nothing)."""
    clauses = [_clause(c) for c in query.clauses()]
    if len(clauses) == 1:
        return clauses[0]
    return " OR ".join(f"({c})" for c in clauses)


def _clause(query: SearchQuery) -> str:
    joiner = " AND " if query.match_all else " OR "
    return joiner.join(_quoted(" ".join(words)) for words in query.phrases)


def _quoted(phrase: str) -> str:
    # Inside an FTS5 string a double quote is written twice; everything else is literal.
    return '"' + phrase.replace('"', '""') + '"'
