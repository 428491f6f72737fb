"""RSS/Atom feeds: the configured list, parsing fetched bytes, and the polling loop.

Any number of pollers (replicas, on any number of machines) share one store's feeds: each feed is
read in a *turn* (bot.store.protocols.Workers) that one worker holds while reading it, renewed
while the read lasts, and that stays closed until the poll interval has passed, so each feed is
read by one replica per interval. A worker that dies mid-feed stops renewing, and the feed is read
again by another once the turn runs out. Entries are stored once whoever reads them: a feed entry
is keyed by (feed, entry) and an article by its content.

feedparser only ever sees bytes this process fetched (through the vetted fetcher) or read from a
named file, wrapped in a stream: given a str or bytes it would open a URL or path itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import logging
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.clock import Clock
from bot.ingest.fetch import FetchError
from bot.ingest.pipeline import IngestFailure, IngestReport, RejectedArticle
from bot.ingest.web import WebIngester
from bot.ops.runtime import Pause, Shutdown, pause
from bot.ops.workers import Heartbeat
from bot.settings import FetchSettings, SettingsError
from bot.store.protocols import Workers

if TYPE_CHECKING:
    import feedparser

log = logging.getLogger(__name__)
MAX_FEED_ENTRIES = FetchSettings().max_feed_entries
# An RSS item or Atom entry closing tag, namespaced or not.
_ENTRY_END = re.compile(rb"</(?:[\w.-]+:)?(?:item|entry)\s*>", re.IGNORECASE)
_DOCUMENT_TAIL = 64  # what follows the last entry: </channel></rss>, </feed>
Progress = Callable[[str], None]
FEED_TURN = "feed"  # the kind of turn a replica takes to read a feed


class FeedError(Exception):
    """A document that is not a usable feed; the message says why, for the user."""


@dataclass(frozen=True)
class Feed:
    """One configured feed and the topic it was listed under."""

    url: str
    topic: str


@dataclass(frozen=True)
class FeedEntry:
    """One feed item: a stable key (its id, else its link) and the article link."""

    key: str
    link: str
    title: str | None


def load_feeds(path: Path) -> tuple[Feed, ...]:
    """Read ``feeds.toml`` (``[[feed]]`` tables with ``topic`` and ``urls``); none if absent."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ()
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: {exc}") from exc
    sources: list[Feed] = []
    for i, table in enumerate(data.get("feed", [])):
        topic = str(table.get("topic", "")).strip()
        urls = table.get("urls", [])
        if not topic or not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
            raise SettingsError(f"{path}: feed #{i + 1} needs a topic and a list of urls")
        sources.extend(Feed(u.strip(), topic) for u in urls if u.strip())
    return tuple(sources)


def parse_feed(
    data: bytes, base_url: str, max_entries: int = MAX_FEED_ENTRIES
) -> tuple[FeedEntry, ...]:
    """The first ``max_entries`` entries of an RSS/Atom document (feeds list the newest
    first), links made absolute against ``base_url``."""
    import feedparser  # on first use: only polling and ingesting feeds need it

    data = _first_entries(data, max_entries, base_url)
    parsed = feedparser.parse(
        io.BytesIO(data),
        response_headers={"content-location": base_url},
        sanitize_html=False,  # only links and titles are used, never entry HTML
    )
    if parsed.get("bozo") and not parsed.entries:
        raise FeedError(f"{base_url}: not a readable RSS or Atom feed")
    if not parsed.get("version") and not parsed.entries:
        raise FeedError(f"{base_url}: not an RSS or Atom feed")
    entries: list[FeedEntry] = []
    for entry in parsed.entries[:max_entries]:
        link = _entry_link(entry)
        if not link:
            continue
        key = str(entry.get("id") or link)
        title = entry.get("title")
        entries.append(FeedEntry(key, link, str(title) if title else None))
    return tuple(entries)


class FeedReader:
    """Ingests the new entries of feeds, each entry once across polls and restarts."""

    def __init__(self, web: WebIngester) -> None:
        self.web = web

    async def read_url(self, feed_url: str, on_progress: Progress | None = None) -> IngestReport:
        """Fetch a feed (conditionally) and ingest its new entries."""
        ledger = self.web.ledger
        validators = await ledger.validators(feed_url)
        result = await self.web.fetcher.fetch(feed_url, validators)
        if result.not_modified:
            return IngestReport(feeds=1, unchanged=1)
        if not result.is_feed:
            raise FeedError(f"{feed_url}: the server sent {result.content_type}, not a feed")
        report = await self.read_bytes(result.body, feed_url, on_progress)
        # Saved after the entries, so a crash mid-feed refetches it in full next time.
        await ledger.save_validators(feed_url, result.validators, self.web.clock())
        return report

    async def read_bytes(
        self, data: bytes, feed_url: str, on_progress: Progress | None = None
    ) -> IngestReport:
        """Ingest the new entries of a feed document already in hand."""
        report = IngestReport(feeds=1)
        failures: list[IngestFailure] = []
        ledger = self.web.ledger
        for entry in parse_feed(data, feed_url, self.web.settings.max_feed_entries):
            seen = await ledger.entry_seen(feed_url, entry.key)
            if seen:
                continue
            report += IngestReport(new_entries=1)
            article_id: int | None = None
            try:
                page = await self.web.add_url(entry.link)
            except FetchError as exc:
                failures.append(IngestFailure(entry.link, f"{entry.link}: {exc.reason}"))
                if exc.transient:
                    continue  # not recorded: the next poll tries this entry again
                result = f"failed: {exc.reason}"
            except RejectedArticle as exc:
                failures.append(IngestFailure(entry.link, str(exc)))
                result = f"failed: {exc}"
            else:
                report += page
                (article_id,) = page.article_ids
                result = "added" if page.added else "duplicate"
            await ledger.record_entry(
                feed_url, entry.key, entry.link, article_id, result, self.web.clock()
            )
            if on_progress is not None:
                on_progress(entry.link)
        return report + IngestReport(failures=tuple(failures))


@dataclass(frozen=True)
class FeedTurns:
    """How a poller shares its feeds with other replicas: the store's turns, as this worker."""

    workers: Workers
    worker: str
    lease: dt.timedelta
    clock: Clock


class FeedPoller:
    """Polls the configured feeds every ``interval`` seconds; ``poll_once`` is one round.

    With ``turns``, each feed is read only in this worker's turn (see the module's note)."""

    def __init__(
        self,
        reader: FeedReader,
        feeds: Sequence[Feed],
        interval: float,
        sleep: Pause = pause,
        turns: FeedTurns | None = None,
    ) -> None:
        self.reader = reader
        self.feeds = tuple(feeds)
        self.interval = interval
        self._sleep = sleep
        self.turns = turns

    async def poll_once(self, stop: Shutdown | None = None) -> IngestReport:
        """Read every feed once (with turns: every feed due and not another worker's); a
        failing feed is reported and the others still run.

        ``stop`` is checked before each feed: the feed in flight is finished, the rest wait."""
        report = IngestReport()
        left = list(dict.fromkeys(feed.url for feed in self.feeds))
        while left and not (stop is not None and stop.requested):
            url = left.pop(0)
            if self.turns is None:
                report += await self._read(url)
                continue
            turns = self.turns
            taken = await turns.workers.take_turns(
                FEED_TURN, [url, *left], turns.worker, turns.clock(), turns.lease
            )
            if not taken:
                break  # every feed left is read by another replica, or not due yet
            if taken[0] != url:
                left.insert(0, url)
                url = taken[0]
                left.remove(url)
            try:
                report += await self._read_in_turn(url, turns)
            finally:
                # Not due again, for any replica, until the interval has passed.
                next_due = turns.clock() + dt.timedelta(seconds=self.interval)
                await turns.workers.end_turn(FEED_TURN, url, turns.worker, free_at=next_due)
        return report

    async def _read(self, url: str) -> IngestReport:
        try:
            return await self.reader.read_url(url)
        except (FetchError, FeedError) as exc:
            reason = exc.reason if isinstance(exc, FetchError) else str(exc)
            return IngestReport(feeds=1, failures=(IngestFailure(url, f"{url}: {reason}"),))

    async def _read_in_turn(self, url: str, turns: FeedTurns) -> IngestReport:
        """Read a feed, renewing the turn every third of a lease while the read lasts (a long
        feed outlasts a lease), so no other replica reads it meanwhile."""

        async def renew() -> None:
            never = Shutdown()
            while True:
                await self._sleep(turns.lease.total_seconds() / 3, never)
                await turns.workers.take_turns(
                    FEED_TURN, [url], turns.worker, turns.clock(), turns.lease
                )

        renewing = asyncio.create_task(renew())
        try:
            return await self._read(url)
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing

    async def run(self, stop: Shutdown, rounds: int | None = None) -> None:
        """Poll until a stop is requested (or ``rounds`` times), pausing ``interval`` between
        rounds; with turns, under this worker's lease, retired at the end."""
        if self.turns is None:
            await self._run(stop, rounds)
            return
        turns = self.turns
        heartbeat = Heartbeat(turns.workers, turns.worker, turns.lease, turns.clock, self._sleep)
        async with heartbeat.held():
            log.info("feed worker %s started", turns.worker)
            await self._run(stop, rounds)

    async def _run(self, stop: Shutdown, rounds: int | None) -> None:
        done = 0
        while (rounds is None or done < rounds) and not stop.requested:
            report = await self.poll_once(stop)
            log.info(
                "polled %d feeds: %d new entries, %d added, %d duplicate, %d failed",
                report.feeds,
                report.new_entries,
                report.added,
                report.duplicates,
                len(report.failures),
            )
            for failure in report.failures:
                log.warning("%s: %s", failure.origin, failure.reason)
            done += 1
            if rounds is None or done < rounds:
                await self._sleep(self._pause_seconds(), stop)

    def _pause_seconds(self) -> float:
        # Alone, a round every interval. With turns, a feed falls due whenever another replica's
        # turn at it ends, so look more often; a due feed waits at most a tenth of the interval.
        return self.interval if self.turns is None else self.interval / 10


def _first_entries(data: bytes, max_entries: int, base_url: str) -> bytes:
    """The document cut after its ``max_entries``-th entry, unparsed.

    feedparser parses a whole document whatever is used of it (60,000 entries: 82 s and ~130
    MB), so a long feed is cut before it is parsed; the loose parser reads the cut document.
    """
    for count, end in enumerate(_ENTRY_END.finditer(data), start=1):
        if count == max_entries:
            if end.end() < len(data.rstrip()) - _DOCUMENT_TAIL:
                log.warning("%s: reading only its first %d entries", base_url, max_entries)
            return data[: end.end()]
    return data


def _entry_link(entry: feedparser.FeedParserDict) -> str | None:
    """The entry's web page; feedparser falls back to the entry id ("urn:uuid:..."), skip that."""
    candidates = [entry.get("link")]
    candidates += [
        c.get("href") for c in entry.get("links", []) if c.get("rel", "alternate") == "alternate"
    ]
    for link in candidates:
        if isinstance(link, str) and urlsplit(link).scheme in ("http", "https"):
            return link
    return None
