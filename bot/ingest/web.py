"""Web pages into the store: fetch -> extract -> the seeds' clean/split/store path -> topic tags."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.brief.topics import TopicCatalog
from bot.ingest.extract import extract_article
from bot.ingest.fetch import Fetcher, FetchError, FetchErrorKind, FetchResult
from bot.ingest.pipeline import IngestReport, prepare
from bot.settings import FetchSettings
from bot.store.protocols import Store
from bot.text.terms import TermIndexer


class FeedDocumentReader(Protocol):
    """What ``add_url`` needs when a URL turns out to be a feed (``FeedReader`` is one); a
    protocol here so that web pages do not depend on the feeds module that depends on them."""

    async def read_bytes(
        self, data: bytes, feed_url: str, on_progress: Callable[[str], None] | None = None
    ) -> IngestReport: ...


# Query parameters that only track the click; they never select a different article.
_TRACKING_PREFIXES = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ocid", "cmpid")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """The URL an article is remembered under: no fragment, tracking parameters or default port."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    netloc = host if ":" not in host else f"[{host}]"
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{parts.port}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not k.lower().startswith(_TRACKING_PREFIXES)
        ]
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


class WebIngester:
    """Adds web pages (fetched, or HTML already in hand) to the store, once each."""

    def __init__(
        self,
        fetcher: Fetcher,
        store: Store,
        indexer: TermIndexer,
        topics: TopicCatalog,
        settings: FetchSettings,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.fetcher = fetcher
        self.store = store
        self.ledger = store.ledger
        self.indexer = indexer
        self.topics = topics
        self.settings = settings
        self.clock = clock

    async def add_url(
        self,
        url: str,
        feeds: FeedDocumentReader | None = None,
        on_progress: Callable[[str], None] | None = None,
    ) -> IngestReport:
        """Fetch and store the article at ``url`` (skipping the fetch for a known URL); the
        same code for a link in chat, on the command line and in a feed.

        A feed's new entries are ingested by ``feeds``; without it a feed is refused. Raises
        FetchError or RejectedArticle (ExtractError included) with a one-line reason.
        """
        known = await self.ledger.article_for_url(canonical_url(url))
        if known is not None:
            return IngestReport.stored(known, added=False)
        result = await self.fetcher.fetch(url)
        if result.is_feed:
            if feeds is None:
                raise FetchError(
                    FetchErrorKind.UNSUPPORTED,
                    f"not an article: {url} is a news feed; add it with: briefbot ingest {url}",
                )
            return await feeds.read_bytes(result.body, url, on_progress)
        return await self.add_fetched(result, aliases=(url,))

    async def add_fetched(self, result: FetchResult, aliases: tuple[str, ...] = ()) -> IngestReport:
        """Store the article of a fetched page, reachable under its URL and ``aliases``."""
        known = await self.ledger.article_for_url(canonical_url(result.url))
        if known is not None:
            await self.ledger.link_urls(known, [canonical_url(a) for a in aliases])
            return IngestReport.stored(known, added=False)
        return await self.add_html(result.body, result.url, result.url, aliases)

    async def add_html(
        self, html: bytes, origin: str, url: str | None, aliases: tuple[str, ...] = ()
    ) -> IngestReport:
        """Extract, clean, split and store one HTML page; tag it to the topics it matches."""
        # Parsing and sentence splitting are CPU-bound: keep chat acks and polls responsive.
        page = await asyncio.to_thread(
            extract_article, html, origin, url, self.settings.min_article_words
        )
        prepared = await asyncio.to_thread(prepare, page.article, self.indexer)
        urls = [canonical_url(u) for u in (*aliases, url or "") if u]
        if page.canonical_url and url and _same_host(page.canonical_url, url):
            # Only a same-site canonical link: a page must not claim another site's URL.
            urls.append(canonical_url(page.canonical_url))
        result = await self.store.add_article(prepared, self.clock())
        await self.ledger.link_urls(result.article_id, urls)
        await self.ledger.tag(result.article_id, {t.slug: t.query() for t in self.topics.topics})
        return IngestReport.stored(result.article_id, result.added)


def _same_host(a: str, b: str) -> bool:
    return (urlsplit(a).hostname or "").lower() == (urlsplit(b).hostname or "").lower()
