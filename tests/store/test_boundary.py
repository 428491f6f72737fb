"""The store boundary holds: no SQL and no full-text syntax outside ``bot/store``."""

from __future__ import annotations

import re

from bot.settings import PROJECT_DIR

SQL = re.compile(
    r"\b(SELECT|INSERT|UPDATE|DELETE)\b|\bMATCH\b|PRAGMA|\bimport (sqlite3|aiosqlite)\b|\bsqlite3\."
)


def test_no_sql_outside_the_store_package() -> None:
    offenders = [
        f"{path.relative_to(PROJECT_DIR)}:{number}: {line.strip()}"
        for folder in ("bot", "adapters")
        for path in sorted((PROJECT_DIR / folder).rglob("*.py"))
        if not path.is_relative_to(PROJECT_DIR / "bot" / "store")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if SQL.search(line)
    ]
    assert offenders == []


def test_the_check_sees_sql() -> None:
    assert SQL.search('rows = await db.execute("SELECT id FROM articles")')
    assert not SQL.search("Select the best sentences; update the cache")
