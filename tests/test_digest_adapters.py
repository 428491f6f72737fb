"""Digests end to end through the real adapters: subscribe, list and unsubscribe with the Slack
app's signed slash commands and the Discord client's mentions, then the scheduler posts the digest
to the same channel through each platform's poster (fake platform APIs on loopback)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest

from adapters.discord.client import BriefbotClient
from adapters.discord.digest import DiscordDigestPoster
from adapters.slack.app import WORKING
from adapters.slack.digest import SlackDigestPoster, digest_client
from bot.app import App
from bot.digests.scheduler import Scheduler
from bot.settings import Settings
from bot.store.records import DigestStatus
from tests.digest_support import unthrottled
from tests.discord_fake_api import CHANNEL, FakeDiscordApi, fake_discord, logged_in_client, mention
from tests.slack_fakes import (
    BOT_TOKEN,
    FakeSlack,
    post,
    signed_headers,
    slack_over_http,
    slash_command_body,
)

pytestmark = pytest.mark.both_engines  # store-using tests run on SQLite and PostgreSQL

RESPOND = "/respond/cmd"
SLACK_CHANNEL = "C2147483705"  # the channel of the saved slash command
SLOT = dt.datetime(2026, 11, 24, 13, 0, tzinfo=dt.UTC)  # the fixture clock says 12:00 UTC


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings, without chat rate limits: these tests send many commands at once."""
    return unthrottled(settings)


@dataclass
class SlackHarness:
    fake: FakeSlack
    session: aiohttp.ClientSession
    events_url: str

    async def command(self, text: str) -> str:
        """A signed ``/summary`` slash command; the text of the bot's answer (the ack's, or the
        one that follows it through the response URL)."""
        body = slash_command_body(text, self.fake.url(RESPOND))
        answered = len(self.fake.delivered(RESPOND))
        status, answer = await post(
            self.session,
            self.events_url,
            body,
            "application/x-www-form-urlencoded",
            signed_headers(body),
        )
        assert status == 200
        ack = str(json.loads(answer)["text"])
        if ack != WORKING:
            return ack
        await self.fake.wait_for(lambda f: len(f.delivered(RESPOND)) > answered)
        return str(self.fake.delivered(RESPOND)[answered].body["text"])


@pytest.fixture
async def slack(briefbot: App) -> AsyncIterator[SlackHarness]:
    async with (
        slack_over_http(briefbot.dispatcher) as (fake, url),
        aiohttp.ClientSession() as session,
    ):
        yield SlackHarness(fake, session, url)


async def test_slack_channel_subscribes_gets_its_digest_and_unsubscribes(
    slack: SlackHarness, briefbot: App
) -> None:
    answer = await slack.command("subscribe china-russia 13:00 Europe/Berlin")
    assert "daily digest of China–Russia relations at 13:00 Europe/Berlin" in answer
    assert "Next digest: Wed Nov 25, 13:00 CET." in answer  # 12:00 UTC is 13:00 in Berlin
    listed = await slack.command("subscriptions")
    assert "china-russia: daily at 13:00 Europe/Berlin, next Wed Nov 25, 13:00 CET" in listed

    poster = SlackDigestPoster(digest_client(BOT_TOKEN, slack.fake.api_url))
    scheduler = Scheduler(
        briefbot.briefer,
        briefbot.subscriptions,
        {"slack": poster},
        briefbot.settings.digests,
        workers=briefbot.store.workers,
    )
    due = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
    (delivery,) = await scheduler.run_once(due)
    assert delivery.status is DigestStatus.POSTED
    # A thread: a one-line parent, the digest in reply to it.
    parent, posted = slack.fake.delivered("/api/chat.postMessage")
    assert parent.body["channel"] == posted.body["channel"] == SLACK_CHANNEL
    assert parent.body["text"] == (
        "Daily digest of China–Russia relations: 5 new articles from 5 sources"
        " · 5 points in the thread"
    )
    assert posted.body["thread_ts"] == delivery.message_id == "1515449523.000100"
    assert posted.body["blocks"][0]["text"]["text"].startswith(
        "Daily digest of China–Russia relations: 5 new articles from 5 sources"
    )

    assert "no longer gets a daily digest" in await slack.command("unsubscribe china-russia")
    assert await scheduler.run_once(due + dt.timedelta(days=1)) == []
    assert "This channel has no daily digests." in await slack.command("subscriptions")


@pytest.fixture
async def api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscordApi]:
    async with fake_discord(monkeypatch) as fake:
        yield fake


@pytest.fixture
async def client(api: FakeDiscordApi, briefbot: App) -> AsyncIterator[BriefbotClient]:
    async with logged_in_client(briefbot.dispatcher) as bot:
        yield bot


async def ask_discord(client: BriefbotClient, api: FakeDiscordApi, text: str) -> str:
    """Mention the bot with ``text`` in the saved channel; the content of its reply."""
    route = f"/channels/{CHANNEL}/messages"
    before = len(api.sent("POST", route))
    client._connection.parse_message_create(mention(text))
    requests = await api.wait_for(lambda _: len(api.sent("POST", route)) > before)
    assert requests
    return str(api.sent("POST", route)[-1].body["content"])


async def test_discord_channel_subscribes_gets_its_digest_and_unsubscribes(
    client: BriefbotClient, api: FakeDiscordApi, briefbot: App
) -> None:
    answer = await ask_discord(client, api, "summary subscribe china-russia 13:00 UTC")
    assert "daily digest of China–Russia relations at 13:00 UTC" in answer
    assert "Next digest: Tue Nov 24, 13:00 UTC." in answer
    assert "13:00 UTC, next Tue Nov 24" in await ask_discord(client, api, "subscriptions")

    poster = await DiscordDigestPoster.connect("test-token")
    try:
        scheduler = Scheduler(
            briefbot.briefer,
            briefbot.subscriptions,
            {"discord": poster},
            briefbot.settings.digests,
            workers=briefbot.store.workers,
        )
        (delivery,) = await scheduler.run_once(SLOT)
        assert delivery.status is DigestStatus.POSTED and delivery.message_id
        to_channel = f"/channels/{CHANNEL}/messages"
        parent = [r for r in api.sent("POST", to_channel) if r.route == to_channel][-1].body
        assert parent["content"].startswith("Daily digest of China–Russia relations")
        assert parent["nonce"] == "bd1-20261124"
        (started,) = api.sent("POST", f"/channels/{CHANNEL}/messages/{delivery.message_id}")
        assert started.body["name"] == parent["content"]
        digest = api.sent("POST", f"/channels/{delivery.message_id}/messages")[-1].body
        assert digest["nonce"] == "bd1-20261124-1" and digest["enforce_nonce"] is True
        assert digest["allowed_mentions"]["parse"] == []
        assert digest["embeds"][0]["title"].startswith("Daily digest of China–Russia relations")
    finally:
        await poster.close()

    gone = await ask_discord(client, api, "summary unsubscribe china-russia")
    assert "no longer gets a daily digest" in gone
    assert await scheduler.run_once(SLOT + dt.timedelta(days=1)) == []
