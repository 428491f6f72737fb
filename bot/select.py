"""Stage 5b, select: pick the brief's points from ranked sentences, one point per statement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bot.dedupe import MIN_TERMS, REDUNDANT, SAME_STATEMENT, OverlapIndex
from bot.models import Article, Point, SentenceRecord, SourceRef


@dataclass(frozen=True)
class SelectionLimits:
    """How many points a brief has and which sentences may become one."""

    points: int
    min_words: int = 6
    max_words: int = 70


def select_points(
    records: Sequence[SentenceRecord],
    terms: Sequence[Sequence[str]],
    scores: Sequence[float],
    articles: Mapping[int, Article],
    limits: SelectionLimits,
) -> tuple[Point, ...]:
    """Choose up to ``limits.points`` points, best score first, none redundant with another.

    Each point credits every article carrying a near-duplicate of its sentence.
    """
    index = OverlapIndex(terms)
    eligible = [
        i
        for i, (r, count) in enumerate(zip(records, index.term_counts(), strict=True))
        if count >= MIN_TERMS and limits.min_words <= len(r.text.split()) <= limits.max_words
    ]
    # Best score first; ties go to the earlier article date, then the earlier position.
    day = {a: _date_key(article).toordinal() for a, article in articles.items()}
    rank_keys = np.array(
        [(records[i].position, day[records[i].article_id], -scores[i]) for i in eligible],
        dtype=np.float64,
    ).reshape(-1, 3)
    order = [eligible[k] for k in np.lexsort(rank_keys.T).tolist()]
    chosen: list[int] = []
    for i in order:
        if len(chosen) >= limits.points:
            break
        if index.max_overlap(i, chosen) < REDUNDANT:
            chosen.append(i)

    points: list[tuple[tuple[dt.date, int, int], Point]] = []
    for i in chosen:
        group = index.similar(i, SAME_STATEMENT)
        refs = _source_refs({records[j].article_id for j in group}, articles)
        first_seen = min(_date_key(articles[ref.article_id]) for ref in refs)
        key = (first_seen, records[i].article_id, records[i].position)
        points.append((key, Point(text=records[i].text, sources=refs, score=scores[i])))
    points.sort(key=lambda kp: kp[0])
    return tuple(p for _, p in points)


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
