"""A small fake of Discord's REST API and gateway on loopback, for driving the real discord.py
client offline, and the saved gateway payloads the tests feed it.

It answers the handful of routes the bot uses with payloads shaped like Discord's, and records every
request so tests assert on exactly what discord.py would have sent to Discord.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest
import yarl
from aiohttp import web

from adapters.discord.client import BriefbotClient
from bot.chat.dispatcher import Dispatcher
from bot.ops.runtime import InFlight

API_PREFIX = "/api/v10"
DATA = Path(__file__).parent / "data" / "discord"
CHANNEL = "1300000000000000001"  # the channel of the saved payloads
HANG_LIMIT_SECONDS = 60  # turns a bot that never answers into a failure instead of a hang
BOT_ID = "1100000000000000001"


BOT_USER: dict[str, Any] = {
    "id": BOT_ID,
    "username": "briefbot",
    "global_name": None,
    "discriminator": "3151",
    "avatar": None,
    "bot": True,
    "public_flags": 0,
    "flags": 0,
    "verified": True,
    "mfa_enabled": False,
}
OWNER: dict[str, Any] = {
    "id": "1400000000000000009",
    "username": "owner",
    "global_name": None,
    "discriminator": "0",
    "avatar": None,
    "public_flags": 0,
}


def payload(name: str, **changes: Any) -> dict[str, Any]:
    """A saved gateway payload, with top-level fields replaced."""
    data: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    return {**copy.deepcopy(data), **changes}


def mention(text: str, message_id: str = "1600000000000000001", **changes: Any) -> dict[str, Any]:
    """A MESSAGE_CREATE payload: a person mentioning the bot, then ``text``."""
    return payload(
        "message_create_mention", id=message_id, content=f"<@{BOT_ID}> {text}", **changes
    )


@dataclass(frozen=True)
class Recorded:
    """One request discord.py sent."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    at: float = 0.0  # when the fake received it (time.monotonic, comparable across sessions)

    @property
    def route(self) -> str:
        """The path without the API version prefix."""
        return self.path.removeprefix(API_PREFIX)


class FakeDiscordApi:
    """Records requests and answers them like Discord; ``status_for`` forces error statuses."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.status_for: dict[str, int] = {}
        # Routes answered only once ``release`` is set (a slow Discord); ``answered`` lists the
        # held requests that were answered.
        self.hold: set[str] = set()
        self.release = asyncio.Event()
        self.answered: list[str] = []
        # Gateway: intents refused with close code 4014, as Discord does for privileged intents
        # the application has not enabled, and the events pushed after READY.
        self.refused_intents = 0
        # Gateway/bot's session start limit: IDENTIFYs allowed per 5 s, one per shard bucket.
        self.max_concurrency = 1
        self.gateway_events: list[tuple[str, dict[str, Any]]] = []
        self._changed = asyncio.Condition()
        self._ids = iter(range(1900000000000000001, 1999999999999999999))
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.gateway_url = ""

    async def start(self) -> None:
        """Listen on a free loopback port."""
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}{API_PREFIX}"
        self.gateway_url = f"ws://127.0.0.1:{port}/gateway"

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for(self, done: Callable[[list[Recorded]], bool]) -> list[Recorded]:
        """Wait until the recorded requests satisfy ``done``."""
        async with asyncio.timeout(HANG_LIMIT_SECONDS), self._changed:
            await self._changed.wait_for(lambda: done(self.requests))
        return list(self.requests)

    def sent(self, method: str, route_prefix: str) -> list[Recorded]:
        """Recorded requests with this method whose route starts with the prefix."""
        return [r for r in self.requests if r.method == method and r.route.startswith(route_prefix)]

    async def _record(self, recorded: Recorded) -> None:
        async with self._changed:
            self.requests.append(recorded)
            self._changed.notify_all()

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        """A gateway session: HELLO, IDENTIFY checked against refused intents, READY, events."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 45000}, "s": None, "t": None})
        async for frame in ws:
            message = json.loads(frame.data)
            if message["op"] == 1:
                await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif message["op"] == 2:
                identify = Recorded("IDENTIFY", request.path, {}, message["d"], time.monotonic())
                await self._record(identify)
                if message["d"]["intents"] & self.refused_intents:
                    await ws.close(code=4014, message=b"Disallowed intent(s).")
                    break
                await self._ready(ws, message["d"].get("shard", [0, 1]))
        return ws

    async def _ready(self, ws: web.WebSocketResponse, shard: list[int]) -> None:
        ready = {
            "v": 10,
            "user": BOT_USER,
            "guilds": [],
            "session_id": "fake-session",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": BOT_ID, "flags": 0},
            "shard": shard,
        }
        events = [("READY", ready), *self.gateway_events]
        for seq, (name, data) in enumerate(events, start=1):
            await ws.send_json({"op": 0, "t": name, "s": seq, "d": data})

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        body = json.loads(raw) if raw and request.content_type == "application/json" else None
        recorded = Recorded(request.method, request.path, dict(request.query), body)
        await self._record(recorded)
        if recorded.route in self.hold:
            await self.release.wait()
            self.answered.append(recorded.route)
        status = self.status_for.get(recorded.route)
        if status is not None:
            return _json({"message": "forced by test", "code": 0}, status=status)
        return self._answer(recorded)

    def _answer(self, r: Recorded) -> web.StreamResponse:
        route, parts = r.route, r.route.strip("/").split("/")
        if r.method == "GET" and route == "/users/@me":
            return _json(BOT_USER)
        if r.method == "GET" and route == "/gateway/bot":
            limit = {
                "total": 1000,
                "remaining": 999,
                "reset_after": 0,
                "max_concurrency": self.max_concurrency,
            }
            return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})
        if r.method == "GET" and route == "/oauth2/applications/@me":
            return _json(_application())
        if r.method == "PUT" and parts[0] == "applications" and parts[-1] == "commands":
            return _json([self._command(c, parts[1]) for c in r.body])
        if r.method == "POST" and parts[0] == "channels" and parts[-1] == "typing":
            return web.Response(status=204)
        if r.method == "POST" and parts[0] == "channels" and parts[-1] == "threads":
            # A thread started on a message has the message's id, as on Discord.
            name = r.body["name"]
            return _json({"id": parts[3], "type": 11, "parent_id": parts[1], "name": name})
        if r.method == "POST" and parts[0] == "channels" and parts[-1] == "messages":
            return _json(self._message(parts[1], r.body))
        if r.method == "POST" and parts[0] == "interactions":
            return _json(
                {"interaction": {"id": parts[1], "type": 2, "response_message_loading": True}}
            )
        if r.method == "POST" and parts[0] == "webhooks":
            if r.query.get("wait") in ("1", "true"):
                return _json(self._message("1300000000000000001", r.body))
            return web.Response(status=204)
        return _json({"message": "404: Not Found", "code": 0}, status=404)

    def _command(self, command: dict[str, Any], application_id: str) -> dict[str, Any]:
        return {
            **command,
            "id": str(next(self._ids)),
            "application_id": application_id,
            "version": str(next(self._ids)),
            "default_member_permissions": None,
        }

    def _message(self, channel_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": str(next(self._ids)),
            "channel_id": channel_id,
            "author": BOT_USER,
            "content": body.get("content") or "",
            "timestamp": "2026-11-24T12:00:01.000000+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "pinned": False,
            "type": 19 if body.get("message_reference") else 0,
            "flags": 0,
            "components": [],
        }


@contextlib.asynccontextmanager
async def fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscordApi]:
    """A running fake with discord.py's REST and gateway addresses pointed at it."""
    fake = FakeDiscordApi()
    await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.base_url)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url)
    )
    try:
        yield fake
    finally:
        await fake.stop()


@contextlib.asynccontextmanager
async def logged_in_client(dispatcher: Dispatcher) -> AsyncIterator[BriefbotClient]:
    """A client for ``dispatcher`` logged in to the fake API (no gateway): setup_hook has run."""
    intents = discord.Intents.default()
    intents.message_content = True
    client = BriefbotClient(dispatcher, InFlight(), intents=intents)
    await client.login("test-token")
    try:
        yield client
    finally:
        await client.close()


def _application() -> dict[str, Any]:
    return {
        "id": BOT_ID,
        "name": "briefbot",
        "icon": None,
        "description": "Short multi-source briefs of the news.",
        "bot_public": False,
        "bot_require_code_grant": False,
        "owner": OWNER,
        "verify_key": "0" * 64,
        "flags": 0,
        "bot": BOT_USER,
        "summary": "",
        "team": None,
    }


def _json(data: Any, status: int = 200) -> web.Response:
    # Exactly "application/json", as Discord sends it: discord.py compares the header verbatim.
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )
