"""The ingest desk: every way articles enter the store, behind one object.

Article files and folders, web links (pages or feeds), saved HTML pages and feed files, the feed
poller, a link to brief from chat, and the seed corpus on first start: all run stages 1-4 (load,
clean, split, store) through the same pipeline.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from bot.chat.commands import UserError
from bot.ingest.feeds import FeedPoller, FeedReader, FeedTurns, load_feeds
from bot.ingest.fetch import FetchError
from bot.ingest.mixed import MixedIngester
from bot.ingest.pipeline import IngestReport, Preparer, RejectedArticle, ingest_paths
from bot.ingest.web import WebIngester
from bot.models import Article
from bot.ops.runtime import Pause, Shutdown, pause
from bot.settings import Settings
from bot.store.protocols import Store

SEEDED_KEY = "seeded_at"
NO_WEB = "Reading web links is switched off here."
log = logging.getLogger(__name__)


class Intake:
    """Adds articles to the store from files, links and feeds; reports what it did."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        preparer: Preparer,
        web: WebIngester | None,
        clock: Callable[[], dt.datetime],
    ) -> None:
        """Without ``web`` only local article files can be ingested (no links or feeds)."""
        self.settings = settings
        self.store = store
        self.preparer = preparer
        self.web = web
        self.clock = clock

    async def ensure_seeded(self) -> IngestReport | None:
        """Ingest the seed corpus once, the first time a store is opened."""
        if not self.settings.seed_on_first_run or await self.store.get_meta(SEEDED_KEY):
            return None
        report = await self.ingest_files([self.settings.seed_dir])
        await self.store.set_meta(SEEDED_KEY, self.clock().isoformat())
        log.info("seeded store: %d added, %d failed", report.added, len(report.failures))
        return report

    async def ingest_files(
        self,
        paths: Iterable[Path],
        on_progress: Callable[[str], None] | None = None,
        stop: Shutdown | None = None,
    ) -> IngestReport:
        """Ingest article files and folders into the store; stop between files when asked."""
        return await ingest_paths(paths, self.store, self.preparer, self.clock, on_progress, stop)

    async def ingest(
        self,
        inputs: Sequence[str],
        on_progress: Callable[[str], None] | None = None,
        stop: Shutdown | None = None,
    ) -> IngestReport:
        """Ingest links (pages or feeds), saved HTML pages and feeds, and article files."""
        if self.web is None:
            return await self.ingest_files([Path(s) for s in inputs], on_progress, stop)
        ingester = MixedIngester(self.web, self.preparer, self.settings.max_article_bytes)
        return await ingester.ingest(inputs, on_progress, stop)

    async def add_link(self, url: str) -> Article:
        """Fetch and store the article at ``url`` (once); UserError says why it can't."""
        if self.web is None:
            raise UserError(NO_WEB)
        try:
            report = await self.web.add_url(url)
        except FetchError as exc:
            raise UserError(f"Could not read that link: {exc.reason}") from exc
        except RejectedArticle as exc:
            raise UserError(f"Could not brief that link: {exc}") from exc
        (article_id,) = report.article_ids
        article = await self.store.article(article_id)
        if article is None:  # deleted between storing and briefing
            raise UserError("That article is no longer stored; try again.")
        return article

    def feed_poller(self, sleep: Pause = pause, worker: str | None = None) -> FeedPoller:
        """A poller over the feeds in ``feeds.toml``, at the configured interval; as ``worker``
        (bot.ops.workers.worker_id), it shares the feeds with other replicas by turns."""
        if self.web is None:
            raise UserError(NO_WEB)
        feeds = load_feeds(self.settings.feeds_file)
        interval = self.settings.fetch.poll_interval_seconds
        turns = None
        if worker is not None:
            turns = FeedTurns(self.store.workers, worker, self.settings.workers.lease, self.clock)
        return FeedPoller(FeedReader(self.web), feeds, interval, sleep, turns)
