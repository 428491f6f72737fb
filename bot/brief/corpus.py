"""The articles ``briefbot summarize`` is given, prepared (stages 2-3) and numbered as a store
would number them: no store, and none of the ranking's modules imported here.

Many articles are prepared by forked worker processes as well as this one, taking small runs
of articles from a shared counter, so every process stays busy to the end whatever else runs
on the machine; the caller's own work (importing the ranking) runs meanwhile.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.ingest.pipeline import RejectedArticle, prepare
from bot.models import Article, PreparedArticle, RawArticle, SentenceRecord
from bot.text.terms import TermIndexer

# Fewer articles than this are prepared in this process alone (see extra_workers).
MIN_ARTICLES_FOR_WORKERS = 40
# Articles taken at a time from the shared counter: a few ms of work, one lock each.
RUN_ARTICLES = 4

Outcome = PreparedArticle | str  # an article prepared, or why it was rejected


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
    meanwhile: Callable[[], object] | None = None,
) -> Corpus:
    """Clean and split every article; articles with nothing left are listed as rejected.

    With ``workers`` > 0 (and ``fork`` available, this the only thread), that many forked
    processes prepare articles too; the corpus is the same. ``meanwhile`` is called in this
    process once the workers have started (at once without them). Raise TimeoutError once
    ``time.monotonic()`` passes ``deadline`` (checked between articles here; a worker still
    busy then is killed).
    """
    outcomes: list[Outcome]
    if workers > 0 and len(raws) > 1 and _can_fork():
        outcomes = _prepare_forked(raws, indexer, deadline, workers, meanwhile)
    else:
        if meanwhile is not None:
            meanwhile()
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


def _prepare_here(
    raws: Sequence[RawArticle], indexer: TermIndexer, deadline: float | None
) -> list[Outcome]:
    """Each article prepared, or why it was rejected, in order."""
    outcomes: list[Outcome] = []
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


class _Runs:
    """Runs of ``RUN_ARTICLES`` consecutive articles, handed out once each to any process."""

    def __init__(self, raws: Sequence[RawArticle], context: Any) -> None:
        self.raws = raws
        self.count = -(-len(raws) // RUN_ARTICLES)
        self._next = context.Value("l", 0)  # in shared memory, with its own lock

    def take(self) -> int | None:
        with self._next.get_lock():
            run = int(self._next.value)
            self._next.value = run + 1
        return run if run < self.count else None

    def articles(self, run: int) -> Sequence[RawArticle]:
        return self.raws[run * RUN_ARTICLES : (run + 1) * RUN_ARTICLES]


def _prepare_forked(
    raws: Sequence[RawArticle],
    indexer: TermIndexer,
    deadline: float | None,
    workers: int,
    meanwhile: Callable[[], object] | None,
) -> list[Outcome]:
    """``_prepare_here`` by this process and ``workers`` forked ones, outcomes in order.

    The first article is prepared here before forking, so the tokenizer, stemmer and language
    models it loads are the workers' too (copied on write, not loaded again). Each worker sends
    its runs' outcomes once, at its end; a worker that dies has its runs done here.
    """
    first = _prepare_here(raws[:1], indexer, deadline)
    context = multiprocessing.get_context("fork")
    runs = _Runs(raws[1:], context)
    children: list[tuple[Any, Any]] = []
    done: dict[int, list[Outcome]] = {}
    try:
        for _ in range(workers):
            receiving, sending = context.Pipe(duplex=False)
            child = context.Process(target=_work, args=(runs, indexer, sending), daemon=True)
            child.start()
            sending.close()
            children.append((child, receiving))
        if meanwhile is not None:
            meanwhile()
        while (run := runs.take()) is not None:
            done[run] = _prepare_here(runs.articles(run), indexer, deadline)
        for _, receiving in children:
            wait = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            if not receiving.poll(wait):
                raise TimeoutError
            # A worker that died (killed, out of memory) sends nothing: its runs are done below.
            with contextlib.suppress(EOFError):
                done.update(receiving.recv())
        for run in range(runs.count):
            if run not in done:
                done[run] = _prepare_here(runs.articles(run), indexer, deadline)
        return first + [outcome for run in range(runs.count) for outcome in done[run]]
    finally:
        for child, receiving in children:
            receiving.close()
            if child.is_alive():
                child.kill()
            child.join()


def _work(runs: _Runs, indexer: TermIndexer, sending: Any) -> None:
    """A worker: runs taken from the counter until none is left, then their outcomes sent."""
    # This process decides when a worker stops (it kills a worker past the deadline): a
    # Ctrl-C to the whole process group must not print a worker's traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    done: dict[int, list[Outcome]] = {}
    try:
        while (run := runs.take()) is not None:
            done[run] = _prepare_here(runs.articles(run), indexer, None)
    except Exception:
        # Sent nothing, a worker's runs are done by the command, which meets the same error
        # and reports it as it reports its own: no traceback of a worker on the terminal.
        sending.close()
        return
    sending.send(done)
    sending.close()
