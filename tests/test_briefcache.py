"""The brief cache: a burst of the same question is built once; new articles mean a new brief."""

from __future__ import annotations

import asyncio

import pytest

from bot.brief.cache import BriefCache, BriefKey
from bot.models import Brief


def brief(topic: str) -> Brief:
    return Brief(topic, topic, (), 0, 0, None)


async def test_identical_requests_share_one_build_and_later_ones_hit_the_cache() -> None:
    cache = BriefCache(size=2)
    builds: list[str] = []
    release = asyncio.Event()

    async def build() -> Brief:
        builds.append("x")
        await release.wait()
        return brief("x")

    key = BriefKey("x", "X", 5, (1, 2))
    waiters = [asyncio.ensure_future(cache.get(key, build)) for _ in range(20)]
    await asyncio.sleep(0)  # let every waiter reach the shared build
    release.set()
    results = await asyncio.gather(*waiters)
    assert builds == ["x"] and all(r is results[0] for r in results)
    assert await cache.get(key, build) is results[0] and builds == ["x"]
    # One more matching article is another key.
    await cache.get(BriefKey("x", "X", 5, (1, 2, 3)), build)
    assert len(builds) == 2


async def test_failures_are_not_cached_and_reach_every_waiter() -> None:
    cache = BriefCache()
    calls = 0

    async def failing() -> Brief:
        nonlocal calls
        calls += 1
        raise ValueError("no sentences")

    key = BriefKey("x", "X", 5, (1,))
    results = await asyncio.gather(
        cache.get(key, failing), cache.get(key, failing), return_exceptions=True
    )
    assert all(isinstance(r, ValueError) for r in results) and calls == 1
    with pytest.raises(ValueError):
        await cache.get(key, failing)
    assert calls == 2


async def test_a_cancelled_waiter_leaves_the_build_to_the_others() -> None:
    cache = BriefCache()
    release = asyncio.Event()

    async def build() -> Brief:
        await release.wait()
        return brief("y")

    key = BriefKey("y", "Y", 5, (1,))
    first = asyncio.ensure_future(cache.get(key, build))
    second = asyncio.ensure_future(cache.get(key, build))
    await asyncio.sleep(0)
    first.cancel()
    release.set()
    assert (await second).topic == "y"
    assert first.cancelled()


async def test_least_recently_used_brief_is_dropped() -> None:
    cache = BriefCache(size=1)
    count = 0

    async def build() -> Brief:
        nonlocal count
        count += 1
        return brief(str(count))

    a, b = BriefKey("a", "A", 5, (1,)), BriefKey("b", "B", 5, (2,))
    await cache.get(a, build)
    await cache.get(b, build)
    await cache.get(a, build)
    assert count == 3
