"""The subscriptions and digest log tables: upserts, the UNIQUE claim, concurrent writers."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.digests.subscriptions import Claim, DigestStatus, Subscriptions
from bot.store.sqlite.store import Store

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def claim(subscription_id: int, owner: str) -> Claim:
    return Claim(
        subscription_id=subscription_id,
        local_date=dt.date(2026, 11, 25),
        slot_at=dt.datetime(2026, 11, 25, 7, 0, tzinfo=dt.UTC),
        status=DigestStatus.SENDING,
        owner=owner,
        claimed_at=NOW,
        covers_from=None,
        covers_until=NOW,
    )


async def test_concurrent_claims_on_one_store_yield_one_winner(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "s.sqlite3") as store:
        subscriptions = Subscriptions(store)
        sub = await subscriptions.subscribe(
            "slack", "C1", "china-russia", dt.time(8), BERLIN, "U1", NOW
        )
        results = await asyncio.gather(
            *(subscriptions.claim(claim(sub.id, f"p{i}")) for i in range(8))
        )
        winners = [r for r in results if r is not None]
        assert len(winners) == 1 and winners[0].status is DigestStatus.SENDING


async def test_two_connections_race_for_one_slot(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    async with await Store.open(path) as one, await Store.open(path) as two:
        sub = await Subscriptions(one).subscribe(
            "discord", "1", "china-russia", dt.time(8), BERLIN, "U1", NOW
        )
        first, second = await asyncio.gather(
            Subscriptions(one).claim(claim(sub.id, "p1")),
            Subscriptions(two).claim(claim(sub.id, "p2")),
        )
        assert (first is None) != (second is None)


async def test_resubscribing_keeps_the_row_and_unsubscribing_hides_it(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "s.sqlite3") as store:
        subscriptions = Subscriptions(store)
        first = await subscriptions.subscribe(
            "slack", "C1", "china-russia", dt.time(8), BERLIN, "U1", NOW
        )
        later = NOW + dt.timedelta(hours=1)
        second = await subscriptions.subscribe(
            "slack", "C1", "china-russia", dt.time(9, 30), ZoneInfo("UTC"), "U2", later
        )
        assert second.id == first.id
        assert (second.schedule_label, second.active_since) == ("09:30 UTC", later)
        assert await subscriptions.unsubscribe("slack", "C1", "china-russia", "U1")
        assert not await subscriptions.unsubscribe("slack", "C1", "china-russia", "U1")
        assert await subscriptions.active(["slack"]) == []
        assert (await subscriptions.get(first.id)) is not None


async def test_finish_only_settles_a_sending_slot_once(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "s.sqlite3") as store:
        subscriptions = Subscriptions(store)
        sub = await subscriptions.subscribe("slack", "C1", "x", dt.time(8), BERLIN, "U1", NOW)
        entry = await subscriptions.claim(claim(sub.id, "p1"))
        assert entry is not None
        assert await subscriptions.take_over(entry, "p2") is not None
        assert await subscriptions.take_over(entry, "p3") is None  # p2 already took it
        assert await subscriptions.finish(entry, DigestStatus.POSTED, NOW, message_id="m1")
        assert not await subscriptions.finish(entry, DigestStatus.UNKNOWN, NOW)
        (logged,) = await subscriptions.log(sub.id)
        assert (logged.status, logged.message_id, logged.owner) == (
            DigestStatus.POSTED,
            "m1",
            "p2",
        )
        assert await subscriptions.in_flight() == []
