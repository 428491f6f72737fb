"""Articles for the store suite: real terms, as ingest stores them."""

from __future__ import annotations

import dataclasses
import functools
import itertools

from bot.ingest.load import article_files, load_file, read_manifest
from bot.ingest.pipeline import prepare
from bot.models import ArticleDate, CleanArticle, Paragraph, PreparedArticle
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer
from tests.conftest import SEEDS


def article(body: str, source: str = "Wire", title: str = "Talks in Moscow") -> CleanArticle:
    return CleanArticle(
        origin="test",
        title=title,
        source=source,
        url=None,
        date=ArticleDate.unknown(),
        paragraphs=(Paragraph(tuple(s.strip() + "." for s in body.split(".") if s.strip())),),
    )


@functools.cache
def indexer() -> TermIndexer:
    return TermIndexer(OfflineTokenizer())


def prepared(body: str, source: str = "Wire", title: str = "Talks in Moscow") -> PreparedArticle:
    """A one-paragraph article with its sentences' real terms, as ingest stores it."""
    clean = article(body, source, title)
    return PreparedArticle(clean, tuple(indexer().terms_many(clean.sentences)))


@functools.cache
def seed_articles() -> tuple[PreparedArticle, ...]:
    """The project's real seed articles, cleaned, split and indexed as ingest does."""
    manifest = read_manifest(SEEDS)
    return tuple(
        prepare(load_file(p, 2_000_000, manifest), indexer()) for p in article_files([SEEDS])
    )


BATCH = 16


def numbered(item: PreparedArticle, number: int) -> PreparedArticle:
    """The article with an opening paragraph of its own, so each copy has its own content."""
    opening = f"Dispatch {number} of the newsroom."
    clean = dataclasses.replace(
        item.article, paragraphs=(Paragraph((opening,)), *item.article.paragraphs)
    )
    return PreparedArticle(clean, (indexer().terms(opening), *item.terms))


def batch_of_seeds(batch: int) -> list[PreparedArticle]:
    items = itertools.islice(itertools.cycle(seed_articles()), BATCH)
    return [numbered(item, batch * BATCH + n) for n, item in enumerate(items)]
