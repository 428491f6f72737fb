"""Benchmark: briefs from the store with the vectorized LexRank, against sumy's LexRankSummarizer.

Run once, from the project folder (needs the ``bench`` extra: ``pip install -e '.[bench]'``):

    .venv/bin/python bench/lexrank.py

For topics of 10, 100, 1,000 and 5,000 real articles (see ``corpora.py``), plus the smallest
topic of at least 3,000 sentences, it ingests the articles into a fresh store (plain-text
ingest throughput), briefs them end to end from the store (median of several runs; peak
traced memory from one extra run), runs sumy's LexRankSummarizer on the same sentences in a
child process stopped at a time cap, and writes the table into ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing
import os
import platform
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import corpora  # bench/corpora.py: the script folder is on sys.path
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.utils import get_stop_words

from bot.brief.build import build_brief
from bot.brief.select import SelectionLimits
from bot.ingest.extract import extract_article
from bot.ingest.pipeline import (
    IngestReport,
    Preparer,
    RejectedArticle,
    ingest_paths,
    prepare,
)
from bot.ingest.workers import (
    MIN_FILES_FOR_WORKERS,
    InProcessPreparer,
    ProcessPreparer,
    lexemes_in_workers,
    workers_for,
)
from bot.models import Brief, RawArticle, SentenceRecord
from bot.store.sqlite.store import SqliteStore
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer

NOW = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
MAX_BYTES = 2_000_000  # ingest.max_article_bytes by default
LIMITS = SelectionLimits(points=5)
# News articles, then the Wikipedia sample cut into pieces, make this many article-sized units.
ARTICLE_UNITS = 1000
SAVED_PAGES = corpora.REPO / "tests" / "data" / "web"
# What follows this line in the output file is written by hand and kept when the table is redone.
HAND_WRITTEN = "<!-- written by hand below: kept when bench/lexrank.py rewrites the file -->"


@dataclass(frozen=True)
class Row:
    """One topic's measurements."""

    label: str
    articles: int
    sentences: int
    ingest_per_second: float  # as ``briefbot ingest`` runs: with workers for many files
    ingest_workers: int
    ingest_one_process: float | None  # the same without workers, when it used some
    brief_seconds: float
    brief_cpu_seconds: float
    brief_peak_mb: float
    sumy_seconds: float | None  # None: not run, or stopped at the cap
    sumy_cpu_seconds: float | None
    sumy_note: str  # why there is no sumy time, if there is none
    same_top: bool | None


def topic(
    size: int, article_units: list[RawArticle], all_units: list[RawArticle]
) -> list[RawArticle]:
    """The first ``size`` article-sized units, or paragraph-sized ones past what exists."""
    units = article_units if size <= len(article_units) else all_units
    if size > len(units):
        raise SystemExit(f"only {len(units)} distinct real units for a {size}-article topic")
    return units[:size]


def write_articles(folder: Path, articles: Sequence[RawArticle]) -> None:
    """The articles as the .txt files and manifest that ``briefbot ingest FOLDER`` reads."""
    folder.mkdir()
    manifest = []
    for number, raw in enumerate(articles):
        name = f"{number:05}.txt"
        (folder / name).write_text(raw.text, encoding="utf-8")
        # JSON strings are TOML basic strings.
        fields = [
            f"{k} = {json.dumps(v)}" for k, v in (("title", raw.title), ("source", raw.source)) if v
        ]
        manifest.append(f'["{name}"]\n' + "\n".join(fields))
    (folder / "manifest.toml").write_text("\n\n".join(manifest) + "\n", encoding="utf-8")


def ingest_rate(folder: Path, db: Path, workers: int) -> float:
    """``briefbot ingest FOLDER`` into a fresh store: files per second, start-up included.

    With ``workers``, worker processes prepare the files (started here, as the CLI starts
    them); without, a fresh tokenizer prepares them in this process.
    """
    started = time.perf_counter()
    pool = None
    if workers:  # for a SQLite store, as the CLI starts them
        lexemes = lexemes_in_workers(workers)
        pool = ProcessPreparer.start("english", MAX_BYTES, workers, search_lexemes=lexemes)
    try:
        preparer = pool or InProcessPreparer(TermIndexer(OfflineTokenizer()), MAX_BYTES)
        report = asyncio.run(_ingest(folder, db, preparer))
    finally:
        if pool is not None:
            pool.close()
    files = report.added + report.duplicates + len(report.failures)
    return files / (time.perf_counter() - started)


async def _ingest(folder: Path, db: Path, preparer: Preparer) -> IngestReport:
    async with await SqliteStore.open(db) as store:
        return await ingest_paths([folder], store, preparer, lambda: NOW)


async def html_ingest(indexer: TermIndexer, rounds: int = 5) -> tuple[int, float]:
    """Saved real pages through extraction and the same ingest path: pages and pages/s.

    Median of ``rounds``, each into a fresh store (a page already stored would be skipped).
    """
    pages = sorted(SAVED_PAGES.glob("*.html"))
    rates = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as folder:
            store = await SqliteStore.open(Path(folder) / "html.sqlite3")
            try:
                started = time.perf_counter()
                for page in pages:
                    raw = extract_article(page.read_bytes(), str(page)).article
                    prepared = prepare(raw, indexer)
                    await store.add_article(prepared, NOW)
                rates.append(len(pages) / (time.perf_counter() - started))
            finally:
                await store.close()
    return len(pages), statistics.median(rates)


async def brief_from_store(store: SqliteStore, size: int, indexer: TermIndexer) -> Brief:
    """What ``Briefer`` does for a topic: its articles, their stored sentences, rank, select."""
    articles = await store.articles(size)
    records = await store.sentences([a.id for a in articles])
    return build_brief("bench", "Bench", articles, records, indexer, LIMITS)


def sumy_summary(
    sentences: Sequence[str], count: int, queue: multiprocessing.Queue[object]
) -> None:
    """Stock sumy LexRank (English stemmer and stop words) on the sentences; puts (s, summary)."""
    tokenizer = OfflineTokenizer()
    document = ObjectDocumentModel([Paragraph([Sentence(s, tokenizer) for s in sentences])])
    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    started, cpu = time.perf_counter(), time.process_time()
    summary = summarizer(document, count)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    queue.put(SumyRun(wall, cpu, tuple(str(s) for s in summary)))


@dataclass(frozen=True)
class SumyRun:
    """What sumy's LexRankSummarizer picked, and how long it took."""

    wall: float
    cpu: float
    summary: tuple[str, ...]


def run_sumy(sentences: Sequence[str], count: int, cap: float) -> SumyRun | None:
    """sumy in a child process, stopped after ``cap`` seconds."""
    queue: multiprocessing.Queue[object] = multiprocessing.Queue()
    child = multiprocessing.Process(target=sumy_summary, args=(list(sentences), count, queue))
    child.start()
    try:
        result = queue.get(timeout=cap + 30)  # + the child's own tokenizer start-up
    except Exception:
        result = None
    child.terminate()
    child.join()
    if not isinstance(result, SumyRun):
        return None
    return result if result.wall <= cap else None


def measure(
    label: str,
    articles: Sequence[RawArticle],
    indexer: TermIndexer,
    runs: int,
    cap: float,
    sumy_limit: int,
) -> Row:
    """Ingest one topic's files into fresh stores, brief it, and run sumy on the same sentences."""
    with tempfile.TemporaryDirectory() as temporary:
        folder, db = Path(temporary) / "articles", Path(temporary) / "bench.sqlite3"
        write_articles(folder, articles)
        workers = workers_for(len(articles))  # as ``briefbot ingest FOLDER`` decides
        one_process = None
        if workers:
            one_process = ingest_rate(folder, Path(temporary) / "in-process.sqlite3", workers=0)
        rate = ingest_rate(folder, db, workers)
        timings, cpu_timings, peak, records = asyncio.run(brief_timings(db, indexer, runs))
    sentences = list(dict.fromkeys(r.text for r in records))  # sumy keys ratings by text
    sumy, note = None, f"not started (over {sumy_limit:,} sentences)"
    if len(records) <= sumy_limit:
        sumy, note = run_sumy(sentences, LIMITS.points, cap), f"stopped at {cap:g} s"
    same = None
    if sumy is not None:
        same = _top_agrees(sentences, sumy.summary, indexer)
    row = Row(
        label=label,
        articles=len({r.article_id for r in records}),
        sentences=len(records),
        ingest_per_second=rate,
        ingest_workers=workers,
        ingest_one_process=one_process,
        brief_seconds=statistics.median(timings),
        brief_cpu_seconds=statistics.median(cpu_timings),
        brief_peak_mb=peak,
        sumy_seconds=None if sumy is None else sumy.wall,
        sumy_cpu_seconds=None if sumy is None else sumy.cpu,
        sumy_note=note,
        same_top=same,
    )
    print(row, flush=True)
    return row


async def brief_timings(
    db: Path, indexer: TermIndexer, runs: int
) -> tuple[list[float], list[float], float, list[SentenceRecord]]:
    """Wall and CPU seconds of ``runs`` briefs of every stored article, peak MB, the sentences."""
    async with await SqliteStore.open(db) as store:
        stored = await store.count_articles()
        timings, cpu_timings = [], []
        for _ in range(runs):
            started, cpu = time.perf_counter(), time.process_time()
            await brief_from_store(store, stored, indexer)
            timings.append(time.perf_counter() - started)
            cpu_timings.append(time.process_time() - cpu)
        tracemalloc.start()
        await brief_from_store(store, stored, indexer)
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        records = await store.sentences([a.id for a in await store.articles(stored)])
    return timings, cpu_timings, peak, records


def _top_agrees(sentences: Sequence[str], summary: Sequence[str], indexer: TermIndexer) -> bool:
    """Whether the project's LexRank picks sumy's top sentences on the same distinct sentences."""
    from bot.brief.rank import lexrank_scores

    scores = lexrank_scores(indexer.terms_many(sentences))
    best = sorted(range(len(sentences)), key=lambda i: -scores[i])[: len(summary)]
    return {sentences[i] for i in best} == set(summary)


def _ingest_cell(row: Row) -> str:
    if row.ingest_one_process is None:
        return f"{row.ingest_per_second:,.0f}/s (1 process)"
    return (
        f"{row.ingest_per_second:,.0f}/s ({row.ingest_workers} workers;"
        f" 1 process: {row.ingest_one_process:,.0f}/s)"
    )


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    cores = multiprocessing.cpu_count()
    versions = ", ".join(f"{p} {version(p)}" for p in ("numpy", "scipy", "sumy"))
    system = f"{platform.system()} {platform.release()}"
    return f"{cpu}, {cores} cores; {system}; Python {platform.python_version()}; {versions}"


def table(rows: Sequence[Row], cap: float) -> str:
    """The measurements as a Markdown table."""
    lines = [
        "| topic | articles | sentences | brief from store (wall) | brief (CPU) | peak traced"
        " memory | sumy LexRankSummarizer (wall / CPU) | speed-up (wall / CPU) | same top 5"
        " | plain-text ingest |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in rows:
        if r.sumy_seconds is not None and r.sumy_cpu_seconds is not None:
            sumy = f"{r.sumy_seconds:.2f} s / {r.sumy_cpu_seconds:.2f} s"
            ratio = (
                f"{r.sumy_seconds / r.brief_seconds:,.0f}x"
                f" / {r.sumy_cpu_seconds / r.brief_cpu_seconds:,.0f}x"
            )
        else:
            sumy, ratio = r.sumy_note, "—"
        same = {None: "—", True: "yes", False: "no"}[r.same_top]
        lines.append(
            f"| {r.label} | {r.articles:,} | {r.sentences:,} | {r.brief_seconds * 1000:,.0f} ms"
            f" | {r.brief_cpu_seconds * 1000:,.0f} ms | {r.brief_peak_mb:,.0f} MB | {sumy}"
            f" | {ratio} | {same} | {_ingest_cell(r)} |"
        )
    return "\n".join(lines)


def first_with_sentences(
    units: Sequence[RawArticle], target: int, indexer: TermIndexer
) -> list[RawArticle]:
    """The fewest leading units whose kept sentences reach ``target``."""
    total = 0
    for count, raw in enumerate(units, start=1):
        try:
            total += len(prepare(raw, indexer).article.sentences)
        except RejectedArticle:
            continue
        if total >= target:
            return list(units[:count])
    raise SystemExit(f"the corpus holds fewer than {target} sentences")


def main(argv: Sequence[str] | None = None) -> None:
    """Measure every topic size in one run and write docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 5000])
    parser.add_argument("--runs", type=int, default=5, help="brief runs per topic (median)")
    parser.add_argument(
        "--sumy-cap", type=float, default=180.0, help="wall seconds sumy may take (shared CPUs)"
    )
    parser.add_argument(
        "--sumy-max-sentences",
        type=int,
        default=4000,
        help="don't start sumy above this many sentences (quadratic: ~45 s at 3,000)",
    )
    parser.add_argument("--out", type=Path, default=corpora.REPO / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)

    started_load = os.getloadavg()[0]
    news = corpora.news_articles()
    article_units = [*news, *corpora.wiki_pieces(ARTICLE_UNITS - len(news))]
    all_units = [*news, *corpora.wiki_paragraphs(), *corpora.python_doc_paragraphs()]
    topics = [(f"{size:,} articles", topic(size, article_units, all_units)) for size in args.sizes]
    # A few articles more than 3,000 sentences' worth: some are duplicates or all boilerplate.
    # One indexer for all topics, as in a running bot; this first use warms its caches.
    indexer = TermIndexer(OfflineTokenizer())
    three_k = first_with_sentences(article_units, 3050, indexer)
    topics.insert(2, (f"3,000 sentences ({len(three_k)} articles)", three_k))
    rows = [
        measure(label, articles, indexer, args.runs, args.sumy_cap, args.sumy_max_sentences)
        for label, articles in topics
    ]
    pages, html_rate = asyncio.run(html_ingest(indexer))
    report = REPORT.format(
        pages=pages,
        html_rate=html_rate,
        load=started_load,
        date=dt.date.today().isoformat(),
        machine=machine(),
        table=table(rows, args.sumy_cap),
        news=len(news),
        article_units=len(article_units),
        all_units=len(all_units),
        wiki_pieces=ARTICLE_UNITS - len(news),
        runs=args.runs,
        min_files=MIN_FILES_FOR_WORKERS,
        cap=args.sumy_cap,
    )
    previous = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    if HAND_WRITTEN in previous:
        report += "\n" + previous[previous.index(HAND_WRITTEN) :]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    print(table(rows, args.sumy_cap))
    print(f"written to {args.out}")


REPORT = """# Benchmarks

## LexRank briefs at scale (`bench/lexrank.py`)

Command (once, from the project folder; needs `pip install -e '.[bench]'`):

    .venv/bin/python bench/lexrank.py

Measured {date} on: {machine}. Load average when the run started: {load:.1f}.

{table}

- **brief from store**: what the bot does for one brief, timed from the open store: read the
  topic's articles and their stored sentences and terms, LexRank (`bot/brief/rank.py`), then
  select and collapse near-duplicates (`bot/brief/select.py`, `bot/brief/dedupe.py`); median
  of {runs} runs.
- **peak traced memory**: `tracemalloc` peak during one more brief (Python and NumPy/SciPy
  buffers).
- **sumy LexRankSummarizer**: stock sumy 0.13 (English stemmer and stop words) on the same
  sentences, each distinct sentence once (sumy keys ratings by text), in a child process stopped
  at {cap:g} s; its time includes tokenizing the sentences, which the bot does at ingest.
  **same top 5**: the project's LexRank picks the same 5 sentences as sumy on those sentences.
- **plain-text ingest**: files per second through `ingest_paths`, as `briefbot ingest FOLDER`
  runs it: the topic's articles written as `.txt` files with a `manifest.toml`, read, cleaned,
  split and term-indexed, then stored a batch per transaction; into a fresh store, with fresh
  tokenizer memos, timed from start-up to the closed store. From {min_files} files on, worker
  processes (one per core; `bot/ingest/workers.py`) prepare the files while the main process
  stores; for those topics the brackets give the same ingest without workers.
- **ingest (saved HTML)**: {html_rate:,.0f} pages/s for the {pages} saved real news pages of
  `tests/data/web`: extraction with trafilatura (`bot/ingest/extract.py`), then the same path;
  median of 5 rounds, each into a fresh store.

Corpus (real text only, no repeated copies; `bench/corpora.py`): {news} news articles (the 5
seeds, the 100 MultiLing 2011 WikiNews articles from `../shared/eval`, gensim's Lee corpora of
ABC news articles), then the English Wikipedia sample shipped in gensim's test data, its prose
cut at paragraph ends into {wiki_pieces} article-sized pieces ({article_units:,} units of
article size in all). That is all the article-sized real text at hand, so the 5,000 topic is
the news articles plus one-paragraph articles: every Wikipedia prose paragraph, then
paragraphs of Python's language reference (`pydoc_data`, shipped with Python) ({all_units:,}
units). It has 5x the articles but only a little more text than the 1,000 topic.
"""


if __name__ == "__main__":
    main()
