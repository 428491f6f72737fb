"""Load through the Slack adapter: 100 concurrent signed ``/summary`` requests into the HTTP app on
loopback, with the store in a file.

Every request is acked, every brief is delivered exactly once to its response_url, and nothing
logs "database is locked". The ack latencies are printed (run with ``-s``) but not asserted: a
timing bound in a test only measures how busy the machine is. ``bench/load.py`` measures acks
under load as a user would (a real process, p50/p99/max).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import statistics
import time

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from adapters.slack.app import EVENTS_PATH, WORKING, build_app, http_app, slack_web_client
from bot.app import App
from bot.chat.ratelimit import BucketLimit, RateLimits
from bot.settings import Settings
from bot.store.sqlite.store import SqliteStore
from tests.conftest import fixed_clock
from tests.slack_fakes import (
    FakeSlack,
    Received,
    http_settings,
    post,
    signed_headers,
    slash_command_body,
)

pytestmark = pytest.mark.both_engines  # store-using tests run on SQLite and PostgreSQL

COMMANDS = 100
ROOMY = RateLimits(BucketLimit(1000, 1000), BucketLimit(1000, 1000))
# Commands that all need a brief, so all are answered through response_url after the ack.
TEXTS = [
    "china-russia",
    "china-russia --sentences 2",
    "ukraine-war",
    "sanctions -n 3",
    "Power of Siberia pipeline",
    "Xi Putin",
]


def responses(fake: FakeSlack) -> list[Received]:
    """What the bot posted to response URLs (Bolt's own auth.test call left out)."""
    return [r for r in fake.received if r.path.startswith("/respond/")]


async def test_a_burst_of_slash_commands_is_acked_and_answered_once_each(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bot = await App.start(dataclasses.replace(settings, limits=ROOMY), fixed_clock)
    fake = FakeSlack()
    await fake.start()
    slack = http_settings(fake)
    server = TestServer(
        http_app(
            build_app(bot.dispatcher, slack_web_client(slack), slack), slack.signing_secret or ""
        ),
        port=0,
    )
    await server.start_server()
    url = str(server.make_url(EVENTS_PATH))

    async def command(session: aiohttp.ClientSession, i: int) -> tuple[int, str, float]:
        body = slash_command_body(
            TEXTS[i % len(TEXTS)],
            fake.url(f"/respond/load-{i}"),
            user_id=f"U{i:04}",
            channel_id=f"C{i % 7}",
        )
        started = time.perf_counter()
        status, text = await post(
            session, url, body, "application/x-www-form-urlencoded", signed_headers(body)
        )
        return status, text, time.perf_counter() - started

    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=COMMANDS)) as session:
            acks = await asyncio.gather(*(command(session, i) for i in range(COMMANDS)))
            await fake.wait_for(lambda f: len(responses(f)) >= COMMANDS)
    finally:
        await server.close()
        await fake.close()
        # SQLite's own check of the file and its full-text index after the burst's writes;
        # PostgreSQL has no such check to run (its pages carry no briefbot-made index).
        sqlite = bot.store if isinstance(bot.store, SqliteStore) else None
        integrity = sqlite is None or await sqlite.integrity_ok()
        await bot.close()

    assert [(status, json.loads(text)["text"]) for status, text, _ in acks] == [
        (200, WORKING)
    ] * COMMANDS
    latencies = sorted(seconds for _, _, seconds in acks)
    answers = responses(fake)
    assert sorted(r.path for r in answers) == sorted(f"/respond/load-{i}" for i in range(COMMANDS))
    assert all(r.status == 200 and r.body["response_type"] == "in_channel" for r in answers)
    assert "database is locked" not in caplog.text
    assert integrity
    # The workspace is authorized once, not once per request of the cold burst.
    assert [r.path for r in fake.received].count("/api/auth.test") == 1
    print(
        f"\n{COMMANDS} concurrent /summary acks: median "
        f"{statistics.median(latencies) * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
    )
