"""The core facade: commands in, replies out. The CLI and every chat adapter go through it."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import assert_never

from bot.brief.cache import BriefCache, BriefKey
from bot.brief.select import SelectionLimits
from bot.brief.topics import TopicCatalog, free_text_query, load_topics, query_words
from bot.brief.worker import BriefJob, Ranker
from bot.chat.commands import (
    BriefCommand,
    BriefReply,
    Command,
    HelpCommand,
    Notice,
    Reply,
    SubscribeCommand,
    SubscriptionsCommand,
    TopicsCommand,
    UnsubscribeCommand,
    UrlCommand,
    UserError,
    help_notice,
    parse_command,
)
from bot.chat.ratelimit import Monotonic, RateLimiter
from bot.digests.schedule import next_slot, parse_zone
from bot.digests.subscriptions import Subscription, Subscriptions
from bot.ingest.feeds import FeedPoller, FeedReader, Sleep, load_feeds
from bot.ingest.fetch import Fetcher, FetchError, new_http_client
from bot.ingest.pipeline import IngestReport, Preparer, RejectedArticle, ingest_paths
from bot.ingest.sources import SourceIngester, extract_source
from bot.ingest.web import WebIngester
from bot.ingest.workers import InProcessPreparer
from bot.models import Article, Brief, CleanArticle, Conversation
from bot.ops.logs import request_context
from bot.settings import Settings
from bot.store.sqlite.store import Store
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer

Clock = Callable[[], dt.datetime]
SEEDED_KEY = "seeded_at"
EVENT_MEMORY = dt.timedelta(days=1)  # longer than any platform keeps redelivering an event
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    """What a brief or a digest is about: a topic slug or a normalised free-text query."""

    key: str  # the slug, or the query's words in lower case; subscriptions are stored under it
    title: str
    fts_query: str


def utc_now() -> dt.datetime:
    """The real clock."""
    return dt.datetime.now(dt.UTC)


class Briefbot:
    """Answers commands from the stored articles."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        topics: TopicCatalog,
        indexer: TermIndexer,
        clock: Clock = utc_now,
        limiter: RateLimiter | None = None,
        fetcher: Fetcher | None = None,
        preparer: Preparer | None = None,
    ) -> None:
        """Without a ``fetcher`` the core answers from the store only (no web links).

        Without a ``preparer`` article files are prepared in this process.
        """
        self.settings = settings
        self.store = store
        self.topics = topics
        self.indexer = indexer
        self.clock = clock
        self.preparer = preparer or InProcessPreparer(indexer, settings.max_article_bytes)
        self.subscriptions = Subscriptions(store)
        self.limiter = limiter or RateLimiter(settings.limits, time.monotonic)
        self.briefs = BriefCache()
        # One ranking at a time: under the GIL more threads add no throughput, but each one
        # competes with the event loop (measured: worst loop lag 125-250 ms with up to six
        # ranking threads in a 100-command burst, 20-80 ms with one).
        self._ranking = asyncio.Semaphore(1)
        self.ranker = Ranker(indexer, settings.language)
        self.web = (
            None
            if fetcher is None
            else WebIngester(fetcher, store, indexer, topics, settings.fetch, clock)
        )
        self._owned_http: list[Callable[[], Awaitable[None]]] = []

    @classmethod
    async def start(
        cls,
        settings: Settings,
        clock: Clock = utc_now,
        fetcher: Fetcher | None = None,
        monotonic: Monotonic = time.monotonic,
        preparer: Preparer | None = None,
    ) -> Briefbot:
        """Open the store, load topics, and ingest the seed corpus into an empty store.

        Without a ``fetcher``, one is made on a new HTTP client that ``close()`` closes.
        ``monotonic`` is the rate limiter's clock; ``preparer`` runs stages 1-4 for files.
        """
        topics = load_topics(settings.topics_file)
        indexer = TermIndexer(OfflineTokenizer(settings.language), settings.language)
        store = await Store.open(settings.store_path)
        client = None
        if fetcher is None:
            client = new_http_client(settings.fetch)
            fetcher = Fetcher(client, settings.fetch)
        limiter = RateLimiter(settings.limits, monotonic)
        bot = cls(settings, store, topics, indexer, clock, limiter, fetcher, preparer)
        if client is not None:
            bot._owned_http.append(client.aclose)
        try:
            await bot.ensure_seeded()
        except BaseException:
            await bot.close()
            raise
        return bot

    async def close(self) -> None:
        """Close the store, and the HTTP client if the core made it."""
        self.ranker.close()
        for close in self._owned_http:
            await close()
        await self.store.close()

    async def ensure_seeded(self) -> IngestReport | None:
        """Ingest the seed corpus once, the first time a store is opened."""
        if not self.settings.seed_on_first_run or await self.store.get_meta(SEEDED_KEY):
            return None
        report = await self.ingest([self.settings.seed_dir])
        await self.store.set_meta(SEEDED_KEY, self.clock().isoformat())
        log.info("seeded store: %d added, %d failed", report.added, len(report.failures))
        return report

    async def ingest(
        self,
        paths: Iterable[Path],
        on_progress: Callable[[str], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> IngestReport:
        """Ingest article files and folders into the store; stop between files when asked."""
        return await ingest_paths(
            paths, self.store, self.preparer, self.clock, on_progress, should_stop
        )

    async def ingest_sources(
        self,
        sources: Sequence[str],
        on_progress: Callable[[str], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> IngestReport:
        """Ingest links (pages or feeds), saved HTML pages and feeds, and article files."""
        if self.web is None:
            return await self.ingest([Path(s) for s in sources], on_progress, should_stop)
        ingester = SourceIngester(self.web, self.preparer, self.settings.max_article_bytes)
        return await ingester.ingest(sources, on_progress, should_stop)

    async def extract(self, source: str) -> CleanArticle:
        """What the bot reads from a link or saved HTML page, without storing it."""
        if self.web is None:
            raise UserError("Reading web links is switched off here.")
        try:
            return await extract_source(self.web, source, self.settings.max_article_bytes)
        except FetchError as exc:
            raise UserError(f"Could not read {source}: {exc.reason}") from exc
        except RejectedArticle as exc:
            raise UserError(str(exc)) from exc
        except OSError as exc:
            raise UserError(f"{source}: cannot be read ({exc.strerror or exc})") from exc

    def feed_poller(self, sleep: Sleep = asyncio.sleep) -> FeedPoller:
        """A poller over the feeds in ``feeds.toml``, at the configured interval."""
        if self.web is None:
            raise UserError("Reading web links is switched off here.")
        feeds = load_feeds(self.settings.feeds_file)
        interval = self.settings.fetch.poll_interval_seconds
        return FeedPoller(FeedReader(self.web), feeds, interval, sleep)

    async def handle(self, text: str, conversation: Conversation) -> Reply:
        """Parse and execute a chat command; always a reply, never an exception.

        User mistakes and rate limits come back as error notices. A fault of ours is logged
        with the request id, and the user gets that id, never the exception text (which may
        hold paths, queries or worse).
        """
        with request_context() as rid:
            throttled = self.limiter.acquire(conversation)
            if throttled is not None:
                log.info(
                    "rate limited %s %s/%s for %.1f s",
                    throttled.scope,
                    conversation.platform,
                    conversation.channel_id,
                    throttled.retry_after,
                )
                return Notice(title=throttled.message, is_error=True)
            try:
                command = parse_command(text, self.settings.max_points)
                return await self.execute(command, conversation)
            except UserError as exc:
                return Notice(title=exc.message, lines=exc.hints, is_error=True)
            except Exception:
                log.exception("command failed on %s", conversation.platform)
                return Notice(
                    title="Something went wrong on my side, not yours; please try again later.",
                    lines=(f"If it keeps happening, tell the bot's operator: request {rid}.",),
                    is_error=True,
                )

    async def execute(self, command: Command, conversation: Conversation) -> Reply:
        """Execute a parsed command for the conversation it came from."""
        try:
            match command:
                case HelpCommand():
                    return help_notice(self.settings.max_points)
                case TopicsCommand():
                    return self.topics_notice()
                case BriefCommand(target=target, points=points):
                    return BriefReply(await self.brief(target, points))
                case UrlCommand(url=url, points=points):
                    return BriefReply(await self.brief_url(url, points))
                case SubscribeCommand():
                    return await self.subscribe(command, conversation)
                case UnsubscribeCommand(topic=topic):
                    return await self.unsubscribe(topic, conversation)
                case SubscriptionsCommand():
                    return await self.subscriptions_notice(conversation)
        except UserError as exc:
            return Notice(title=exc.message, lines=exc.hints, is_error=True)
        assert_never(command)

    async def claim_event(self, platform: str, event_id: str) -> bool:
        """True the first time a platform event is seen; False for a redelivery to ignore."""
        return await self.store.claim_event(platform, event_id, self.clock(), EVENT_MEMORY)

    def topics_notice(self) -> Notice:
        """The topic list as a notice."""
        return Notice(
            title="Topics you can brief:",
            lines=tuple(f"{t.slug}: {t.title}" for t in self.topics.topics),
        )

    async def brief(self, target: str, points: int | None = None) -> Brief:
        """Brief a topic slug or free-text query; raise UserError when there is nothing to brief."""
        limits = SelectionLimits(points=points or self.settings.points)
        topic = self.topics.get(target)
        if topic is not None:
            articles = await self.store.search(topic.fts_query(), self.settings.max_articles)
            if not articles:
                raise UserError(
                    f"No articles are stored for {topic.slug} yet.",
                    ("Add some with: briefbot ingest PATH",),
                )
            return await self._build(topic.slug, topic.title, articles, limits)
        query = self.resolve(target)  # refuses a query with no words
        articles = await self.store.search(query.fts_query, self.settings.max_articles)
        if not articles:
            suggestions = self.topics.suggest(target)
            if suggestions:
                raise UserError(
                    f"Unknown topic '{_shorten(target)}'.",
                    (f"Did you mean: {', '.join(suggestions)}?",),
                )
            names = ", ".join(t.slug for t in self.topics.topics)
            raise UserError(
                f"No stored article matches '{_shorten(target)}'.",
                (f"Topics: {names}",),
            )
        return await self._build(
            target, f"Brief: {_shorten(target)}", articles, limits, query=target
        )

    async def brief_url(self, url: str, points: int | None = None) -> Brief:
        """Fetch, store and brief the one article at ``url``; UserError says why it can't."""
        if self.web is None:
            raise UserError("Reading web links is switched off here.")
        try:
            outcome = await self.web.add_url(url)
        except FetchError as exc:
            raise UserError(f"Could not read that link: {exc.reason}") from exc
        except RejectedArticle as exc:
            raise UserError(f"Could not brief that link: {exc}") from exc
        article = await self.store.article(outcome.article_id)
        if article is None:  # deleted between storing and briefing
            raise UserError("That article is no longer stored; try again.")
        limits = SelectionLimits(points=points or self.settings.points)
        title = f"Brief: {_shorten(article.title or url)}"
        return await self._build(url, title, [article], limits)

    async def brief_since(self, target: str, since: dt.datetime | None) -> Brief | None:
        """Brief of the target's articles stored after ``since`` (all when None); None if none."""
        resolved = self.resolve(target)
        articles = await self.store.search(
            resolved.fts_query, self.settings.max_articles, ingested_after=since
        )
        if not articles:
            return None
        limits = SelectionLimits(self.settings.points)
        return await self._build(resolved.key, resolved.title, articles, limits)

    def resolve(self, target: str) -> Target:
        """A topic slug or a free-text query as a subscription key, title and full-text query."""
        topic = self.topics.get(target)
        if topic is not None:
            return Target(topic.slug, topic.title, topic.fts_query())
        words = query_words(target)
        if not words:
            raise UserError(
                "That query has no words to search for.",
                ("Try a topic name such as china-russia, or a few keywords.",),
            )
        key = " ".join(words).lower()
        return Target(key, f"'{_shorten(key)}'", free_text_query(key))

    async def subscribe(self, command: SubscribeCommand, conversation: Conversation) -> Notice:
        """Subscribe the conversation's channel to a daily digest of a topic."""
        target = self.resolve(command.topic)
        key, title = target.key, target.title
        lines: list[str] = []
        if self.topics.get(key) is None and not await self.store.search(target.fts_query, 1):
            suggestions = self.topics.suggest(command.topic)
            if suggestions:
                raise UserError(
                    f"Unknown topic '{_shorten(command.topic)}'.",
                    (f"Did you mean: {', '.join(suggestions)}?",),
                )
            lines.append("No stored article matches it yet; digests will say so until some do.")
        current = await self.subscriptions.for_channel(
            conversation.platform, conversation.channel_id
        )
        limit = self.settings.digests.max_per_channel
        if len(current) >= limit and all(s.topic != key for s in current):
            raise UserError(
                f"This channel already has {limit} digests, the most it may have.",
                ("Remove one with /summary unsubscribe <topic>.",),
            )
        # A channel keeps one zone unless told otherwise: its latest subscription's.
        zone_name = command.zone or (
            current[0].zone.key if current else self.settings.digests.default_zone
        )
        subscription = await self.subscriptions.subscribe(
            conversation.platform,
            conversation.channel_id,
            key,
            command.time_of_day or self.settings.digests.default_time,
            parse_zone(zone_name),
            conversation.user_id,
            self.clock(),
        )
        return Notice(
            title=f"This channel gets a daily digest of {title} at {subscription.schedule_label}.",
            lines=(
                f"Next digest: {await self._next_delivery(subscription)}.",
                *lines,
                f"Stop it with /summary unsubscribe {key}",
            ),
        )

    async def unsubscribe(self, topic: str, conversation: Conversation) -> Notice:
        """Stop the conversation's channel's daily digest of a topic."""
        target = self.resolve(topic)
        key, title = target.key, target.title
        if await self.subscriptions.unsubscribe(
            conversation.platform, conversation.channel_id, key, conversation.user_id
        ):
            return Notice(title=f"This channel no longer gets a daily digest of {title}.")
        current = await self.subscriptions.for_channel(
            conversation.platform, conversation.channel_id
        )
        names = ", ".join(s.topic for s in current)
        raise UserError(
            f"This channel has no daily digest of {title}.",
            (f"Its digests: {names}",) if names else (),
        )

    async def subscriptions_notice(self, conversation: Conversation) -> Notice:
        """The conversation's channel's digests and when each comes next."""
        current = await self.subscriptions.for_channel(
            conversation.platform, conversation.channel_id
        )
        if not current:
            return Notice(
                title="This channel has no daily digests.",
                lines=("Add one with /summary subscribe <topic> [HH:MM] [time zone]",),
            )
        lines = [
            f"{s.topic}: daily at {s.schedule_label}, next {await self._next_delivery(s)}"
            for s in sorted(current, key=lambda s: s.topic)
        ]
        return Notice(title="This channel's daily digests:", lines=tuple(lines))

    async def _next_delivery(self, subscription: Subscription) -> str:
        slot = next_slot(self.clock(), subscription.time_of_day, subscription.zone)
        # Today's slot may already be done (a time changed after its digest went out).
        while await self.subscriptions.entry(subscription.id, slot.local_date) is not None:
            slot = next_slot(slot.at, subscription.time_of_day, subscription.zone)
        local = slot.at.astimezone(subscription.zone)
        return f"{local:%a %b} {local.day}, {local:%H:%M %Z}"

    async def articles(self, limit: int) -> list[Article]:
        """The newest stored articles."""
        return await self.store.articles(limit)

    async def _build(
        self,
        topic: str,
        title: str,
        articles: list[Article],
        limits: SelectionLimits,
        query: str | None = None,
    ) -> Brief:
        key = BriefKey(topic, title, limits.points, tuple(a.id for a in articles))
        return await self.briefs.get(key, lambda: self._rank(topic, title, articles, limits, query))

    async def _rank(
        self,
        topic: str,
        title: str,
        articles: list[Article],
        limits: SelectionLimits,
        query: str | None,
    ) -> Brief:
        records = await self.store.sentences([a.id for a in articles])
        job = BriefJob.of(topic, title, articles, records, limits, query)

        # Ranking is CPU-bound: off the event loop so chat acks stay immediate, and a big one in
        # a process the deadline kills (bot.brief.worker). Time queued behind other rankings
        # counts against the deadline too.
        async def work() -> Brief:
            async with self._ranking:
                return await self.ranker.build(job)

        try:
            brief = await asyncio.wait_for(work(), timeout=self.settings.deadline_seconds)
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


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
