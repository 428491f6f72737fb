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

A crash before 3 leaves no trace, so the next pass posts the digest. A crash between 3 and 5 leaves
a ``sending`` row that is ambiguous: the message may or may not have reached the platform. It is
resolved once its owner process is gone (or the claim is older than ``claim_timeout``): a poster
whose platform de-duplicates by key (Discord's ``enforce_nonce``) is asked again with the same key
while the platform still remembers it; any other (Slack) is recorded ``unknown`` and logged, never
re-posted blindly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, Literal, Protocol

from bot.brief.briefer import Briefer
from bot.chat.commands import BriefReply, Notice, Reply, UserError
from bot.clock import Clock, utc_now
from bot.digests.schedule import Slot, slot_on_or_before
from bot.ops.runtime import Pause, Shutdown, pause
from bot.settings import DigestSettings
from bot.store.protocols import SubscriptionStore
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


RETRY: Final = "retry"  # a Delivery whose claim was released for a later pass


@dataclass(frozen=True)
class Delivery:
    """What one pass did with one slot."""

    subscription_id: int
    local_date: dt.date
    status: DigestStatus | Literal["retry"]
    message_id: str | None = None


def process_owner() -> str:
    """This process as a claim owner: 'host:pid'."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str) -> bool:
    """False only when the owner is a process on this host that no longer runs."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdecimal():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
        is_alive: Callable[[str], bool] = owner_alive,
    ) -> None:
        self.briefer = briefer
        self.subscriptions = subscriptions
        self.posters = posters
        self.settings = settings
        self.clock = clock
        self.sleep = sleep
        self.owner = owner or process_owner()
        self.is_alive = is_alive

    async def run_forever(self, stop: Shutdown) -> None:
        """Run passes every ``poll_seconds`` until a stop is requested; a failed pass is logged.

        A stop lets the digest in flight finish and be recorded."""
        while not stop.requested:
            try:
                await self.run_once(self.clock())
            except Exception:
                log.exception(
                    "digest pass failed; trying again in %g s", self.settings.poll_seconds
                )
            await self.sleep(self.settings.poll_seconds, stop)

    async def run_once(self, now: dt.datetime) -> list[Delivery]:
        """Resolve abandoned claims, then deliver every due digest; return what was done."""
        done = await self.resolve_abandoned(now)
        for subscription in await self.subscriptions.active(list(self.posters)):
            slot = self.due_slot(subscription, now)
            if slot is None or await self.subscriptions.entry(subscription.id, slot.local_date):
                continue
            delivery = await self.deliver(subscription, slot, now)
            if delivery is not None:
                done.append(delivery)
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
        """Settle 'sending' slots whose process died (or that are older than claim_timeout)."""
        done: list[Delivery] = []
        for entry in await self.subscriptions.in_flight():
            stale = now - entry.claimed_at > self.settings.claim_timeout
            if entry.owner != self.owner and self.is_alive(entry.owner) and not stale:
                continue  # another live process is still waiting for the platform
            subscription = await self.subscriptions.get(entry.subscription_id)
            poster = None if subscription is None else self.posters.get(subscription.platform)
            if subscription is None or poster is None:
                continue  # a process with that platform's poster will settle it
            mine = await self.subscriptions.take_over(entry, self.owner)
            if mine is None:
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

    async def _post(self, subscription: Subscription, entry: DigestEntry, reply: Reply) -> Delivery:
        poster = self.posters[subscription.platform]
        key = idempotency_key(entry)
        root = None
        if subscription.threads is ThreadMode.FOLLOW:
            first = await self.subscriptions.first_posted(subscription.id)
            root = None if first is None else first.message_id
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
