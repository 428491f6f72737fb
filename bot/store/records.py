"""Value objects that cross the store boundary, the same for every engine."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.models import CleanArticle


@dataclass(frozen=True)
class AddResult:
    """Outcome of storing one article."""

    article_id: int
    added: bool


def content_hash(article: CleanArticle) -> str:
    """Hash of an article's cleaned prose; the same story scraped twice hashes the same."""
    # split() folds the same whitespace as the regex \s+ did, at a third of the cost.
    folded = " ".join(article.body.casefold().split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SearchQuery:
    """Articles whose title or body hold every one of these phrases (any one, when
    ``match_all`` is false), or that match any of the ``alternatives`` (a topic's keywords in
    other languages).

    A phrase is words in order, matched by their stems and case-insensitively, by each engine's
    own full-text search. The words are plain text, never engine syntax: each engine quotes
    them, so no user text can change what a query means or make it fail.
    """

    phrases: tuple[tuple[str, ...], ...]
    match_all: bool = True
    alternatives: tuple[SearchQuery, ...] = ()

    def __post_init__(self) -> None:
        # Phrases without words would mean "everything" to one engine and "nothing" to another.
        cleaned = tuple(p for p in (tuple(w for w in p if w.strip()) for p in self.phrases) if p)
        object.__setattr__(self, "phrases", cleaned)
        object.__setattr__(self, "alternatives", tuple(a for a in self.alternatives if a))

    def __bool__(self) -> bool:
        return bool(self.phrases) or bool(self.alternatives)

    def clauses(self) -> tuple[SearchQuery, ...]:
        """The query as clauses without alternatives, any of which may match."""
        own = SearchQuery(self.phrases, self.match_all)
        nested = tuple(c for a in self.alternatives for c in a.clauses())
        return ((own,) if own else ()) + nested


@dataclass(frozen=True)
class Validators:
    """HTTP cache validators of a fetched URL, for the next conditional request."""

    etag: str | None = None
    last_modified: str | None = None


class DigestStatus(StrEnum):
    """Where a claimed digest slot stands."""

    SENDING = "sending"  # claimed and handed to the platform; outcome not yet recorded
    POSTED = "posted"  # the platform returned a message id
    SKIPPED = "skipped"  # nothing new and the empty policy is "skip"
    FAILED = "failed"  # certainly not posted (the platform refused, or the digest failed)
    UNKNOWN = "unknown"  # may or may not have been posted; deliberately not retried


class ThreadMode(StrEnum):
    """Where a subscription's digests go."""

    DAILY = "daily"  # each digest starts its own thread
    FOLLOW = "follow"  # each digest replies in the thread of the subscription's first one


@dataclass(frozen=True)
class Subscription:
    """A channel's daily digest of one topic at a local time of day."""

    id: int
    platform: str
    channel_id: str
    topic: str
    time_of_day: dt.time
    zone: ZoneInfo
    active_since: dt.datetime
    threads: ThreadMode = ThreadMode.DAILY

    @property
    def schedule_label(self) -> str:
        """'08:00 Europe/Berlin'."""
        return f"{self.time_of_day:%H:%M} {self.zone.key}"


@dataclass(frozen=True)
class DigestEntry:
    """One row of the digest log."""

    id: int
    subscription_id: int
    local_date: dt.date
    slot_at: dt.datetime
    status: DigestStatus
    owner: str
    claimed_at: dt.datetime
    covers_from: dt.datetime | None
    covers_until: dt.datetime
    message_id: str | None
    detail: str | None


@dataclass(frozen=True)
class Claim:
    """What a scheduler claims for a slot: who, when, and which ingest window the digest covers."""

    subscription_id: int
    local_date: dt.date
    slot_at: dt.datetime
    status: DigestStatus
    owner: str
    claimed_at: dt.datetime
    covers_from: dt.datetime | None
    covers_until: dt.datetime
    detail: str | None = None


@dataclass(frozen=True)
class BackupReport:
    """A finished, verified backup."""

    path: Path
    size_bytes: int
    articles: int
