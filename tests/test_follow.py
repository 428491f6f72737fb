"""Following a story from chat, on both platforms: stored per channel, listed, briefed,
subscribed, forgotten, and still there after a restart. Slack over signed HTTP on loopback,
Discord through discord.py's own parsers against the fake REST API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from adapters.slack.app import WORKING
from bot.app import App
from bot.chat.commands import (
    BriefReply,
    FollowCommand,
    Notice,
    UnfollowCommand,
    UserError,
    parse_command,
)
from bot.chat.follows import slug_of
from bot.models import Conversation
from bot.settings import Settings
from tests.conftest import fixed_clock
from tests.digest_support import unthrottled
from tests.discord_fake_api import (
    CHANNEL,
    FakeDiscordApi,
    fake_discord,
    logged_in_client,
    mention,
)
from tests.slack_fakes import post, signed_headers, slack_over_http, slash_command_body

pytestmark = pytest.mark.both_engines  # store-using tests run on SQLite and PostgreSQL

SLACK = Conversation("slack", "C1", "U1")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return unthrottled(settings)


def test_follow_commands_are_parsed_once() -> None:
    assert parse_command("follow Power of Siberia", 10) == FollowCommand("Power of Siberia")
    assert parse_command("unfollow power-of-siberia", 10) == UnfollowCommand("power-of-siberia")
    for text in ("follow", "unfollow", "follow https://example.com/a"):
        with pytest.raises(UserError):
            parse_command(text, 10)
    assert slug_of("Power of Siberia!") == "power-of-siberia"


async def test_follow_brief_subscribe_unfollow_and_restart(settings: Settings) -> None:
    bot = await App.start(settings, clock=fixed_clock)
    try:
        followed = await bot.dispatcher.handle("follow Power of Siberia", SLACK)
        assert isinstance(followed, Notice) and not followed.is_error, followed
        assert followed.title == "Following 'power of siberia' as power-of-siberia."
        assert followed.lines[0] == "2 stored articles match it now."
        again = await bot.dispatcher.handle("follow power of SIBERIA", SLACK)
        assert isinstance(again, Notice)
        assert again.title.startswith("This channel already follows")
        topics = await bot.dispatcher.handle("topics", SLACK)
        assert isinstance(topics, Notice)
        assert "power-of-siberia: 'power of siberia' (followed here)" in topics.lines
        # Another channel does not see it.
        other = await bot.dispatcher.handle("topics", Conversation("slack", "C2", "U1"))
        assert isinstance(other, Notice) and not any("followed" in x for x in other.lines)
        brief = await bot.dispatcher.handle("power-of-siberia --sentences 2", SLACK)
        assert isinstance(brief, BriefReply)
        assert brief.brief.title == "Brief: power of siberia"
        subscribed = await bot.dispatcher.handle("subscribe power-of-siberia 08:00 UTC", SLACK)
        assert isinstance(subscribed, Notice) and not subscribed.is_error, subscribed
        (subscription,) = await bot.subscriptions.for_channel("slack", "C1")
        assert subscription.topic == "power of siberia"
        configured = await bot.dispatcher.handle("follow china-russia", SLACK)
        assert isinstance(configured, Notice) and configured.is_error
    finally:
        await bot.close()
    bot = await App.start(settings, clock=fixed_clock)
    try:
        topics = await bot.dispatcher.handle("topics", SLACK)
        assert isinstance(topics, Notice)
        assert "power-of-siberia: 'power of siberia' (followed here)" in topics.lines
        gone = await bot.dispatcher.handle("unfollow power-of-siberia", SLACK)
        assert isinstance(gone, Notice) and gone.title == "Stopped following power-of-siberia."
        missing = await bot.dispatcher.handle("unfollow power-of-siberia", SLACK)
        assert isinstance(missing, Notice) and missing.is_error
        assert missing.lines == ("It follows no topic yet.",)
    finally:
        await bot.close()


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[App]:
    core = await App.start(settings, clock=fixed_clock)
    try:
        yield core
    finally:
        await core.close()


async def test_slack_slash_commands_follow_and_brief_what_is_new(bot: App) -> None:
    async with slack_over_http(bot.dispatcher) as (fake, url), aiohttp.ClientSession() as session:

        async def command(text: str) -> tuple[int, Any]:
            """The status and the answer: the ack's, or the one through the response URL."""
            body = slash_command_body(text, fake.url("/respond/cmd"))
            answered = len(fake.delivered("/respond/cmd"))
            status, answer = await post(
                session, url, body, "application/x-www-form-urlencoded", signed_headers(body)
            )
            if json.loads(answer)["text"] != WORKING:
                return status, json.loads(answer)
            await fake.wait_for(lambda f: len(f.delivered("/respond/cmd")) > answered)
            return status, fake.delivered("/respond/cmd")[answered].body

        status, answer = await command("follow Power of Siberia")
        assert status == 200
        assert answer["response_type"] == "ephemeral"
        assert "Following 'power of siberia' as power-of-siberia." in answer["text"]
        status, answer = await command("topics")
        assert "power-of-siberia: 'power of siberia' (followed here)" in answer["text"]
        status, posted = await command("china-russia --since 2022-12-01")
        assert status == 200
        assert posted["response_type"] == "in_channel"
        blocks = posted["blocks"]
        assert blocks[0]["text"]["text"] == "China–Russia relations · new since Dec 1, 2022"
        contexts = " ".join(
            e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]
        )
        assert "Sep 13, 2022" not in contexts and "Dec 30, 2022" in contexts
        status, answer = await command("unfollow power-of-siberia")
        assert "Stopped following power-of-siberia." in answer["text"]


@pytest.fixture
async def api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscordApi]:
    async with fake_discord(monkeypatch) as fake:
        yield fake


async def test_discord_mentions_follow_list_and_unfollow(bot: App, api: FakeDiscordApi) -> None:
    sent = f"/channels/{CHANNEL}/messages"
    async with logged_in_client(bot.dispatcher) as client:
        steps = [
            ("summary follow Power of Siberia", "Following 'power of siberia'"),
            ("topics", "power-of-siberia: 'power of siberia' (followed here)"),
            ("summary unfollow power of siberia", "Stopped following power-of-siberia."),
        ]
        for n, (text, expected) in enumerate(steps, start=1):
            client._connection.parse_message_create(mention(text, f"16000000000000000{n:02d}"))
            await api.wait_for(lambda _, n=n: len(api.sent("POST", sent)) >= n)
            assert expected in api.sent("POST", sent)[-1].body["content"]
        client._connection.parse_message_create(
            mention("summary china-russia --since 2022-12-01", "1600000000000000099")
        )
        await api.wait_for(lambda _: len(api.sent("POST", sent)) >= 4)
        (embed,) = api.sent("POST", sent)[-1].body["embeds"]
        assert embed["title"] == "China–Russia relations · new since Dec 1, 2022"
        assert "Sep 13, 2022" not in embed["description"]
