"""Event claims, the store's own settings and the brief log through the Store protocol."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.store.protocols import Store
from tests.conftest import FIXED_NOW
from tests.store.conftest import OpenStore

KEEP = dt.timedelta(days=1)


async def test_meta_round_trip(store: Store) -> None:
    assert await store.get_meta("k") is None
    await store.set_meta("k", "1")
    await store.set_meta("k", "2")
    assert await store.get_meta("k") == "2"


async def test_an_event_is_claimed_once_per_platform(store: Store) -> None:
    assert await store.claim_event("slack", "Ev1", FIXED_NOW, KEEP)
    assert not await store.claim_event("slack", "Ev1", FIXED_NOW, KEEP)
    assert await store.claim_event("discord", "Ev1", FIXED_NOW, KEEP)
    # A claim older than `keep` is forgotten.
    assert await store.claim_event("slack", "Ev1", FIXED_NOW + 2 * KEEP, KEEP)


async def test_concurrent_claims_on_several_stores_yield_one_winner_each(
    stores: OpenStore,
) -> None:
    one, two = await stores(), await stores()
    claims = [
        store.claim_event("slack", f"Ev{n % 5}", FIXED_NOW, KEEP)
        for n in range(20)
        for store in (one, two)
    ]
    results = await asyncio.gather(*claims)
    assert sum(results) == 5


async def test_the_last_brief_shown_to_a_channel_is_remembered(store: Store) -> None:
    assert await store.last_brief("slack", "C1", "china-russia") is None
    await store.note_brief("slack", "C1", "china-russia", FIXED_NOW)
    later = FIXED_NOW + KEEP
    await store.note_brief("slack", "C1", "china-russia", later)
    assert await store.last_brief("slack", "C1", "china-russia") == later
    assert await store.last_brief("slack", "C2", "china-russia") is None


async def test_followed_topics_per_channel(store: Store) -> None:
    assert await store.follow("slack", "C1", "grain-deal", "grain deal", FIXED_NOW)
    assert not await store.follow("slack", "C1", "grain-deal", "grain deal", FIXED_NOW)
    later = FIXED_NOW + KEEP
    assert await store.follow("slack", "C1", "arctic", "arctic shipping", later)
    assert await store.follow("slack", "C2", "arctic", "arctic", FIXED_NOW)
    followed = await store.followed("slack", "C1")
    assert [(f.slug, f.words) for f in followed] == [
        ("grain-deal", "grain deal"),
        ("arctic", "arctic shipping"),
    ]
    assert await store.unfollow("slack", "C1", "grain-deal")
    assert not await store.unfollow("slack", "C1", "grain-deal")
    assert [f.slug for f in await store.followed("slack", "C1")] == ["arctic"]
