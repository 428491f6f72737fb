"""PostgreSQL faults beyond "unreachable", on a real server of our own (started here with
``pg_ctl`` as the postgres OS user, on a loopback port, with password logins): a restart mid-run,
lock and statement timeouts, a read-only database, a wrong password or database. Each is one
line for a user (CLI, chat, doctor), never a traceback, and the next request after the fault
works. Skipped where PostgreSQL's server binaries are not installed."""

from __future__ import annotations

import dataclasses
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from bot.app import App
from bot.chat.commands import BriefReply, Notice
from bot.models import Conversation
from bot.settings import PROJECT_DIR, Settings
from bot.store.errors import StoreError, StoreFault
from bot.store.postgres.store import PostgresStore
from tests.conftest import fixed_clock

PASSWORD = "right-horse-battery"
INITDB = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
pytestmark = pytest.mark.skipif(
    not INITDB or (os.geteuid() == 0 and shutil.which("runuser") is None),
    reason="PostgreSQL's server binaries (initdb, pg_ctl) are not installed",
)
SLACK = Conversation("slack", "C1", "U1")


@dataclass
class OwnServer:
    """A throwaway PostgreSQL server that the tests may stop, start and reconfigure."""

    port: int
    data: Path
    bin: Path
    as_postgres: list[str]

    def url(self, password: str = PASSWORD, database: str = "faults", options: str = "") -> str:
        query = f"?options={options.replace(' ', '%20').replace('=', '%3D')}" if options else ""
        return f"postgresql://postgres:{password}@127.0.0.1:{self.port}/{database}{query}"

    def ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.as_postgres, str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", *args],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        socket_dir = self.data.parent
        options = f"-p {self.port} -k {socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.ctl("-l", str(self.data.parent / "log"), "-o", options, "start")

    def stop(self) -> None:
        self.ctl("-m", "fast", "stop")

    def admin(self, statement: str) -> None:
        with psycopg.connect(self.url(database="postgres"), autocommit=True) as db:
            db.execute(statement)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[OwnServer]:
    bin_dir = Path(INITDB[-1]).parent
    root = Path(tempfile.mkdtemp(prefix="briefbot-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(root, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    (root / "pw").write_text(PASSWORD + "\n")
    if as_postgres:
        shutil.chown(root / "pw", "postgres")
    subprocess.run(
        [
            *as_postgres,
            str(bin_dir / "initdb"),
            "-D",
            str(root / "data"),
            "-U",
            "postgres",
            "--auth-host=scram-sha-256",
            "--auth-local=trust",
            f"--pwfile={root / 'pw'}",
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    own = OwnServer(free_port(), root / "data", bin_dir, as_postgres)
    own.start()
    try:
        own.admin("CREATE DATABASE faults")
        yield own
    finally:
        subprocess.run(
            [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(own.data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
            timeout=120,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def on_server(server: OwnServer, settings: Settings) -> Settings:
    return dataclasses.replace(settings, database_url=server.url())


def cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BRIEFBOT_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_DIR,
        timeout=180,
        check=False,
    )


def test_a_wrong_password_or_database_is_one_line_in_cli_chat_and_doctor(
    server: OwnServer,
) -> None:
    refused = f"briefbot: {StoreFault.REFUSED.message}"
    for url in (server.url(password="wrong-password"), server.url(database="no_such_db")):
        brief = cli(url, "brief", "china-russia")
        assert (brief.returncode, brief.stderr.splitlines()[-1]) == (1, refused)
        # The chat runner cannot start without its store: the same line, before any token check.
        chat = cli(url, "digests", "--once")
        assert (chat.returncode, chat.stderr.splitlines()[-1]) == (1, refused)
        doctor = cli(url, "doctor")
        assert doctor.returncode == 1
        [line] = [x for x in doctor.stdout.splitlines() if x.startswith("FAIL store")]
        assert "the server refused the connection" in line
        for result in (brief, chat, doctor):
            assert "Traceback" not in result.stderr + result.stdout
            assert "wrong-password" not in result.stderr + result.stdout
    doctor = cli(server.url(password="wrong-password"), "doctor").stdout
    assert "password authentication failed" in doctor
    assert (
        'database "no_such_db" does not exist'
        in cli(server.url(database="no_such_db"), "doctor").stdout
    )


async def test_a_server_restart_mid_run_costs_one_clear_answer(
    server: OwnServer, on_server: Settings
) -> None:
    app = await App.start(on_server, clock=fixed_clock)
    try:
        assert isinstance(await app.dispatcher.handle("china-russia", SLACK), BriefReply)
        # A restart: every pooled connection is dead afterwards; none is handed out again.
        server.stop()
        server.start()
        assert isinstance(await app.dispatcher.handle("china-russia -n 2", SLACK), BriefReply)
        # While the server is down, a request is told so in one line...
        server.stop()
        try:
            down = await app.dispatcher.handle("china-russia -n 3", SLACK)
        finally:
            server.start()
        assert down == Notice(title=StoreFault.UNAVAILABLE.message, is_error=True)
        # ...and the next one, once it is back, is answered.
        assert isinstance(await app.dispatcher.handle("china-russia -n 4", SLACK), BriefReply)
    finally:
        await app.close()


async def test_lock_and_statement_timeouts_are_faults_of_their_own(
    server: OwnServer, on_server: Settings
) -> None:
    await (await App.start(on_server, clock=fixed_clock)).close()  # schema and seeds
    holder = await psycopg.AsyncConnection.connect(server.url())
    try:
        await holder.execute("BEGIN")
        # Another process's long write: nobody else may write meta, everyone may read it.
        await holder.execute("LOCK TABLE meta IN SHARE MODE")
        locked = await PostgresStore.open(server.url(options="-c lock_timeout=300"))
        try:
            with pytest.raises(StoreError) as waited:
                await locked.set_meta("seeded", "again")
            assert waited.value.fault is StoreFault.LOCKED
            assert await locked.count_articles() > 0  # reads never wait for the lock
        finally:
            await locked.close()
        slow = await PostgresStore.open(
            server.url(options="-c lock_timeout=0 -c statement_timeout=300")
        )
        try:
            with pytest.raises(StoreError) as timed_out:
                await slow.set_meta("seeded", "again")
            assert timed_out.value.fault is StoreFault.TIMEOUT
            assert timed_out.value.message == (
                "The article store took too long to answer; try again in a minute."
            )
        finally:
            await slow.close()
        await holder.execute("ROLLBACK")
        again = await PostgresStore.open(server.url(options="-c lock_timeout=300"))
        try:
            await again.set_meta("note", "written once the lock is gone")
        finally:
            await again.close()
    finally:
        await holder.close()


async def test_a_read_only_database_briefs_and_refuses_writes_in_one_line(
    server: OwnServer, on_server: Settings
) -> None:
    await (await App.start(on_server, clock=fixed_clock)).close()  # schema and seeds
    server.admin("ALTER DATABASE faults SET default_transaction_read_only = on")
    try:
        app = await App.start(on_server, clock=fixed_clock)
        try:
            assert isinstance(await app.dispatcher.handle("china-russia", SLACK), BriefReply)
            refused = await app.dispatcher.handle("subscribe china-russia 08:00 UTC", SLACK)
            assert refused == Notice(title=StoreFault.READ_ONLY.message, is_error=True)
        finally:
            await app.close()
        note = Path(tempfile.mkdtemp()) / "note.txt"
        note.write_text("China and Russia held talks in Moscow on Tuesday.\n")
        ingest = cli(server.url(), "ingest", str(note))
        assert ingest.returncode == 1
        assert ingest.stderr.splitlines()[-1] == f"briefbot: {StoreFault.READ_ONLY.message}"
        doctor = cli(server.url(), "doctor").stdout
        assert "WARN store writable" in doctor
    finally:
        server.admin("ALTER DATABASE faults SET default_transaction_read_only = off")
