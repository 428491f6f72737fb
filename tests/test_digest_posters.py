"""The Slack and Discord digest posters against fake platform APIs on loopback."""

from __future__ import annotations

import asyncio
import datetime as dt
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
from bot.settings import Settings
from tests.engines import store_env
from tests.slack_fakes import BOT_TOKEN, FakeSlack
from tests.test_digest_crash import start_digests, subscribe_due_now

pytestmark = pytest.mark.both_engines  # store-using tests run on SQLite and PostgreSQL

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
    # A thread: a one-line parent in the channel, the brief as its reply.
    parent, message = [r.body for r in slack.delivered("/api/chat.postMessage")]
    assert parent["channel"] == message["channel"] == "C1"
    assert parent["text"] == ("China–Russia relations · 2 points in the thread")
    assert "thread_ts" not in parent and message["thread_ts"] == "1515449523.000100"
    rendered = reply_message(BriefReply(brief))
    assert (message["text"], message["blocks"]) == (rendered.text, rendered.blocks_json())
    assert message["unfurl_links"] is False
    assert message["metadata"]["event_payload"] == {"key": "bd1-20261124"}
    # A note is one message, no thread.
    await poster.post("C1", NOTE, "bd1-20261125")
    note = slack.delivered("/api/chat.postMessage")[-1].body
    assert note["text"] == NOTE.title and "thread_ts" not in note
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
    # Channel of each message, and the threads started on messages (a thread has its
    # message's id, as on Discord); channels refusing threads answer 403.
    channel_of: dict[str, str] = field(default_factory=dict)
    threads: dict[str, str] = field(default_factory=dict)
    no_threads: set[str] = field(default_factory=set)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    me_status: int | None = None  # answer the login with this error status

    async def me(self, request: web.Request) -> web.Response:
        if self.me_status is not None:
            return discord_json({"message": "upstream failure", "code": 0}, status=self.me_status)
        if request.headers.get("Authorization") != "Bot discord-test-token":
            return discord_json({"message": "401: Unauthorized", "code": 0}, status=401)
        return discord_json(
            {"id": "1", "username": "briefbot", "discriminator": "0", "avatar": None}
        )

    async def create_message(self, request: web.Request) -> web.Response:
        channel = request.match_info["channel"]
        # "404", or a message's id with no thread on it, names no channel.
        if channel == "404" or (channel in self.channel_of and channel not in self.threads):
            return discord_json({"message": "Unknown Channel", "code": 10003}, status=404)
        body = await request.json()
        key = (channel, str(body.get("nonce")))
        if body.get("enforce_nonce") and key in self.by_nonce:
            return discord_json(self.by_nonce[key])
        message = {"id": str(next(self._ids)), "channel_id": channel, **body}
        self.messages.append(message)
        self.by_nonce[key] = message
        self.channel_of[message["id"]] = channel
        return discord_json(message)

    async def create_thread(self, request: web.Request) -> web.Response:
        channel, message = request.match_info["channel"], request.match_info["message"]
        if channel in self.no_threads:
            return discord_json({"message": "Missing Permissions", "code": 50013}, status=403)
        if message in self.threads:
            error = {"message": "A thread has already been created for this message"}
            return discord_json({**error, "code": 160004}, status=400)
        body = await request.json()
        self.threads[message] = body["name"]
        return discord_json({"id": message, "type": 11, "parent_id": channel, "name": body["name"]})


@pytest.fixture
async def fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    app = web.Application()
    app.router.add_get("/api/v10/users/@me", fake.me)
    app.router.add_post("/api/v10/channels/{channel}/messages", fake.create_message)
    app.router.add_post(
        "/api/v10/channels/{channel}/messages/{message}/threads", fake.create_thread
    )
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
        # A thread: the parent line in the channel, the embeds in the thread started on it.
        parent, message = fake_discord.messages
        assert parent["content"] == "China–Russia relations · 5 points in the thread"
        assert parent["channel_id"] == "123456789"
        assert fake_discord.threads == {"1000": "China–Russia relations · 5 points in the thread"}
        assert message["channel_id"] == "1000"
        assert parent["nonce"] == "bd7-20261124" and message["nonce"] == "bd7-20261124-1"
        assert message["enforce_nonce"] is True
        assert message["allowed_mentions"] == {"parse": []}
        (rendered,) = render_reply(reply)
        assert message["embeds"] == [e.to_dict() for e in rendered.embeds]
    finally:
        await poster.close()


async def test_discord_digest_is_a_reply_chain_where_threads_are_not_allowed(
    fake_discord: FakeDiscord, briefbot: App
) -> None:
    fake_discord.no_threads.add("77")
    poster = await DiscordDigestPoster.connect("discord-test-token")
    try:
        reply = BriefReply(await briefbot.briefer.brief("china-russia", 2))
        parent_id = await poster.post("77", reply, "bd8-20261124")
        parent, message = fake_discord.messages
        assert parent["id"] == parent_id and message["channel_id"] == "77"
        assert str(message["message_reference"]["message_id"]) == parent_id
        assert fake_discord.threads == {}
    finally:
        await poster.close()


async def test_discord_follow_digest_goes_into_the_first_digests_thread(
    fake_discord: FakeDiscord, briefbot: App
) -> None:
    poster = await DiscordDigestPoster.connect("discord-test-token")
    try:
        reply = BriefReply(await briefbot.briefer.brief("china-russia", 2))
        root = await poster.post("123456789", reply, "bd9-20261124")
        assert await poster.post("123456789", reply, "bd9-20261125", root) == root
        parent, first, second = fake_discord.messages
        assert first["channel_id"] == second["channel_id"] == root == parent["id"]
        assert second["nonce"] == "bd9-20261125"
        # Where the first digest has no thread (none allowed), replies to it instead.
        fake_discord.no_threads.add("77")
        chain_root = await poster.post("77", reply, "bd10-20261124")
        await poster.post("77", reply, "bd10-20261125", chain_root)
        last = fake_discord.messages[-1]
        assert last["channel_id"] == "77"
        assert str(last["message_reference"]["message_id"]) == chain_root
    finally:
        await poster.close()


async def test_unreachable_discord_is_not_sent(
    monkeypatch: pytest.MonkeyPatch, unused_port: int
) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{unused_port}/api/v10")
    with pytest.raises(PostNotSent, match="cannot reach the Discord API"):
        await DiscordDigestPoster.connect("discord-test-token")


async def test_discord_failing_at_login_is_not_sent_and_not_a_crash(
    fake_discord: FakeDiscord,
) -> None:
    # 503: discord.py does not retry it (it retries 500, 502 and 504 for ~25 s, then the same).
    fake_discord.me_status = 503
    with pytest.raises(PostNotSent, match=r"Discord API failed at login \(503\)"):
        async with digest_posters(PLATFORMS, {"DISCORD_TOKEN": "discord-test-token"}):
            pass


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


async def test_digests_keep_the_path_of_slack_api_url(
    settings: Settings, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Web API behind a proxy path: `briefbot digests` posts below it, as the Slack app does
    (it used to post to the host's /chat.postMessage)."""
    for name, value in store_env(settings).items():  # the process finds the test's store
        monkeypatch.setenv(name, value)
    await subscribe_due_now(settings)
    process = await start_digests(settings.store_path, slack.url("/api"))  # no trailing slash
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    assert out.decode().strip() == "1 posted"
    parent, posted = slack.delivered("/api/chat.postMessage")  # a digest is a thread
    assert parent.body["channel"] == posted.body["channel"] == "C1"


async def test_slack_finds_a_digest_by_its_key_in_the_history_or_its_thread(
    slack: FakeSlack,
) -> None:
    poster = SlackDigestPoster(digest_client(BOT_TOKEN, slack.api_url))
    since = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)
    note = Notice(title="Daily digest of China–Russia relations: nothing new.")
    first = await poster.post("C1", note, "bd1-20260601")
    assert await poster.find_posted("C1", "bd1-20260601", since) == first
    assert await poster.find_posted("C1", "bd1-20260602", since) is None  # another day's key
    assert await poster.find_posted("C2", "bd1-20260601", since) is None  # another channel
    # A digest that follows a thread is found among the thread's replies, and named by the
    # thread it went into (as post returns it).
    assert await poster.post("C1", note, "bd1-20260602", thread_of=first) == first
    assert await poster.find_posted("C1", "bd1-20260602", since) is None  # not top level
    assert await poster.find_posted("C1", "bd1-20260602", since, thread_of=first) == first
    # Without the history scope Slack refuses, and the poster says so rather than guess.
    slack.missing_scopes.add("history")
    with pytest.raises(PostRejected, match="missing_scope"):
        await poster.find_posted("C1", "bd1-20260601", since)
