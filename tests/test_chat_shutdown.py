"""SIGTERM to the chat runners: no new work is taken, the commands in flight still deliver their
answers, and the store is closed cleanly (no ``-wal`` file left).

Slack runs as a real ``briefbot slack`` process in HTTP mode against the loopback fake Slack; the
Discord runner runs in this process (discord.py's endpoints can only be redirected in-process)
and gets a real SIGTERM from ``os.kill``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
from pathlib import Path

import aiohttp
import pytest

from adapters.discord.run import serve as serve_discord
from adapters.slack.app import EVENTS_PATH, WORKING
from bot.app import run_chat
from bot.settings import Settings
from tests.bot_process import briefbot_process, free_port
from tests.discord_fake_api import BOT_ID, fake_discord, payload
from tests.slack_fakes import (
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeSlack,
    post,
    signed_headers,
    slash_command_body,
)

GUARD_SECONDS = 120  # turns a hang into a failure; never reached when things work
HELD = "/respond/held"


async def test_sigterm_lets_a_slack_brief_in_flight_arrive(tmp_path: Path) -> None:
    fake = FakeSlack(hold={HELD})
    await fake.start()
    port, db = free_port(), tmp_path / "store.sqlite3"
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "PORT": str(port),
    }
    url = f"http://127.0.0.1:{port}{EVENTS_PATH}"
    try:
        async with (
            asyncio.timeout(GUARD_SECONDS),
            briefbot_process(["-v", "--db", str(db), "slack"], env) as bot,
            aiohttp.ClientSession() as session,
        ):
            await bot.wait_for_line("serving Slack requests")
            body = slash_command_body("china-russia -n 2", fake.url(HELD))
            status, ack = await post(
                session, url, body, "application/x-www-form-urlencoded", signed_headers(body)
            )
            assert (status, json.loads(ack)["text"]) == (200, WORKING)
            await fake.wait_for(lambda f: f.held == [HELD])  # the brief is being delivered

            bot.process.send_signal(signal.SIGTERM)
            await bot.wait_for_line("waiting for 1 command(s) in flight")
            with pytest.raises(aiohttp.ClientConnectorError):  # no new requests are taken
                await post(session, url, body, "application/x-www-form-urlencoded", {})
            assert bot.process.returncode is None
            fake.release.set()
            assert await bot.process.wait() == 0
    finally:
        await fake.close()
    [brief] = fake.delivered(HELD)
    assert brief.body["response_type"] == "in_channel"
    assert "China–Russia relations" in brief.body["text"]
    assert db.exists()
    assert not Path(f"{db}-wal").exists()  # noqa: ASYNC240 (a stat after the test's I/O)


class LogEvent(logging.Handler):
    """Sets an event when a log message contains ``needle`` (logged on the test's loop thread)."""

    def __init__(self, needle: str) -> None:
        super().__init__()
        self.needle = needle
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.needle in record.getMessage():
            self.seen.set()


async def test_sigterm_lets_a_discord_reply_in_flight_arrive(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    command = payload("interaction_create_summary")
    followup = f"/webhooks/{BOT_ID}/{command['token']}"
    draining = LogEvent("waiting for 1 command(s) in flight")
    logging.getLogger("bot.ops.runtime").addHandler(draining)
    try:
        async with asyncio.timeout(GUARD_SECONDS), fake_discord(monkeypatch) as api:
            api.gateway_events = [("INTERACTION_CREATE", command)]
            api.hold = {followup}
            running = asyncio.ensure_future(
                run_chat(settings, lambda bot, stop: serve_discord(bot, "test-token", stop))
            )
            await api.wait_for(lambda requests: any(r.route == followup for r in requests))
            os.kill(os.getpid(), signal.SIGTERM)
            await draining.seen.wait()
            assert not running.done()
            api.release.set()
            assert await running == 0
    finally:
        logging.getLogger("bot.ops.runtime").removeHandler(draining)
    assert api.answered == [followup]
    [reply] = api.sent("POST", followup)
    assert reply.body["embeds"][0]["title"] == "China–Russia relations"
    assert reply.body["allowed_mentions"]["parse"] == []
    assert not Path(f"{settings.store_path}-wal").exists()  # noqa: ASYNC240
