"""The assembled bot: the store, and the parts that answer from it, opened and closed together.

The command line and the chat runners are the composition roots; they build an ``App`` and hand
its parts on: the ``Dispatcher`` to chat adapters, the ``Briefer`` and the subscriptions to the
digest scheduler, the ``Intake`` to ingest commands. Collaborators a test or a deployment may
swap (clock, fetcher, preparer, ranker) are injected here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from types import TracebackType

from bot.brief.briefer import Briefer, Ranker
from bot.brief.topics import TopicCatalog, load_topics
from bot.brief.worker import ProcessRanker
from bot.chat.dispatcher import Dispatcher
from bot.chat.ratelimit import Monotonic, RateLimiter
from bot.clock import Clock, utc_now
from bot.digests.desk import SubscriptionDesk
from bot.ingest.fetch import Fetcher, new_http_client
from bot.ingest.intake import Intake
from bot.ingest.pipeline import Preparer
from bot.ingest.web import WebIngester
from bot.ingest.workers import InProcessPreparer
from bot.ops.runtime import CHAT_GRACE_SECONDS, Shutdown, ShutdownTimeout, run_until_signalled
from bot.settings import Settings
from bot.store import open_store
from bot.store.protocols import Store
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer

log = logging.getLogger(__name__)


class App:
    """The store and the parts built on it: briefer, subscription desk, intake, dispatcher."""

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
        ranker: Ranker | None = None,
    ) -> None:
        """Without a ``fetcher`` the bot answers from the store only (no web links); without a
        ``preparer`` article files are prepared in this process; without a ``ranker`` briefs are
        ranked one at a time, a big one in a process the deadline kills (``ProcessRanker``)."""
        self.settings = settings
        self.store = store
        self.topics = topics
        self.indexer = indexer
        self.clock = clock
        self.subscriptions = store.subscriptions
        self._owned: list[Callable[[], Awaitable[None]]] = []
        if ranker is None:
            process_ranker = ProcessRanker(indexer, settings.language, settings.languages.supported)
            self._owned.append(process_ranker.aclose)
            ranker = process_ranker
        self.briefer = Briefer(settings, store, topics, ranker)
        self.desk = SubscriptionDesk(settings.digests, self.briefer, self.subscriptions, clock)
        web = (
            None
            if fetcher is None
            else WebIngester(fetcher, store, indexer, topics, settings.fetch, clock)
        )
        self.intake = Intake(
            settings,
            store,
            preparer or InProcessPreparer(indexer, settings.max_article_bytes),
            web,
            clock,
        )
        self.dispatcher = Dispatcher(
            settings.max_points,
            self.briefer,
            self.desk,
            self.intake,
            limiter or RateLimiter(settings.limits, time.monotonic),
            store,
            clock,
        )

    @classmethod
    async def start(
        cls,
        settings: Settings,
        clock: Clock = utc_now,
        fetcher: Fetcher | None = None,
        monotonic: Monotonic = time.monotonic,
        preparer: Preparer | None = None,
        ranker: Ranker | None = None,
    ) -> App:
        """Open the store, load topics, and ingest the seed corpus into an empty store.

        Without a ``fetcher``, one is made on a new HTTP client that ``close()`` closes.
        ``monotonic`` is the rate limiter's clock; ``preparer`` runs stages 1-3 for files.
        """
        topics = load_topics(settings.topics_file)
        indexer = TermIndexer(
            OfflineTokenizer(settings.language),
            settings.language,
            supported=settings.languages.supported,
        )
        store = await open_store(settings)
        client = None
        if fetcher is None:
            client = new_http_client(settings.fetch)
            fetcher = Fetcher(
                client, settings.fetch, trusted_networks=settings.fetch.trusted_networks
            )
        limiter = RateLimiter(settings.limits, monotonic)
        app = cls(settings, store, topics, indexer, clock, limiter, fetcher, preparer, ranker)
        if client is not None:
            app._owned.append(client.aclose)
        try:
            await app.intake.ensure_seeded()
        except BaseException:
            await app.close()
            raise
        return app

    async def close(self) -> None:
        """Close the store, and the HTTP client if the app made it."""
        for close in self._owned:
            await close()
        await self.store.close()

    async def __aenter__(self) -> App:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


@asynccontextmanager
async def open_app(
    settings: Settings,
    clock: Clock = utc_now,
    fetcher: Fetcher | None = None,
    preparer: Preparer | None = None,
) -> AsyncIterator[App]:
    """``App.start`` as a context manager: the app is closed when the block exits."""
    async with await App.start(settings, clock, fetcher, preparer=preparer) as app:
        yield app


def _warm_up(app: App) -> None:
    import bot.brief.build  # noqa: F401  (the ranking and selection)

    app.indexer.terms("Warm up the tokenizer, the stemmer and the stop words.")


async def run_chat(
    settings: Settings, serve: Callable[[Dispatcher, Shutdown], Awaitable[None]]
) -> int:
    """Start the app, ``serve`` a chat platform until SIGTERM/SIGINT, close the store.

    Return 0 after a graceful stop, 128 + the signal when the runner had to be cancelled.
    """
    async with await App.start(settings) as app:
        # Commands load the ranking (numpy, scipy) and the tokenizer on first use; a chat runner
        # loads them now, off the event loop, so its first brief does not hold up acks.
        await asyncio.to_thread(_warm_up, app)
        try:
            await run_until_signalled(
                lambda shutdown: serve(app.dispatcher, shutdown), CHAT_GRACE_SECONDS
            )
        except ShutdownTimeout as exc:
            log.error("%s; closing the store", exc)
            return 128 + exc.signum
    return 0
