"""What the core needs from a store, as Protocols; ``bot/store/<engine>/`` implements them.

Nothing outside ``bot/store`` speaks SQL or a full-text query syntax: searches are
``SearchQuery`` values and every row comes back as a frozen dataclass. Every method may raise
``StoreError`` (bot.store.errors) and nothing else from the engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Protocol, Self
from zoneinfo import ZoneInfo

from bot.models import Article, FollowedTopic, PreparedArticle, SentenceRecord
from bot.store.installations import InstallationStore
from bot.store.records import (
    AddResult,
    Claim,
    DigestEntry,
    DigestStatus,
    SearchQuery,
    Subscription,
    ThreadMode,
    Validators,
)


class ArticleStore(Protocol):
    """Articles (stored once by content), their sentences and terms, and full-text search."""

    async def add_article(self, prepared: PreparedArticle, now: dt.datetime) -> AddResult:
        """Store one article and its sentences' terms; see ``add_articles``."""
        ...

    async def add_articles(
        self, items: Sequence[PreparedArticle], now: dt.datetime
    ) -> list[AddResult]:
        """Store articles and their sentences in one transaction, each once by content hash.

        A hash already stored, or met earlier in the batch, is not stored again: its result
        names the stored article. Either the whole batch is stored or none of it. Raises
        ValueError when an item's term lists do not fit its sentences.
        """
        ...

    async def search(
        self, query: SearchQuery, limit: int, ingested_after: dt.datetime | None = None
    ) -> list[Article]:
        """Articles matching the query, newest first (stored after ``ingested_after``)."""
        ...

    async def article(self, article_id: int) -> Article | None:
        """One stored article by id."""
        ...

    async def articles(self, limit: int) -> list[Article]:
        """The newest stored articles."""
        ...

    async def sentences(self, article_ids: Sequence[int]) -> list[SentenceRecord]:
        """Stored sentences of these articles, by article then position, with stored terms."""
        ...

    async def count_articles(self) -> int:
        """How many articles the store holds."""
        ...

    async def generation(self) -> int:
        """A number that moves on whenever stored articles or sentences change (added,
        changed or deleted), seen by every process at the moment it sees the change."""
        ...


class EventClaims(Protocol):
    """Chat-platform events already answered, so a redelivery is answered once."""

    async def claim_event(
        self, platform: str, event_id: str, now: dt.datetime, keep: dt.timedelta
    ) -> bool:
        """Record a platform event as being answered; False when it was claimed before.

        Claims older than ``keep`` are forgotten, so the record stays small.
        """
        ...


class MetaStore(Protocol):
    """Settings of the store itself, e.g. when the seed corpus was ingested."""

    async def get_meta(self, key: str) -> str | None:
        """A stored setting, if set."""
        ...

    async def set_meta(self, key: str, value: str) -> None:
        """Record a setting."""
        ...


class BriefLog(Protocol):
    """When each channel was last shown a brief of each target (for ``--since last``)."""

    async def note_brief(
        self, platform: str, channel_id: str, target: str, shown_at: dt.datetime
    ) -> None:
        """Remember that a channel was shown a brief of a target."""
        ...

    async def last_brief(self, platform: str, channel_id: str, target: str) -> dt.datetime | None:
        """When the channel was last shown a brief of the target, or None."""
        ...


class FollowedTopics(Protocol):
    """Topics channels follow from chat (``/summary follow``): a slug and its words."""

    async def follow(
        self, platform: str, channel_id: str, slug: str, words: str, now: dt.datetime
    ) -> bool:
        """Store a channel's followed topic; False when the channel already follows it."""
        ...

    async def unfollow(self, platform: str, channel_id: str, slug: str) -> bool:
        """Forget a channel's followed topic; False when it did not follow it."""
        ...

    async def followed(self, platform: str, channel_id: str) -> list[FollowedTopic]:
        """A channel's followed topics, oldest first."""
        ...


class SubscriptionStore(Protocol):
    """Digest subscriptions and the digest log.

    The log holds one entry per (subscription, local date): taking it (``claim``) is what makes
    a digest go out at most once, whichever process or restart gets there first.
    """

    async def subscribe(
        self,
        platform: str,
        channel_id: str,
        topic: str,
        time_of_day: dt.time,
        zone: ZoneInfo,
        user_id: str,
        now: dt.datetime,
        threads: ThreadMode = ThreadMode.DAILY,
    ) -> Subscription:
        """Create or change the channel's subscription to a topic; it delivers from ``now`` on.

        Re-subscribing keeps the subscription's id, so its claims for today still hold.
        """
        ...

    async def unsubscribe(self, platform: str, channel_id: str, topic: str, user_id: str) -> bool:
        """Stop the channel's digest of a topic; False when it was not subscribed."""
        ...

    async def find(self, platform: str, channel_id: str, topic: str) -> Subscription | None:
        """The channel's active subscription to a topic, if any."""
        ...

    async def for_channel(self, platform: str, channel_id: str) -> list[Subscription]:
        """The channel's active subscriptions, most recently changed first."""
        ...

    async def active(self, platforms: Collection[str]) -> list[Subscription]:
        """Every active subscription on these platforms, by id."""
        ...

    async def get(self, subscription_id: int) -> Subscription | None:
        """A subscription by id, active or not."""
        ...

    async def claim(self, claim: Claim) -> DigestEntry | None:
        """Take the (subscription, local date) slot; None when it was already taken."""
        ...

    async def finish(
        self,
        entry: DigestEntry,
        status: DigestStatus,
        now: dt.datetime,
        message_id: str | None = None,
        detail: str | None = None,
    ) -> bool:
        """Record how a 'sending' slot ended; False when another process recorded it first."""
        ...

    async def release(self, entry: DigestEntry) -> bool:
        """Free a 'sending' slot whose message certainly never left, so it can be claimed again."""
        ...

    async def take_over(self, entry: DigestEntry, owner: str) -> DigestEntry | None:
        """Make ``owner`` responsible for an abandoned 'sending' slot; None if someone else did."""
        ...

    async def entry(self, subscription_id: int, local_date: dt.date) -> DigestEntry | None:
        """The log entry of one slot, if claimed."""
        ...

    async def entry_by_id(self, entry_id: int) -> DigestEntry | None:
        """One log entry."""
        ...

    async def in_flight(self) -> list[DigestEntry]:
        """Slots claimed for sending whose outcome was never recorded, by id."""
        ...

    async def last_covered(self, subscription_id: int) -> DigestEntry | None:
        """The latest slot whose articles the channel has seen (posted, or skipped as empty)."""
        ...

    async def first_posted(self, subscription_id: int) -> DigestEntry | None:
        """The subscription's first posted digest: the thread 'follow' digests reply in."""
        ...

    async def log(self, subscription_id: int) -> list[DigestEntry]:
        """Every log entry of a subscription, oldest first."""
        ...


class Workers(Protocol):
    """Worker processes on any number of machines: heartbeat leases, and turns at shared work.

    A worker is alive while its lease (renewed by its heartbeat) has not expired; what a worker
    whose lease expired held may be taken over. A turn is one worker's hold on one piece of
    shared work (``kind`` and ``key``, e.g. a subscription's digest or a feed) until a time, so
    replicas share the work out instead of all doing it.
    """

    async def renew(self, worker: str, now: dt.datetime, length: dt.timedelta) -> None:
        """Start or extend the worker's lease to ``now + length``."""
        ...

    async def retire(self, worker: str) -> None:
        """End the worker's lease now (a clean stop) and free its turns."""
        ...

    async def live(self, now: dt.datetime) -> frozenset[str]:
        """The workers whose lease has not expired at ``now``."""
        ...

    async def forget_expired(self, before: dt.datetime) -> int:
        """Delete leases that expired before ``before``; how many."""
        ...

    async def take_turns(
        self,
        kind: str,
        keys: Sequence[str],
        worker: str,
        now: dt.datetime,
        hold: dt.timedelta,
        limit: int = 1,
    ) -> list[str]:
        """Take up to ``limit`` of these keys' turns that are free at ``now`` (or already the
        worker's), holding them until ``now + hold``; the keys taken. Concurrent callers never
        get the same key while it is held, and never wait for each other."""
        ...

    async def end_turn(self, kind: str, key: str, worker: str, free_at: dt.datetime) -> bool:
        """Hand a turn back: free from ``free_at`` on (for anyone, this worker included, and
        kept when the worker retires); False when the worker no longer held it."""
        ...


class FeedLedger(Protocol):
    """What web ingestion remembers: article URLs, HTTP validators, feed entries, topic tags."""

    async def article_for_url(self, url: str) -> int | None:
        """The stored article known under this canonical URL, if any."""
        ...

    async def link_urls(self, article_id: int, urls: Iterable[str]) -> None:
        """Remember that these canonical URLs lead to this article."""
        ...

    async def validators(self, url: str) -> Validators | None:
        """The ETag / Last-Modified seen on the last fetch of this URL."""
        ...

    async def save_validators(self, url: str, validators: Validators, now: dt.datetime) -> None:
        """Keep the validators of a fetch for the next conditional request."""
        ...

    async def entry_seen(self, feed_url: str, entry_key: str) -> bool:
        """True when this feed entry was handled by an earlier poll."""
        ...

    async def record_entry(
        self,
        feed_url: str,
        entry_key: str,
        link: str | None,
        article_id: int | None,
        outcome: str,
        now: dt.datetime,
    ) -> None:
        """Remember a handled feed entry so later polls skip it."""
        ...

    async def tag(self, article_id: int, topics: Mapping[str, SearchQuery]) -> tuple[str, ...]:
        """Tag the article with every topic (slug -> query) whose query matches it; the slugs."""
        ...

    async def topics_of(self, article_id: int) -> tuple[str, ...]:
        """The topic slugs an article is tagged with, sorted."""
        ...


class Store(ArticleStore, EventClaims, MetaStore, BriefLog, FollowedTopics, Protocol):
    """One open store: articles, event claims and meta here, the rest by attribute."""

    @property
    def subscriptions(self) -> SubscriptionStore:
        """Digest subscriptions and the digest log."""
        ...

    @property
    def ledger(self) -> FeedLedger:
        """Web-ingestion bookkeeping."""
        ...

    @property
    def installations(self) -> InstallationStore:
        """Chat installations by workspace, and OAuth states."""
        ...

    @property
    def workers(self) -> Workers:
        """Worker leases and turns at shared work (digests, feeds) across replicas."""
        ...

    async def close(self) -> None:
        """Release every connection."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
