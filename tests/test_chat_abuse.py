"""Rate limits and mention injection through both adapters, over loopback fakes.

A user past the rate limit gets the core's polite notice: privately in Slack, as a reply in
Discord. A query full of mentions that the bot echoes back in an error notice pings nobody:
Slack gets them escaped, Discord gets ``allowed_mentions`` that allow none.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from adapters.discord.client import BriefbotClient
from bot.app import App
from bot.chat.ratelimit import BucketLimit, RateLimits
from bot.settings import Settings
from tests.conftest import fixed_clock
from tests.discord_fake_api import CHANNEL, FakeDiscordApi, fake_discord, logged_in_client, mention
from tests.slack_fakes import slack_over_http
from tests.test_discord_client import pings_nobody, replies
from tests.test_slack_app import RESPOND, Harness

# One command per user, then none: the rate limiter's clock never moves in these tests.
ONE_EACH = RateLimits(user=BucketLimit(1, 1), channel=BucketLimit(100, 100))
POLITE = "You're asking faster than I can brief; try again in 60 s."
SLACK_PINGS = ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<!subteam^S0614TZR7>")
HOSTILE_QUERY = "zorblax " + " ".join(SLACK_PINGS) + " @everyone @here <@1400000000000000009>"


@pytest.fixture
async def strict_bot(settings: Settings) -> AsyncIterator[App]:
    """The core with one command allowed per user, on a rate-limit clock that stands still."""
    bot = await App.start(
        dataclasses.replace(settings, limits=ONE_EACH), fixed_clock, monotonic=lambda: 0.0
    )
    try:
        yield bot
    finally:
        await bot.close()


@pytest.fixture
async def slack(strict_bot: App) -> AsyncIterator[Harness]:
    """The Slack HTTP app for ``strict_bot`` on loopback, talking to a fake Slack."""
    async with (
        slack_over_http(strict_bot.dispatcher) as (fake, url),
        aiohttp.ClientSession() as session,
    ):
        yield Harness(fake, session, url)


@pytest.fixture
async def discord_client(
    monkeypatch: pytest.MonkeyPatch, strict_bot: App
) -> AsyncIterator[tuple[BriefbotClient, FakeDiscordApi]]:
    """A Discord client for ``strict_bot`` logged in to the fake Discord API."""
    async with fake_discord(monkeypatch) as api, logged_in_client(strict_bot.dispatcher) as client:
        yield client, api


async def test_slack_user_over_the_limit_is_told_privately(slack: Harness) -> None:
    for answered in (1, 2):
        status, _ = await slack.command("china-russia")
        assert status == 200
        await slack.fake.wait_for(lambda f, n=answered: len(f.delivered(RESPOND)) == n)
    brief, refused = slack.fake.delivered(RESPOND)
    assert brief.body["response_type"] == "in_channel"
    assert refused.body["response_type"] == "ephemeral"
    assert POLITE in refused.body["text"]

    # A command answered in the ack (help) is limited the same way, and just as privately.
    status, ack = await slack.command("help")
    assert status == 200
    answer = json.loads(ack)
    assert answer["response_type"] == "ephemeral" and POLITE in answer["text"]


async def test_slack_mentions_echoed_in_a_notice_ping_nobody(slack: Harness) -> None:
    status, _ = await slack.command(HOSTILE_QUERY)
    assert status == 200
    await slack.fake.wait_for(lambda f: bool(f.delivered(RESPOND)))
    [notice] = slack.fake.delivered(RESPOND)
    assert notice.body["response_type"] == "ephemeral"
    sent = json.dumps(notice.body, ensure_ascii=False)
    assert "zorblax" in sent  # the query is echoed...
    assert "&lt;!channel&gt;" in notice.body["text"]  # ...escaped, so shown, not pinged
    for ping in SLACK_PINGS:
        assert ping not in sent


async def test_discord_user_over_the_limit_gets_a_reply(
    discord_client: tuple[BriefbotClient, FakeDiscordApi],
) -> None:
    client, api = discord_client
    client._connection.parse_message_create(mention("summary china-russia", "1600000000000000011"))
    await api.wait_for(lambda _: len(replies(api)) == 1)
    client._connection.parse_message_create(mention("summary china-russia", "1600000000000000012"))
    await api.wait_for(lambda _: len(replies(api)) == 2)
    brief, refused = replies(api)
    assert brief.body["embeds"][0]["title"] == "China–Russia relations"
    assert POLITE in refused.body["content"]
    assert refused.body["message_reference"]["message_id"] == 1600000000000000012
    assert pings_nobody(refused.body)


async def test_discord_mentions_echoed_in_a_notice_ping_nobody(
    discord_client: tuple[BriefbotClient, FakeDiscordApi],
) -> None:
    client, api = discord_client
    client._connection.parse_message_create(mention(f"summary {HOSTILE_QUERY}"))
    await api.wait_for(lambda _: bool(replies(api)))
    [notice] = replies(api)
    content: Any = notice.body["content"]
    assert "zorblax" in content and "@everyone" in content  # echoed as typed...
    assert pings_nobody(notice.body)  # ...but Discord is told to ping nobody
    assert CHANNEL in notice.path
