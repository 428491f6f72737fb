"""Sharding: which shards this process runs, and IDENTIFY spaced out across processes.

Discord splits a large bot's servers into shards, each its own gateway session; one process can
run several (discord.py's ``AutoShardedClient``) and several processes can share them out.
Discord then allows ``max_concurrency`` IDENTIFYs per 5 seconds, one per bucket
``shard_id % max_concurrency``, counted per bot whichever process sends them: the gate holds
the bucket's named lock (``bot.store.locks``, shared by every process on the store) for
``IDENTIFY_HOLD_SECONDS`` from just before each IDENTIFY.

Direct messages are not tied to a server: Discord delivers them on shard 0 only, so the process
that runs shard 0 answers every DM.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from bot.store.locks import HeldLock, NamedLocks

SHARD_COUNT_VARIABLE = "DISCORD_SHARD_COUNT"
SHARD_IDS_VARIABLE = "DISCORD_SHARD_IDS"
AUTO = "auto"
# Discord's window is 5 s, measured when it receives the IDENTIFY; the lock is taken just
# before discord.py sends it, and the margin covers the send (and a busy event loop).
IDENTIFY_WINDOW_SECONDS = 5.0
IDENTIFY_HOLD_SECONDS = IDENTIFY_WINDOW_SECONDS + 0.5
log = logging.getLogger(__name__)


class ShardPlanError(Exception):
    """The shard variables cannot be used; the message names the variable."""


@dataclass(frozen=True)
class ShardPlan:
    """The shards of the bot and this process's share of them."""

    count: int | None  # None: as many as Discord recommends ("auto")
    ids: tuple[int, ...] | None  # None: every shard

    @property
    def runs_shard_zero(self) -> bool:
        """Whether this process runs shard 0, the one that receives direct messages."""
        return self.ids is None or 0 in self.ids

    def describe(self) -> str:
        """The plan in words, for the log."""
        if self.count is None:
            return "as many shards as Discord recommends"
        if self.ids is None:
            return f"all {self.count} shards"
        return f"shards {', '.join(map(str, self.ids))} of {self.count}"


def shard_plan(env: Mapping[str, str]) -> ShardPlan | None:
    """The plan from DISCORD_SHARD_COUNT (a number or "auto") and DISCORD_SHARD_IDS (e.g.
    "0,1" or "4-7"); None when DISCORD_SHARD_COUNT is not set: one unsharded connection."""
    count_text = env.get(SHARD_COUNT_VARIABLE, "").strip().lower()
    ids_text = env.get(SHARD_IDS_VARIABLE, "").strip()
    if not count_text:
        if ids_text:
            raise ShardPlanError(
                f"{SHARD_IDS_VARIABLE} needs {SHARD_COUNT_VARIABLE}: the total number of shards "
                "across every process"
            )
        return None
    if count_text == AUTO:
        if ids_text:
            raise ShardPlanError(
                f'{SHARD_IDS_VARIABLE} needs a number in {SHARD_COUNT_VARIABLE}, not "auto": '
                "processes sharing the shards must agree on how many there are"
            )
        return ShardPlan(count=None, ids=None)
    count = _positive(count_text, SHARD_COUNT_VARIABLE)
    if not ids_text:
        return ShardPlan(count=count, ids=None)
    ids = _shard_ids(ids_text)
    outside = [i for i in ids if i >= count]
    if outside:
        raise ShardPlanError(
            f"{SHARD_IDS_VARIABLE}: shard {outside[0]} does not exist with "
            f"{SHARD_COUNT_VARIABLE}={count} (shards are numbered 0 to {count - 1})"
        )
    return ShardPlan(count=count, ids=ids)


def _positive(text: str, variable: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise ShardPlanError(f'{variable} must be a whole number of shards or "auto", not {text!r}')
    return int(text)


def _shard_ids(text: str) -> tuple[int, ...]:
    ids: list[int] = []
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        if not first.strip().isdigit() or (dash and not last.strip().isdigit()):
            raise ShardPlanError(
                f'{SHARD_IDS_VARIABLE} lists shard numbers and ranges such as "0,1" or "4-7", '
                f"not {text!r}"
            )
        low, high = int(first), int(last) if dash else int(first)
        if high < low:
            raise ShardPlanError(f"{SHARD_IDS_VARIABLE}: the range {part.strip()!r} is empty")
        ids.extend(range(low, high + 1))
    if len(set(ids)) != len(ids):
        raise ShardPlanError(f"{SHARD_IDS_VARIABLE} names a shard twice: {text!r}")
    return tuple(sorted(ids))


class IdentifyGate:
    """Admits one IDENTIFY per bucket per window, across the processes sharing ``locks``."""

    def __init__(
        self,
        locks: NamedLocks,
        *,
        bot_id: int,
        max_concurrency: int,
        hold_seconds: float = IDENTIFY_HOLD_SECONDS,
    ) -> None:
        self.locks = locks
        self.bot_id = bot_id
        self.max_concurrency = max(1, max_concurrency)
        self.hold_seconds = hold_seconds
        self._holding: set[asyncio.Task[None]] = set()

    def bucket(self, shard_id: int) -> int:
        """Discord's rate-limit bucket of the shard's IDENTIFY."""
        return shard_id % self.max_concurrency

    def lock_name(self, shard_id: int) -> str:
        """The bucket's lock: per bot, since the limit is."""
        return f"discord-identify-{self.bot_id}-{self.bucket(shard_id)}"

    async def admit(self, shard_id: int) -> None:
        """Return when the shard may IDENTIFY; its bucket stays closed for the hold time."""
        held = await self.locks.acquire(self.lock_name(shard_id))
        log.info("shard %d may identify (bucket %d)", shard_id, self.bucket(shard_id))
        holding = asyncio.create_task(self._release_later(held))
        self._holding.add(holding)
        holding.add_done_callback(self._holding.discard)

    async def _release_later(self, held: HeldLock) -> None:
        try:
            await asyncio.sleep(self.hold_seconds)
        finally:
            await held.release()

    async def close(self) -> None:
        """Release every bucket now (this process is disconnecting)."""
        for holding in list(self._holding):
            holding.cancel()
        await asyncio.gather(*self._holding, return_exceptions=True)
