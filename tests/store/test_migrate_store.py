"""``briefbot migrate-store``: a real SQLite store, copied by the real command into a real
PostgreSQL database, briefs the same and keeps every row; refusals are one clear line.
Skipped without a test server (``BRIEFBOT_TEST_DATABASE_URL``; ``.ci/run`` starts one)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from bot.app import App
from bot.brief.render import render_text
from bot.settings import PROJECT_DIR, Settings
from bot.store.installations import BotInstallation
from bot.store.records import Claim, DigestStatus, Validators
from bot.store.sqlite.store import SqliteStore
from tests.conftest import FIXED_NOW, fixed_clock
from tests.store.conftest import TEST_DATABASE_URL, needs_postgres

pytestmark = needs_postgres

# Every data table of the SQLite store; a table added by a later migration must be copied too
# (and listed here once this test has shown it is).
TABLES = (
    "articles",
    "sentences",
    "meta",
    "processed_events",
    "article_urls",
    "http_validators",
    "feed_entries",
    "article_topics",
    "subscriptions",
    "digest_log",
    "channel_briefs",
    "followed_topics",
    "chat_installations",
    "oauth_states",
    "worker_leases",
    "work_turns",
)


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A URL for a fresh, empty database on the test server, dropped afterwards."""
    name = f"mig_{tmp_path.name[-20:].replace('-', '_').lower()}_{os.getpid()}"
    with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        try:
            parts = {"user": "postgres", "host": "127.0.0.1", "port": "5432"}
            parts |= conninfo_to_dict(make_conninfo(TEST_DATABASE_URL, dbname=name))
            yield "postgresql://{user}@{host}:{port}/{dbname}".format(**parts)
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def migrate(url: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "BRIEFBOT_DATABASE_URL"}
    if url is not None:
        env["BRIEFBOT_DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "migrate-store", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_DIR,
        timeout=180,
        check=False,
    )


async def fill(settings: Settings) -> str:
    """A SQLite store as a running bot leaves it: seeds, a digest subscription and its log,
    a follow, an installation, feed bookkeeping, event claims. Returns its seed brief."""
    app = await App.start(settings, clock=fixed_clock)
    try:
        store = app.store
        sub = await store.subscriptions.subscribe(
            "slack", "C1", "china-russia", dt.time(8), ZoneInfo("Europe/Paris"), "U1", FIXED_NOW
        )
        entry = await store.subscriptions.claim(
            Claim(
                sub.id,
                FIXED_NOW.date(),
                FIXED_NOW,
                DigestStatus.SENDING,
                "host:1",
                FIXED_NOW,
                None,
                FIXED_NOW,
            )
        )
        assert entry is not None
        await store.subscriptions.finish(entry, DigestStatus.POSTED, FIXED_NOW, "1700000000.1")
        await store.follow("discord", "D1", "pipeline", "power of siberia", FIXED_NOW)
        await store.note_brief("slack", "C1", "china-russia", FIXED_NOW)
        await store.claim_event("slack", "Ev1", FIXED_NOW, dt.timedelta(days=3650))
        await store.installations.save_installation(
            BotInstallation(
                platform="slack",
                team_id="T1",
                enterprise_id="",
                bot_token="xoxb-1-test",
                bot_id="B1",
                bot_user_id="U1",
                scopes=("commands", "chat:write"),
                installed_at=FIXED_NOW,
            )
        )
        await store.installations.issue_state("state-1", FIXED_NOW, FIXED_NOW.replace(year=2099))
        await store.workers.renew("host:1", FIXED_NOW, dt.timedelta(days=3650))
        assert await store.workers.take_turns(
            "digest", [str(sub.id)], "host:1", FIXED_NOW, dt.timedelta(days=3650)
        )
        first = (await store.articles(1))[0]
        await store.ledger.link_urls(first.id, ["https://example.com/a"])
        await store.ledger.save_validators(
            "https://example.com/feed", Validators('"e1"'), FIXED_NOW
        )
        await store.ledger.record_entry(
            "https://example.com/feed", "k1", "https://example.com/a", first.id, "added", FIXED_NOW
        )
        await store.ledger.tag(
            first.id, {"china-russia": app.briefer.target("china-russia").search}
        )
        return render_text(await app.briefer.brief("china-russia"))
    finally:
        await app.close()


def sqlite_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        return {t: int(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in TABLES}


def postgres_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as db:
        return {
            t: int(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # type: ignore[arg-type,index]
            for t in TABLES
        }


async def test_a_sqlite_store_moves_to_postgres_whole_and_briefs_the_same(
    settings: Settings, database_url: str
) -> None:
    seed_brief = await fill(settings)
    before = sqlite_counts(settings.store_path)
    assert all(before.values()), before  # every table holds something worth copying

    result = migrate(database_url, "--from", str(settings.store_path))

    assert result.returncode == 0, result.stderr
    assert "every table's row count verified" in result.stdout
    assert postgres_counts(database_url) == before
    assert sqlite_counts(settings.store_path) == before  # the source is only read
    on_postgres = dataclasses.replace(settings, database_url=database_url)
    app = await App.start(on_postgres, clock=fixed_clock)
    try:
        assert render_text(await app.briefer.brief("china-russia")) == seed_brief
        store = app.store
        assert await store.count_articles() == before["articles"]  # not seeded a second time
        [sub] = await store.subscriptions.active(["slack"])
        assert (sub.channel_id, sub.topic, str(sub.zone)) == ("C1", "china-russia", "Europe/Paris")
        [entry] = await store.subscriptions.log(sub.id)
        assert (entry.status, entry.message_id) == (DigestStatus.POSTED, "1700000000.1")
        assert [f.slug for f in await store.followed("discord", "D1")] == ["pipeline"]
        assert not await store.claim_event("slack", "Ev1", FIXED_NOW, dt.timedelta(days=3650))
        installation = await store.installations.find_installation("slack", "", "T1")
        assert installation is not None and installation.bot_token == "xoxb-1-test"
        assert await store.ledger.entry_seen("https://example.com/feed", "k1")
        assert await store.workers.live(FIXED_NOW) == frozenset({"host:1"})
        # New rows continue after the copied ids instead of colliding with them.
        again = await store.subscriptions.subscribe(
            "slack", "C2", "ukraine-war", dt.time(9), ZoneInfo("UTC"), "U2", FIXED_NOW
        )
        assert again.id > sub.id
    finally:
        await app.close()


async def test_a_target_holding_anything_is_refused_and_left_alone(
    settings: Settings, database_url: str
) -> None:
    await fill(settings)
    assert migrate(database_url, "--from", str(settings.store_path)).returncode == 0
    counts = postgres_counts(database_url)

    again = migrate(database_url, "--from", str(settings.store_path))

    assert again.returncode == 1
    [line] = again.stderr.splitlines()
    assert line.startswith("briefbot: postgresql://") and "already holds rows" in line
    assert "only into an empty database" in line
    assert postgres_counts(database_url) == counts


async def test_a_failed_copy_leaves_the_target_empty_and_can_be_run_again(
    settings: Settings, database_url: str
) -> None:
    await fill(settings)
    with sqlite3.connect(settings.store_path) as db:  # PostgreSQL text cannot hold a NUL
        db.execute("INSERT INTO meta (key, value) VALUES ('note', ?)", ("a\x00b",))

    failed = migrate(database_url, "--from", str(settings.store_path))

    assert failed.returncode == 1
    assert "copying table meta failed" in failed.stderr
    assert "left as it was" in failed.stderr and "Traceback" not in failed.stderr
    assert not any(postgres_counts(database_url).values())
    with sqlite3.connect(settings.store_path) as db:
        db.execute("DELETE FROM meta WHERE key = 'note'")
    assert migrate(database_url, "--from", str(settings.store_path)).returncode == 0
    assert postgres_counts(database_url) == sqlite_counts(settings.store_path)


def test_bad_input_is_one_clear_line(tmp_path: Path, database_url: str) -> None:
    missing = migrate(database_url, "--from", str(tmp_path / "none.sqlite3"))
    assert missing.returncode == 1
    assert missing.stderr.strip().endswith(
        "no such file; name the SQLite store to copy with --from"
    )

    garbage = tmp_path / "notes.txt"
    garbage.write_text("not a database\n" * 100)
    not_a_store = migrate(database_url, "--from", str(garbage))
    assert not_a_store.returncode == 1
    assert "cannot be read as a briefbot store" in not_a_store.stderr
    assert "Traceback" not in not_a_store.stderr

    no_target = migrate(None, "--from", str(garbage))
    assert no_target.returncode == 2
    assert "set BRIEFBOT_DATABASE_URL" in no_target.stderr


async def test_every_sqlite_table_is_listed_here(settings: Settings) -> None:
    """A table a later migration adds must be checked by the copy test above."""
    await (await SqliteStore.open(settings.store_path)).close()
    with sqlite3.connect(settings.store_path) as db:
        rows = db.execute(
            "SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    virtual = [n for n, ddl in rows if ddl.upper().startswith("CREATE VIRTUAL TABLE")]
    # Full-text indexes and their shadow tables are rebuilt by PostgreSQL, not copied.
    names = {n for n, _ in rows if not any(n == v or n.startswith(v + "_") for v in virtual)}
    assert names == set(TABLES)
