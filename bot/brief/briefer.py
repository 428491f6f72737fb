"""Briefs of stored articles, shared by chat commands and daily digests.

What someone typed is resolved once into a ``BriefTarget`` (a topic, or a free-text query), and
that target alone decides the store search, the brief's title and its cache identity: the same
words give the same brief whether they came from ``/summary`` or from a digest subscription.
Ranking (stage 5) and selection (stage 6) go through an injected ``Ranker``, one at a time, off
the event loop, within the deadline.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.brief.cache import BriefCache, BriefKey
from bot.brief.topics import TopicCatalog, free_text_query, query_words
from bot.chat.commands import UserError
from bot.models import Article, Brief, SentenceRecord
from bot.settings import Settings
from bot.store.sqlite.store import Store
from bot.text.terms import TermIndexer

if TYPE_CHECKING:
    # Ranking and selection load numpy and scipy: imported when a brief is built, so commands
    # and chat runners that never brief start without them.
    from bot.brief.select import SelectionLimits


@dataclass(frozen=True)
class BriefTarget:
    """What a brief or a digest is about: a configured topic, or a free-text query.

    ``key`` is the topic's slug, or the query's words in lower case: subscriptions are stored
    under it and briefs are cached by it, so two spellings of one query are one target.
    """

    key: str
    title: str  # the brief's title
    label: str  # how a sentence names it: the topic's title, or the query in quotes
    search: str  # the store's full-text search for its articles
    query: str | None  # the words ranking leans toward; None for a topic (its keywords suffice)

    @property
    def is_topic(self) -> bool:
        """True for a configured topic, False for a free-text query."""
        return self.query is None


@dataclass(frozen=True)
class RankJob:
    """One brief to rank and select: everything ``build_brief`` needs."""

    key: str
    title: str
    articles: tuple[Article, ...]
    records: tuple[SentenceRecord, ...]
    limits: SelectionLimits
    query: str | None


class Ranker(Protocol):
    """Ranks and selects the points of one brief (stages 5-6)."""

    async def rank(self, job: RankJob) -> Brief:
        """The brief for ``job``."""
        ...


class ThreadRanker:
    """Ranks in a worker thread, one brief at a time, so chat acks stay immediate.

    Under the GIL more threads add no throughput, but each one competes with the event loop
    (measured: worst loop lag 125-250 ms with up to six ranking threads in a 100-command burst,
    20-80 ms with one).
    """

    def __init__(self, indexer: TermIndexer) -> None:
        self._indexer = indexer
        self._one_at_a_time = asyncio.Semaphore(1)

    async def rank(self, job: RankJob) -> Brief:
        """Rank ``job`` in a thread once the ranking before it has finished."""
        from bot.brief.build import build_brief

        async with self._one_at_a_time:
            return await asyncio.to_thread(
                build_brief,
                job.key,
                job.title,
                list(job.articles),
                list(job.records),
                self._indexer,
                job.limits,
                job.query,
            )


class Briefer:
    """Resolves topics and queries, and briefs their stored articles through one cache."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        topics: TopicCatalog,
        ranker: Ranker,
        cache: BriefCache | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.topics = topics
        self.ranker = ranker
        self.cache = cache or BriefCache()

    def target(self, text: str) -> BriefTarget:
        """A topic slug or a free-text query as a target; UserError for text with no words."""
        topic = self.topics.get(text)
        if topic is not None:
            return BriefTarget(topic.slug, topic.title, topic.title, topic.fts_query(), None)
        words = query_words(text)
        if not words:
            raise UserError(
                "That query has no words to search for.",
                ("Try a topic name such as china-russia, or a few keywords.",),
            )
        key = " ".join(words).lower()
        return BriefTarget(
            key, f"Brief: {shorten(key)}", f"'{shorten(key)}'", free_text_query(key), key
        )

    async def has_articles(self, target: BriefTarget) -> bool:
        """True when at least one stored article matches the target."""
        return bool(await self.store.search(target.search, 1))

    async def brief(self, text: str, points: int | None = None) -> Brief:
        """Brief what ``text`` names; raise UserError when there is nothing to brief."""
        target = self.target(text)  # refuses a query with no words
        articles = await self.store.search(target.search, self.settings.max_articles)
        if articles:
            return await self.build(target, articles, points)
        if target.is_topic:
            raise UserError(
                f"No articles are stored for {target.key} yet.",
                ("Add some with: briefbot ingest PATH",),
            )
        suggestions = self.topics.suggest(text)
        if suggestions:
            raise UserError(
                f"Unknown topic '{shorten(text)}'.", (f"Did you mean: {', '.join(suggestions)}?",)
            )
        names = ", ".join(t.slug for t in self.topics.topics)
        raise UserError(f"No stored article matches '{shorten(text)}'.", (f"Topics: {names}",))

    async def brief_since(self, target: BriefTarget, since: dt.datetime | None) -> Brief | None:
        """Brief of the target's articles stored after ``since`` (all when None); None if none."""
        articles = await self.store.search(
            target.search, self.settings.max_articles, ingested_after=since
        )
        if not articles:
            return None
        return await self.build(target, articles, None)

    async def brief_article(self, article: Article, link: str, points: int | None) -> Brief:
        """Brief one article on its own (a link someone asked about)."""
        title = f"Brief: {shorten(article.title or link)}"
        target = BriefTarget(link, title, title, "", None)
        return await self.build(target, [article], points)

    async def build(
        self, target: BriefTarget, articles: Sequence[Article], points: int | None
    ) -> Brief:
        """The brief of these articles for the target, from the cache when it holds it."""
        from bot.brief.select import SelectionLimits

        limits = SelectionLimits(points=points or self.settings.points)
        key = BriefKey(target.key, target.title, limits.points, tuple(a.id for a in articles))
        return await self.cache.get(key, lambda: self._rank(target, articles, limits))

    async def _rank(
        self, target: BriefTarget, articles: Sequence[Article], limits: SelectionLimits
    ) -> Brief:
        records = await self.store.sentences([a.id for a in articles])
        job = RankJob(
            target.key, target.title, tuple(articles), tuple(records), limits, target.query
        )
        # Time queued behind other rankings counts against the deadline too.
        try:
            brief = await asyncio.wait_for(
                self.ranker.rank(job), timeout=self.settings.deadline_seconds
            )
        except TimeoutError as exc:
            raise UserError(
                f"Briefing {len(articles):,} articles took longer than "
                f"{self.settings.deadline_seconds:g} s; try a narrower query."
            ) from exc
        if not brief.points:
            raise UserError(
                f"The {len(articles)} matching article(s) have no complete sentences to brief."
            )
        return brief


def shorten(text: str, limit: int = 80) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
