"""A fake Slack on loopback: the Web API and response_url endpoints, recording what they receive.

Also a client that sends the bot real-format, correctly signed requests, as Slack does.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from slack_sdk.signature import SignatureVerifier

from adapters.slack.app import EVENTS_PATH, OneAuthTest, build_app, http_app, slack_web_client
from adapters.slack.settings import SlackSettings
from bot.chat.dispatcher import Dispatcher

DATA = Path(__file__).parent / "data" / "slack"
BOT_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
APP_TOKEN = "xapp-1-A123ABC456-1234567890-abcdef"
CLIENT_ID = "1234567890.2468013579"
CLIENT_SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
HANG_GUARD_SECONDS = 20


@dataclass(frozen=True)
class Received:
    """One request the fake Slack received, and the status it answered with."""

    path: str
    authorization: str | None
    body: dict[str, Any]
    status: int


@dataclass
class FakeSlack:
    """Slack's Web API under ``/api/`` and response URLs under ``/respond/``."""

    received: list[Received] = field(default_factory=list)
    # Socket Mode: envelopes to send after "hello", and the acknowledgements that came back.
    envelopes: list[dict[str, Any]] = field(default_factory=list)
    acks: list[dict[str, Any]] = field(default_factory=list)
    # Answer this many of the next calls to a path with 429 and this Retry-After.
    throttle: dict[str, int] = field(default_factory=dict)
    retry_after: str = "0"
    # Paths whose requests are held unanswered until ``release`` is set (a slow Slack); ``held``
    # lists the ones waiting.
    hold: set[str] = field(default_factory=set)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    held: list[str] = field(default_factory=list)
    # Bot tokens Slack accepts and the auth.test answer of each (the one workspace of BOT_TOKEN
    # unless a test installs more), and OAuth: the app's credentials and, per authorization
    # code, the workspace that oauth.v2.access installs the app in (see ``grant``).
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    client_credentials: tuple[str, str] = (CLIENT_ID, CLIENT_SECRET)
    grants: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Messages posted, by channel, as conversations.history shows them; "history" here makes
    # the history methods answer missing_scope (an app installed without channels:history).
    channel_messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    missing_scopes: set[str] = field(default_factory=set)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _server: TestServer | None = None
    # Each posted message gets the next ts, as in a real channel (threads name their parent's).
    _posted: int = 0

    def __post_init__(self) -> None:
        self.tokens.setdefault(BOT_TOKEN, json.loads((DATA / "auth_test.json").read_text()))

    def grant(self, code: str, team_id: str, team_name: str, bot_token: str) -> None:
        """Let ``code`` install the app in a workspace whose bot token is ``bot_token``, as
        oauth.v2.access answers (https://api.slack.com/methods/oauth.v2.access)."""
        bot_user, bot_id = f"U{team_id[1:]}BOT", f"B{team_id[1:]}"
        self.grants[code] = {
            "ok": True,
            "access_token": bot_token,
            "token_type": "bot",
            "scope": "commands,app_mentions:read,chat:write",
            "bot_user_id": bot_user,
            "app_id": "A123ABC456",
            "team": {"name": team_name, "id": team_id},
            "enterprise": None,
            "authed_user": {"id": "U0INSTALLER"},
            "is_enterprise_install": False,
        }
        self.tokens[bot_token] = {
            "ok": True,
            "url": f"https://{team_name.lower()}.slack.com/",
            "team": team_name,
            "user": "briefbot",
            "team_id": team_id,
            "user_id": bot_user,
            "bot_id": bot_id,
            "is_enterprise_install": False,
        }

    async def start(self) -> None:
        """Listen on a free loopback port."""
        app = web.Application()
        app.router.add_post("/api/{method}", self._handle)
        app.router.add_get("/api/{method}", self._handle)  # e.g. conversations.history
        app.router.add_post("/respond/{name}", self._handle)
        app.router.add_get("/socket", self._socket)
        self._server = TestServer(app, host="127.0.0.1", port=0)
        await self._server.start_server()

    async def close(self) -> None:
        """Stop listening."""
        if self._server is not None:
            await self._server.close()

    def url(self, path: str) -> str:
        """The absolute URL of a path on the fake."""
        assert self._server is not None
        return str(self._server.make_url(path))

    @property
    def api_url(self) -> str:
        """What SLACK_API_URL is set to."""
        return self.url("/api/")

    def delivered(self, path: str) -> list[Received]:
        """Requests to a path that were accepted (not rate limited)."""
        return [r for r in self.received if r.path == path and r.status == 200]

    async def wait_for(self, ready: Callable[[FakeSlack], bool]) -> None:
        """Wait until ``ready`` holds for what was received (the time limit only guards hangs)."""
        async with asyncio.timeout(HANG_GUARD_SECONDS), self._changed:
            await self._changed.wait_for(lambda: ready(self))

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.text()
        if request.method == "GET":
            body: dict[str, Any] = dict(request.query)
        elif request.content_type == "application/json":
            body = json.loads(raw) if raw else {}
        else:
            body = dict(parse_qsl(raw))
        path = request.path
        if path in self.hold:
            async with self._changed:
                self.held.append(path)
                self._changed.notify_all()
            await self.release.wait()
        status, answer = 200, self._answer(path, request.headers.get("Authorization"), body)
        headers: dict[str, str] = {}
        if self.throttle.get(path, 0) > 0:
            self.throttle[path] -= 1
            status, answer = 429, {"ok": False, "error": "ratelimited"}
            headers["Retry-After"] = self.retry_after
        async with self._changed:
            self.received.append(Received(path, request.headers.get("Authorization"), body, status))
            self._changed.notify_all()
        if path.startswith("/respond/"):
            return web.Response(status=status, text="ok" if status == 200 else "", headers=headers)
        return web.json_response(answer, status=status, headers=headers)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode's WebSocket: hello, the queued envelopes, then record what comes back."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json(
            {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A123ABC456"}}
        )
        for envelope in self.envelopes:
            await socket.send_json(envelope)
        async for message in socket:
            if message.type == aiohttp.WSMsgType.TEXT:
                async with self._changed:
                    self.acks.append(json.loads(message.data))
                    self._changed.notify_all()
        return socket

    def _answer(self, path: str, authorization: str | None, body: dict[str, Any]) -> dict[str, Any]:
        if path.startswith("/respond/"):
            return {}
        if path == "/api/apps.connections.open" and authorization == f"Bearer {APP_TOKEN}":
            return {"ok": True, "url": self.url("/socket").replace("http://", "ws://")}
        if path == "/api/oauth.v2.access":
            return self._oauth_access(authorization, body)
        token = (authorization or "").removeprefix("Bearer ")
        if token not in self.tokens or self.tokens[token].get("revoked"):
            return {"ok": False, "error": "invalid_auth"}
        if path == "/api/auth.test":
            return self.tokens[token]
        if path == "/api/chat.postMessage":
            ts = f"1515449523.{100 + self._posted:06d}"
            self._posted += 1
            metadata = body.get("metadata")
            self.channel_messages.setdefault(str(body.get("channel")), []).append(
                {
                    "ts": ts,
                    "thread_ts": body.get("thread_ts"),
                    "text": body.get("text"),
                    "metadata": json.loads(metadata) if isinstance(metadata, str) else metadata,
                }
            )
            return {"ok": True, "channel": "C123ABC456", "ts": ts}
        if path in ("/api/conversations.history", "/api/conversations.replies"):
            return self._history(path, body)
        return {"ok": False, "error": "unknown_method"}

    def _history(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """A channel's top-level messages, or one thread's, newest first, with their metadata
        when asked (include_all_metadata); one page. The fake's ts are not times, so ``oldest``
        is not applied: every message is returned."""
        if "history" in self.missing_scopes:
            return {"ok": False, "error": "missing_scope", "needed": "channels:history"}
        messages = self.channel_messages.get(str(body.get("channel")), [])
        if path.endswith(".history"):
            chosen = [m for m in messages if m["thread_ts"] in (None, m["ts"])]
        else:
            thread = str(body.get("ts"))
            chosen = [m for m in messages if thread in (m["ts"], m["thread_ts"])]
        with_metadata = str(body.get("include_all_metadata")).lower() in ("1", "true")
        listed = [
            {k: v for k, v in m.items() if v is not None and (with_metadata or k != "metadata")}
            for m in reversed(chosen)
        ]
        return {"ok": True, "messages": listed, "has_more": False}

    def _oauth_access(self, authorization: str | None, body: dict[str, Any]) -> dict[str, Any]:
        client_id, client_secret = self.client_credentials
        basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        if authorization != f"Basic {basic}":
            return {"ok": False, "error": "invalid_client_id"}
        grant = self.grants.pop(str(body.get("code")), None)  # a code works once
        return grant if grant is not None else {"ok": False, "error": "invalid_code"}


def slash_command_body(text: str, response_url: str, **changes: str) -> str:
    """The saved slash-command request with another text and response URL (and any other fields
    changed, e.g. ``user_id``), url-encoded."""
    fields = dict(parse_qsl((DATA / "slash_command.txt").read_text()))
    fields.update(text=text, response_url=response_url, **changes)
    return urlencode(fields)


def mention_body(text: str, event_id: str, ts: str = "1515449522.000016") -> str:
    """The saved app_mention event with another text, event id and timestamp, as JSON."""
    body: dict[str, Any] = json.loads((DATA / "app_mention.json").read_text())
    body["event_id"] = event_id
    body["event"].update(text=text, ts=ts, event_ts=ts.replace(".", ""))
    return json.dumps(body)


def signed_headers(
    body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET
) -> dict[str, str]:
    """The X-Slack-* headers Slack sends with a body, signed with the app's signing secret."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    assert signature is not None
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}


async def post(
    session: aiohttp.ClientSession,
    url: str,
    body: str,
    content_type: str,
    headers: dict[str, str],
) -> tuple[int, str]:
    """POST a body as Slack would; return the status and response text."""
    async with session.post(
        url, data=body.encode(), headers={"Content-Type": content_type, **headers}
    ) as response:
        return response.status, await response.text()


def http_settings(fake: FakeSlack) -> SlackSettings:
    """Settings for HTTP mode with the test secrets, pointed at the fake's Web API."""
    return SlackSettings(
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        app_token=None,
        api_url=fake.api_url,
        port=3000,
    )


@asynccontextmanager
async def slack_over_http(dispatcher: Dispatcher) -> AsyncIterator[tuple[FakeSlack, str]]:
    """A fake Slack on loopback and ``dispatcher``'s Bolt app served on loopback, pointed at it.

    Yields the fake and the app's events URL.
    """
    fake = FakeSlack()
    await fake.start()
    settings = http_settings(fake)
    client = slack_web_client(settings)
    authorize = OneAuthTest(client)
    await authorize()  # as the runner does before serving
    fake.received.clear()
    app = http_app(
        build_app(dispatcher, client, settings, authorize=authorize),
        settings.signing_secret or "",
    )
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    try:
        yield fake, str(server.make_url(EVENTS_PATH))
    finally:
        await server.close()
        await fake.close()
