"""Digest subscriptions and the digest log, the same SQL on every engine.

The log has one row per (subscription, local date), enforced by a UNIQUE key: inserting that row is
the *claim* that makes a digest go out at most once, whichever process or restart gets there first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from zoneinfo import ZoneInfo

from bot.store.records import Claim, DigestEntry, DigestStatus, Subscription, ThreadMode
from bot.store.sql.statements import Row, Statements

_SUBSCRIPTION_COLUMNS = "id, platform, channel_id, topic, time_of_day, zone, active_since, threads"
_ENTRY_COLUMNS = (
    "id, subscription_id, local_date, slot_at, status, owner, claimed_at, covers_from,"
    " covers_until, message_id, detail"
)


class SqlSubscriptions:
    """Subscriptions and the digest log (a bot.store.protocols.SubscriptionStore)."""

    def __init__(self, statements: Statements) -> None:
        self._sql = statements

    async def subscribe(
        self,
        platform: str,
        channel_id: str,
        topic: str,
        time_of_day: dt.time,
        zone: ZoneInfo,
        user_id: str,
        now: dt.datetime,
        threads: ThreadMode = ThreadMode.DAILY,
    ) -> Subscription:
        """Create or change the channel's subscription to a topic; it delivers from ``now`` on."""
        # Re-subscribing keeps the row id, so the (subscription, local date) claim still holds:
        # changing the time never yields a second digest the same day.
        await self._sql.change(
            "INSERT INTO subscriptions (platform, channel_id, topic, time_of_day, zone, active,"
            " active_since, updated_by, threads) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)"
            " ON CONFLICT (platform, channel_id, topic) DO UPDATE SET"
            " time_of_day = excluded.time_of_day, zone = excluded.zone, active = 1,"
            " active_since = excluded.active_since, updated_by = excluded.updated_by,"
            " threads = excluded.threads",
            (
                platform,
                channel_id,
                topic,
                f"{time_of_day:%H:%M}",
                zone.key,
                _iso(now),
                user_id,
                threads.value,
            ),
        )
        found = await self.find(platform, channel_id, topic)
        assert found is not None  # just written
        return found

    async def unsubscribe(self, platform: str, channel_id: str, topic: str, user_id: str) -> bool:
        """Stop the channel's digest of a topic; False when it was not subscribed."""
        changed = await self._sql.change(
            "UPDATE subscriptions SET active = 0, updated_by = ?"
            " WHERE platform = ? AND channel_id = ? AND topic = ? AND active = 1",
            (user_id, platform, channel_id, topic),
        )
        return changed == 1

    async def find(self, platform: str, channel_id: str, topic: str) -> Subscription | None:
        """The channel's active subscription to a topic, if any."""
        rows = await self._sql.rows(
            f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions"
            " WHERE platform = ? AND channel_id = ? AND topic = ? AND active = 1",
            (platform, channel_id, topic),
        )
        return _subscription(rows[0]) if rows else None

    async def for_channel(self, platform: str, channel_id: str) -> list[Subscription]:
        """The channel's active subscriptions, most recently changed first."""
        rows = await self._sql.rows(
            f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions"
            " WHERE platform = ? AND channel_id = ? AND active = 1"
            " ORDER BY active_since DESC, id DESC",
            (platform, channel_id),
        )
        return [_subscription(r) for r in rows]

    async def active(self, platforms: Collection[str]) -> list[Subscription]:
        """Every active subscription on these platforms."""
        if not platforms:
            return []
        marks = ",".join("?" * len(platforms))
        rows = await self._sql.rows(
            f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions"
            f" WHERE active = 1 AND platform IN ({marks}) ORDER BY id",
            list(platforms),
        )
        return [_subscription(r) for r in rows]

    async def get(self, subscription_id: int) -> Subscription | None:
        """A subscription by id, active or not."""
        rows = await self._sql.rows(
            f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE id = ?", (subscription_id,)
        )
        return _subscription(rows[0]) if rows else None

    async def claim(self, claim: Claim) -> DigestEntry | None:
        """Take the (subscription, local date) slot; None when it was already taken."""
        entry_id = await self._sql.insert(
            "INSERT INTO digest_log (subscription_id, local_date, slot_at, status, owner,"
            " claimed_at, covers_from, covers_until, detail, finished_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (subscription_id, local_date) DO NOTHING",
            (
                claim.subscription_id,
                claim.local_date.isoformat(),
                _iso(claim.slot_at),
                claim.status.value,
                claim.owner,
                _iso(claim.claimed_at),
                None if claim.covers_from is None else _iso(claim.covers_from),
                _iso(claim.covers_until),
                claim.detail,
                None if claim.status is DigestStatus.SENDING else _iso(claim.claimed_at),
            ),
        )
        if entry_id is None:
            return None
        rows = await self._sql.rows(
            f"SELECT {_ENTRY_COLUMNS} FROM digest_log WHERE id = ?", (entry_id,)
        )
        return _entry(rows[0])

    async def finish(
        self,
        entry: DigestEntry,
        status: DigestStatus,
        now: dt.datetime,
        message_id: str | None = None,
        detail: str | None = None,
    ) -> bool:
        """Record how a claimed slot ended; False when another process recorded it first."""
        changed = await self._sql.change(
            "UPDATE digest_log SET status = ?, message_id = ?, detail = ?, finished_at = ?"
            " WHERE id = ? AND status = 'sending'",
            (status.value, message_id, detail, _iso(now), entry.id),
        )
        return changed == 1

    async def release(self, entry: DigestEntry) -> bool:
        """Free a 'sending' slot whose message certainly never left, so it can be claimed again."""
        changed = await self._sql.change(
            "DELETE FROM digest_log WHERE id = ? AND status = 'sending' AND owner = ?",
            (entry.id, entry.owner),
        )
        return changed == 1

    async def take_over(self, entry: DigestEntry, owner: str) -> DigestEntry | None:
        """Make ``owner`` responsible for an abandoned 'sending' slot; None if someone else did."""
        changed = await self._sql.change(
            "UPDATE digest_log SET owner = ? WHERE id = ? AND status = 'sending' AND owner = ?",
            (owner, entry.id, entry.owner),
        )
        if changed != 1:
            return None
        return await self.entry_by_id(entry.id)

    async def entry(self, subscription_id: int, local_date: dt.date) -> DigestEntry | None:
        """The log row of one slot, if claimed."""
        rows = await self._sql.rows(
            f"SELECT {_ENTRY_COLUMNS} FROM digest_log WHERE subscription_id = ? AND local_date = ?",
            (subscription_id, local_date.isoformat()),
        )
        return _entry(rows[0]) if rows else None

    async def entry_by_id(self, entry_id: int) -> DigestEntry | None:
        """One log row."""
        rows = await self._sql.rows(
            f"SELECT {_ENTRY_COLUMNS} FROM digest_log WHERE id = ?", (entry_id,)
        )
        return _entry(rows[0]) if rows else None

    async def in_flight(self) -> list[DigestEntry]:
        """Slots claimed for sending whose outcome was never recorded."""
        rows = await self._sql.rows(
            f"SELECT {_ENTRY_COLUMNS} FROM digest_log WHERE status = 'sending' ORDER BY id"
        )
        return [_entry(r) for r in rows]

    async def last_covered(self, subscription_id: int) -> DigestEntry | None:
        """The latest slot whose articles the channel has seen (posted, or skipped as empty)."""
        rows = await self._sql.rows(
            f"SELECT {_ENTRY_COLUMNS} FROM digest_log"
            " WHERE subscription_id = ? AND status IN ('posted', 'skipped')"
            " ORDER BY local_date DESC LIMIT 1",
            (subscription_id,),
        )
        return _entry(rows[0]) if rows else None

    async def first_posted(self, subscription_id: int) -> DigestEntry | None:
        """The subscription's first posted digest: the thread 'follow' digests reply in."""
        rows = await self._sql.rows(
            f"SELECT {_ENTRY_COLUMNS} FROM digest_log WHERE subscription_id = ?"
            " AND status = 'posted' AND message_id IS NOT NULL ORDER BY local_date LIMIT 1",
            (subscription_id,),
        )
        return _entry(rows[0]) if rows else None

    async def log(self, subscription_id: int) -> list[DigestEntry]:
        """Every log row of a subscription, oldest first."""
        rows = await self._sql.rows(
            f"SELECT {_ENTRY_COLUMNS} FROM digest_log WHERE subscription_id = ?"
            " ORDER BY local_date",
            (subscription_id,),
        )
        return [_entry(r) for r in rows]


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _subscription(row: Row) -> Subscription:
    return Subscription(
        id=int(row["id"]),
        platform=str(row["platform"]),
        channel_id=str(row["channel_id"]),
        topic=str(row["topic"]),
        time_of_day=dt.time.fromisoformat(str(row["time_of_day"])),
        zone=ZoneInfo(str(row["zone"])),
        active_since=_moment(str(row["active_since"])),
        threads=ThreadMode(str(row["threads"])),
    )


def _entry(row: Row) -> DigestEntry:
    return DigestEntry(
        id=int(row["id"]),
        subscription_id=int(row["subscription_id"]),
        local_date=dt.date.fromisoformat(str(row["local_date"])),
        slot_at=_moment(str(row["slot_at"])),
        status=DigestStatus(str(row["status"])),
        owner=str(row["owner"]),
        claimed_at=_moment(str(row["claimed_at"])),
        covers_from=None if row["covers_from"] is None else _moment(str(row["covers_from"])),
        covers_until=_moment(str(row["covers_until"])),
        message_id=None if row["message_id"] is None else str(row["message_id"]),
        detail=None if row["detail"] is None else str(row["detail"]),
    )
