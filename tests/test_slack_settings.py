"""Slack settings from the environment, and ``briefbot slack`` run as a real process."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from adapters.slack.settings import SLACK_API_URL, load_slack_settings
from bot.cli import EXIT_USAGE, main
from bot.settings import SettingsError
from tests.slack_fakes import (
    APP_TOKEN,
    BOT_TOKEN,
    HANG_GUARD_SECONDS,
    SIGNING_SECRET,
    FakeSlack,
    post,
    signed_headers,
    slash_command_body,
)

HTTP_ENV = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}


def test_http_mode_defaults() -> None:
    settings = load_slack_settings(HTTP_ENV)
    assert not settings.socket_mode
    assert (settings.api_url, settings.port) == (SLACK_API_URL, 3000)
    assert settings.bind_host == "0.0.0.0"
    assert BOT_TOKEN not in repr(settings) and SIGNING_SECRET not in repr(settings)


def test_socket_mode_needs_no_signing_secret() -> None:
    settings = load_slack_settings(
        {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN, "PORT": "8080"}
    )
    assert settings.socket_mode and settings.signing_secret is None
    assert APP_TOKEN not in repr(settings)


def test_api_url_and_port_from_the_environment() -> None:
    settings = load_slack_settings(
        {**HTTP_ENV, "SLACK_API_URL": "http://127.0.0.1:9000/api", "PORT": "8080"}
    )
    assert (settings.api_url, settings.port) == ("http://127.0.0.1:9000/api/", 8080)
    for host in ("127.0.0.1", "::1", "localhost", "bot-1.internal"):
        assert load_slack_settings({**HTTP_ENV, "BIND_HOST": host}).bind_host == host


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": "  "}, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": APP_TOKEN}, "SLACK_BOT_TOKEN must start with xoxb-"),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN}, "SLACK_SIGNING_SECRET is not set"),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": BOT_TOKEN}, "SLACK_APP_TOKEN must be"),
        ({**HTTP_ENV, "PORT": "http"}, "PORT must be a TCP port number"),
        ({**HTTP_ENV, "SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL must be an http(s) URL"),
        ({**HTTP_ENV, "BIND_HOST": "http://0.0.0.0"}, "BIND_HOST must be an IP address"),
    ],
)
def test_a_missing_or_bad_variable_is_named(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(named)) as caught:
        load_slack_settings(env)
    assert BOT_TOKEN not in str(caught.value)


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    return {**env, "BRIEFBOT_DB": str(tmp_path / "cli.sqlite3"), **extra}


def test_cli_names_the_missing_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in list(os.environ):
        if name.startswith("SLACK_"):
            monkeypatch.delenv(name)
    assert main(["slack"]) == EXIT_USAGE
    error = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN is not set" in error
    assert "Traceback" not in error


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_cli_serves_http_until_sigterm(tmp_path: Path) -> None:
    fake = FakeSlack()
    await fake.start()
    port = _free_port()
    env = _clean_env(
        tmp_path, **HTTP_ENV, SLACK_API_URL=fake.api_url, PORT=str(port), BIND_HOST="127.0.0.1"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "-v", "slack", env=env, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    log: list[str] = []
    try:
        async with asyncio.timeout(HANG_GUARD_SECONDS):
            while "serving Slack requests" not in (log[-1] if log else ""):
                line = (await process.stderr.readline()).decode()
                assert line, "".join(log)
                log.append(line)
        body = slash_command_body("help", fake.url("/respond/cli"))
        async with aiohttp.ClientSession() as session:
            status, text = await post(
                session,
                f"http://127.0.0.1:{port}/slack/events",
                body,
                "application/x-www-form-urlencoded",
                signed_headers(body),
            )
        assert status == 200
        assert "/summary topics: list the topic names" in json.loads(text)["text"]
    finally:
        process.send_signal(signal.SIGTERM)
        rest = await process.stderr.read()
        await process.wait()
        await fake.close()
    output = "".join(log) + rest.decode()
    assert process.returncode == 0, output
    assert f"serving Slack requests on 127.0.0.1 port {port}" in output
    assert BOT_TOKEN not in output and SIGNING_SECRET not in output
