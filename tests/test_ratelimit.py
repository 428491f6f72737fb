"""Rate limits: a burst per user and per channel, refilled over time, answered politely."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.app import App
from bot.chat.commands import BriefReply, Notice
from bot.chat.ratelimit import BucketLimit, RateLimiter, RateLimits
from bot.models import Conversation
from bot.settings import Settings, SettingsError, load_settings
from tests.conftest import fixed_clock

LIMITS = RateLimits(user=BucketLimit(burst=2, per_minute=6), channel=BucketLimit(3, 60))


class FakeMonotonic:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def talk(user: str, channel: str = "C1", platform: str = "slack") -> Conversation:
    return Conversation(platform=platform, channel_id=channel, user_id=user)


def test_user_burst_then_wait_then_one_more() -> None:
    clock = FakeMonotonic()
    limiter = RateLimiter(LIMITS, clock)
    assert limiter.acquire(talk("U1")) is None
    assert limiter.acquire(talk("U1")) is None
    refused = limiter.acquire(talk("U1"))
    assert refused is not None and refused.scope == "user"
    assert refused.retry_after == pytest.approx(10.0)  # 6 a minute: one every 10 s
    assert refused.message == "You're asking faster than I can brief; try again in 10 s."
    clock.now += 9.5
    assert limiter.acquire(talk("U1")) is not None
    clock.now += 0.5
    assert limiter.acquire(talk("U1")) is None


def test_channel_limit_applies_across_users_and_refusals_cost_nothing() -> None:
    clock = FakeMonotonic()
    limiter = RateLimiter(LIMITS, clock)
    for user in ("U1", "U2", "U3"):
        assert limiter.acquire(talk(user)) is None
    refused = limiter.acquire(talk("U4"))
    assert refused is not None and refused.scope == "channel"
    # U4 was refused, so still has a full burst elsewhere; other channels are unaffected.
    assert limiter.acquire(talk("U4", channel="C2")) is None
    assert limiter.acquire(talk("U4", channel="C3")) is None
    # Same ids on another platform are other people.
    assert limiter.acquire(talk("U1", platform="discord")) is None


def test_limits_come_from_settings(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "settings.toml").write_text("[limits]\nuser_burst = 1\nchannel_per_minute = 90\n")
    limits = load_settings({}, folder).limits
    assert limits.user.burst == 1 and limits.channel.per_minute == 90
    assert limits.user.per_minute == 6  # default kept
    (folder / "settings.toml").write_text("[limits]\nuser_burst = 0\n")
    with pytest.raises(SettingsError, match="user_burst"):
        load_settings({}, folder)


async def test_handle_answers_politely_when_limited(settings: Settings) -> None:
    tight = dataclasses.replace(settings, limits=LIMITS)
    clock = FakeMonotonic()
    bot = await App.start(tight, clock=fixed_clock, monotonic=clock)
    try:
        assert isinstance(await bot.dispatcher.handle("help", talk("U1")), Notice)
        assert isinstance(await bot.dispatcher.handle("china-russia -n 2", talk("U1")), BriefReply)
        limited = await bot.dispatcher.handle("china-russia", talk("U1"))
        assert isinstance(limited, Notice) and limited.is_error
        assert limited.text == "You're asking faster than I can brief; try again in 10 s."
        clock.now += 10
        assert isinstance(await bot.dispatcher.handle("china-russia -n 2", talk("U1")), BriefReply)
    finally:
        await bot.close()
