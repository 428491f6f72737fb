"""Replicas of the Slack web process: two real ``briefbot slack`` processes on one store, Slack
redelivering one event to both at once; the event is answered once, by whichever claimed it."""

from __future__ import annotations

import asyncio
import json
import re
import signal
from contextlib import AsyncExitStack

import aiohttp
import pytest

from adapters.slack.app import EVENTS_PATH
from adapters.slack.oauth import INSTALL_PATH, REDIRECT_PATH
from bot.app import App
from bot.settings import Settings
from tests.bot_process import Process, briefbot_process, free_port
from tests.engines import store_env
from tests.slack_fakes import (
    BOT_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    SIGNING_SECRET,
    FakeSlack,
    mention_body,
    post,
    signed_headers,
)

pytestmark = pytest.mark.both_engines  # store-using tests run on SQLite and PostgreSQL

GUARD_SECONDS = 120  # turns a hang into a failure; never reached when things work
REPLICAS = 2


async def test_a_redelivered_event_is_answered_once_across_replicas(
    settings: Settings, briefbot: App
) -> None:
    fake = FakeSlack()
    await fake.start()
    ports = [free_port() for _ in range(REPLICAS)]
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
    }
    try:
        async with asyncio.timeout(GUARD_SECONDS), AsyncExitStack() as stack:
            replicas: list[Process] = [
                await stack.enter_async_context(
                    briefbot_process(
                        ["-v", "slack"], {**env, **store_env(settings), "PORT": str(port)}
                    )
                )
                for port in ports
            ]
            await asyncio.gather(*(r.wait_for_line("serving Slack requests") for r in replicas))
            session = await stack.enter_async_context(aiohttp.ClientSession())
            urls = [f"http://127.0.0.1:{port}{EVENTS_PATH}" for port in ports]
            once = mention_body("<@U0LAN0Z89> summary china-russia -n 1", "EvSAMEEVENT1")
            # The first delivery to one replica and Slack's retry to the other, at once.
            retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
            acks = await asyncio.gather(
                post(session, urls[0], once, "application/json", signed_headers(once)),
                post(session, urls[1], once, "application/json", {**signed_headers(once), **retry}),
            )
            other = mention_body("<@U0LAN0Z89> topics", "EvOTHEREVENT", ts="1515449599.000001")
            acks.append(
                await post(session, urls[1], other, "application/json", signed_headers(other))
            )
            assert [status for status, _ in acks] == [200, 200, 200]
            await fake.wait_for(lambda f: len(f.delivered("/api/chat.postMessage")) >= 2)
            # A graceful stop delivers every answer in flight, so none can come after this.
            for replica in replicas:
                replica.process.send_signal(signal.SIGTERM)
            results = [await replica.finish() for replica in replicas]
    finally:
        await fake.close()
    assert [code for code, _ in results] == [0] * REPLICAS, results
    posts = fake.delivered("/api/chat.postMessage")
    texts = sorted(p.body["text"] for p in posts)
    assert len(texts) == 2, texts  # the brief once, and the other event's topic list
    assert "China–Russia relations" in texts[0] and texts[1].startswith("Topics you can brief")
    assert sum("ignoring redelivered event EvSAMEEVENT1" in out for _, out in results) == 1


async def test_an_install_started_on_one_replica_completes_on_another(
    settings: Settings, briefbot: App
) -> None:
    """OAuth across replicas: the install page (and its one-time state) from one replica, Slack's
    redirect to the other; then either replica answers the workspace with its token."""
    fake = FakeSlack()
    await fake.start()
    token = "xoxb-5555-6666-InitechWorkspaceBotTok"
    fake.grant("code-initech", "T0INITECH1", "Initech", token)
    ports = [free_port() for _ in range(REPLICAS)]
    env = {
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
    }
    try:
        async with asyncio.timeout(GUARD_SECONDS), AsyncExitStack() as stack:
            replicas: list[Process] = [
                await stack.enter_async_context(
                    briefbot_process(
                        ["-v", "slack"], {**env, **store_env(settings), "PORT": str(port)}
                    )
                )
                for port in ports
            ]
            await asyncio.gather(*(r.wait_for_line("serving Slack requests") for r in replicas))
            session = await stack.enter_async_context(aiohttp.ClientSession())
            first, second = (f"http://127.0.0.1:{port}" for port in ports)
            async with session.get(first + INSTALL_PATH) as page:
                state = re.search(r"[?&]state=([^&\"']+)", await page.text())
                cookie = page.headers["Set-Cookie"].split(";")[0]
            assert state is not None
            async with session.get(
                second + REDIRECT_PATH,
                params={"code": "code-initech", "state": state.group(1)},
                headers={"Cookie": cookie},
            ) as done:
                assert done.status == 200
            body = json.loads(mention_body("<@U0LAN0Z89> topics", "EvINITECH"))
            body["team_id"] = body["authorizations"][0]["team_id"] = "T0INITECH1"
            raw = json.dumps(body)
            status, _ = await post(
                session, first + EVENTS_PATH, raw, "application/json", signed_headers(raw)
            )
            assert status == 200
            await fake.wait_for(lambda f: bool(f.delivered("/api/chat.postMessage")))
            for replica in replicas:
                replica.process.send_signal(signal.SIGTERM)
            results = [await replica.finish() for replica in replicas]
    finally:
        await fake.close()
    assert [code for code, _ in results] == [0] * REPLICAS, results
    (reply,) = fake.delivered("/api/chat.postMessage")
    assert reply.authorization == f"Bearer {token}"
    assert all(token not in out and CLIENT_SECRET not in out for _, out in results)
