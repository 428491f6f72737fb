"""Shared by the digest tests."""

from __future__ import annotations

import dataclasses

from bot.chat.ratelimit import BucketLimit, RateLimits
from bot.settings import Settings

_PLENTY = BucketLimit(burst=10_000, per_minute=10_000)


def unthrottled(settings: Settings) -> Settings:
    """Settings whose chat rate limits never get in the way of a test sending many commands
    from one user in a moment (the limits have their own tests)."""
    return dataclasses.replace(settings, limits=RateLimits(user=_PLENTY, channel=_PLENTY))
