"""Logs: request ids on every line of a request, JSON on request, and no secret ever written."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.registry import load_platforms
from bot.app import App
from bot.chat.commands import Notice
from bot.models import Article, Conversation
from bot.ops.doctor import diagnose
from bot.ops.logs import REDACTED, Redactor, configure_logging, request_context
from bot.settings import Settings
from bot.store.errors import StoreFault
from bot.store.records import SearchQuery
from bot.store.sqlite.store import SqliteStore
from tests.conftest import fixed_clock

# Fake secrets shaped like the real ones (they authenticate nothing).
SLACK_BOT = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
SLACK_APP = "xapp-1-A0123456789-1234567890123-abcdef0123456789"
SIGNING = "8f742231b10e8888abcd99yyyzzz85a5"
DISCORD = "MTA4NjQ0NTk1MjQ4MzQ1NzE2Mw.GhRjk2.abcdefghijklmnopqrstuvwxyz0123456789AB"
SECRET_ENV = {
    "SLACK_BOT_TOKEN": SLACK_BOT,
    "SLACK_APP_TOKEN": SLACK_APP,
    "SLACK_SIGNING_SECRET": SIGNING,
    "DISCORD_TOKEN": DISCORD,
}
HERE = Conversation(platform="slack", channel_id="C1", user_id="U1")

PLATFORMS = load_platforms()


def assert_no_secret(text: str) -> None:
    assert "xox" not in text
    assert "xapp-" not in text
    assert SIGNING not in text
    assert DISCORD not in text and DISCORD.split(".")[2] not in text


@pytest.fixture
def log_stream(keep_root_logging: None) -> io.StringIO:
    """Route logging to a buffer the test reads (pytest's handlers come back afterwards)."""
    stream = io.StringIO()
    configure_logging(SECRET_ENV, PLATFORMS.secrets, "json", logging.INFO, stream)
    return stream


def lines(stream: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_redactor_scrubs_values_and_token_shapes() -> None:
    redact = Redactor.from_env({**SECRET_ENV, "DISCORD_TOKEN": "short"}, PLATFORMS.secrets)
    text = f"bot={SLACK_BOT} app={SLACK_APP} sig={SIGNING} dc={DISCORD} other=xoxp-99999-abcdef"
    scrubbed = redact(text)
    assert_no_secret(scrubbed)
    assert scrubbed.count(REDACTED) == 5
    assert redact("China and Russia met in Moscow on 2022-09-15.") == (
        "China and Russia met in Moscow on 2022-09-15."
    )


async def test_json_lines_carry_the_request_id_into_worker_threads(
    log_stream: io.StringIO,
) -> None:
    # Not under "briefbot": slack-bolt names its app's logger after the app and sets its level.
    log = logging.getLogger("bot.test_logs")
    with request_context("req-1"):
        log.info("on the loop")
        await asyncio.to_thread(log.info, "in a thread")
    log.info("outside")
    records = lines(log_stream)
    assert [(r["message"], r["request_id"]) for r in records] == [
        ("on the loop", "req-1"),
        ("in a thread", "req-1"),
        ("outside", "-"),
    ]
    assert records[0]["level"] == "INFO" and records[0]["logger"] == "bot.test_logs"


def test_exception_text_and_third_party_logs_are_redacted(log_stream: io.StringIO) -> None:
    try:
        raise RuntimeError(f"auth failed with token {SLACK_BOT} for {DISCORD}")
    except RuntimeError:
        logging.getLogger("slack_bolt.App").exception("request failed: %s", SIGNING)
    output = log_stream.getvalue()
    assert_no_secret(output)
    record = lines(log_stream)[0]
    assert record["message"] == f"request failed: {REDACTED}"
    assert f"auth failed with token {REDACTED} for {REDACTED}" in record["exception"]


class FailingStore(SqliteStore):
    """A store whose search fails with a driver message that echoes a secret."""

    async def search(
        self, query: SearchQuery, limit: int, ingested_after: dt.datetime | None = None
    ) -> list[Article]:
        raise RuntimeError(f"connection string had token={SLACK_BOT}")


async def test_a_fault_gives_a_request_id_never_the_exception(
    settings: Settings, log_stream: io.StringIO
) -> None:
    started = await App.start(settings, clock=fixed_clock)
    await started.close()
    store = await FailingStore.open(settings.store_path)
    bot = App(settings, store, started.topics, started.indexer, fixed_clock)
    try:
        reply = await bot.dispatcher.handle(f"china-russia {DISCORD}", HERE)
    finally:
        await bot.close()
    assert isinstance(reply, Notice) and reply.is_error
    assert "went wrong on my side" in reply.text
    assert "RuntimeError" not in reply.text and "connection string" not in reply.text
    assert_no_secret(reply.text)
    failure = next(r for r in lines(log_stream) if r["level"] == "ERROR")
    assert f"request {failure['request_id']}." in reply.text
    assert f"token={REDACTED}" in failure["exception"]
    assert_no_secret(log_stream.getvalue())


def test_cli_failure_with_secrets_in_env_and_paths_leaks_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the store folder should be")
    env = {
        **os.environ,
        **SECRET_ENV,
        "BRIEFBOT_DB": str(blocker / SLACK_BOT / DISCORD / "s.sqlite3"),
        "BRIEFBOT_LOG_FORMAT": "json",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "-v", "brief", "china-russia"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert_no_secret(output)
    # A store that cannot be opened is a store fault: one line for the user, and the cause
    # (the path, secrets and all) in the log, redacted.
    *logged, said = result.stderr.strip().splitlines()
    assert said == f"briefbot: {StoreFault.UNAVAILABLE.message}"
    failure = json.loads(logged[-1])
    assert failure["level"] == "ERROR" and "store open failed" in failure["message"]
    assert REDACTED in failure["message"] and "Traceback" not in result.stderr


async def test_doctor_names_tokens_without_their_values(tmp_path: Path) -> None:
    checks = await diagnose(
        {**SECRET_ENV, "BRIEFBOT_DB": str(tmp_path / "none.sqlite3")}, PLATFORMS
    )
    report = "\n".join(c.line() for c in checks)
    assert "set: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN" in report
    assert "discord: set: DISCORD_TOKEN" in report
    assert_no_secret(report)
