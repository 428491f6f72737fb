"""Worker leases and turns through the protocol, on every engine: expiry, take-over, sharing."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.store.protocols import Store
from tests.store.conftest import OpenStore

NOW = dt.datetime(2027, 3, 10, 8, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


async def test_a_lease_is_live_until_it_expires_and_renewing_extends_it(store: Store) -> None:
    workers = store.workers
    await workers.renew("host-a:10:x1", NOW, MINUTE)
    await workers.renew("host-b:10:y2", NOW, 5 * MINUTE)
    assert await workers.live(NOW) == {"host-a:10:x1", "host-b:10:y2"}
    # Expired exactly at its end, so a take-over never races a worker still inside its lease.
    assert await workers.live(NOW + MINUTE) == {"host-b:10:y2"}
    await workers.renew("host-a:10:x1", NOW + 2 * MINUTE, MINUTE)  # a late heartbeat revives it
    assert await workers.live(NOW + 2 * MINUTE) == {"host-a:10:x1", "host-b:10:y2"}
    await workers.retire("host-b:10:y2")
    assert await workers.live(NOW + 2 * MINUTE) == {"host-a:10:x1"}
    assert await workers.forget_expired(NOW + 10 * MINUTE) == 1
    assert await workers.live(NOW) == set()


async def test_a_held_turn_goes_to_no_one_else_until_it_ends_or_expires(store: Store) -> None:
    workers = store.workers
    keys = ["7", "3", "5"]
    assert await workers.take_turns("digest", keys, "w1", NOW, MINUTE) == ["3"]
    assert await workers.take_turns("digest", keys, "w2", NOW, MINUTE, limit=5) == ["5", "7"]
    assert await workers.take_turns("digest", keys, "w3", NOW, MINUTE, limit=5) == []
    # The holder may take its own turn again (a retry within its hold).
    assert await workers.take_turns("digest", ["3"], "w1", NOW, MINUTE) == ["3"]
    # Another kind of work with the same key is a different turn.
    assert await workers.take_turns("feed", ["3"], "w3", NOW, MINUTE) == ["3"]
    # Ended: free from the given time on.
    later = NOW + dt.timedelta(seconds=10)
    assert await workers.end_turn("digest", "3", "w1", free_at=later)
    assert not await workers.end_turn("digest", "3", "w3", free_at=NOW)  # w3 never held it
    assert await workers.take_turns("digest", ["3"], "w3", NOW, MINUTE) == []
    assert await workers.take_turns("digest", ["3"], "w3", later, MINUTE) == ["3"]
    # Expired (its worker died mid-turn): taken by the next asking worker.
    assert await workers.take_turns("digest", keys, "w4", NOW + MINUTE, MINUTE, limit=5) == [
        "5",
        "7",
    ]
    # A retiring worker frees its turns at once.
    await workers.retire("w4")
    assert await workers.take_turns("digest", ["5"], "w1", NOW + MINUTE, MINUTE) == ["5"]


async def test_replicas_taking_turns_at_once_share_the_keys_out(stores: OpenStore) -> None:
    replicas = [await stores() for _ in range(3)]
    keys = [f"{i:03d}" for i in range(60)]

    async def take_all(store: Store, worker: str) -> list[str]:
        # As the scheduler does: ask with what is left, one turn at a time.
        left, mine = list(keys), []
        while taken := await store.workers.take_turns("digest", left, worker, NOW, MINUTE):
            mine.extend(taken)
            left = [key for key in left if key not in taken]
        return mine

    shares = await asyncio.gather(
        *(take_all(store, f"w{i}-{j}") for i, store in enumerate(replicas) for j in range(2))
    )
    everything = [key for share in shares for key in share]
    assert sorted(everything) == keys  # every key once, none twice
    assert sum(bool(share) for share in shares) > 1  # and shared out, not all by one


async def test_a_turn_handed_back_stays_closed_until_its_time_after_a_retirement(
    store: Store,
) -> None:
    workers = store.workers
    assert await workers.take_turns("feed", ["https://a.example/rss"], "w1", NOW, MINUTE)
    later = NOW + 30 * MINUTE  # read; not due again until the poll interval has passed
    assert await workers.end_turn("feed", "https://a.example/rss", "w1", free_at=later)
    await workers.retire("w1")  # a clean stop of the poller that read it
    assert await workers.take_turns("feed", ["https://a.example/rss"], "w2", NOW, MINUTE) == []
    assert await workers.take_turns("feed", ["https://a.example/rss"], "w2", later, MINUTE) == [
        "https://a.example/rss"
    ]
