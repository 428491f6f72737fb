"""The briefer: one resolution of what was asked, one brief identity for chat and digests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import App
from bot.brief.briefer import RankJob, ThreadRanker
from bot.chat.commands import BriefReply, Notice, UserError
from bot.digests.scheduler import Scheduler
from bot.models import Brief, Conversation
from bot.settings import Settings
from tests.conftest import FIXED_NOW, fixed_clock

HERE = Conversation(platform="slack", channel_id="C1", user_id="U1")


class CountingRanker:
    """The real ranker, counting the briefs it is asked to rank."""

    def __init__(self, ranker: ThreadRanker) -> None:
        self.ranker = ranker
        self.jobs: list[RankJob] = []

    async def rank(self, job: RankJob) -> Brief:
        self.jobs.append(job)
        return await self.ranker.rank(job)


class Poster:
    """A digest poster keeping what it was given."""

    idempotency_window = FIXED_NOW - FIXED_NOW

    def __init__(self) -> None:
        self.replies: list[object] = []

    async def post(self, channel_id: str, reply: object, idempotency_key: str) -> str:
        self.replies.append(reply)
        return f"m{len(self.replies)}"


@pytest.fixture
async def counted(settings: Settings) -> AsyncIterator[tuple[App, CountingRanker]]:
    started = await App.start(settings, clock=fixed_clock)
    ranker = CountingRanker(ThreadRanker(started.indexer))
    app = App(settings, started.store, started.topics, started.indexer, fixed_clock, ranker=ranker)
    try:
        yield app, ranker
    finally:
        await started.close()


def test_two_spellings_of_a_query_are_one_target(briefbot: App) -> None:
    typed = briefbot.briefer.target("China   Russia!")
    stored = briefbot.briefer.target("china russia")
    assert typed == stored
    assert (typed.key, typed.title, typed.label) == (
        "china russia",
        "Brief: china russia",
        "'china russia'",
    )
    topic = briefbot.briefer.target("China-Russia")
    assert (topic.key, topic.title, topic.is_topic) == (
        "china-russia",
        "China–Russia relations",
        True,
    )


def test_a_query_without_words_is_refused(briefbot: App) -> None:
    with pytest.raises(UserError, match="no words"):
        briefbot.briefer.target("?!?")


async def test_chat_and_digest_share_one_brief(counted: tuple[App, CountingRanker]) -> None:
    app, ranker = counted
    subscribed = await app.dispatcher.handle("subscribe China Russia 08:00 UTC", HERE)
    assert isinstance(subscribed, Notice) and not subscribed.is_error
    chat = await app.dispatcher.handle("China   Russia", HERE)
    assert isinstance(chat, BriefReply)
    assert [job.key for job in ranker.jobs] == ["china russia"]

    poster = Poster()
    scheduler = Scheduler(
        app.briefer,
        app.subscriptions,
        {"slack": poster},
        app.settings.digests,
        fixed_clock,
        workers=app.store.workers,
    )
    due = FIXED_NOW.replace(day=FIXED_NOW.day + 1, hour=8, minute=1)
    await scheduler.run_once(due)
    (digest,) = poster.replies
    assert isinstance(digest, BriefReply)
    # The digest is the very brief chat got (from the cache: ranked once), under its heading.
    assert len(ranker.jobs) == 1
    assert digest.brief.points == chat.brief.points
    assert digest.brief.title.startswith("Daily digest of 'china russia': ")
