"""Slack in many workspaces: two workspaces install the app by OAuth (the real Bolt flow over
loopback HTTP against a fake ``oauth.v2.access``), then each one's mentions, ``/summary`` and
digests are answered with its own bot token, and uninstalling removes a workspace's token."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from adapters.registry import load_platforms
from adapters.slack.app import EVENTS_PATH, build_app, http_app, slack_web_client
from adapters.slack.oauth import INSTALL_PATH, REDIRECT_PATH, ChannelAddress
from adapters.slack.settings import SlackSettings, load_slack_settings
from bot.app import App
from bot.chat.platform import digest_posters
from bot.digests.scheduler import Scheduler
from bot.settings import SettingsError
from tests.conftest import FIXED_NOW
from tests.slack_fakes import (
    CLIENT_ID,
    CLIENT_SECRET,
    SIGNING_SECRET,
    FakeSlack,
    mention_body,
    post,
    signed_headers,
    slash_command_body,
)

pytestmark = pytest.mark.both_engines  # store-using tests run on SQLite and PostgreSQL

FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Workspace:
    team_id: str
    name: str
    bot_token: str
    channel: str
    code: str


ACME = Workspace("T0ACME0001", "Acme", "xoxb-1111-2222-AcmeWorkspaceBotToken00", "C0ACME01", "c-a")
GLOBEX = Workspace(
    "T0GLOBEX01", "Globex", "xoxb-3333-4444-GlobexWorkspaceBotTok", "C0GLBX01", "c-g"
)


@dataclass
class Served:
    fake: FakeSlack
    base: str  # the app's URL
    session: aiohttp.ClientSession
    env: dict[str, str]

    async def event(self, body: dict[str, Any]) -> int:
        status, _ = await self.event_answer(body)
        return status

    async def event_answer(self, body: dict[str, Any]) -> tuple[int, str]:
        raw = json.dumps(body)
        return await post(
            self.session, self.base + EVENTS_PATH, raw, "application/json", signed_headers(raw)
        )

    async def command(self, workspace: Workspace, text: str, respond: str) -> dict[str, Any]:
        body = slash_command_body(
            text,
            self.fake.url(f"/respond/{respond}"),
            team_id=workspace.team_id,
            channel_id=workspace.channel,
        )
        status, ack = await post(
            self.session, self.base + EVENTS_PATH, body, FORM, signed_headers(body)
        )
        assert status == 200, ack
        answer: dict[str, Any] = json.loads(ack) if ack else {}
        return answer

    async def install(self, workspace: Workspace) -> int:
        """The browser's part: open the install page, follow Slack's redirect back with the
        code and the state (and the state cookie the page set)."""
        async with self.session.get(self.base + INSTALL_PATH) as page:
            html = await page.text()
            cookie = page.headers["Set-Cookie"].split(";")[0]
        state = re.search(r"[?&]state=([^&\"']+)", html)
        assert page.status == 200 and state is not None, html
        self.fake.grant(workspace.code, workspace.team_id, workspace.name, workspace.bot_token)
        return await self.redirect(workspace.code, state.group(1), cookie)

    async def redirect(self, code: str, state: str, cookie: str) -> int:
        async with self.session.get(
            self.base + REDIRECT_PATH,
            params={"code": code, "state": state},
            headers={"Cookie": cookie},
        ) as response:
            return response.status


def mention_from(workspace: Workspace, text: str, event_id: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(mention_body(f"<@U0LAN0Z89> {text}", event_id))
    body["team_id"] = workspace.team_id
    body["authorizations"][0]["team_id"] = workspace.team_id
    body["event"]["channel"] = workspace.channel
    return body


def uninstalled(workspace: Workspace, event_id: str) -> dict[str, Any]:
    """Slack's app_uninstalled event (https://api.slack.com/events/app_uninstalled)."""
    return {
        "token": "XXYYZZ",
        "team_id": workspace.team_id,
        "api_app_id": "A123ABC456",
        "event": {"type": "app_uninstalled", "event_ts": "1700000000.000100"},
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1700000000,
    }


@pytest.fixture
async def served(briefbot: App) -> AsyncIterator[Served]:
    fake = FakeSlack()
    await fake.start()
    env = {
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
    }
    settings = load_slack_settings(env)
    app = build_app(
        briefbot.dispatcher,
        slack_web_client(settings),
        settings,
        installations=briefbot.store.installations,
    )
    server = TestServer(http_app(app, SIGNING_SECRET), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            yield Served(fake, str(server.make_url("")).rstrip("/"), session, env)
    finally:
        await server.close()
        await fake.close()


def bearer(workspace: Workspace) -> str:
    return f"Bearer {workspace.bot_token}"


async def test_two_workspaces_install_and_each_is_answered_with_its_own_token(
    served: Served, briefbot: App
) -> None:
    assert await served.install(ACME) == 200
    assert await served.install(GLOBEX) == 200
    installations = briefbot.store.installations
    assert await installations.count_installations("slack") == 2
    acme = await installations.find_installation("slack", "", ACME.team_id)
    assert acme is not None and acme.bot_token == ACME.bot_token and acme.team_name == "Acme"
    # Each install exchanged its own code with the app's credentials, then checked its token.
    exchanges = [r for r in served.fake.received if r.path == "/api/oauth.v2.access"]
    assert [r.body["code"] for r in exchanges] == [ACME.code, GLOBEX.code]
    checks = [r.authorization for r in served.fake.received if r.path == "/api/auth.test"]
    assert checks == [bearer(ACME), bearer(GLOBEX)]

    # Mentions: each reply is posted with the token of the workspace it came from.
    for n, workspace in enumerate((ACME, GLOBEX, ACME)):
        assert await served.event(mention_from(workspace, "summary china-russia", f"Ev{n}")) == 200
    await served.fake.wait_for(lambda f: len(f.delivered("/api/chat.postMessage")) == 3)
    posts = served.fake.delivered("/api/chat.postMessage")
    # (answered concurrently, so in any order)
    assert sorted((p.body["channel"], p.authorization) for p in posts) == sorted(
        [
            (ACME.channel, bearer(ACME)),
            (GLOBEX.channel, bearer(GLOBEX)),
            (ACME.channel, bearer(ACME)),
        ]
    )

    # /summary: both workspaces get their brief; subscriptions carry the workspace.
    for workspace in (ACME, GLOBEX):
        await served.command(workspace, "china-russia -n 2", workspace.name)
        ack = await served.command(workspace, "subscribe china-russia 11:55 UTC", "x")
        assert "Working on it" in json.dumps(ack)  # the store is written after the ack
    await served.fake.wait_for(
        lambda f: (
            bool(f.delivered("/respond/Acme"))
            and bool(f.delivered("/respond/Globex"))
            and len(f.delivered("/respond/x")) == 2
        )
    )
    assert all("daily digest" in json.dumps(r.body) for r in served.fake.delivered("/respond/x"))
    for workspace in (ACME, GLOBEX):
        (brief,) = served.fake.delivered(f"/respond/{workspace.name}")
        assert "China–Russia relations" in brief.body["text"]
    active = await briefbot.subscriptions.active(["slack"])
    assert sorted(s.channel_id for s in active) == sorted(
        str(ChannelAddress(w.team_id, w.channel)) for w in (ACME, GLOBEX)
    )

    # Digests: the poster looks each workspace's token up in the store.
    served.fake.received.clear()
    async with digest_posters(load_platforms(), served.env, installations) as posters:
        scheduler = Scheduler(
            briefbot.briefer,
            briefbot.subscriptions,
            posters,
            briefbot.settings.digests,
            workers=briefbot.store.workers,
        )
        done = await scheduler.run_once(FIXED_NOW + dt.timedelta(days=1))
    assert sorted(d.status for d in done) == ["posted", "posted"]
    # Each digest is a thread: its parent line, then the brief in reply, both with that
    # workspace's token.
    digests = served.fake.delivered("/api/chat.postMessage")
    assert sorted((p.body["channel"], p.authorization) for p in digests) == sorted(
        2 * [(ACME.channel, bearer(ACME)), (GLOBEX.channel, bearer(GLOBEX))]
    )
    assert sum("thread_ts" in p.body for p in digests) == 2


async def test_uninstalling_removes_the_workspace_token(served: Served, briefbot: App) -> None:
    for workspace in (ACME, GLOBEX):
        assert await served.install(workspace) == 200
    assert await served.event(uninstalled(GLOBEX, "EvUninstall")) == 200
    installations = briefbot.store.installations
    # The event is acknowledged first and handled after, and reads never wait for a write
    # in progress: the installation is gone once the listener has run.
    for _ in range(200):
        if await installations.find_installation("slack", "", GLOBEX.team_id) is None:
            break
        await asyncio.sleep(0.05)
    assert await installations.find_installation("slack", "", GLOBEX.team_id) is None
    assert await installations.find_installation("slack", "", ACME.team_id) is not None

    # Bolt finds no installation for Globex and runs no listener for its mention.
    status, answer = await served.event_answer(mention_from(GLOBEX, "summary china-russia", "EvG"))
    assert status == 200 and "no longer available" in answer
    await served.event(mention_from(ACME, "summary china-russia", "EvA"))
    await served.fake.wait_for(lambda f: bool(f.delivered("/api/chat.postMessage")))
    (reply,) = served.fake.delivered("/api/chat.postMessage")  # Globex's got no answer
    assert reply.authorization == bearer(ACME)


async def test_a_state_works_once_and_only_from_the_browser_it_was_issued_to(
    served: Served, briefbot: App
) -> None:
    async with served.session.get(served.base + INSTALL_PATH) as page:
        state = re.search(r"[?&]state=([^&\"']+)", await page.text())
        cookie = page.headers["Set-Cookie"].split(";")[0]
    assert state is not None
    served.fake.grant(ACME.code, ACME.team_id, ACME.name, ACME.bot_token)
    assert await served.redirect(ACME.code, state.group(1), "") == 400  # another browser
    assert await served.redirect(ACME.code, "forged", cookie) == 400  # cookie/state mismatch
    assert await served.redirect(ACME.code, state.group(1), cookie) == 200
    assert await served.redirect(ACME.code, state.group(1), cookie) == 401  # used up
    assert await briefbot.store.installations.count_installations("slack") == 1


def test_oauth_settings_name_what_is_missing() -> None:
    base = {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    with pytest.raises(SettingsError, match="SLACK_CLIENT_SECRET is not set"):
        load_slack_settings(base)
    full = {**base, "SLACK_CLIENT_SECRET": CLIENT_SECRET}
    with pytest.raises(SettingsError, match="unset SLACK_APP_TOKEN"):
        load_slack_settings({**full, "SLACK_APP_TOKEN": "xapp-1-A-1-x"})
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET is not set"):
        load_slack_settings({k: v for k, v in full.items() if k != "SLACK_SIGNING_SECRET"})
    settings = load_slack_settings(full)
    assert settings.bot_token is None and settings.oauth is not None
    assert settings.oauth.scopes == (
        "commands",
        "app_mentions:read",
        "chat:write",
        "channels:history",
        "groups:history",
    )
    assert CLIENT_SECRET not in repr(settings)
    # Without the OAuth variables the one-workspace settings are as before.
    single = load_slack_settings(
        {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    )
    assert single.oauth is None and single.bot_token == "xoxb-1-2-abc"
    assert isinstance(single, SlackSettings) and dataclasses.is_dataclass(single)
