"""Bias vectors for personalised LexRank: where a reader would look first, and what they asked.

News is written lead first: an article's opening sentences carry its main facts, so the
teleport of the random walk lands on early sentences more often (a position prior). A free-text
query biases the walk toward sentences sharing its terms (query-biased LexRank).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from bot.models import SentenceRecord


def position_prior(
    records: Sequence[SentenceRecord], decay: float, positions: Sequence[int] | None = None
) -> list[float]:
    """Weight ``exp(-position / decay)`` per sentence: 1 for each lead, fading down the article.

    ``positions`` replaces the stored ones (``bot.text.clauses.statement_positions``: a caption
    above the lead is not where the reporter put the news).
    """
    if positions is None:
        positions = [r.position for r in records]
    return [math.exp(-position / decay) for position in positions]


def query_prior(terms: Sequence[Sequence[str]], query: Sequence[str]) -> list[float]:
    """Share of the query's terms each sentence contains (0 for sentences off the query)."""
    wanted = frozenset(query)
    if not wanted:
        return [0.0] * len(terms)
    return [len(wanted.intersection(t)) / len(wanted) for t in terms]


def combine(*priors: Sequence[float] | None) -> list[float] | None:
    """Element-wise product of the given priors (None ones are skipped); None if none given."""
    given = [p for p in priors if p is not None]
    if not given:
        return None
    return [math.prod(values) for values in zip(*given, strict=True)]
