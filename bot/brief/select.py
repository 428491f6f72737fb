"""Stage 6, select: pick the brief's points from ranked sentences, one point per statement."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bot.brief.dedupe import LEAD_PARAPHRASE, MIN_TERMS, REDUNDANT, OverlapIndex
from bot.models import Article, DatePrecision, Point, SentenceRecord, SourceRef

# Scores below this share of the best one count as "never reached by the walk".
UNREACHED_SHARE = 1e-6


@dataclass(frozen=True)
class Strategy:
    """How sentences are ranked and chosen; defaults measured in docs/quality.md."""

    # Position prior: teleport weight exp(-position / decay) (None: sumy's unbiased LexRank).
    position_decay: float | None = 2.0
    # Share of each random-walk step that teleports by the prior.
    teleport: float = 0.3
    # The same for a free-text query: the brief must stay on what was asked.
    query_teleport: float = 0.8
    # MMR: a candidate's score minus this much times its overlap with chosen points.
    redundancy_penalty: float = 0.3
    # Source diversity: a candidate's score shrinks by this share per point already chosen
    # from its article.
    article_penalty: float = 0.5
    # Article leads at or above this cosine report the same news: one point (None: off).
    lead_paraphrase: float | None = LEAD_PARAPHRASE
    # Only this many best-ranked sentences are considered, so MMR stays cheap on big stores.
    candidates: int = 400


@dataclass(frozen=True)
class SelectionLimits:
    """How many points a brief has and which sentences may become one."""

    points: int
    min_words: int = 6
    max_words: int = 70
    # A word budget: stop choosing once the chosen sentences reach it (None: no budget).
    words: int | None = None
    strategy: Strategy = Strategy()


def select_points(
    records: Sequence[SentenceRecord],
    terms: Sequence[Sequence[str]],
    scores: Sequence[float],
    articles: Mapping[int, Article],
    limits: SelectionLimits,
    quoted: Sequence[Sequence[Sequence[str]]] = (),
) -> tuple[Point, ...]:
    """Choose up to ``limits.points`` points (or until ``limits.words``), one per statement.

    Greedy: each round takes the candidate with the best normalised score, less the MMR penalty
    for its overlap with chosen points and the diversity penalty for its article's points.
    A candidate reporting a chosen point's statement (``OverlapIndex.statement``, given the
    terms each sentence ``quoted``) is no new point; each point credits every article that
    reports its statement. Points are returned in the order their statements first appeared.
    """
    index = OverlapIndex(terms, quoted, leads=_lead_days(records, articles))
    strategy = limits.strategy
    # A sentence the ranking walk never reaches (off a free-text query) is no point; power
    # iteration leaves such sentences a rounding residue, not an exact zero.
    reached = max(scores, default=0.0) * UNREACHED_SHARE
    eligible = [
        i
        for i, (r, count) in enumerate(zip(records, index.term_counts(), strict=True))
        if scores[i] > reached
        and count >= MIN_TERMS
        and limits.min_words <= len(r.text.split()) <= limits.max_words
    ]
    # Best score first; ties go to the earlier article date, then the earlier position.
    day = {a: _date_key(article).toordinal() for a, article in articles.items()}
    rank_keys = np.array(
        [(records[i].position, day[records[i].article_id], -scores[i]) for i in eligible],
        dtype=np.float64,
    ).reshape(-1, 3)
    order = [eligible[k] for k in np.lexsort(rank_keys.T).tolist()][: strategy.candidates]
    top = max((scores[i] for i in order), default=0.0) or 1.0
    chosen: list[int] = []
    per_article: Counter[int] = Counter()
    # Each candidate's highest overlap with a chosen point, updated as points are chosen.
    overlap = dict.fromkeys(order, 0.0)
    # Each chosen point's statement: every sentence reporting it, the point included.
    statements: list[list[int]] = []
    words = 0

    def value(i: int) -> float:
        if overlap[i] >= REDUNDANT:
            return -math.inf
        mmr = scores[i] / top - strategy.redundancy_penalty * overlap[i]
        return mmr * max(0.0, 1.0 - strategy.article_penalty * per_article[records[i].article_id])

    while overlap and len(chosen) < limits.points:
        if limits.words is not None and words >= limits.words:
            break
        best = max(overlap, key=value)
        if overlap[best] >= REDUNDANT:
            break
        chosen.append(best)
        del overlap[best]
        per_article[records[best].article_id] += 1
        words += len(records[best].text.split())
        statements.append(index.statement(best, strategy.lead_paraphrase))
        for j in statements[-1]:
            overlap.pop(j, None)
        for i in overlap:
            overlap[i] = max(overlap[i], index.overlap(i, best))

    points: list[tuple[tuple[dt.date, int, int], Point]] = []
    for i, group in zip(chosen, statements, strict=True):
        refs = _source_refs({records[j].article_id for j in group}, articles)
        first_seen = min(_date_key(articles[ref.article_id]) for ref in refs)
        key = (first_seen, records[i].article_id, records[i].position)
        points.append((key, Point(text=records[i].text, sources=refs, score=scores[i])))
    points.sort(key=lambda kp: kp[0])
    return tuple(p for _, p in points)


def _lead_days(
    records: Sequence[SentenceRecord], articles: Mapping[int, Article]
) -> dict[int, dt.date]:
    """Article leads and the day their article came out (when known to the day)."""
    days = {}
    for i, record in enumerate(records):
        date = articles[record.article_id].date
        if record.position == 0 and date.value is not None and date.precision is DatePrecision.DAY:
            days[i] = date.value
    return days


def _date_key(article: Article) -> dt.date:
    return article.date.value or dt.date.max


def _source_refs(article_ids: set[int], articles: Mapping[int, Article]) -> tuple[SourceRef, ...]:
    ordered = sorted(
        (articles[a] for a in article_ids), key=lambda a: (_date_key(a), a.source, a.id)
    )
    return tuple(
        SourceRef(article_id=a.id, source=a.source, title=a.title, url=a.url, date=a.date)
        for a in ordered
    )
