"""The Slack and Discord digest posters against fake platform APIs on loopback."""

from __future__ import annotations

import itertools
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import discord.http
import pytest
from aiohttp import web

from adapters.discord.digest import DiscordDigestPoster
from adapters.discord.embeds import render_reply
from adapters.registry import load_platforms
from adapters.slack.blocks import reply_message
from adapters.slack.digest import SlackDigestPoster, digest_client
from bot.app import App
from bot.chat.commands import BriefReply, Notice
from bot.chat.platform import digest_posters
from bot.digests.scheduler import PostNotSent, PostRejected
from tests.slack_fakes import BOT_TOKEN, FakeSlack

NOTE = Notice(title="Daily digest of China–Russia relations: nothing new since yesterday's digest.")

PLATFORMS = load_platforms()


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


async def test_slack_poster_posts_blocks_and_returns_ts(briefbot: App, slack: FakeSlack) -> None:
    brief = await briefbot.briefer.brief("china-russia", 2)
    poster = SlackDigestPoster(digest_client(BOT_TOKEN, slack.api_url))
    assert await poster.check() == "Subarachnoid Workspace / grace"
    assert await poster.post("C1", BriefReply(brief), "bd1-20261124") == "1515449523.000100"
    (message,) = [r.body for r in slack.delivered("/api/chat.postMessage")]
    assert message["channel"] == "C1"
    rendered = reply_message(BriefReply(brief))
    assert (message["text"], message["blocks"]) == (rendered.text, rendered.blocks_json())
    assert message["unfurl_links"] is False
    assert message["metadata"]["event_payload"] == {"key": "bd1-20261124"}
    # A channel subscribed while installed by OAuth (TEAM:CHANNEL) is posted to by its channel.
    await poster.post("T12345678:C2", NOTE, "bd1-20261125")
    assert slack.delivered("/api/chat.postMessage")[-1].body["channel"] == "C2"


async def test_slack_refusals_are_rejections(slack: FakeSlack) -> None:
    wrong = SlackDigestPoster(digest_client("xoxb-revoked", slack.api_url))
    with pytest.raises(PostRejected, match="invalid_auth"):
        await wrong.post("C1", NOTE, "bd1-20261124")
    with pytest.raises(PostRejected, match="Slack refused the token: invalid_auth"):
        await wrong.check()


async def test_unreachable_slack_is_not_sent(unused_port: int) -> None:
    poster = SlackDigestPoster(digest_client("xoxb-test-token", f"http://127.0.0.1:{unused_port}/"))
    with pytest.raises(PostNotSent, match="cannot reach the Slack Web API"):
        await poster.post("C1", NOTE, "bd1-20261124")
    with pytest.raises(PostNotSent):
        await poster.check()


@pytest.fixture
def unused_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def discord_json(data: dict[str, Any], status: int = 200) -> web.Response:
    # Discord sends exactly "application/json", and discord.py parses nothing else.
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


@dataclass
class FakeDiscord:
    """Discord's REST API as far as posting goes, including enforce_nonce de-duplication."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    by_nonce: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    async def me(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != "Bot discord-test-token":
            return discord_json({"message": "401: Unauthorized", "code": 0}, status=401)
        return discord_json(
            {"id": "1", "username": "briefbot", "discriminator": "0", "avatar": None}
        )

    async def create_message(self, request: web.Request) -> web.Response:
        channel = request.match_info["channel"]
        if channel == "404":
            return discord_json({"message": "Unknown Channel", "code": 10003}, status=404)
        body = await request.json()
        key = (channel, str(body.get("nonce")))
        if body.get("enforce_nonce") and key in self.by_nonce:
            return discord_json(self.by_nonce[key])
        self.messages.append(body)
        message = {"id": str(next(self._ids)), "channel_id": channel, **body}
        self.by_nonce[key] = message
        return discord_json(message)


@pytest.fixture
async def fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    app = web.Application()
    app.router.add_get("/api/v10/users/@me", fake.me)
    app.router.add_post("/api/v10/channels/{channel}/messages", fake.create_message)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    # discord.py has no base-URL option; its Route class holds the API root.
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{port}/api/v10")
    try:
        yield fake
    finally:
        await runner.cleanup()


async def test_discord_poster_sends_a_nonce_and_no_mentions(
    fake_discord: FakeDiscord, briefbot: App
) -> None:
    poster = await DiscordDigestPoster.connect("discord-test-token")
    try:
        reply = BriefReply(await briefbot.briefer.brief("china-russia"))
        first = await poster.post("123456789", reply, "bd7-20261124")
        again = await poster.post("123456789", reply, "bd7-20261124")  # a re-send after a crash
        assert first == again == "1000"
        (message,) = fake_discord.messages
        assert message["nonce"] == "bd7-20261124" and message["enforce_nonce"] is True
        assert message["allowed_mentions"] == {"parse": []}
        (rendered,) = render_reply(reply)
        assert message["embeds"] == [e.to_dict() for e in rendered.embeds]
    finally:
        await poster.close()


async def test_unreachable_discord_is_not_sent(
    monkeypatch: pytest.MonkeyPatch, unused_port: int
) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{unused_port}/api/v10")
    with pytest.raises(PostNotSent, match="cannot reach the Discord API"):
        await DiscordDigestPoster.connect("discord-test-token")


async def test_discord_refusals_are_rejections(fake_discord: FakeDiscord) -> None:
    with pytest.raises(PostRejected, match="refused the token"):
        await DiscordDigestPoster.connect("wrong-token")
    poster = await DiscordDigestPoster.connect("discord-test-token")
    try:
        with pytest.raises(PostRejected, match="404"):
            await poster.post("404", NOTE, "bd1-20261124")
        with pytest.raises(PostRejected, match="not a Discord channel id"):
            await poster.post("C024BE91L", NOTE, "bd1-20261124")
        # A reply rendered as several messages: one nonce each, all de-duplicated on a re-send.
        long = Notice(title="x", lines=tuple(f"line {n} of a long digest" for n in range(200)))
        first = await poster.post("5", long, "bd2-20261124")
        await poster.post("5", long, "bd2-20261124")
        nonces = [m["nonce"] for m in fake_discord.messages]
        assert nonces == ["bd2-20261124", "bd2-20261124-1", "bd2-20261124-2"]
        assert first == "1000"
        assert all(len(m["content"]) <= 2000 for m in fake_discord.messages)
    finally:
        await poster.close()


async def test_posters_from_env_check_each_token(
    fake_discord: FakeDiscord, slack: FakeSlack
) -> None:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "DISCORD_TOKEN": "discord-test-token",
    }
    async with digest_posters(PLATFORMS, env) as posters:
        assert sorted(posters) == ["discord", "slack"]
    async with digest_posters(PLATFORMS, {}) as none:
        assert none == {}
    with pytest.raises(PostRejected, match="invalid_auth"):
        async with digest_posters(PLATFORMS, {**env, "SLACK_BOT_TOKEN": "xoxb-revoked"}):
            pass
