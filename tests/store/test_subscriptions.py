"""Subscriptions and the digest log through the protocol: upserts, the one claim, races."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

from bot.store.protocols import Store
from bot.store.records import Claim, DigestStatus
from tests.store.conftest import OpenStore

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


async def test_concurrent_claims_on_one_store_yield_one_winner(store: Store) -> None:
    subscriptions = store.subscriptions
    sub = await subscriptions.subscribe(
        "slack", "C1", "china-russia", dt.time(8), BERLIN, "U1", NOW
    )
    results = await asyncio.gather(*(subscriptions.claim(claim(sub.id, f"p{i}")) for i in range(8)))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1 and winners[0].status is DigestStatus.SENDING


async def test_two_stores_race_for_one_slot(stores: OpenStore) -> None:
    one, two = await stores(), await stores()
    sub = await one.subscriptions.subscribe(
        "discord", "1", "china-russia", dt.time(8), BERLIN, "U1", NOW
    )
    first, second = await asyncio.gather(
        one.subscriptions.claim(claim(sub.id, "p1")),
        two.subscriptions.claim(claim(sub.id, "p2")),
    )
    assert (first is None) != (second is None)


async def test_resubscribing_keeps_the_row_and_unsubscribing_hides_it(store: Store) -> None:
    subscriptions = store.subscriptions
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


async def test_finish_only_settles_a_sending_slot_once(store: Store) -> None:
    subscriptions = store.subscriptions
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


async def test_lookups_release_and_last_covered(store: Store) -> None:
    subscriptions = store.subscriptions
    first = await subscriptions.subscribe("slack", "C1", "a", dt.time(8), BERLIN, "U1", NOW)
    second = await subscriptions.subscribe("slack", "C1", "b", dt.time(9), BERLIN, "U1", NOW)
    other = await subscriptions.subscribe("discord", "9", "a", dt.time(9), BERLIN, "U1", NOW)
    assert await subscriptions.find("slack", "C1", "a") == first
    assert await subscriptions.find("slack", "C2", "a") is None
    assert [s.id for s in await subscriptions.for_channel("slack", "C1")] == [second.id, first.id]
    assert [s.id for s in await subscriptions.active(["slack", "discord"])] == [
        first.id,
        second.id,
        other.id,
    ]
    assert await subscriptions.active([]) == []
    entry = await subscriptions.claim(claim(first.id, "p1"))
    assert entry is not None and await subscriptions.in_flight() == [entry]
    assert await subscriptions.entry(first.id, entry.local_date) == entry
    assert await subscriptions.entry_by_id(entry.id) == entry
    assert await subscriptions.release(entry)
    assert await subscriptions.entry(first.id, entry.local_date) is None
    again = await subscriptions.claim(claim(first.id, "p2"))
    assert again is not None
    assert await subscriptions.last_covered(first.id) is None
    assert await subscriptions.finish(again, DigestStatus.SKIPPED, NOW)
    covered = await subscriptions.last_covered(first.id)
    assert covered is not None and covered.status is DigestStatus.SKIPPED
    assert covered.covers_until == NOW and covered.slot_at == again.slot_at
