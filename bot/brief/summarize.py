"""Brief exactly the given articles, in memory: the pipeline and the brief, without the store."""

from __future__ import annotations

import asyncio
import dataclasses
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.brief.briefer import Ranker, RankJob
from bot.brief.build import build_brief
from bot.brief.select import SelectionLimits
from bot.ingest.pipeline import RejectedArticle, prepare
from bot.models import Article, Brief, PreparedArticle, RawArticle, SentenceRecord
from bot.text.terms import TermIndexer

# Fewer articles than this are prepared in this process alone (see extra_workers).
MIN_ARTICLES_FOR_WORKERS = 40


@dataclass(frozen=True)
class Corpus:
    """Prepared articles as the brief reads them, numbered as a store would number them."""

    articles: tuple[Article, ...]
    records: tuple[SentenceRecord, ...]
    rejected: tuple[str, ...]


def build_corpus(
    raws: Sequence[RawArticle],
    indexer: TermIndexer,
    deadline: float | None = None,
    workers: int = 0,
) -> Corpus:
    """Clean and split every article; articles with nothing left are listed as rejected.

    With ``workers`` > 0 (and ``fork`` available, this the only thread), that many forked
    processes prepare the later articles while this one prepares the first ones; the corpus
    is the same. Raise TimeoutError once ``time.monotonic()`` passes ``deadline`` (checked
    between articles here; a worker still busy then is killed).
    """
    outcomes: list[PreparedArticle | str]
    if workers > 0 and len(raws) > 1 and _can_fork():
        outcomes = _prepare_forked(raws, indexer, deadline, workers)
    else:
        outcomes = _prepare_here(raws, indexer, deadline)
    cleaned = [o for o in outcomes if isinstance(o, PreparedArticle)]
    return corpus_of(cleaned, tuple(o for o in outcomes if isinstance(o, str)))


def extra_workers(articles: int) -> int:
    """Processes to fork to prepare ``articles`` besides this one: one per other core.

    None for a few articles: forking costs ~15 ms, preparing an article ~3 ms of CPU.
    """
    if articles < MIN_ARTICLES_FOR_WORKERS:
        return 0
    if hasattr(os, "sched_getaffinity"):  # the cores this process may run on
        return len(os.sched_getaffinity(0)) - 1
    return (os.cpu_count() or 1) - 1


def _prepare_here(
    raws: Sequence[RawArticle], indexer: TermIndexer, deadline: float | None
) -> list[PreparedArticle | str]:
    """Each article prepared, or why it was rejected, in order."""
    outcomes: list[PreparedArticle | str] = []
    for raw in raws:
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError
        try:
            outcomes.append(prepare(raw, indexer))
        except RejectedArticle as exc:
            outcomes.append(str(exc))
    return outcomes


def _can_fork() -> bool:
    # Forking copies only the calling thread: a lock another thread held would stay held.
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _prepare_forked(
    raws: Sequence[RawArticle], indexer: TermIndexer, deadline: float | None, workers: int
) -> list[PreparedArticle | str]:
    """``_prepare_here`` with the later articles in ``workers`` forked processes.

    The first article is prepared here before forking, so the tokenizer, stemmer and language
    models it loads are the workers' too (copied on write, not loaded again). Each process
    gets a run of consecutive articles of about equal text size; outcomes come back in order.
    """
    first = _prepare_here(raws[:1], indexer, deadline)
    runs = _runs_by_size(raws[1:], workers + 1)
    context = multiprocessing.get_context("fork")
    children: list[tuple[Any, Any, Sequence[RawArticle]]] = []
    try:
        for run in runs[1:]:
            receiving, sending = context.Pipe(duplex=False)
            child = context.Process(
                target=_prepare_and_send, args=(run, indexer, sending), daemon=True
            )
            child.start()
            sending.close()
            children.append((child, receiving, run))
        outcomes = first + _prepare_here(runs[0], indexer, deadline)
        for _, receiving, run in children:
            wait = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            if not receiving.poll(wait):
                raise TimeoutError
            try:
                outcomes.extend(receiving.recv())
            except EOFError:  # the worker died (killed, out of memory): its run is done here
                outcomes.extend(_prepare_here(run, indexer, deadline))
        return outcomes
    finally:
        for child, receiving, _ in children:
            receiving.close()
            if child.is_alive():
                child.kill()
            child.join()


def _prepare_and_send(raws: Sequence[RawArticle], indexer: TermIndexer, sending: Any) -> None:
    # This process decides when a worker stops (it kills a worker past the deadline): a
    # Ctrl-C to the whole process group must not print a worker's traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sending.send(_prepare_here(raws, indexer, None))
    sending.close()


def _runs_by_size(raws: Sequence[RawArticle], count: int) -> list[Sequence[RawArticle]]:
    """``count`` runs of consecutive articles, each of about the same text length."""
    total = sum(len(raw.text) for raw in raws)
    runs: list[Sequence[RawArticle]] = []
    start, held = 0, 0
    for i, raw in enumerate(raws):
        held += len(raw.text)
        if len(runs) < count - 1 and held * count >= total * (len(runs) + 1):
            runs.append(raws[start : i + 1])
            start = i + 1
    runs.append(raws[start:])
    while len(runs) < count:
        runs.append(raws[len(raws) : len(raws)])
    return runs


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
