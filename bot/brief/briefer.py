"""Briefs of stored articles, shared by chat commands and daily digests.

What someone typed is resolved once into a ``BriefTarget`` (a topic, or a free-text query), and
that target alone decides the store search, the brief's title and its cache identity: the same
words give the same brief whether they came from ``/summary`` or from a digest subscription.
Ranking (stage 5) and selection (stage 6) go through an injected ``Ranker``, one at a time, off
the event loop, within the deadline.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.brief.cache import BriefCache, BriefKey
from bot.brief.topics import TopicCatalog, free_text_query, query_words
from bot.chat.commands import UserError
from bot.models import Article, Brief, DatePrecision, SentenceRecord
from bot.settings import Settings
from bot.store.protocols import Store
from bot.store.records import SearchQuery
from bot.text.languages import language_name
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
    search: SearchQuery  # the store's search for its articles
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
    # Sentences of articles from before a "what's new" window: their statements are left out.
    earlier: tuple[SentenceRecord, ...] = ()


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
                job.earlier,
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
            return BriefTarget(topic.slug, topic.title, topic.title, topic.query(), None)
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

    async def brief(
        self, text: str, points: int | None = None, languages: frozenset[str] = frozenset()
    ) -> Brief:
        """Brief what ``text`` names; raise UserError when there is nothing to brief.

        ``languages`` limits the brief to articles in those languages (empty: every one).
        """
        target = self.target(text)  # refuses a query with no words
        generation = await self.store.generation()  # before the search: see build()
        articles = await self.store.search(target.search, self.settings.max_articles)
        if articles:
            articles = self._in_languages(articles, languages, target)
            return await self.build(target, articles, points, generation=generation)
        raise self._nothing_stored(target, text)

    async def brief_new(
        self,
        text: str,
        points: int | None,
        start: dt.datetime | None,
        label: str,
        languages: frozenset[str] = frozenset(),
    ) -> Brief:
        """Brief only what is new since ``start`` (everything when None): statements of the
        articles in the window that no article from before it already stated. ``languages``
        limits it to articles in those languages (empty: every one).

        An article is in the window when it was published on or after ``start``'s day; an
        article without a day-precise date, when it was stored after ``start``.
        """
        target = self.target(text)
        generation = await self.store.generation()
        articles = await self.store.search(target.search, self.settings.max_articles)
        if not articles:
            raise self._nothing_stored(target, text)
        articles = self._in_languages(articles, languages, target)
        titled = dataclasses.replace(target, title=f"{target.title} · new since {label}")
        if start is None:
            return await self.build(titled, articles, points, generation=generation)
        stored_after = {
            a.id
            for a in await self.store.search(
                target.search, self.settings.max_articles, ingested_after=start
            )
        }
        window = [a for a in articles if in_window(a, start, a.id in stored_after)]
        before = [a for a in articles if not in_window(a, start, a.id in stored_after)]
        nothing_new = UserError(f"Nothing new on {target.label} since {label}.")
        if not window:
            raise nothing_new
        return await self.build(
            titled, window, points, before, empty=nothing_new, generation=generation
        )

    def _in_languages(
        self, articles: list[Article], languages: frozenset[str], target: BriefTarget
    ) -> list[Article]:
        """The articles in the chosen languages (all when none is chosen); UserError if none."""
        if not languages:
            return articles
        kept = [a for a in articles if a.language in languages]
        if not kept:
            names = " or ".join(sorted(language_name(c) for c in languages))
            raise UserError(f"No articles in {names} are stored for {target.label}.")
        return kept

    def _nothing_stored(self, target: BriefTarget, text: str) -> UserError:
        if target.is_topic:
            return UserError(
                f"No articles are stored for {target.key} yet.",
                ("Add some with: briefbot ingest PATH",),
            )
        suggestions = self.topics.suggest(text)
        if suggestions:
            return UserError(
                f"Unknown topic '{shorten(text)}'.", (f"Did you mean: {', '.join(suggestions)}?",)
            )
        names = ", ".join(t.slug for t in self.topics.topics)
        return UserError(f"No stored article matches '{shorten(text)}'.", (f"Topics: {names}",))

    async def brief_since(
        self,
        target: BriefTarget,
        since: dt.datetime | None,
        languages: frozenset[str] = frozenset(),
    ) -> Brief | None:
        """What is new in the target's articles stored after ``since`` (all when None): their
        statements that no article stored before ``since`` already stated. None when nothing
        is new. ``languages`` limits it to articles in those languages (empty: every one)."""
        generation = await self.store.generation()
        articles = await self.store.search(
            target.search, self.settings.max_articles, ingested_after=since
        )
        if languages:
            articles = [a for a in articles if a.language in languages]
        if not articles:
            return None
        before: list[Article] = []
        if since is not None:
            new_ids = {a.id for a in articles}
            everything = await self.store.search(target.search, self.settings.max_articles)
            before = [a for a in everything if a.id not in new_ids]
        try:
            return await self.build(
                target, articles, None, before, empty=_NOTHING_NEW, generation=generation
            )
        except UserError as exc:
            if exc is _NOTHING_NEW:
                return None
            raise

    async def brief_article(self, article: Article, link: str, points: int | None) -> Brief:
        """Brief one article on its own (a link someone asked about)."""
        title = f"Brief: {shorten(article.title or link)}"
        target = BriefTarget(link, title, title, SearchQuery(()), None)
        return await self.build(target, [article], points)

    async def build(
        self,
        target: BriefTarget,
        articles: Sequence[Article],
        points: int | None,
        earlier: Sequence[Article] = (),
        empty: UserError | None = None,
        generation: int | None = None,
    ) -> Brief:
        """The brief of these articles for the target, from the cache when it holds it; with
        ``earlier`` articles, only the statements they did not already state (``empty`` is
        raised when that leaves nothing).

        ``generation`` is the store's generation read before the articles were found: read
        after, a change committed in between would file the brief of the old articles under
        the new generation, where every later request would find it. None reads it here.
        """
        from bot.brief.select import SelectionLimits

        if generation is None:
            generation = await self.store.generation()
        limits = SelectionLimits(points=points or self.settings.points)
        ids = tuple(a.id for a in articles)
        if earlier:
            ids += (0, *(a.id for a in earlier))  # 0 separates the window from what came before
        key = BriefKey(target.key, target.title, limits.points, ids, generation)
        return await self.cache.get(
            key, lambda: self._rank(target, articles, limits, earlier, empty)
        )

    async def _rank(
        self,
        target: BriefTarget,
        articles: Sequence[Article],
        limits: SelectionLimits,
        earlier: Sequence[Article] = (),
        empty: UserError | None = None,
    ) -> Brief:
        records = await self.store.sentences([a.id for a in articles])
        earlier_records = await self.store.sentences([a.id for a in earlier]) if earlier else []
        job = RankJob(
            target.key,
            target.title,
            tuple(articles),
            tuple(records),
            limits,
            target.query,
            tuple(earlier_records),
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
            if earlier and empty is not None:
                raise empty
            raise UserError(
                f"The {len(articles)} matching article(s) have no complete sentences to brief."
            )
        return brief


def in_window(article: Article, start: dt.datetime, stored_after: bool) -> bool:
    """True when an article is new in a window opening at ``start``: published on or after
    its day when the day is known, else stored after it."""
    if article.date.value is not None and article.date.precision is DatePrecision.DAY:
        return article.date.value >= start.date()
    return stored_after


# brief_since's "nothing new": a digest with nothing new is no error, only an empty digest.
_NOTHING_NEW = UserError("Nothing new.")


def shorten(text: str, limit: int = 80) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
