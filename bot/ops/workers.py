"""A worker process's identity and its heartbeat: the lease that says it is alive.

Any number of ``digests`` and ``feeds`` replicas, on any number of machines, share one store. Each
is a worker with an id (host, pid and a random part, so a reused pid or a restarted container is
never taken for the process before it) and a lease in the store that its heartbeat renews every
third of its length. What a worker holds is taken over only once its lease has expired, which is
the same test on every machine: no process table is asked.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.clock import Clock
from bot.ops.runtime import Pause, Shutdown, pause
from bot.store.errors import StoreError
from bot.store.protocols import Workers

log = logging.getLogger(__name__)
FORGET_AFTER = dt.timedelta(days=1)  # an expired lease is kept this long, then deleted


def worker_id(host_id: str = "") -> str:
    """'host:pid:random' for this process; ``host_id`` (BRIEFBOT_HOST_ID) names the host."""
    return f"{host_id or socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Heartbeat:
    """Keeps one worker's lease: renewed at start, every third of ``lease``, retired at the end."""

    def __init__(
        self,
        workers: Workers,
        worker: str,
        lease: dt.timedelta,
        clock: Clock,
        sleep: Pause = pause,
    ) -> None:
        self.workers = workers
        self.worker = worker
        self.lease = lease
        self.clock = clock
        self.sleep = sleep
        self.expires_at: dt.datetime | None = None  # of the lease, as last renewed

    async def beat(self) -> None:
        """Renew the lease now."""
        now = self.clock()
        await self.workers.renew(self.worker, now, self.lease)
        self.expires_at = now + self.lease

    def lapsed(self) -> bool:
        """True when the lease ran out before the heartbeat renewed it (a stalled process, a
        lost store): other replicas may be taking over what this worker holds."""
        return self.expires_at is not None and self.clock() >= self.expires_at

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """The lease for the duration of the block: taken before it starts (a store that cannot
        be written fails here, before any work), renewed while it runs, retired when it ends, so
        the worker's turns are free at once after a clean stop. Leases that ran out long ago
        (workers killed, never retired) are deleted then, so the table stays small."""
        await self.beat()
        await self.workers.forget_expired(self.clock() - FORGET_AFTER)
        beating = asyncio.create_task(self._renew())
        try:
            yield
        finally:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating
            try:
                await self.workers.retire(self.worker)
            except StoreError:
                log.warning("worker %s: could not retire its lease; it expires", self.worker)

    async def _renew(self) -> None:
        interval = self.lease.total_seconds() / 3
        never = Shutdown()  # the task is cancelled, not stopped
        while True:
            await self.sleep(interval, never)
            try:
                await self.beat()
            except StoreError:
                # Logged by the store; the next beat tries again. Missing beats for a whole
                # lease lets other replicas take over, which is what a lost store should mean.
                log.warning("worker %s: heartbeat failed; retrying in %g s", self.worker, interval)
