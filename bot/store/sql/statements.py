"""What the shared SQL needs from an engine: rows, changes, and inserts that report their id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

Params = Sequence[Any]


class Row(Protocol):
    """A result row read by position or column name (``sqlite3.Row``, the PostgreSQL store's
    ``Record``)."""

    def __getitem__(self, key: int | str, /) -> Any: ...


class Statements(Protocol):
    """One engine's way to run a statement written with ``?`` placeholders."""

    async def rows(self, sql: str, params: Params = ()) -> Sequence[Row]:
        """Rows of one read-only statement."""
        ...

    async def change(self, sql: str, params: Params) -> int:
        """Run one statement in its own write transaction; the number of rows it changed."""
        ...

    async def changes(self, *statements: tuple[str, Params]) -> list[int]:
        """Run statements in one write transaction; the number of rows each changed."""
        ...

    async def returning(self, sql: str, params: Params) -> Sequence[Row]:
        """Run one writing statement (``... RETURNING``) in its own write transaction; its rows."""
        ...

    async def insert(self, sql: str, params: Params) -> int | None:
        """Run one ``INSERT ... ON CONFLICT DO NOTHING`` into a table with an ``id`` key, in its
        own write transaction; the new row's id, None when the conflict kept it out."""
        ...
