"""Crash tests with real processes: `briefbot digests --once` is SIGKILLed, then run again.

What they prove, against a fake Slack Web API on loopback (the restart comes once the killed
worker's lease has expired, as on any replica on any machine):
- killed right after Slack recorded the digest (the process never saw the answer): the restarted
  process finds the message by its key in the channel history and records its ``ts``; it does
  not post it again;
- killed before its message left (while checking its token at start-up): the restarted process
  posts the digest exactly once and records the message ``ts``;
- killed while its message was in flight but before Slack recorded it: the history shows it never
  arrived, so the restarted process posts it, once;
- killed after posting, in a workspace that did not grant the history scope: nothing can be
  looked up, so the slot is recorded ``unknown`` and logged, never re-posted blindly.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.app import App
from bot.models import Conversation
from bot.settings import Settings
from bot.store.records import DigestStatus
from bot.store.sqlite.store import SqliteStore
from tests.replica_support import tuned_config
from tests.slack_fakes import BOT_TOKEN, FakeSlack


@dataclasses.dataclass
class KillingSlack(FakeSlack):
    """The Slack adapter's fake Slack, which also SIGKILLs its client at one Web API method,
    after recording the call (Slack posted, the client never heard back) or before (the request
    never reached Slack)."""

    kill_on: str | None = None
    record_before_kill: bool = True
    client_pid: int | None = None
    pid_known: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)

    def watch(self, pid: int) -> None:
        """The client process to kill."""
        self.client_pid = pid
        self.pid_known.set()

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The chat.postMessage calls Slack accepted."""
        return [r.body for r in self.delivered("/api/chat.postMessage")]

    async def _handle(self, request: web.Request) -> web.Response:
        if self.kill_on is None or request.path != f"/api/{self.kill_on}":
            return await super()._handle(request)
        self.kill_on = None
        if self.record_before_kill:
            answer = await super()._handle(request)
        else:
            answer = web.Response(status=503)
        await self.pid_known.wait()
        assert self.client_pid is not None
        os.kill(self.client_pid, signal.SIGKILL)
        return answer


LEASE_SECONDS = 1  # the workers' lease in these tests: a killed one is gone a second later


async def start_digests(
    db: Path, api_url: str, config: Path | None = None
) -> asyncio.subprocess.Process:
    """A `briefbot digests --once` process posting to the Slack Web API at ``api_url`` (with
    the configuration folder ``config``, when given)."""
    env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": api_url}
    if config is not None:
        env["BRIEFBOT_CONFIG"] = str(config)
    env.pop("DISCORD_TOKEN", None)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "--db",
        str(db),
        "-v",
        "digests",
        "--once",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def run_digests(db: Path, slack: KillingSlack, config: Path) -> tuple[int, str, str]:
    """One `briefbot digests --once` process; returns (exit code, stdout, stderr)."""
    process = await start_digests(db, slack.api_url, config)
    slack.watch(process.pid)
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def subscribe_due_now(settings: Settings) -> None:
    """A store with a Slack channel whose digest time passed a minute ago."""
    now = dt.datetime.now(dt.UTC)
    bot = await App.start(settings, clock=lambda: now - dt.timedelta(minutes=10))
    try:
        at = now - dt.timedelta(minutes=1)
        reply = await bot.dispatcher.handle(
            f"subscribe china-russia {at:%H:%M} UTC", Conversation("slack", "C1", "U1")
        )
        assert "daily digest" in reply.title  # type: ignore[union-attr]
    finally:
        await bot.close()


async def statuses(db: Path) -> list[tuple[DigestStatus, str | None]]:
    async with await SqliteStore.open(db) as store:
        subscriptions = store.subscriptions
        (subscription,) = await subscriptions.active(["slack"])
        return [(e.status, e.message_id) for e in await subscriptions.log(subscription.id)]


@dataclasses.dataclass(frozen=True)
class Scenario:
    name: str
    kill_on: str
    recorded: bool  # whether Slack recorded the message before the process died
    after_restart: int  # messages in the channel once the restarted process is done
    status: DigestStatus
    history_scope: bool = True  # whether the app may read the channel history


# A brief is posted as a thread: the parent line and the brief in reply, two messages.
SCENARIOS = (
    # The parent line arrived and carries the key: found, recorded, not posted again (its
    # thread lacks the brief the dead process never sent; the log says so).
    Scenario("killed-after-post", "chat.postMessage", True, 1, DigestStatus.POSTED),
    Scenario("killed-before-post", "auth.test", False, 2, DigestStatus.POSTED),
    Scenario("killed-in-flight", "chat.postMessage", False, 2, DigestStatus.POSTED),
    Scenario("no-history-scope", "chat.postMessage", True, 1, DigestStatus.UNKNOWN, False),
)
SEED_ONCE = "seeded.sqlite3"


async def crash_and_restart(settings: Settings, scenario: Scenario, config: Path) -> None:
    await subscribe_due_now(settings)
    slack = KillingSlack(kill_on=scenario.kill_on, record_before_kill=scenario.recorded)
    if not scenario.history_scope:
        slack.missing_scopes.add("history")
    await slack.start()
    try:
        code, _, _ = await run_digests(settings.store_path, slack, config)
        assert code == -signal.SIGKILL, scenario
        assert len(slack.messages) == (1 if scenario.recorded else 0), scenario

        await asyncio.sleep(LEASE_SECONDS * 1.5)  # the killed worker's lease runs out
        code, out, err = await run_digests(settings.store_path, slack, config)
        assert code == 0 and "Traceback" not in err, (scenario, err)
        assert len(slack.messages) == scenario.after_restart, scenario
        ((logged, message_id),) = await statuses(settings.store_path)
        assert logged is scenario.status, scenario
        assert out.strip() == f"1 {scenario.status}", scenario
        if scenario.status is DigestStatus.POSTED:
            parent = slack.messages[-scenario.after_restart]
            assert message_id == slack.channel_messages["C1"][-scenario.after_restart]["ts"]
            assert parent["channel"] == "C1"
            assert parent["text"].startswith(
                "Daily digest of China–Russia relations: 5 new articles from 5 sources"
            )
        else:
            assert "may or may not have been posted; not re-posting" in err, scenario
            assert "missing_scope" in err, scenario
    finally:
        await slack.close()


async def test_sigkill_then_restart_never_posts_twice(settings: Settings, tmp_path: Path) -> None:
    # Ingest the seeds once; each scenario gets its own copy of the store and its own fake Slack,
    # so they run side by side.
    seeded = tmp_path / SEED_ONCE
    config = tuned_config(tmp_path / "config", lease_seconds=LEASE_SECONDS)
    await (await App.start(dataclasses.replace(settings, store_path=seeded))).close()
    for scenario in SCENARIOS:
        shutil.copyfile(seeded, tmp_path / f"{scenario.name}.sqlite3")
    await asyncio.gather(
        *(
            crash_and_restart(
                dataclasses.replace(settings, store_path=tmp_path / f"{s.name}.sqlite3"),
                s,
                config,
            )
            for s in SCENARIOS
        )
    )
