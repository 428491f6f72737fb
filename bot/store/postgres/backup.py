"""``briefbot backup`` of a PostgreSQL store: ``pg_dump``'s custom format, or what to run."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict

from bot.store.errors import BackupError
from bot.store.postgres.connection import describe
from bot.store.postgres.health import inspect_database
from bot.store.records import BackupReport

_PG_DUMP = "pg_dump"


async def backup_database(url: str, target: Path, force: bool = False) -> BackupReport:
    """Dump the database to ``target`` with pg_dump (a consistent snapshot while in use)."""
    _refuse_unsafe(target, force)
    pg_dump = shutil.which(_PG_DUMP)
    if pg_dump is None:
        raise BackupError(
            f"pg_dump is not installed here; on a machine with the PostgreSQL client run:"
            f' pg_dump --format=custom --file={target} --dbname="$BRIEFBOT_DATABASE_URL"'
        )
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    process = await asyncio.create_subprocess_exec(
        pg_dump,
        "--format=custom",
        f"--file={partial}",
        # The URL's parts (the password too) go by environment, never on a command line.
        env={**os.environ, **_libpq_environment(url)},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await process.communicate()
    if process.returncode != 0:
        await asyncio.to_thread(partial.unlink, missing_ok=True)
        reason = stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise BackupError(f"pg_dump of {describe(url)} failed: {reason[0]}")
    os.replace(partial, target)
    facts = await inspect_database(url)
    size = await asyncio.to_thread(os.path.getsize, target)
    return BackupReport(target, size, facts.articles or 0)


def _refuse_unsafe(target: Path, force: bool) -> None:
    if target.exists() and not force:
        raise BackupError(f"{target} already exists; use --force to overwrite it")
    if not target.parent.is_dir():
        raise BackupError(f"folder {target.parent} does not exist")


_LIBPQ_VARIABLES = {
    "host": "PGHOST",
    "port": "PGPORT",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "dbname": "PGDATABASE",
    "sslmode": "PGSSLMODE",
    "options": "PGOPTIONS",
}


def _libpq_environment(url: str) -> dict[str, str]:
    parts = conninfo_to_dict(url)
    return {_LIBPQ_VARIABLES[k]: str(v) for k, v in parts.items() if k in _LIBPQ_VARIABLES and v}
