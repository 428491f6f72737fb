"""The core facade: commands in, replies out. The CLI and every chat adapter go through it."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import assert_never

from bot.brief import build_brief
from bot.commands import (
    BriefCommand,
    BriefReply,
    Command,
    HelpCommand,
    Notice,
    Reply,
    TopicsCommand,
    UserError,
    help_notice,
    parse_command,
)
from bot.index import TermIndexer
from bot.models import Article, Brief, Conversation
from bot.pipeline import IngestReport, ingest_paths
from bot.select import SelectionLimits
from bot.settings import Settings
from bot.split import OfflineTokenizer
from bot.store import Store
from bot.topics import TopicCatalog, free_text_query, load_topics, query_words

Clock = Callable[[], dt.datetime]
SEEDED_KEY = "seeded_at"
log = logging.getLogger(__name__)


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
    ) -> None:
        self.settings = settings
        self.store = store
        self.topics = topics
        self.indexer = indexer
        self.clock = clock

    @classmethod
    async def start(cls, settings: Settings, clock: Clock = utc_now) -> Briefbot:
        """Open the store, load topics, and ingest the seed corpus into an empty store."""
        topics = load_topics(settings.topics_file)
        indexer = TermIndexer(OfflineTokenizer(settings.language), settings.language)
        store = await Store.open(settings.store_path)
        bot = cls(settings, store, topics, indexer, clock)
        try:
            await bot.ensure_seeded()
        except BaseException:
            await store.close()
            raise
        return bot

    async def close(self) -> None:
        """Close the store."""
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
        self, paths: Iterable[Path], on_progress: Callable[[str], None] | None = None
    ) -> IngestReport:
        """Ingest article files and folders into the store."""
        return await ingest_paths(
            paths,
            self.store,
            self.indexer,
            self.settings.max_article_bytes,
            self.clock,
            on_progress,
        )

    async def handle(self, text: str, conversation: Conversation) -> Reply:
        """Parse and execute a chat command; user mistakes come back as error notices."""
        try:
            return await self.execute(parse_command(text, self.settings.max_points), conversation)
        except UserError as exc:
            return Notice(title=exc.message, lines=exc.hints, is_error=True)

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
        except UserError as exc:
            return Notice(title=exc.message, lines=exc.hints, is_error=True)
        assert_never(command)

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
        if not query_words(target):
            raise UserError(
                "That query has no words to search for.",
                ("Try a topic name such as china-russia, or a few keywords.",),
            )
        articles = await self.store.search(free_text_query(target), self.settings.max_articles)
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
        records = await self.store.sentences([a.id for a in articles])
        # Ranking is CPU-bound: run it off the event loop so chat acks stay immediate.
        work = asyncio.to_thread(
            build_brief, topic, title, articles, records, self.indexer, limits, query
        )
        try:
            brief = await asyncio.wait_for(work, timeout=self.settings.deadline_seconds)
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
