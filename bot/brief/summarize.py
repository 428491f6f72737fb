"""Brief exactly the given articles, in memory: the pipeline and the brief, without the store."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.brief.briefer import Ranker, RankJob
from bot.brief.build import build_brief
from bot.brief.select import SelectionLimits
from bot.ingest.pipeline import RejectedArticle, prepare
from bot.models import Article, Brief, PreparedArticle, RawArticle, SentenceRecord
from bot.text.terms import TermIndexer


@dataclass(frozen=True)
class Corpus:
    """Prepared articles as the brief reads them, numbered as a store would number them."""

    articles: tuple[Article, ...]
    records: tuple[SentenceRecord, ...]
    rejected: tuple[str, ...]


def build_corpus(
    raws: Sequence[RawArticle], indexer: TermIndexer, deadline: float | None = None
) -> Corpus:
    """Clean and split every article; articles with nothing left are listed as rejected.

    Raise TimeoutError once ``time.monotonic()`` passes ``deadline`` (checked between articles).
    """
    cleaned: list[PreparedArticle] = []
    rejected: list[str] = []
    for raw in raws:
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError
        try:
            cleaned.append(prepare(raw, indexer))
        except RejectedArticle as exc:
            rejected.append(str(exc))
    return corpus_of(cleaned, tuple(rejected))


def corpus_of(cleaned: Sequence[PreparedArticle], rejected: tuple[str, ...] = ()) -> Corpus:
    """Number prepared articles and their sentences (ids from 1, positions per article)."""
    articles: list[Article] = []
    records: list[SentenceRecord] = []
    for article_id, prepared in enumerate(cleaned, start=1):
        clean = prepared.article
        articles.append(
            Article(
                id=article_id,
                source=clean.source,
                title=clean.title,
                url=clean.url,
                date=clean.date,
                origin=clean.origin,
                language=clean.language,
            )
        )
        for position, (text, terms) in enumerate(zip(clean.sentences, prepared.terms, strict=True)):
            records.append(SentenceRecord(len(records) + 1, article_id, position, text, terms))
    return Corpus(tuple(articles), tuple(records), rejected)


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
