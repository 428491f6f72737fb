"""``SearchQuery`` as PostgreSQL tsqueries, one per text search configuration: each phrase a
bound parameter of phraseto_tsquery (through ``briefbot_search_text``, as the documents are),
so user text is never query syntax and never makes a query fail."""

from __future__ import annotations

from collections.abc import Iterable

from bot.store.lexemes import config_name
from bot.store.records import SearchQuery


def tsquery(query: SearchQuery, config: str) -> tuple[str, list[str]]:
    """SQL for the tsquery in ``config`` and its parameters; ('', []) when it has no phrases."""
    parts: list[str] = []
    params: list[str] = []
    phrase = f"phraseto_tsquery('{config}'::regconfig, briefbot_search_text(%s))"
    for clause in query.clauses():
        joiner = " && " if clause.match_all else " || "
        parts.append("(" + joiner.join(phrase for _ in clause.phrases) + ")")
        params.extend(" ".join(words) for words in clause.phrases)
    return " || ".join(parts), params


def search_condition(query: SearchQuery, languages: Iterable[str]) -> tuple[str, list[object]]:
    """A WHERE condition on ``articles a``: the query in each language's configuration, against
    that language's articles; ('', []) when there is nothing to search."""
    by_config: dict[str, list[str]] = {}
    for language in languages:
        by_config.setdefault(config_name(language), []).append(language)
    terms: list[str] = []
    params: list[object] = []
    for config, members in by_config.items():
        expression, phrases = tsquery(query, config)
        if not expression:
            continue
        terms.append(f"(a.language = ANY(%s) AND a.search @@ ({expression}))")
        params.extend([members, *phrases])
    return " OR ".join(terms), params
