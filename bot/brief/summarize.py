"""Brief exactly the given articles, in memory: the pipeline and the brief, without the store."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from pathlib import Path

from bot.brief.briefer import Ranker, RankJob
from bot.brief.build import build_brief
from bot.brief.corpus import Corpus
from bot.brief.select import SelectionLimits
from bot.models import Brief
from bot.text.terms import TermIndexer


def summarize(
    corpus: Corpus,
    indexer: TermIndexer,
    limits: SelectionLimits,
    title: str = "Summary",
) -> Brief:
    """Brief a corpus; with ``limits.words`` its points, whole, fill at most that many words."""
    brief = build_brief("summary", title, corpus.articles, corpus.records, indexer, limits)
    return brief if limits.words is None else fit_words(brief, limits.words)


async def summarize_within(
    corpus: Corpus, ranker: Ranker, limits: SelectionLimits, title: str, seconds: float
) -> Brief:
    """``summarize`` within ``seconds`` through ``ranker`` (a ``ProcessRanker`` stops the work
    at the deadline). Raise TimeoutError at the deadline.
    """
    job = RankJob("summary", title, corpus.articles, corpus.records, limits, None)
    brief = await asyncio.wait_for(ranker.rank(job), max(seconds, 0.0))
    return brief if limits.words is None else fit_words(brief, limits.words)


def summary_title(paths: Sequence[Path]) -> str:
    """'Summary: a.txt, b.html' (at most three names, then a count)."""
    names = [p.name for p in paths[:3]]
    more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
    return f"Summary: {', '.join(names)}{more}"


def fit_words(brief: Brief, words: int) -> Brief:
    """Keep whole points within ``words``: the best-ranked first while one still fits, then
    shown in the brief's reading order. No point is cut."""
    kept: set[int] = set()
    left = words
    for n, point in sorted(enumerate(brief.points), key=lambda np_: (np_[1].rank, np_[0])):
        size = len(point.text.split())
        if size <= left:
            kept.add(n)
            left -= size
    return dataclasses.replace(
        brief, points=tuple(p for n, p in enumerate(brief.points) if n in kept)
    )


def word_count(brief: Brief) -> int:
    """Words in the brief's points."""
    return sum(len(p.text.split()) for p in brief.points)
