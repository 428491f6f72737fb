"""Build a ``Brief`` from stored articles: index -> rank -> select (stages 4b to 5b)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from bot.brief.prior import combine, position_prior, query_prior
from bot.brief.rank import lexrank_scores
from bot.brief.select import SelectionLimits, select_points
from bot.models import Article, Brief, DateRange, Point, SentenceRecord
from bot.text.termcodes import TermCodes
from bot.text.terms import TermIndexer


def build_brief(
    topic: str,
    title: str,
    articles: Sequence[Article],
    records: Sequence[SentenceRecord],
    indexer: TermIndexer,
    limits: SelectionLimits,
    query: str | None = None,
) -> Brief:
    """Rank every sentence of the articles with LexRank and keep the best distinct statements.

    The walk is biased toward article leads and, given a free-text ``query``, toward sentences
    sharing its terms.
    """
    by_id = {a.id: a for a in articles}
    records = [r for r in records if r.article_id in by_id]
    return Brief(
        topic=topic,
        title=title,
        # Articles left with no sentence (all furniture, say) have nothing to rank.
        points=_ranked_points(records, by_id, indexer, limits, query) if records else (),
        article_count=len(by_id),
        source_count=len({a.source for a in by_id.values()}),
        date_range=date_range(by_id.values()),
    )


def _ranked_points(
    records: Sequence[SentenceRecord],
    by_id: dict[int, Article],
    indexer: TermIndexer,
    limits: SelectionLimits,
    query: str | None,
) -> tuple[Point, ...]:
    # Terms are stored at ingest; only sentences stored before that are tokenized here.
    terms = TermCodes([r.terms if r.terms is not None else indexer.terms(r.text) for r in records])
    strategy = limits.strategy
    leads = None
    if strategy.position_decay is not None:
        leads = position_prior(records, strategy.position_decay)
    on_query = None if query is None else query_prior(terms, indexer.terms(query))
    bias = combine(leads, on_query)
    teleport = strategy.teleport if query is None else strategy.query_teleport
    scores = lexrank_scores(terms, bias, teleport)
    quoted = [indexer.quotations(r.text) for r in records]
    return select_points(records, terms, scores, by_id, limits, quoted)


def date_range(articles: Iterable[Article]) -> DateRange | None:
    """First and last known publication dates, or None when no article is dated."""
    dated = [a.date for a in articles if a.date.value is not None]
    if not dated:
        return None
    dated.sort(key=lambda d: d.value or dt.date.min)
    return DateRange(first=dated[0], last=dated[-1])
