"""Secrets stay secret in the runners' output: ``briefbot slack`` and ``briefbot discord`` run as
real processes with tokens the loopback fakes reject, verbose (tracebacks on), and nothing they
print contains a token or the signing secret."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.bot_process import briefbot_process, free_port
from tests.discord_fake_api import FakeDiscordApi
from tests.slack_fakes import BOT_TOKEN, FakeSlack

GUARD_SECONDS = 120  # turns a hang into a failure; never reached when things work
SLACK_SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-24681357900-13579246800-RejectedByTheFakeSlack1",
    "SLACK_SIGNING_SECRET": "5e1f0c2a9b8d7e6f5a4b3c2d1e0f9a8b",
}
SLACK_APP_TOKEN = "xapp-1-A0REJECTED-2468013579-0f1e2d3c4b5a69788796a5b4c3d2e1f0"
DISCORD_TOKEN = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.GqX7rT.RejectedByTheFakeDiscord_0123456789abcd"


def assert_no_secret(output: str, *secrets: str) -> None:
    assert "xox" not in output and "xapp-" not in output
    for secret in secrets:
        assert secret not in output
        assert secret[-12:] not in output  # nor a recognisable piece of it


@pytest.mark.parametrize(
    ("mode", "rejected"),
    [("http", "SLACK_BOT_TOKEN"), ("socket", "SLACK_APP_TOKEN")],
)
async def test_slack_with_a_rejected_token_says_which_and_leaks_nothing(
    tmp_path: Path, mode: str, rejected: str
) -> None:
    fake = FakeSlack()
    await fake.start()
    env = {**SLACK_SECRETS, "SLACK_API_URL": fake.api_url, "PORT": str(free_port())}
    if mode == "socket":  # the bot token is the one the fake accepts; the app token is not
        env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=SLACK_APP_TOKEN)
    db = tmp_path / "s.sqlite3"
    try:
        async with (
            asyncio.timeout(GUARD_SECONDS),
            briefbot_process(["-v", "--db", str(db), "slack"], env) as bot,
        ):
            code, output = await bot.finish()
    finally:
        await fake.close()
    assert code == 2
    assert f"Slack rejected {rejected}: invalid_auth" in output and "Traceback" not in output
    assert_no_secret(output, *SLACK_SECRETS.values(), SLACK_APP_TOKEN, BOT_TOKEN)
    assert not db.exists()  # refused before opening the store


async def test_discord_with_a_rejected_token_says_why_and_leaks_nothing(tmp_path: Path) -> None:
    api = FakeDiscordApi()
    await api.start()
    api.status_for["/users/@me"] = 401
    args = ["-v", "--db", str(tmp_path / "d.sqlite3"), "discord"]
    # DISCORD_API_URL points the real command at the loopback fake, as a proxy would be.
    env = {"DISCORD_TOKEN": DISCORD_TOKEN, "DISCORD_API_URL": api.base_url}
    try:
        async with asyncio.timeout(GUARD_SECONDS), briefbot_process(args, env) as bot:
            code, output = await bot.finish()
    finally:
        await api.stop()
    assert [r.route for r in api.requests] == ["/users/@me"]  # the token was tried
    assert code == 2 and "Discord rejected DISCORD_TOKEN" in output
    assert_no_secret(output, DISCORD_TOKEN)
