"""A fake Slack Web API on loopback: records chat.postMessage calls and can kill its client.

Modes tell it what to do to the client process (its pid is set by the test) at a given method:
``kill_on`` names the method ("auth.test" or "chat.postMessage") at which it SIGKILLs the client;
``record_before_kill`` says whether the message is recorded first (Slack posted it, the client
never heard back) or not (the client died before its message reached Slack).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class FakeSlack:
    """The recorded messages and the failure plan for the next calls."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    client_pid: int | None = None
    kill_on: str | None = None
    record_before_kill: bool = True
    base_url: str = ""
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    pid_known: asyncio.Event = field(default_factory=asyncio.Event)

    def watch(self, pid: int) -> None:
        """The client process to kill when the plan says so."""
        self.client_pid = pid
        self.pid_known.set()

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.headers.get("Authorization") != "Bearer xoxb-test-token":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        body: dict[str, Any] = await request.json() if method == "chat.postMessage" else {}
        if method == "chat.postMessage" and body.get("channel") == "C_GONE":
            return web.json_response({"ok": False, "error": "channel_not_found"})
        if method == "chat.postMessage" and (self.kill_on != method or self.record_before_kill):
            self.messages.append(body)
        if method == self.kill_on:
            self.kill_on = None
            await self.pid_known.wait()
            assert self.client_pid is not None
            os.kill(self.client_pid, signal.SIGKILL)
        if method == "auth.test":
            return web.json_response({"ok": True, "team": "Test team", "user": "briefbot"})
        if method == "chat.postMessage":
            ts = f"1780000000.{next(self._ts):06d}"
            return web.json_response({"ok": True, "channel": body.get("channel"), "ts": ts})
        return web.json_response({"ok": False, "error": "unknown_method"})


@asynccontextmanager
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """Run a FakeSlack on 127.0.0.1 (a free port) for the duration of the block."""
    fake = FakeSlack()
    app = web.Application()
    app.router.add_post("/api/{method}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    fake.base_url = f"http://127.0.0.1:{port}/api/"
    try:
        yield fake
    finally:
        await runner.cleanup()
