"""Bursts of the same question cost one brief: recent briefs kept, identical builds shared.

A brief is a pure function of its topic, title, point count and the stored articles it covers,
so those make the key: the articles' ids, and the store's generation (bot/store/sql/
generation.py), which every change to stored articles moves on in every process sharing the
store. A newly ingested article, one deleted (and its id reused) or one corrected in place
changes the key, in this process or any replica, and the next request builds afresh.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.models import Brief


@dataclass(frozen=True)
class BriefKey:
    """Everything a brief depends on."""

    topic: str
    title: str
    points: int
    article_ids: tuple[int, ...]
    generation: int = 0  # the store's, read before the articles were searched


class BriefCache:
    """The last ``size`` briefs, and the builds in flight, by key."""

    def __init__(self, size: int = 32) -> None:
        self._size = size
        self._done: OrderedDict[BriefKey, Brief] = OrderedDict()
        self._building: dict[BriefKey, asyncio.Task[Brief]] = {}

    async def get(self, key: BriefKey, build: Callable[[], Awaitable[Brief]]) -> Brief:
        """The cached brief, the result of the same build in flight, or a new build.

        A failed build is not cached; everyone waiting on it gets its exception. A waiter that
        is cancelled leaves the build running for the others (it is shielded).
        """
        brief = self._done.get(key)
        if brief is not None:
            self._done.move_to_end(key)
            return brief
        task = self._building.get(key)
        if task is None:
            task = asyncio.ensure_future(build())
            self._building[key] = task
            task.add_done_callback(lambda done: self._finish(key, done))
        return await asyncio.shield(task)

    def _finish(self, key: BriefKey, task: asyncio.Task[Brief]) -> None:
        self._building.pop(key, None)
        if task.cancelled() or task.exception() is not None:
            return
        self._done[key] = task.result()
        while len(self._done) > self._size:
            self._done.popitem(last=False)
