"""Per-user and per-channel rate limits: token buckets on an injected monotonic clock."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from bot.models import Conversation

Monotonic = Callable[[], float]
# Buckets idle long enough to be full again carry no state; drop them past this many.
_PRUNE_ABOVE = 10_000


@dataclass(frozen=True)
class BucketLimit:
    """A burst of ``burst`` commands, refilled at ``per_minute`` commands a minute."""

    burst: int
    per_minute: float

    @property
    def per_second(self) -> float:
        """Refill rate in commands per second."""
        return self.per_minute / 60.0


@dataclass(frozen=True)
class RateLimits:
    """The limits one user and one channel each get."""

    user: BucketLimit
    channel: BucketLimit


@dataclass(frozen=True)
class Throttled:
    """A command refused for now, and how long until one more would be accepted."""

    retry_after: float
    scope: str  # "user" or "channel"

    @property
    def message(self) -> str:
        """The polite answer the user sees."""
        seconds = max(1, math.ceil(self.retry_after))
        return f"You're asking faster than I can brief; try again in {seconds} s."


class _Bucket:
    __slots__ = ("tokens", "updated")

    def __init__(self, tokens: float, updated: float) -> None:
        self.tokens = tokens
        self.updated = updated

    def refill(self, limit: BucketLimit, now: float) -> None:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(float(limit.burst), self.tokens + elapsed * limit.per_second)
        self.updated = now

    def wait(self, limit: BucketLimit) -> float:
        """Seconds until this bucket holds one whole token (0 when it does now)."""
        missing = 1.0 - self.tokens
        if missing <= 0:
            return 0.0
        return math.inf if limit.per_second <= 0 else missing / limit.per_second


class _Buckets:
    """The buckets of one scope (users or channels), all with the same limit."""

    def __init__(self, limit: BucketLimit) -> None:
        self.limit = limit
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def get(self, key: tuple[str, str], now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= _PRUNE_ABOVE:
                self._prune(now)
            bucket = self._buckets[key] = _Bucket(float(self.limit.burst), now)
        bucket.refill(self.limit, now)
        return bucket

    def _prune(self, now: float) -> None:
        for key, bucket in list(self._buckets.items()):
            bucket.refill(self.limit, now)
            if bucket.tokens >= self.limit.burst:
                del self._buckets[key]


class RateLimiter:
    """Decides whether a conversation may run one more command now.

    A command costs one token from the user's bucket and one from the channel's; it is only
    charged when both have one, so a refused command never uses up anyone's allowance.
    """

    def __init__(self, limits: RateLimits, clock: Monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._users = _Buckets(limits.user)
        self._channels = _Buckets(limits.channel)

    def acquire(self, conversation: Conversation) -> Throttled | None:
        """Charge one command to the conversation's user and channel, or say how long to wait."""
        now = self._clock()
        user = self._users.get((conversation.platform, conversation.user_id), now)
        channel = self._channels.get((conversation.platform, conversation.channel_id), now)
        retry_after, scope = max(
            (user.wait(self.limits.user), "user"),
            (channel.wait(self.limits.channel), "channel"),
        )
        if retry_after > 0:
            return Throttled(retry_after=retry_after, scope=scope)
        user.tokens -= 1.0
        channel.tokens -= 1.0
        return None
