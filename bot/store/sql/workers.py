"""Worker leases and turns at shared work, the same SQL on every engine.

A *lease* says a worker process is alive: a row renewed by its heartbeat, with an expiry. It works
across machines because it needs nothing but the shared database; a worker whose lease expired is
gone, whatever host it ran on, and what it held may be taken over.

A *turn* is one worker's exclusive hold on one piece of shared work (a subscription's digest, a
feed) until a time. Replicas take turns from the same candidates at once without waiting for each
other: on PostgreSQL the rows are picked with ``FOR UPDATE SKIP LOCKED``, so a row another replica
is taking right now is skipped, not waited for; on SQLite the one writer is the lock. A turn is
held by its expiry, not by an open transaction, so nothing stays locked while the work runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.store.sql.statements import Statements

FREE = ""  # a turn's held_until when it was never held: before every instant
_CHUNK = 200  # keys per statement, well inside every engine's parameter limit


def stamp(moment: dt.datetime) -> str:
    """An instant as fixed-width ISO text in UTC, so text order is time order on every engine."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


class SqlWorkers:
    """Worker leases and work turns (a bot.store.protocols.Workers)."""

    def __init__(self, statements: Statements, skip_locked: str = "") -> None:
        """``skip_locked`` ends the turn-picking subquery: the engine's row-locking clause."""
        self._sql = statements
        self._skip_locked = skip_locked

    async def renew(self, worker: str, now: dt.datetime, length: dt.timedelta) -> None:
        """Start or extend the worker's lease to ``now + length``."""
        await self._sql.change(
            "INSERT INTO worker_leases (worker, started_at, expires_at) VALUES (?, ?, ?)"
            " ON CONFLICT (worker) DO UPDATE SET expires_at = excluded.expires_at",
            (worker, stamp(now), stamp(now + length)),
        )

    async def retire(self, worker: str) -> None:
        """End the worker's lease now (a clean stop) and free its turns."""
        await self._sql.changes(
            ("DELETE FROM worker_leases WHERE worker = ?", (worker,)),
            ("UPDATE work_turns SET held_until = ? WHERE worker = ?", (FREE, worker)),
        )

    async def live(self, now: dt.datetime) -> frozenset[str]:
        """The workers whose lease has not expired at ``now``."""
        rows = await self._sql.rows(
            "SELECT worker FROM worker_leases WHERE expires_at > ?", (stamp(now),)
        )
        return frozenset(str(r["worker"]) for r in rows)

    async def forget_expired(self, before: dt.datetime) -> int:
        """Delete leases that expired before ``before``; how many."""
        return await self._sql.change(
            "DELETE FROM worker_leases WHERE expires_at < ?", (stamp(before),)
        )

    async def take_turns(
        self,
        kind: str,
        keys: Sequence[str],
        worker: str,
        now: dt.datetime,
        hold: dt.timedelta,
        limit: int = 1,
    ) -> list[str]:
        """Take up to ``limit`` of these keys' turns that are free at ``now`` (or already the
        worker's), holding them until ``now + hold``; the keys taken, in key order."""
        if not keys or limit < 1:
            return []
        candidates = list(dict.fromkeys(keys))
        for start in range(0, len(candidates), _CHUNK):
            chunk = candidates[start : start + _CHUNK]
            await self._sql.change(
                "INSERT INTO work_turns (kind, key, worker, held_until) VALUES "
                + ", ".join("(?, ?, ?, ?)" for _ in chunk)
                + " ON CONFLICT (kind, key) DO NOTHING",
                [value for key in chunk for value in (kind, key, "", FREE)],
            )
        taken: list[str] = []
        for start in range(0, len(candidates), _CHUNK):
            chunk = candidates[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows = await self._sql.returning(
                "UPDATE work_turns SET worker = ?, held_until = ?"
                " WHERE kind = ? AND key IN ("
                f"SELECT key FROM work_turns WHERE kind = ? AND key IN ({marks})"
                " AND (held_until <= ? OR worker = ?)"
                f" ORDER BY key LIMIT ?{self._skip_locked}"
                ") RETURNING key",
                (
                    worker,
                    stamp(now + hold),
                    kind,
                    kind,
                    *chunk,
                    stamp(now),
                    worker,
                    limit - len(taken),
                ),
            )
            taken.extend(str(r["key"]) for r in rows)
            if len(taken) >= limit:
                break
        return sorted(taken)

    async def end_turn(self, kind: str, key: str, worker: str, free_at: dt.datetime) -> bool:
        """Hand a turn back: free from ``free_at`` on; False when the worker no longer held it.

        The turn is no one's after this, so retiring the worker later leaves ``free_at`` be."""
        changed = await self._sql.change(
            "UPDATE work_turns SET held_until = ?, worker = ''"
            " WHERE kind = ? AND key = ? AND worker = ?",
            (stamp(free_at), kind, key, worker),
        )
        return changed == 1
