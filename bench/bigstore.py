"""A 100,000-article store on each engine: how long it takes to fill, and a topic brief's time.

The store is filled through the store's own bulk path (``add_articles``: multi-row INSERTs and,
on PostgreSQL, COPY for the sentences; full-text indexing included), not by ingesting files:
every real news article available (the seeds, MultiLing 2011, the Lee corpora; see
bench/corpora.py) is prepared once as ingest does (stages 1-3), then stored again and again as
variants, each with an opening line of its own (so its content hash is its own) and a
publication day of its own spread over two years. Then every configured topic is briefed with
an empty brief cache, as a first request is: search (stage 4), ranking (5-7) in the ranking
process as the bot does it. A benchmark, not a test.

    python bench/bigstore.py                                   # SQLite, and PostgreSQL when
    python bench/bigstore.py --articles 20000 --engines sqlite # BRIEFBOT_TEST_DATABASE_URL is set

PostgreSQL gets a database of its own on the server of ``--database-url`` (default
``BRIEFBOT_BENCH_DATABASE_URL``, else ``BRIEFBOT_TEST_DATABASE_URL``), dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import psycopg
from corpora import news_articles  # bench/corpora.py: the script folder is on sys.path
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from bot.app import App
from bot.brief.cache import BriefCache
from bot.ingest.pipeline import prepare
from bot.models import ArticleDate, Paragraph, PreparedArticle
from bot.settings import Settings, load_settings
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer

BATCH = 2_000
NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
FIRST_DAY = dt.date(2024, 11, 24)


def base_articles() -> list[PreparedArticle]:
    """Every real news article, cleaned, split and indexed once, as ingest does."""
    indexer = TermIndexer(OfflineTokenizer())
    prepared = []
    for raw in news_articles():
        try:
            prepared.append(prepare(raw, indexer))
        except Exception as exc:  # an article ingest would refuse is left out here too
            print(f"  left out {raw.origin}: {exc}", file=sys.stderr)
    return prepared


def variants(base: Sequence[PreparedArticle], count: int, seed: int = 7) -> list[PreparedArticle]:
    """``count`` articles: the base ones again and again, each with an opening line and a
    publication day of its own."""
    rng = random.Random(seed)
    indexer = TermIndexer(OfflineTokenizer())
    made = []
    for n in range(count):
        item = base[n % len(base)]
        opening = f"Dispatch {n} of the newsroom, filed from desk {rng.randrange(1, 400)}."
        day = FIRST_DAY + dt.timedelta(days=rng.randrange(730))
        article = dataclasses.replace(
            item.article,
            origin=f"bigstore/{n}",
            date=ArticleDate(day),
            paragraphs=(Paragraph((opening,)), *item.article.paragraphs),
        )
        made.append(PreparedArticle(article, (indexer.terms(opening), *item.terms)))
    return made


@asynccontextmanager
async def postgres_database(server_url: str) -> AsyncIterator[str]:
    """A fresh database on the server, dropped afterwards."""
    name = f"briefbot_bigstore_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    try:
        parts = conninfo_to_dict(make_conninfo(server_url, dbname=name))
        password = f":{parts['password']}" if parts.get("password") else ""
        yield (
            f"postgresql://{parts.get('user', 'postgres')}{password}@"
            f"{parts.get('host', '127.0.0.1')}:{parts.get('port', '5432')}/{name}"
        )
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')  # type: ignore[arg-type]


async def fill(settings: Settings, articles: Sequence[PreparedArticle]) -> float:
    """Store the articles in batches through the store's bulk path; the seconds it took."""
    app = await App.start(settings)
    try:
        started = time.perf_counter()
        for start in range(0, len(articles), BATCH):
            await app.store.add_articles(articles[start : start + BATCH], NOW)
            done = min(start + BATCH, len(articles))
            if done % 20_000 == 0 or done == len(articles):
                rate = done / (time.perf_counter() - started)
                print(f"  {done:,} stored ({rate:,.0f} articles/s)", flush=True)
        return time.perf_counter() - started
    finally:
        await app.close()


@dataclasses.dataclass(frozen=True)
class TopicTimes:
    """Medians over the rounds: the store's two reads, and the whole cold brief."""

    search: float  # stage 4: the full-text search for the topic's articles
    sentences: float  # stage 4: their stored sentences and terms
    brief: float  # everything a first request costs: both reads, ranking, selection, render
    articles: int
    sentence_count: int


async def brief_times(settings: Settings, rounds: int) -> dict[str, TopicTimes]:
    """Per topic, the medians of ``rounds`` cold briefs and of the store reads under them."""
    app = await App.start(settings)
    times: dict[str, TopicTimes] = {}
    try:
        await app.briefer.brief("china-russia")  # the ranking process and tokenizer warm up
        for topic in app.briefer.topics.topics:
            searches, reads, briefs, count, sentences = [], [], [], 0, 0
            for _ in range(rounds):
                target = app.briefer.target(topic.slug)
                started = time.perf_counter()
                found = await app.store.search(target.search, settings.max_articles)
                searches.append(time.perf_counter() - started)
                if not found:
                    break
                started = time.perf_counter()
                sentences = len(await app.store.sentences([a.id for a in found]))
                reads.append(time.perf_counter() - started)
                app.briefer.cache = BriefCache()  # a first request: nothing cached
                started = time.perf_counter()
                brief = await app.briefer.brief(topic.slug)
                briefs.append(time.perf_counter() - started)
                count = brief.article_count
            if briefs:
                times[topic.slug] = TopicTimes(
                    statistics.median(searches),
                    statistics.median(reads),
                    statistics.median(briefs),
                    count,
                    sentences,
                )
    finally:
        await app.close()
    return times


async def run(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    base = base_articles()
    articles = variants(base, args.articles)
    print(
        f"{len(articles):,} articles from {len(base)} real ones, prepared in"
        f" {time.perf_counter() - started:.0f} s"
        f" ({sum(len(a.article.sentences) for a in articles):,} sentences)"
    )
    settings = dataclasses.replace(load_settings({}), seed_on_first_run=False)
    results: dict[str, tuple[float, dict[str, TopicTimes]]] = {}
    for engine in args.engines.split(","):
        print(f"{engine}:", flush=True)
        if engine == "sqlite":
            with tempfile.TemporaryDirectory(prefix="briefbot-bigstore-") as folder:
                local = dataclasses.replace(settings, store_path=Path(folder) / "big.sqlite3")
                seconds = await fill(local, articles)
                results[engine] = (seconds, await brief_times(local, args.rounds))
                size = (Path(folder) / "big.sqlite3").stat().st_size
                print(f"  store file: {size / 1e6:,.0f} MB")
        elif engine == "postgres":
            if not args.database_url:
                print("  skipped: no --database-url / BRIEFBOT_TEST_DATABASE_URL")
                continue
            async with postgres_database(args.database_url) as url:
                shared = dataclasses.replace(settings, database_url=url)
                seconds = await fill(shared, articles)
                results[engine] = (seconds, await brief_times(shared, args.rounds))
        else:
            raise SystemExit(f"unknown engine {engine!r}")
    print(f"\n{args.articles:,} articles; brief times are medians of {args.rounds} cold briefs")
    print(
        f"{'engine':<9} {'fill':>7} {'topic':<17} {'search':>9} {'sentences':>10}"
        f" {'brief':>8} {'articles':>9} {'sentences':>10}"
    )
    for engine, (seconds, topics) in results.items():
        fill_text = f"{seconds:,.0f} s"
        for slug, t in topics.items():
            print(
                f"{engine:<9} {fill_text:>7} {slug:<17} {t.search * 1000:>6.0f} ms"
                f" {t.sentences * 1000:>7.0f} ms {t.brief:>6.2f} s {t.articles:>9,}"
                f" {t.sentence_count:>10,}"
            )
            fill_text = ""


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BRIEFBOT_BENCH_DATABASE_URL")
        or os.environ.get("BRIEFBOT_TEST_DATABASE_URL"),
        help="a PostgreSQL server to create the benchmark's database on",
    )
    asyncio.run(run(parser.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
