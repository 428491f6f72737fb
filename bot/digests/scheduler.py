"""The digest scheduler: post each subscribed channel its daily digest once per local date.

Delivery of one slot, in order:
1. the slot is due (its instant has passed, within the catch-up window, and not before the
   subscription started) and has no log row;
2. the digest is composed (a brief of what was stored since the channel's last digest);
3. the slot is *claimed*: a row (subscription, local date) is inserted inside ``BEGIN IMMEDIATE``
   with status ``sending``; the UNIQUE key means only one process or pass ever gets here;
4. the reply goes to the platform's ``ChannelPoster`` with an idempotency key derived from the slot;
5. the outcome is recorded: ``posted`` with the message id, ``failed`` when the platform refused,
   ``unknown`` when it cannot be known; when the platform could not be reached at all, the claim
   is deleted so a later pass tries again.

Any number of schedulers (replicas, on any number of machines) share one store. Each is a worker
with a lease its heartbeat renews (bot.ops.workers). Due subscriptions are shared out as turns
(``Workers.take_turns``: rows skipped while locked, on PostgreSQL), so one replica composes a
given digest while the others compose other ones; the claim in 3 stays what guarantees one digest
per local date, turn or not.

A crash before 3 leaves no trace, so the next pass posts the digest. A crash between 3 and 5 leaves
a ``sending`` row that is ambiguous: the message may or may not have reached the platform. It is
resolved once its owner's lease has expired (or the claim is older than ``claim_timeout``): a poster
whose platform de-duplicates by key (Discord's ``enforce_nonce``) is asked again with the same key
while the platform still remembers it; a poster that can look messages up by key (Slack, in the
channel history: a ``PostFinder``) records the message if it arrived and posts it if it did not,
once the owner's lease has expired (a dead process sends nothing more, so the history is final);
any other, or one that cannot look (a missing scope), is recorded ``unknown`` and logged, never
re-posted blindly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Final, Literal, Protocol, runtime_checkable

from bot.brief.briefer import Briefer
from bot.chat.commands import BriefReply, Notice, Reply, UserError
from bot.clock import Clock, utc_now
from bot.digests.schedule import Slot, slot_on_or_before
from bot.ops.runtime import Pause, Shutdown, pause
from bot.ops.workers import Heartbeat, worker_id
from bot.settings import DigestSettings, WorkerSettings
from bot.store.protocols import SubscriptionStore, Workers
from bot.store.records import Claim, DigestEntry, DigestStatus, Subscription, ThreadMode

log = logging.getLogger(__name__)


class PostRejected(Exception):
    """The platform answered that it did not post the message (bad channel, no access...)."""


class PostNotSent(Exception):
    """The message certainly never left (the platform could not be reached): try again later."""


class ChannelPoster(Protocol):
    """The port a chat adapter provides: post a reply to a channel, return the message id.

    Raise ``PostRejected`` when the platform refused the post, ``PostNotSent`` when it was never
    reached; any other exception means the outcome is unknown.
    """

    @property
    def idempotency_window(self) -> dt.timedelta:
        """How long the platform drops a repeated ``idempotency_key``; zero when it never does."""
        ...

    async def post(
        self, channel_id: str, reply: Reply, idempotency_key: str, thread_of: str | None = None
    ) -> str:
        """Post ``reply`` to the channel and return the platform's message id; with
        ``thread_of`` (an earlier digest's id), in that digest's thread, returning that id."""
        ...


@runtime_checkable
class PostFinder(Protocol):
    """A poster that can look a message up by its idempotency key (Slack: in the channel's
    history), so a digest whose worker died mid-post is recorded if it arrived and posted if
    it did not, instead of being left 'unknown'."""

    async def find_posted(
        self,
        channel_id: str,
        idempotency_key: str,
        since: dt.datetime,
        thread_of: str | None = None,
    ) -> str | None:
        """The id of the message posted with this key since ``since`` (in the thread of
        ``thread_of`` when given), None when there is none; raise when the platform cannot
        say (e.g. a missing scope)."""
        ...


RETRY: Final = "retry"  # a Delivery whose claim was released for a later pass
DEFAULT_LEASE: Final = WorkerSettings().lease
DIGEST_TURN: Final = "digest"  # the kind of turn a replica takes to compose a subscription's digest


@dataclass(frozen=True)
class Delivery:
    """What one pass did with one slot."""

    subscription_id: int
    local_date: dt.date
    status: DigestStatus | Literal["retry"]
    message_id: str | None = None


def idempotency_key(entry: DigestEntry) -> str:
    """A key for one slot, short enough for a Discord nonce (25 characters)."""
    return f"bd{entry.subscription_id}-{entry.local_date:%Y%m%d}"


class Scheduler:
    """Finds due digests and delivers each at most once per subscription and local date."""

    def __init__(
        self,
        briefer: Briefer,
        subscriptions: SubscriptionStore,
        posters: Mapping[str, ChannelPoster],
        settings: DigestSettings,
        clock: Clock = utc_now,
        sleep: Pause = pause,
        owner: str | None = None,
        *,
        workers: Workers,
        lease: dt.timedelta = DEFAULT_LEASE,
        beat_sleep: Pause = pause,
    ) -> None:
        """``owner`` is this worker's id (bot.ops.workers.worker_id); ``workers`` holds the
        leases and turns it shares with the other replicas; ``beat_sleep`` paces its heartbeat."""
        self.briefer = briefer
        self.subscriptions = subscriptions
        self.posters = posters
        self.settings = settings
        self.clock = clock
        self.sleep = sleep
        self.owner = owner or worker_id()
        self.workers = workers
        self.lease = lease
        self.heartbeat = Heartbeat(workers, self.owner, lease, clock, beat_sleep)

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[None]:
        """This worker's lease, kept by its heartbeat while the block runs (see run_once)."""
        async with self.heartbeat.held():
            yield

    async def run_forever(self, stop: Shutdown) -> None:
        """Run passes every ``poll_seconds`` until a stop is requested; a failed pass is logged.

        A stop lets the digest in flight finish and be recorded. The worker's lease is held
        throughout, and retired at the end so its turns are free at once."""
        async with self.serving():
            log.info("digest worker %s started", self.owner)
            while not stop.requested:
                try:
                    await self.run_once(self.clock())
                except Exception:
                    log.exception(
                        "digest pass failed; trying again in %g s", self.settings.poll_seconds
                    )
                await self.sleep(self.settings.poll_seconds, stop)

    async def run_once(self, now: dt.datetime) -> list[Delivery]:
        """Resolve abandoned claims, then deliver the due digests this worker gets the turn of;
        return what was done. Other replicas' live leases should be held (``serving``)."""
        done = await self.resolve_abandoned(now)
        due: dict[str, tuple[Subscription, Slot]] = {}
        for subscription in await self.subscriptions.active(list(self.posters)):
            slot = self.due_slot(subscription, now)
            if slot is None or await self.subscriptions.entry(subscription.id, slot.local_date):
                continue
            due[str(subscription.id)] = (subscription, slot)
        left = list(due)
        while left:
            # One turn at a time, so replicas passing at once share the due digests out; the
            # turn is held for a lease's length, in case this worker dies while composing.
            taken = await self.workers.take_turns(
                DIGEST_TURN, left, self.owner, self.clock(), self.lease
            )
            if not taken:
                break  # the rest are other replicas' turns
            key = taken[0]
            left.remove(key)
            subscription, slot = due[key]
            try:
                # Another replica may have delivered it since this pass looked.
                if await self.subscriptions.entry(subscription.id, slot.local_date) is None:
                    delivery = await self.deliver(subscription, slot, now)
                    if delivery is not None:
                        done.append(delivery)
            finally:
                await self.workers.end_turn(DIGEST_TURN, key, self.owner, free_at=now)
        return done

    def due_slot(self, subscription: Subscription, now: dt.datetime) -> Slot | None:
        """The subscription's latest slot if it should be delivered at ``now``."""
        slot = slot_on_or_before(now, subscription.time_of_day, subscription.zone)
        if slot.at < subscription.active_since or now - slot.at > self.settings.catch_up:
            return None
        return slot

    async def deliver(
        self, subscription: Subscription, slot: Slot, now: dt.datetime
    ) -> Delivery | None:
        """Compose, claim and post one slot; None when another pass claimed it first."""
        previous = await self.subscriptions.last_covered(subscription.id)
        since = previous.covers_until if previous else None
        status, detail = DigestStatus.SENDING, None
        reply: Reply | None = None
        try:
            reply = await self.compose(subscription, since, previous, now)
        except UserError as exc:
            status, detail = DigestStatus.FAILED, exc.message
        if reply is None and status is DigestStatus.SENDING:
            status = DigestStatus.SKIPPED
        entry = await self.subscriptions.claim(
            Claim(
                subscription_id=subscription.id,
                local_date=slot.local_date,
                slot_at=slot.at,
                status=status,
                owner=self.owner,
                claimed_at=now,
                covers_from=since,
                covers_until=now,
                detail=detail,
            )
        )
        if entry is None:
            return None
        if reply is None:
            level = logging.WARNING if status is DigestStatus.FAILED else logging.INFO
            log.log(level, "digest %s: %s %s", idempotency_key(entry), status, detail or "")
            return Delivery(subscription.id, slot.local_date, status)
        return await self._post(subscription, entry, reply)

    async def compose(
        self,
        subscription: Subscription,
        since: dt.datetime | None,
        previous: DigestEntry | None,
        now: dt.datetime,
    ) -> Reply | None:
        """The digest to post: a brief of what is new, a one-line note, or None to skip."""
        target = self.briefer.target(subscription.topic)
        title = target.label
        languages = self.briefer.settings.languages.for_channel(
            subscription.platform, subscription.channel_id
        )
        brief = await self.briefer.brief_since(target, since, languages)
        when = "" if previous is None else f" since {_since_label(previous, now, subscription)}"
        if brief is None:
            if self.settings.empty_policy == "skip":
                return None
            return Notice(title=f"Daily digest of {title}: nothing new{when}.")
        articles = f"{brief.article_count} new article{'s' * (brief.article_count != 1)}"
        sources = f"{brief.source_count} source{'s' * (brief.source_count != 1)}"
        heading = f"Daily digest of {title}: {articles} from {sources}{when}"
        return BriefReply(dataclasses.replace(brief, title=heading))

    async def resolve_abandoned(self, now: dt.datetime) -> list[Delivery]:
        """Settle 'sending' slots whose worker's lease expired (or older than claim_timeout)."""
        done: list[Delivery] = []
        in_flight = await self.subscriptions.in_flight()
        live = await self.workers.live(now) if in_flight else frozenset()
        for entry in in_flight:
            stale = now - entry.claimed_at > self.settings.claim_timeout
            if entry.owner != self.owner and entry.owner in live and not stale:
                continue  # another live worker is still waiting for the platform
            subscription = await self.subscriptions.get(entry.subscription_id)
            poster = None if subscription is None else self.posters.get(subscription.platform)
            if subscription is None or poster is None:
                continue  # a process with that platform's poster will settle it
            mine = await self.subscriptions.take_over(entry, self.owner)
            if mine is None:
                continue
            owner_gone = entry.owner != self.owner and entry.owner not in live
            if owner_gone and isinstance(poster, PostFinder):
                found = await self._look_up(subscription, poster, mine, now)
                if found is not None:
                    done.append(found)
                    continue
            if now - mine.claimed_at < poster.idempotency_window:
                try:
                    reply = await self.compose(subscription, mine.covers_from, None, now)
                except UserError:
                    reply = None
                if reply is not None:
                    log.info("re-sending digest %s with its key", idempotency_key(mine))
                    done.append(await self._post(subscription, mine, reply))
                    continue
            log.warning(
                "digest %s to %s:%s (%s, %s) may or may not have been posted; not re-posting",
                idempotency_key(mine),
                subscription.platform,
                subscription.channel_id,
                subscription.topic,
                mine.local_date,
            )
            detail = "interrupted while posting; the platform cannot tell whether it was posted"
            await self.subscriptions.finish(mine, DigestStatus.UNKNOWN, now, detail=detail)
            done.append(Delivery(mine.subscription_id, mine.local_date, DigestStatus.UNKNOWN))
        return done

    async def _look_up(
        self, subscription: Subscription, poster: PostFinder, mine: DigestEntry, now: dt.datetime
    ) -> Delivery | None:
        """Settle a dead worker's slot by asking the platform whether its message arrived:
        recorded if it did, posted now if it did not; None when the platform cannot say."""
        key = idempotency_key(mine)
        root = await self._thread_root(subscription)
        try:
            message_id = await poster.find_posted(
                subscription.channel_id, key, mine.claimed_at, root
            )
        except Exception as exc:
            log.warning("digest %s: cannot look it up (%s: %s)", key, type(exc).__name__, exc)
            return None
        if message_id is not None:
            log.info("digest %s was posted as %s before its worker died", key, message_id)
            await self.subscriptions.finish(mine, DigestStatus.POSTED, now, message_id=message_id)
            return Delivery(mine.subscription_id, mine.local_date, DigestStatus.POSTED, message_id)
        try:
            reply = await self.compose(subscription, mine.covers_from, None, now)
        except UserError:
            return None
        if reply is None:
            return None
        log.info("digest %s never arrived before its worker died; posting it", key)
        return await self._post(subscription, mine, reply)

    async def _thread_root(self, subscription: Subscription) -> str | None:
        if subscription.threads is not ThreadMode.FOLLOW:
            return None
        first = await self.subscriptions.first_posted(subscription.id)
        return None if first is None else first.message_id

    async def _post(self, subscription: Subscription, entry: DigestEntry, reply: Reply) -> Delivery:
        poster = self.posters[subscription.platform]
        key = idempotency_key(entry)
        root = await self._thread_root(subscription)
        if self.heartbeat.lapsed():
            # Another replica may be taking this claim over and posting it: post nothing. The
            # message certainly has not left, so the claim is freed for whoever passes next.
            log.warning("digest %s: this worker's lease lapsed; leaving it for another pass", key)
            await self.subscriptions.release(entry)
            return Delivery(entry.subscription_id, entry.local_date, RETRY)
        try:
            if root is None:
                message_id = await poster.post(subscription.channel_id, reply, key)
            else:
                message_id = await poster.post(subscription.channel_id, reply, key, root)
        except PostNotSent as exc:
            # Nothing reached the platform, so the slot is free again for the next pass (while
            # it is within the catch-up window).
            log.warning("digest %s not sent (%s); trying again next pass", key, exc)
            await self.subscriptions.release(entry)
            return Delivery(entry.subscription_id, entry.local_date, RETRY)
        except PostRejected as exc:
            log.warning("digest %s refused by %s: %s", key, subscription.platform, exc)
            await self.subscriptions.finish(
                entry, DigestStatus.FAILED, self.clock(), detail=str(exc)
            )
            return Delivery(entry.subscription_id, entry.local_date, DigestStatus.FAILED)
        except Exception as exc:
            if poster.idempotency_window > dt.timedelta(0):
                # Left 'sending': the next pass re-sends with the same key, which the platform
                # de-duplicates, until the window closes and it becomes 'unknown'.
                log.warning("digest %s: outcome unknown (%r); will re-send with its key", key, exc)
                return Delivery(entry.subscription_id, entry.local_date, DigestStatus.SENDING)
            log.warning("digest %s: outcome unknown (%r); not re-posting", key, exc)
            await self.subscriptions.finish(
                entry, DigestStatus.UNKNOWN, self.clock(), detail=f"{type(exc).__name__}: {exc}"
            )
            return Delivery(entry.subscription_id, entry.local_date, DigestStatus.UNKNOWN)
        if not await self.subscriptions.finish(
            entry, DigestStatus.POSTED, self.clock(), message_id=message_id
        ):
            log.warning("digest %s was settled by another process meanwhile", key)
        log.info("digest %s posted as %s", key, message_id)
        return Delivery(entry.subscription_id, entry.local_date, DigestStatus.POSTED, message_id)


def _since_label(previous: DigestEntry, now: dt.datetime, subscription: Subscription) -> str:
    today = now.astimezone(subscription.zone).date()
    if previous.local_date == today - dt.timedelta(days=1):
        return "yesterday's digest"
    return f"the digest of {previous.local_date:%b} {previous.local_date.day}"
