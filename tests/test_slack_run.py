"""Socket Mode end to end: a fake Slack hands out a WebSocket URL and sends envelopes over it."""

from __future__ import annotations

import asyncio
import json
import signal
from typing import Any

import pytest

from adapters.slack.app import WORKING
from adapters.slack.run import serve
from adapters.slack.settings import SlackSettings
from bot.app import App
from bot.ops.runtime import Shutdown
from tests.slack_fakes import APP_TOKEN, BOT_TOKEN, DATA, FakeSlack

pytestmark = pytest.mark.both_engines  # store-using tests run on SQLite and PostgreSQL


def slash_envelope(text: str, response_url: str) -> dict[str, Any]:
    envelope: dict[str, Any] = json.loads((DATA / "socket_mode_slash_command.json").read_text())
    envelope["payload"].update(text=text, response_url=response_url)
    return envelope


def event_envelope(envelope_id: str, retry_attempt: int) -> dict[str, Any]:
    return {
        "envelope_id": envelope_id,
        "payload": json.loads((DATA / "app_mention.json").read_text()),
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": retry_attempt,
        "retry_reason": "timeout" if retry_attempt else "",
    }


async def test_socket_mode_acks_envelopes_and_answers_once(briefbot: App) -> None:
    fake = FakeSlack()
    await fake.start()
    fake.envelopes = [
        slash_envelope("china-russia -n 2", fake.url("/respond/socket")),
        event_envelope("env-event-1", retry_attempt=0),
        event_envelope("env-event-2", retry_attempt=1),  # the same event, redelivered
    ]
    settings = SlackSettings(
        bot_token=BOT_TOKEN,
        signing_secret=None,
        app_token=APP_TOKEN,
        api_url=fake.api_url,
        port=3000,
    )
    shutdown = Shutdown()
    serving = asyncio.create_task(serve(briefbot.dispatcher, settings, shutdown))
    try:
        await fake.wait_for(
            lambda f: (
                len(f.acks) == 3
                and bool(f.delivered("/respond/socket"))
                and bool(f.delivered("/api/chat.postMessage"))
            )
        )
    finally:
        shutdown.request(signal.SIGTERM)
        await serving
        await fake.close()
    acks = {ack["envelope_id"]: ack for ack in fake.acks}
    assert acks["1d3c79ab-0ffb-41f3-a080-d19e85f53649"]["payload"] == {
        "text": WORKING,
        "response_type": "ephemeral",
    }
    assert set(acks) >= {"env-event-1", "env-event-2"}
    [brief] = fake.delivered("/respond/socket")
    assert brief.body["response_type"] == "in_channel"
    [answer] = fake.delivered("/api/chat.postMessage")  # one answer for two deliveries
    assert answer.body["thread_ts"] == "1515449522.000016"
