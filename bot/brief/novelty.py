"""What's new: a brief's points that no earlier report already stated.

A point is *earlier* when it reports the same statement as a sentence of an article from before
the window (or a statement the channel was already shown): the same test that makes two
sentences one point (``OverlapIndex.statement``: overlap of at least SAME_STATEMENT, or one
quoting the other), without the same-day lead paraphrase link (earlier articles are from other
days). So a day-2 article repeating day 1's facts adds no new point, in whatever outlet's words
it copies them, while a new fact about the same people is new.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.brief.dedupe import OverlapIndex
from bot.models import Point


def earlier_points(
    points: Sequence[Point],
    point_terms: Sequence[Sequence[str]],
    point_quotes: Sequence[Sequence[Sequence[str]]],
    earlier_terms: Sequence[Sequence[str]],
    earlier_quotes: Sequence[Sequence[Sequence[str]]],
) -> list[bool]:
    """For each point, True when an earlier sentence already reported its statement."""
    if not earlier_terms:
        return [False] * len(points)
    n = len(points)
    index = OverlapIndex([*point_terms, *earlier_terms], [*point_quotes, *earlier_quotes])
    return [any(j >= n for j in index.statement(i, None)) for i in range(n)]
