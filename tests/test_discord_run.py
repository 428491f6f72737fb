"""``briefbot discord``: the token check, a rejected token, and the Message Content fallback over a
loopback gateway."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest

from adapters.discord.client import INVITE_PERMISSIONS, invite_url
from adapters.discord.run import DiscordSetupError, serve, use_api_url
from bot import cli
from bot.app import App
from bot.ops.runtime import Shutdown
from bot.settings import PROJECT_DIR
from tests.discord_fake_api import (
    BOT_ID,
    CHANNEL,
    FakeDiscordApi,
    Recorded,
    fake_discord,
    mention,
    payload,
)

pytestmark = pytest.mark.both_engines  # store-using tests run on SQLite and PostgreSQL

MESSAGE_CONTENT = discord.Intents(message_content=True).value


@pytest.fixture
async def api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscordApi]:
    async with fake_discord(monkeypatch) as fake:
        yield fake


def identifies(requests: list[Recorded]) -> list[Recorded]:
    return [r for r in requests if r.method == "IDENTIFY"]


def test_missing_token_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.setenv("BRIEFBOT_DB", str(tmp_path / "store.sqlite3"))
    assert cli.main(["discord"]) == 2
    err = capsys.readouterr().err
    assert "DISCORD_TOKEN is not set" in err and "Traceback" not in err
    assert not (tmp_path / "store.sqlite3").exists()


async def test_rejected_token_is_a_setup_error(api: FakeDiscordApi, briefbot: App) -> None:
    api.status_for["/users/@me"] = 401
    with pytest.raises(DiscordSetupError, match="Discord rejected DISCORD_TOKEN"):
        await serve(briefbot.dispatcher, "not-a-token", Shutdown())


async def test_refused_message_content_intent_reconnects_and_keeps_answering(
    api: FakeDiscordApi, briefbot: App, caplog: pytest.LogCaptureFixture
) -> None:
    api.refused_intents = MESSAGE_CONTENT
    command = payload("interaction_create_summary")
    api.gateway_events = [
        ("MESSAGE_CREATE", mention("summary china-russia --sentences 2")),
        ("INTERACTION_CREATE", command),
    ]
    followup = f"/webhooks/{BOT_ID}/{command['token']}"
    shutdown = Shutdown()
    running = asyncio.create_task(serve(briefbot.dispatcher, "test-token", shutdown))
    try:
        await api.wait_for(
            lambda _: (
                bool(api.sent("POST", f"/channels/{CHANNEL}/messages"))
                and bool(api.sent("POST", followup))
            )
        )
    finally:
        shutdown.request(signal.SIGTERM)
        await running
    first, second = identifies(api.requests)
    assert first.body["intents"] & MESSAGE_CONTENT
    assert not second.body["intents"] & MESSAGE_CONTENT
    assert "Discord refused the Message Content intent" in caplog.text
    (reply,) = api.sent("POST", f"/channels/{CHANNEL}/messages")
    assert reply.body["embeds"][0]["title"] == "China–Russia relations"


def test_readme_invite_url_has_the_minimal_permissions() -> None:
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    url = invite_url(1100000000000000001)
    assert url.endswith(f"&permissions={INVITE_PERMISSIONS.value}")
    assert url.replace("1100000000000000001", "YOUR_APPLICATION_ID") in readme
    assert f"Embed Links, Read Message History = `{INVITE_PERMISSIONS.value}`" in readme


def test_discord_api_url_points_discord_py_at_a_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    default = discord.http.Route.BASE
    monkeypatch.setattr(discord.http.Route, "BASE", default)
    assert use_api_url({}) == default
    assert (
        use_api_url({"DISCORD_API_URL": "http://127.0.0.1:9/api/v10/"})
        == "http://127.0.0.1:9/api/v10"
    )
    assert discord.http.Route("GET", "/gateway/bot").url == "http://127.0.0.1:9/api/v10/gateway/bot"
    with pytest.raises(DiscordSetupError, match="DISCORD_API_URL must be an http"):
        use_api_url({"DISCORD_API_URL": "discord.proxy/api"})
    gateway = discord.gateway.DiscordWebSocket
    monkeypatch.setattr(gateway, "DEFAULT_GATEWAY", gateway.DEFAULT_GATEWAY)
    use_api_url({"DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/gateway"})
    assert str(gateway.DEFAULT_GATEWAY) == "ws://127.0.0.1:9/gateway"
    with pytest.raises(DiscordSetupError, match="DISCORD_GATEWAY_URL must be a ws"):
        use_api_url({"DISCORD_GATEWAY_URL": "https://gateway"})
