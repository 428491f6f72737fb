"""``briefbot doctor``: each problem is named with its fix; FAIL makes the exit code non-zero."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest

from adapters.registry import load_platforms
from bot.app import App
from bot.cli import main
from bot.ops.doctor import Check, Status, check_tokens, diagnose
from bot.settings import PROJECT_DIR, load_settings

PLATFORMS = load_platforms()


def config_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(PROJECT_DIR / "config", folder)
    return folder


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


async def test_healthy_store_and_slack(briefbot: App) -> None:
    env = {
        "BRIEFBOT_DB": str(briefbot.settings.store_path),
        "SLACK_BOT_TOKEN": "xoxb-fake-1",
        "SLACK_SIGNING_SECRET": "fake-signing-secret",
    }
    checks = by_name(await diagnose(env, PLATFORMS))
    assert (
        checks["store"].status is Status.OK and "integrity ok, 5 articles" in checks["store"].detail
    )
    assert checks["store mode"].status is Status.OK
    assert checks["topic coverage"].status is Status.OK
    assert checks["slack"].status is Status.OK
    assert checks["discord"].status is Status.WARN and "chat" not in checks
    assert checks["seeds"].status is Status.OK
    assert "xoxb-fake-1" not in "\n".join(c.line() for c in checks.values())
    assert checks["workers"].detail.startswith("none live")


async def test_doctor_counts_the_live_workers_by_host(briefbot: App) -> None:
    now = dt.datetime.now(dt.UTC)
    workers = briefbot.store.workers
    for worker in ("machine-a:11:aa", "machine-a:12:bb", "machine-b:11:cc"):
        await workers.renew(worker, now, dt.timedelta(minutes=5))
    await workers.renew("machine-c:13:dd", now - dt.timedelta(hours=1), dt.timedelta(minutes=5))
    checks = by_name(await diagnose({"BRIEFBOT_DB": str(briefbot.settings.store_path)}, PLATFORMS))
    assert checks["workers"].detail == (
        "3 live digests/poll workers: 2 on machine-a, 1 on machine-b"
    )


async def test_topics_without_articles_and_broken_topics(tmp_path: Path) -> None:
    folder = config_copy(tmp_path)
    db = tmp_path / "s.sqlite3"
    topics = folder / "topics.toml"
    topics.write_text(
        topics.read_text()
        + '\n[[topic]]\nslug = "mars-landing"\ntitle = "Mars"\nkeywords = ["Mars"]\n'
    )
    await (await App.start(load_settings({"BRIEFBOT_DB": str(db)}, folder))).close()
    checks = by_name(await diagnose({"BRIEFBOT_DB": str(db)}, PLATFORMS, folder))
    coverage = checks["topic coverage"]
    assert coverage.status is Status.WARN and "mars-landing" in coverage.detail
    assert "china-russia" not in coverage.detail and "briefbot ingest" in coverage.fix

    topics.write_text("[[topic]]\nslug = 'Bad Slug!'\n")
    checks = by_name(await diagnose({"BRIEFBOT_DB": str(db)}, PLATFORMS, folder))
    assert checks["topics"].status is Status.FAIL and "topic #1" in checks["topics"].detail
    assert checks["store"].status is Status.OK


async def test_missing_settings_and_unreadable_store(tmp_path: Path) -> None:
    checks = by_name(await diagnose({}, PLATFORMS, tmp_path / "nowhere"))
    assert checks["settings"].status is Status.FAIL and "not found" in checks["settings"].detail
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database" * 100)
    checks = by_name(await diagnose({"BRIEFBOT_DB": str(junk)}, PLATFORMS))
    assert (
        checks["store"].status is Status.FAIL and "restore it from a backup" in checks["store"].fix
    )


def test_token_shapes_and_socket_mode() -> None:
    socket_mode = by_name(
        check_tokens({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, PLATFORMS)
    )
    assert socket_mode["slack"].status is Status.OK
    swapped = by_name(
        check_tokens({"SLACK_BOT_TOKEN": "xapp-1", "SLACK_APP_TOKEN": "xoxb-1"}, PLATFORMS)
    )
    assert swapped["slack"].status is Status.FAIL
    assert "SLACK_BOT_TOKEN should start with xoxb-" in swapped["slack"].detail
    assert "xapp-1" not in swapped["slack"].line()
    half = by_name(check_tokens({"SLACK_BOT_TOKEN": "xoxb-1"}, PLATFORMS))
    assert half["slack"].status is Status.FAIL and "SLACK_SIGNING_SECRET" in half["slack"].fix
    nothing = by_name(check_tokens({}, PLATFORMS))
    assert nothing["chat"].status is Status.WARN


def test_exit_code(
    tmp_path: Path, keep_root_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(tmp_path / "none.sqlite3"), "doctor"]) == 0
    assert "0 failed" in capsys.readouterr().out
    assert main(["--config", str(tmp_path), "doctor"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("FAIL settings:") and "1 failed" in out


async def test_doctor_reads_an_old_store_without_changing_it(tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite3"
    with sqlite3.connect(old) as db:
        db.execute("CREATE TABLE notes (x TEXT)")
    checks = by_name(await diagnose({"BRIEFBOT_DB": str(old)}, PLATFORMS))
    assert checks["store"].status is Status.OK and "no articles" in checks["store"].detail
    assert checks["store mode"].status is Status.WARN and "delete" in checks["store mode"].detail
    assert checks["schema"].status is Status.WARN and "migrates it" in checks["schema"].fix
    assert "topic coverage" not in checks
    with sqlite3.connect(old) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert db.execute("PRAGMA user_version").fetchone()[0] == 0
