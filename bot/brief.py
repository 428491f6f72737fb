"""Build a ``Brief`` from stored articles: index -> rank -> select (stages 4b to 5b)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from bot.index import TermIndexer
from bot.models import Article, Brief, DateRange, SentenceRecord
from bot.rank import lexrank_scores
from bot.select import SelectionLimits, select_points
from bot.termcodes import TermCodes


def build_brief(
    topic: str,
    title: str,
    articles: Sequence[Article],
    records: Sequence[SentenceRecord],
    indexer: TermIndexer,
    limits: SelectionLimits,
) -> Brief:
    """Rank every sentence of the articles with LexRank and keep the best distinct statements."""
    by_id = {a.id: a for a in articles}
    records = [r for r in records if r.article_id in by_id]
    # Terms are stored at ingest; only sentences stored before that are tokenized here.
    terms = TermCodes([r.terms if r.terms is not None else indexer.terms(r.text) for r in records])
    scores = lexrank_scores(terms)
    points = select_points(records, terms, scores, by_id, limits)
    return Brief(
        topic=topic,
        title=title,
        points=points,
        article_count=len(by_id),
        source_count=len({a.source for a in by_id.values()}),
        date_range=date_range(by_id.values()),
    )


def date_range(articles: Iterable[Article]) -> DateRange | None:
    """First and last known publication dates, or None when no article is dated."""
    dated = [a.date for a in articles if a.date.value is not None]
    if not dated:
        return None
    dated.sort(key=lambda d: d.value or dt.date.min)
    return DateRange(first=dated[0], last=dated[-1])
