"""The digest scheduler on simulated time: one digest per subscription and local date, always."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import signal
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from bot.chat.commands import BriefReply, Notice, Reply
from bot.digests.schedule import slot_for
from bot.digests.scheduler import RETRY, PostNotSent, PostRejected, Scheduler, idempotency_key
from bot.models import Conversation
from bot.ops.runtime import Shutdown
from bot.settings import DigestSettings, Settings, SettingsError, load_settings
from bot.store.records import DigestStatus
from tests.digest_support import unthrottled

pytestmark = pytest.mark.both_engines  # store-using tests run on SQLite and PostgreSQL

UTC = dt.UTC


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings, without chat rate limits: these tests send many commands at once."""
    return unthrottled(settings)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class SimClock:
    """Simulated time that moves only when a test moves it."""

    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass(frozen=True)
class Post:
    channel_id: str
    reply: Reply
    key: str
    at: dt.datetime


@dataclass
class RecordingPoster:
    """A platform in memory: keeps every post; can refuse, or fail after or before posting."""

    clock: SimClock
    idempotency_window: dt.timedelta = dt.timedelta(0)
    posts: list[Post] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)
    fail_after_posting: bool = False

    async def post(self, channel_id: str, reply: Reply, idempotency_key: str) -> str:
        if self.idempotency_window and any(p.key == idempotency_key for p in self.posts):
            return f"m{[p.key for p in self.posts].index(idempotency_key)}"
        if self.failures and not self.fail_after_posting:
            raise self.failures.pop(0)
        self.posts.append(Post(channel_id, reply, idempotency_key, self.clock.now))
        if self.failures:
            raise self.failures.pop(0)
        return f"m{len(self.posts) - 1}"


@pytest.fixture
def clock() -> SimClock:
    return SimClock(utc("2026-03-05 00:00"))


@pytest.fixture
async def bot(settings: Settings, clock: SimClock) -> AsyncIterator[App]:
    core = await App.start(settings, clock=clock)
    try:
        yield core
    finally:
        await core.close()


def scheduler(
    bot: App, clock: SimClock, posters: dict[str, RecordingPoster], **changes: object
) -> Scheduler:
    settings = dataclasses.replace(DigestSettings(), **changes)  # type: ignore[arg-type]
    return Scheduler(
        bot.briefer,
        bot.subscriptions,
        posters,
        settings,
        clock=clock,
        owner="test-process",
        workers=bot.store.workers,
    )


async def subscribe(bot: App, platform: str, channel: str, args: str) -> None:
    reply = await bot.dispatcher.handle(f"subscribe {args}", Conversation(platform, channel, "U1"))
    assert isinstance(reply, Notice) and not reply.is_error, reply


def moments(start: dt.datetime, end: dt.datetime, step: dt.timedelta) -> Iterator[dt.datetime]:
    while start <= end:
        yield start
        start += step


SUBSCRIPTIONS = {
    # channel: (time, zone); the times sit in DST gaps and repeated hours on purpose
    "ny-gap": ("02:30", "America/New_York"),
    "ny-repeat": ("01:30", "America/New_York"),
    "berlin-gap": ("02:30", "Europe/Berlin"),
    "kolkata": ("09:00", "Asia/Kolkata"),
    "lord-howe": ("02:15", "Australia/Lord_Howe"),
}
# Exact instants on the transition days, worked out by hand from the zones' rules.
EXPECTED = {
    ("ny-gap", dt.date(2026, 3, 8)): utc("2026-03-08 07:00"),  # 03:00 EDT, end of the gap
    ("ny-repeat", dt.date(2026, 11, 1)): utc("2026-11-01 05:30"),  # first 01:30 (EDT)
    ("ny-gap", dt.date(2026, 11, 1)): utc("2026-11-01 07:30"),  # 02:30 EST, once
    ("berlin-gap", dt.date(2026, 3, 29)): utc("2026-03-29 01:00"),  # 03:00 CEST
    ("berlin-gap", dt.date(2026, 10, 25)): utc("2026-10-25 00:30"),  # first 02:30 (CEST)
    ("lord-howe", dt.date(2026, 10, 4)): utc("2026-10-03 15:30"),  # 02:30 LHDT, end of gap
}


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-03-05 00:00", "2026-03-12 00:00"),  # New York springs forward on 03-08
        ("2026-03-26 00:00", "2026-04-02 00:00"),  # Berlin on 03-29
        ("2026-10-01 00:00", "2026-10-08 00:00"),  # Lord Howe, by half an hour, on 10-04
        ("2026-10-22 00:00", "2026-11-04 00:00"),  # Berlin falls back 10-25, New York 11-01
    ],
)
async def test_one_digest_per_local_date_across_dst(
    bot: App, clock: SimClock, start: str, end: str
) -> None:
    clock.now = utc(start)
    # A query nothing matches: every digest is a one-line note, so the test times the scheduler,
    # not LexRank (the digest's content is tested below).
    for channel, (time, zone) in SUBSCRIPTIONS.items():
        await subscribe(bot, "slack", channel, f"quantum batteries {time} {zone}")
    poster = RecordingPoster(clock)
    runner = scheduler(bot, clock, {"slack": poster})
    # Every 30 minutes, plus the second before and the instant of every expected slot.
    steps = set(moments(utc(start), utc(end), dt.timedelta(minutes=30)))
    for time, zone in SUBSCRIPTIONS.values():
        tz, day = ZoneInfo(zone), utc(start).date() - dt.timedelta(days=1)
        while day <= utc(end).date():
            at = slot_for(day, dt.time.fromisoformat(time), tz).at
            steps |= {at - dt.timedelta(seconds=1), at, at + dt.timedelta(hours=1)}
            day += dt.timedelta(days=1)
    for moment in sorted(s for s in steps if utc(start) <= s <= utc(end)):
        clock.now = moment
        await runner.run_once(moment)

    by_channel = {c: [p for p in poster.posts if p.channel_id == c] for c in SUBSCRIPTIONS}
    transitions = {(c, d) for c, d in EXPECTED if utc(start).date() <= d <= utc(end).date()}
    assert transitions, "each simulated week holds at least one DST transition"
    for channel, (time, zone) in SUBSCRIPTIONS.items():
        tz = ZoneInfo(zone)
        dates = [p.at.astimezone(tz).date() for p in by_channel[channel]]
        assert Counter(dates).most_common(1)[0][1] == 1, f"{channel}: a date got two digests"
        expected_dates = {
            d
            for n in range(-1, 15)
            if utc(start)
            <= slot_for(
                d := utc(start).date() + dt.timedelta(days=n), dt.time.fromisoformat(time), tz
            ).at
            <= utc(end)
        }
        assert set(dates) == expected_dates, channel
        for post in by_channel[channel]:
            local_date = post.at.astimezone(tz).date()
            if (channel, local_date) in EXPECTED:
                assert post.at == EXPECTED[(channel, local_date)], (channel, local_date)
                transitions.discard((channel, local_date))
            else:
                assert f"{post.at.astimezone(tz):%H:%M}" == time, (channel, post.at)
            assert post.key.endswith(f"{local_date:%Y%m%d}")
    assert not transitions, f"no digest on {transitions}"
    notes = [p.reply for p in by_channel["kolkata"][:2]]
    assert [n.title for n in notes if isinstance(n, Notice)] == [
        "Daily digest of 'quantum batteries': nothing new.",
        "Daily digest of 'quantum batteries': nothing new since yesterday's digest.",
    ]


async def test_catch_up_after_downtime_is_one_digest_within_the_window(
    bot: App, clock: SimClock, tmp_path: Path
) -> None:
    clock.now = utc("2026-06-01 00:00")
    await subscribe(bot, "slack", "C1", "china-russia 08:00 UTC")
    poster = RecordingPoster(clock)
    runner = scheduler(bot, clock, {"slack": poster}, catch_up=dt.timedelta(hours=6))

    # Down from 07:00 to 10:00: the 08:00 digest goes out at 10:00, once.
    for moment in ("2026-06-01 07:00", "2026-06-01 10:00", "2026-06-01 10:01"):
        clock.now = utc(moment)
        await runner.run_once(clock.now)
    assert [p.at for p in poster.posts] == [utc("2026-06-01 10:00")]

    # Down for three days, back 2 hours after a slot: only the latest missed day is caught up.
    clock.now = utc("2026-06-05 10:00")
    await runner.run_once(clock.now)
    assert [p.key[-8:] for p in poster.posts] == ["20260601", "20260605"]

    # Back 12 hours after the slot: too late for today's, nothing is sent until tomorrow.
    clock.now = utc("2026-06-06 20:00")
    await runner.run_once(clock.now)
    assert len(poster.posts) == 2
    clock.now = utc("2026-06-07 08:00")
    await runner.run_once(clock.now)
    assert len(poster.posts) == 3

    # Yet another process (a restart) on the same store never repeats a date.
    restarted = Scheduler(
        bot.briefer,
        bot.subscriptions,
        {"slack": poster},
        runner.settings,
        clock=clock,
        owner="other",
        workers=bot.store.workers,
    )
    await restarted.run_once(utc("2026-06-07 08:05"))
    assert len(poster.posts) == 3


async def test_subscribing_after_todays_time_waits_for_tomorrow(bot: App, clock: SimClock) -> None:
    clock.now = utc("2026-06-01 09:00")
    await subscribe(bot, "discord", "D1", "china-russia 08:00 UTC")
    poster = RecordingPoster(clock)
    runner = scheduler(bot, clock, {"discord": poster})
    await runner.run_once(clock.now)
    assert poster.posts == []
    clock.now = utc("2026-06-02 08:00")
    await runner.run_once(clock.now)
    assert len(poster.posts) == 1


async def test_unsubscribe_stops_posts_and_resubscribing_never_doubles_a_day(
    bot: App, clock: SimClock
) -> None:
    clock.now = utc("2026-06-01 00:00")
    here = Conversation("slack", "C1", "U1")
    await subscribe(bot, "slack", "C1", "china-russia 08:00 UTC")
    poster = RecordingPoster(clock)
    runner = scheduler(bot, clock, {"slack": poster})
    clock.now = utc("2026-06-01 08:00")
    await runner.run_once(clock.now)
    assert len(poster.posts) == 1

    await bot.dispatcher.handle("unsubscribe china-russia", here)
    for moment in ("2026-06-02 08:00", "2026-06-03 08:00"):
        clock.now = utc(moment)
        await runner.run_once(clock.now)
    assert len(poster.posts) == 1

    # Re-subscribed for a later time on a day that already had its digest: nothing more that day.
    clock.now = utc("2026-06-03 09:00")
    await subscribe(bot, "slack", "C1", "china-russia 10:00 UTC")
    await runner.run_once(utc("2026-06-03 10:00"))
    assert len(poster.posts) == 2  # 06-03 had none: it goes out at 10:00
    await subscribe(bot, "slack", "C1", "china-russia 11:00 UTC")
    clock.now = utc("2026-06-03 11:00")
    await runner.run_once(clock.now)
    assert len(poster.posts) == 2


async def test_new_articles_since_the_last_digest(bot: App, clock: SimClock) -> None:
    clock.now = utc("2026-06-01 00:00")
    await subscribe(bot, "slack", "C1", "china-russia 08:00 UTC")
    poster = RecordingPoster(clock)
    runner = scheduler(bot, clock, {"slack": poster})
    clock.now = utc("2026-06-01 08:00")
    await runner.run_once(clock.now)
    first = poster.posts[0].reply  # the first digest briefs everything stored
    assert isinstance(first, BriefReply)
    assert first.brief.title == (
        "Daily digest of China–Russia relations: 5 new articles from 5 sources"
    )
    clock.now = utc("2026-06-02 08:00")
    await runner.run_once(clock.now)
    nothing = poster.posts[1].reply
    assert isinstance(nothing, Notice)
    assert nothing.title == (
        "Daily digest of China–Russia relations: nothing new since yesterday's digest."
    )

    clock.now = utc("2026-06-02 12:00")
    await bot.intake.ingest_files([Path(__file__).parent / "data" / "digest_new_article.txt"])
    clock.now = utc("2026-06-04 08:00")  # down on 06-03: the digest covers both days
    await runner.run_once(clock.now)
    reply = poster.posts[-1].reply
    assert isinstance(reply, BriefReply)
    assert reply.brief.title == (
        "Daily digest of China–Russia relations: 1 new article from 1 source"
        " since the digest of Jun 2"
    )
    assert reply.brief.article_count == 1


async def test_skip_policy_posts_nothing_but_records_the_day(bot: App, clock: SimClock) -> None:
    clock.now = utc("2026-06-01 00:00")
    await subscribe(bot, "slack", "C1", "china-russia 08:00 UTC")
    poster = RecordingPoster(clock)
    runner = scheduler(bot, clock, {"slack": poster}, empty_policy="skip")
    for day in (1, 2, 3):
        clock.now = utc(f"2026-06-0{day} 08:00")
        await runner.run_once(clock.now)
    assert len(poster.posts) == 1
    subscription = (await bot.subscriptions.for_channel("slack", "C1"))[0]
    statuses = [e.status for e in await bot.subscriptions.log(subscription.id)]
    assert statuses == [DigestStatus.POSTED, DigestStatus.SKIPPED, DigestStatus.SKIPPED]


async def test_refused_and_ambiguous_posts(bot: App, clock: SimClock) -> None:
    clock.now = utc("2026-06-01 00:00")
    await subscribe(bot, "slack", "C1", "china-russia 08:00 UTC")
    poster = RecordingPoster(clock, failures=[PostRejected("channel_not_found")])
    runner = scheduler(bot, clock, {"slack": poster})
    clock.now = utc("2026-06-01 08:00")
    done = await runner.run_once(clock.now)
    assert [d.status for d in done] == [DigestStatus.FAILED]

    # Posted, but the answer was lost: a poster without idempotency is never asked again.
    poster.failures, poster.fail_after_posting = [TimeoutError("read timeout")], True
    clock.now = utc("2026-06-02 08:00")
    done = await runner.run_once(clock.now)
    assert [d.status for d in done] == [DigestStatus.UNKNOWN]
    for minute in range(1, 5):
        await runner.run_once(clock.now + dt.timedelta(minutes=minute))
    assert len(poster.posts) == 1
    subscription = (await bot.subscriptions.for_channel("slack", "C1"))[0]
    entry = await bot.subscriptions.entry(subscription.id, dt.date(2026, 6, 2))
    assert entry is not None and entry.detail == "TimeoutError: read timeout"


async def test_unreachable_platform_is_tried_again_next_pass(bot: App, clock: SimClock) -> None:
    clock.now = utc("2026-06-01 00:00")
    await subscribe(bot, "slack", "C1", "china-russia 08:00 UTC")
    poster = RecordingPoster(clock, failures=[PostNotSent("connection refused")] * 2)
    runner = scheduler(bot, clock, {"slack": poster})
    for minute in (0, 1):
        clock.now = utc("2026-06-01 08:00") + dt.timedelta(minutes=minute)
        assert [d.status for d in await runner.run_once(clock.now)] == [RETRY]
    clock.now = utc("2026-06-01 08:02")
    assert [d.status for d in await runner.run_once(clock.now)] == [DigestStatus.POSTED]
    assert [p.at for p in poster.posts] == [clock.now]


async def test_idempotent_poster_is_asked_again_with_the_same_key(
    bot: App, clock: SimClock
) -> None:
    clock.now = utc("2026-06-01 00:00")
    await subscribe(bot, "discord", "D1", "china-russia 08:00 UTC")
    poster = RecordingPoster(
        clock,
        idempotency_window=dt.timedelta(minutes=5),
        failures=[ConnectionResetError("reset")],
        fail_after_posting=True,
    )
    runner = scheduler(bot, clock, {"discord": poster})
    clock.now = utc("2026-06-01 08:00")
    assert [d.status for d in await runner.run_once(clock.now)] == [DigestStatus.SENDING]
    clock.now = utc("2026-06-01 08:00:30")
    done = await runner.run_once(clock.now)
    assert [(d.status, d.message_id) for d in done] == [(DigestStatus.POSTED, "m0")]
    assert len(poster.posts) == 1


async def test_abandoned_claims_are_settled_once_their_workers_lease_expires(
    bot: App, clock: SimClock
) -> None:
    clock.now = utc("2026-06-01 00:00")
    await subscribe(bot, "slack", "C1", "china-russia 08:00 UTC")
    await subscribe(bot, "discord", "D1", "china-russia 08:00 UTC")
    slack = RecordingPoster(clock, failures=[asyncio.CancelledError()], fail_after_posting=True)
    discord = RecordingPoster(
        clock, idempotency_window=dt.timedelta(minutes=5), failures=[asyncio.CancelledError()]
    )
    settings = DigestSettings()
    workers = bot.store.workers
    lease = dt.timedelta(seconds=60)
    clock.now = utc("2026-06-01 08:00")
    # Two workers, on two machines as far as the store can tell: each took its lease, then
    # crashed mid-post (a CancelledError is not an Exception: like a crash, it leaves the claim
    # 'sending' and the lease unretired).
    for owner, posters in (
        ("host-a:41:aa", {"slack": slack}),
        ("host-b:41:bb", {"discord": discord}),
    ):
        crashing = Scheduler(
            bot.briefer,
            bot.subscriptions,
            posters,
            settings,
            clock=clock,
            owner=owner,
            workers=workers,
            lease=lease,
        )
        await crashing.heartbeat.beat()
        with pytest.raises(asyncio.CancelledError):
            await crashing.run_once(clock.now)
    assert len(slack.posts) == 1 and discord.posts == []

    restarted = Scheduler(
        bot.briefer,
        bot.subscriptions,
        {"slack": slack, "discord": discord},
        settings,
        clock=clock,
        owner="host-c:7:cc",
        workers=workers,
        lease=lease,
    )
    clock.now = utc("2026-06-01 08:00:59")
    assert await restarted.run_once(clock.now) == []  # their leases hold: leave their claims
    clock.now = utc("2026-06-01 08:01")  # a minute without a heartbeat: both are gone
    done = {d.status for d in await restarted.run_once(clock.now)}
    assert done == {DigestStatus.UNKNOWN, DigestStatus.POSTED}
    assert len(slack.posts) == 1  # Slack: recorded as unknown, never posted twice
    assert len(discord.posts) == 1  # Discord: re-sent with its nonce, posted once
    assert (
        idempotency_key(
            (
                await bot.subscriptions.log(
                    (await bot.subscriptions.for_channel("discord", "D1"))[0].id
                )
            )[0]
        )
        == discord.posts[0].key
    )


async def test_replicas_passing_at_once_deliver_each_digest_once(bot: App, clock: SimClock) -> None:
    clock.now = utc("2026-06-01 00:00")
    for channel in range(12):
        await subscribe(bot, "slack", f"C{channel}", "china-russia 08:00 UTC")
    poster = RecordingPoster(clock)
    replicas = [
        Scheduler(
            bot.briefer,
            bot.subscriptions,
            {"slack": poster},
            DigestSettings(),
            clock=clock,
            owner=f"replica-{i}",
            workers=bot.store.workers,
        )
        for i in range(3)
    ]
    clock.now = utc("2026-06-01 08:00")
    passes = await asyncio.gather(*(r.run_once(clock.now) for r in replicas))
    assert sorted(p.channel_id for p in poster.posts) == sorted(f"C{c}" for c in range(12))
    assert sum(len(done) for done in passes) == 12  # each delivered by one replica only


async def test_run_forever_polls_until_stopped(bot: App, clock: SimClock) -> None:
    clock.now = utc("2026-06-01 07:59")
    await subscribe(bot, "slack", "C1", "china-russia 08:00 UTC")
    poster = RecordingPoster(clock)
    stop = Shutdown()
    waits: list[float] = []

    async def sleep(seconds: float, shutdown: Shutdown) -> None:
        waits.append(seconds)
        clock.now += dt.timedelta(seconds=seconds)
        if clock.now >= utc("2026-06-01 08:05"):
            shutdown.request(signal.SIGTERM)

    runner = Scheduler(
        bot.briefer,
        bot.subscriptions,
        {"slack": poster},
        DigestSettings(poll_seconds=30),
        clock=clock,
        sleep=sleep,
        owner="forever",
        workers=bot.store.workers,
        # The heartbeat runs on real time, this test on a simulated clock: a lease it outlasts.
        lease=dt.timedelta(hours=1),
    )
    await runner.run_forever(stop)
    assert len(poster.posts) == 1 and poster.posts[0].at == utc("2026-06-01 08:00")
    assert set(waits) == {30}
    # Its lease was retired with the stop, so nothing waits for it to expire.
    assert await bot.store.workers.live(clock.now) == set()


def test_digest_settings_from_toml(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text(
        '[digests]\ndefault_time = "6:45"\ndefault_zone = "Asia/Kolkata"\n'
        'catch_up_minutes = 90\nempty_policy = "skip"\n'
    )
    digests = load_settings({}, tmp_path).digests
    assert (digests.default_time, digests.default_zone) == (dt.time(6, 45), "Asia/Kolkata")
    assert digests.catch_up == dt.timedelta(minutes=90) and digests.empty_policy == "skip"
    for bad, message in (
        ('default_zone = "Mars/Base"', "IANA"),
        ('default_time = "25:00"', "HH:MM"),
        ('empty_policy = "shout"', "'note' or 'skip'"),
        ("poll_seconds = 0", "positive whole number"),
    ):
        (tmp_path / "settings.toml").write_text(f"[digests]\n{bad}\n")
        with pytest.raises(SettingsError, match=message):
            load_settings({}, tmp_path)


async def test_a_worker_whose_lease_lapsed_posts_nothing_and_frees_the_slot(
    bot: App, clock: SimClock
) -> None:
    clock.now = utc("2026-06-01 00:00")
    await subscribe(bot, "slack", "C1", "china-russia 08:00 UTC")
    poster = RecordingPoster(clock)
    stalled = Scheduler(
        bot.briefer,
        bot.subscriptions,
        {"slack": poster},
        DigestSettings(),
        clock=clock,
        owner="stalled",
        workers=bot.store.workers,
        lease=dt.timedelta(seconds=60),
    )
    clock.now = utc("2026-06-01 07:59")
    await stalled.heartbeat.beat()
    # Its heartbeat missed a whole lease (a stalled process): another replica may be taking over
    # its claims, so it must not post; the slot is free again, not left 'sending'.
    clock.now = utc("2026-06-01 08:00")
    assert [d.status for d in await stalled.run_once(clock.now)] == ["retry"]
    assert poster.posts == []
    (subscription,) = await bot.subscriptions.active(["slack"])
    assert await bot.subscriptions.entry(subscription.id, dt.date(2026, 6, 1)) is None
    await stalled.heartbeat.beat()  # renewed: it delivers on its next pass, once
    assert [d.status for d in await stalled.run_once(clock.now)] == [DigestStatus.POSTED]
    assert len(poster.posts) == 1
