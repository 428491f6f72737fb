"""``SearchQuery`` as FTS5 match expressions over the lexemes of ``bot.store.lexemes``: every
phrase quoted, never user syntax; one expression per language, with that language's stems."""

from __future__ import annotations

from collections.abc import Iterable

from bot.store.lexemes import lexemes
from bot.store.records import SearchQuery


def match_expression(query: SearchQuery, language: str) -> str:
    """The FTS5 MATCH string for the query in articles of ``language`` ('' matches nothing).

    A phrase without lexemes (only punctuation) is left out, and a clause left with none
    matches nothing, as PostgreSQL treats an empty ``phraseto_tsquery``."""
    clauses = [c for c in (_clause(c, language) for c in query.clauses()) if c]
    if len(clauses) == 1:
        return clauses[0]
    return " OR ".join(f"({c})" for c in clauses)


def match_expressions(query: SearchQuery, languages: Iterable[str]) -> dict[str, list[str]]:
    """MATCH string -> the languages it is run for; languages sharing one string (proper names
    stem alike) are searched together, and languages where the query matches nothing left out."""
    grouped: dict[str, list[str]] = {}
    for language in languages:
        expression = match_expression(query, language)
        if expression:
            grouped.setdefault(expression, []).append(language)
    return grouped


def _clause(query: SearchQuery, language: str) -> str:
    joiner = " AND " if query.match_all else " OR "
    phrases = [found for found in (lexemes(" ".join(p), language) for p in query.phrases) if found]
    return joiner.join(_quoted(" ".join(found)) for found in phrases)


def _quoted(phrase: str) -> str:
    # Lexemes are letters, marks and digits only; quoting keeps FTS5 from reading "OR" or
    # "NEAR" as operators.
    return '"' + phrase + '"'
