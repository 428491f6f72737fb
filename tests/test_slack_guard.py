"""Slow clients cannot hold the Slack endpoint's connections (slow loris), and Slack still gets
through while they try."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from adapters.slack.app import EVENTS_PATH, OneAuthTest, build_app, slack_web_client
from adapters.slack.guard import GuardedTCPSite
from adapters.slack.run import http_runner
from bot.app import App
from tests.slack_fakes import FakeSlack, http_settings, post, signed_headers, slash_command_body

pytestmark = pytest.mark.both_engines  # store-using tests run on SQLite and PostgreSQL

SLOW_CLIENTS = 100
HEAD_SECONDS = 0.5
HANG_GUARD_SECONDS = 30


@pytest.fixture
async def served(briefbot: App) -> AsyncIterator[tuple[FakeSlack, int]]:
    """The bot's Slack endpoint as ``briefbot slack`` serves it, with a short head timeout."""
    fake = FakeSlack()
    await fake.start()
    settings = http_settings(fake)
    client = slack_web_client(settings)
    authorize = OneAuthTest(client)
    await authorize()
    app = build_app(briefbot.dispatcher, client, settings, authorize=authorize)
    runner = http_runner(app, settings.signing_secret or "", head_seconds=HEAD_SECONDS)
    await runner.setup()
    site = GuardedTCPSite(runner, "127.0.0.1", 0, head_seconds=HEAD_SECONDS)
    await site.start()
    try:
        yield fake, site.port
    finally:
        await runner.cleanup()
        await fake.close()


async def slow_loris(port: int, head: bytes) -> bytes:
    """Send part of a request, then nothing; whatever the server sends until it closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head)
    await writer.drain()
    try:
        return await reader.read()  # returns at end-of-file: the server closed the connection
    finally:
        writer.close()


async def test_connections_that_never_finish_a_request_are_closed(
    served: tuple[FakeSlack, int],
) -> None:
    fake, port = served
    unfinished_head = f"POST {EVENTS_PATH} HTTP/1.1\r\nHost: bot\r\nX-Slow: ".encode()
    slow_body = (
        f"POST {EVENTS_PATH} HTTP/1.1\r\nHost: bot\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\ntext=".encode()
    )
    async with asyncio.timeout(HANG_GUARD_SECONDS):
        lorises = [
            asyncio.ensure_future(slow_loris(port, unfinished_head)) for _ in range(SLOW_CLIENTS)
        ]
        slow = asyncio.ensure_future(slow_loris(port, slow_body))
        # Slack is still answered while they hold their connections.
        body = slash_command_body("help", fake.url("/respond/x"))
        async with aiohttp.ClientSession() as session:
            status, text = await post(
                session,
                f"http://127.0.0.1:{port}{EVENTS_PATH}",
                body,
                "application/x-www-form-urlencoded",
                signed_headers(body),
            )
        assert status == 200 and "/summary topics" in json.loads(text)["text"]
        closed = await asyncio.gather(*lorises)
        answered_slow = await slow
    assert closed == [b""] * SLOW_CLIENTS  # closed without an answer
    assert answered_slow.startswith(b"HTTP/1.1 408 ")
