"""``briefbot migrate-store``: a SQLite store copied, whole, into an empty PostgreSQL database.

Every table of the SQLite file is copied with its ids (articles, sentences and their terms,
subscriptions and the digest log, follows, installations, feed entries, validators, event
claims, meta, and any table a later migration adds), parents before children, with COPY. The
copy is one PostgreSQL transaction, and the row counts of every table are compared before it
commits: an interrupted or failed copy leaves the target as empty as it was, so the same
command can simply be run again. The SQLite file is only read, in one snapshot. A target that
already holds anything is refused: nothing is ever merged or overwritten.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiosqlite
from psycopg import AsyncConnection, sql

from bot.store.errors import StoreError
from bot.store.postgres.connection import Database, Row
from bot.store.sqlite.store import SqliteStore

ROWS_PER_FETCH = 2_000
# Not data: PostgreSQL's own record of the migrations applied to the target.
_TARGET_BOOKKEEPING = frozenset({"schema_migrations"})


class MigrateError(Exception):
    """A refused or failed migration; the message says what happened and what to do."""


@dataclasses.dataclass(frozen=True)
class TableCopy:
    """One table copied: its name and how many rows it holds on both sides."""

    name: str
    rows: int


@dataclasses.dataclass(frozen=True)
class MigrationReport:
    """What ``migrate_sqlite_store`` copied, table by table, in copy order."""

    source: Path
    target: str
    tables: tuple[TableCopy, ...]

    def rows(self, table: str) -> int:
        """Rows copied of one table (0 when the source had no such table)."""
        return next((t.rows for t in self.tables if t.name == table), 0)


async def migrate_sqlite_store(
    source: Path,
    url: str,
    prepare_threshold: int | None = 5,
    on_table: Callable[[TableCopy], None] | None = None,
) -> MigrationReport:
    """Copy the SQLite store at ``source`` into the empty PostgreSQL database at ``url``.

    Raises MigrateError when the source is missing or not a briefbot store, when the target
    already holds data, or when the copy failed (the target is then left as it was).
    ``on_table`` hears of each table once it is copied (not yet committed).
    """
    if not await asyncio.to_thread(source.is_file):
        raise MigrateError(f"{source}: no such file; name the SQLite store to copy with --from")
    try:
        # Brings the file to this version's schema, as any briefbot command run on it would.
        await (await SqliteStore.open(source)).close()
    except StoreError as exc:
        raise MigrateError(f"{source} cannot be read as a briefbot store: {exc.message}") from exc
    location = (await asyncio.to_thread(source.resolve)).as_uri() + "?mode=ro"
    target = await Database.open(url, prepare_threshold)
    current = ""
    try:
        async with aiosqlite.connect(location, uri=True) as src:
            # One read transaction: every table is read from the same snapshot even when a
            # process still writes the file (what it writes later is not copied).
            await src.execute("BEGIN")
            tables = await _source_tables(src)
            columns = await _target_columns(target)
            _check_fits(tables, columns)
            await _check_empty(target, columns)
            copied: list[TableCopy] = []
            async with target.write() as db:
                for table, names in tables.items():
                    current = table
                    rows = await _copy_table(src, db, table, names)
                    copied.append(TableCopy(table, rows))
                    if on_table is not None:
                        on_table(copied[-1])
                current = ""
                await _advance_identities(db)
                await _verify_counts(db, copied)
    except StoreError as exc:
        where = f"copying table {current}" if current else "copying"
        raise MigrateError(
            f"{where} failed ({exc.cause}); the PostgreSQL database was left as it was (the copy"
            " is one transaction): fix the cause and run migrate-store again"
        ) from exc
    except aiosqlite.Error as exc:
        raise MigrateError(f"{source}: reading the SQLite store failed: {exc}") from exc
    finally:
        await target.close()
    return MigrationReport(source, target.label, tuple(copied))


async def _source_tables(src: aiosqlite.Connection) -> dict[str, list[str]]:
    """The SQLite store's data tables and their columns, each after the tables it refers to.

    Full-text indexes (virtual tables and their shadow tables) are left out: PostgreSQL builds
    its own from the copied articles.
    """
    rows = await src.execute_fetchall(
        "SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'table'"
        " AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )
    virtual = [str(r[0]) for r in rows if str(r[1]).upper().startswith("CREATE VIRTUAL TABLE")]
    names = [
        str(r[0])
        for r in rows
        if str(r[0]) not in virtual and not any(str(r[0]).startswith(v + "_") for v in virtual)
    ]
    parents: dict[str, set[str]] = {}
    columns: dict[str, list[str]] = {}
    for name in names:
        keys = await src.execute_fetchall(f'PRAGMA foreign_key_list("{name}")')
        parents[name] = {str(k[2]) for k in keys} - {name}
        info = await src.execute_fetchall(f'PRAGMA table_info("{name}")')
        columns[name] = [str(c[1]) for c in info]
    ordered: dict[str, list[str]] = {}
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and parents[n] <= ordered.keys()]
        if not ready:  # a cycle of references: copy the rest in name order
            ready = [n for n in names if n not in ordered]
        for name in ready:
            ordered[name] = columns[name]
    return ordered


async def _target_columns(target: Database) -> dict[str, set[str]]:
    """The target's tables and the columns a copy may write (generated ones are computed)."""
    rows = await target.fetch_all(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND is_generated = 'NEVER'"
    )
    columns: dict[str, set[str]] = {}
    for row in rows:
        columns.setdefault(str(row[0]), set()).add(str(row[1]))
    return columns


def _check_fits(tables: dict[str, list[str]], columns: dict[str, set[str]]) -> None:
    for table, names in tables.items():
        missing = [n for n in names if n not in columns.get(table, set())]
        if table not in columns or missing:
            what = f"table {table}" if table not in columns else f"{table}.{', '.join(missing)}"
            raise MigrateError(
                f"the SQLite store has {what}, which the PostgreSQL schema lacks: the store was"
                " made by another briefbot version; migrate with the version that made it"
            )


async def _check_empty(target: Database, columns: dict[str, set[str]]) -> None:
    held = []
    for table in sorted(columns.keys() - _TARGET_BOOKKEEPING):
        quoted = '"' + table.replace('"', '""') + '"'
        row = await target.fetch_one(f"SELECT count(*) FROM {quoted}")
        if row is not None and int(row[0]):
            held.append(f"{int(row[0]):,} in {table}")
    if held:
        raise MigrateError(
            f"{target.label} already holds rows ({', '.join(held[:4])}); migrate-store copies"
            " only into an empty database, so nothing is merged or overwritten: create a new"
            " database (createdb) and point BRIEFBOT_DATABASE_URL at it"
        )


async def _copy_table(
    src: aiosqlite.Connection, db: AsyncConnection[Row], table: str, names: list[str]
) -> int:
    column_list = ", ".join(f'"{n}"' for n in names)
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    rows = 0
    async with db.cursor().copy(copy_sql) as copy:
        cursor = await src.execute(f'SELECT {column_list} FROM "{table}"')
        while batch := await cursor.fetchmany(ROWS_PER_FETCH):
            for row in batch:
                await copy.write_row(tuple(_value(v) for v in row))
                rows += 1
        await cursor.close()
    return rows


def _value(value: Any) -> Any:
    # SQLite hands back what was stored; bytes would be copied as bytea text, never expected.
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


async def _advance_identities(db: AsyncConnection[Row]) -> None:
    """Identity columns continue after the copied ids, so new rows never collide."""
    cursor = await db.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND is_identity = 'YES'"
    )
    for table, column in await cursor.fetchall():
        await db.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence({qualified}, {column}),"
                " coalesce((SELECT max({ident}) FROM {table}), 0) + 1, false)"
            ).format(
                qualified=sql.Literal(f'"{table}"'),
                column=sql.Literal(column),
                ident=sql.Identifier(column),
                table=sql.Identifier(table),
            )
        )


async def _verify_counts(db: AsyncConnection[Row], copied: list[TableCopy]) -> None:
    for table in copied:
        cursor = await db.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table.name))
        )
        row = await cursor.fetchone()
        stored = int(row[0]) if row else -1
        if stored != table.rows:
            raise MigrateError(
                f"{table.name}: {table.rows:,} rows read but {stored:,} stored; nothing was"
                " committed"
            )
