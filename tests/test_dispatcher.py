"""The dispatcher: chat text in, replies out, never an exception for a user mistake."""

from __future__ import annotations

import dataclasses

import pytest

from bot.app import App
from bot.chat.commands import BriefReply, Notice
from bot.ingest.intake import SEEDED_KEY
from bot.models import Conversation
from bot.settings import Settings
from tests.conftest import fixed_clock

HERE = Conversation(platform="test", channel_id="C1", user_id="U1")


async def test_topic_command_gives_a_brief(briefbot: App) -> None:
    reply = await briefbot.dispatcher.handle("summary china-russia --sentences 3", HERE)
    assert isinstance(reply, BriefReply)
    assert len(reply.brief.points) == 3
    assert reply.brief.title == "China–Russia relations"


async def test_free_text_query_searches_the_store(briefbot: App) -> None:
    reply = await briefbot.dispatcher.handle("Power of Siberia pipeline", HERE)
    assert isinstance(reply, BriefReply)
    assert reply.brief.article_count == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("china-rusia", "Did you mean: china-russia?"),
        ("qwertyuiop", "Topics: china-russia"),
        ("?!?", "no words"),
        ("", "Tell me what to summarize"),
    ],
)
async def test_mistakes_come_back_as_error_notices(briefbot: App, text: str, expected: str) -> None:
    reply = await briefbot.dispatcher.handle(text, HERE)
    assert isinstance(reply, Notice) and reply.is_error
    assert expected in reply.text


async def test_help_and_topics(briefbot: App) -> None:
    help_reply = await briefbot.dispatcher.handle("help", HERE)
    topics = await briefbot.dispatcher.handle("topics", HERE)
    assert isinstance(help_reply, Notice) and "/summary topics" in help_reply.text
    assert isinstance(topics, Notice) and "china-russia: China–Russia relations" in topics.text


async def test_seeds_are_ingested_once(settings: Settings) -> None:
    bot = await App.start(settings, clock=fixed_clock)
    assert await bot.store.count_articles() == 5
    assert await bot.store.get_meta(SEEDED_KEY) == fixed_clock().isoformat()
    await bot.close()
    bot = await App.start(settings, clock=fixed_clock)
    assert await bot.intake.ensure_seeded() is None
    assert await bot.store.count_articles() == 5
    await bot.close()


async def test_topic_without_articles(settings: Settings) -> None:
    bot = await App.start(dataclasses.replace(settings, seed_on_first_run=False))
    try:
        reply = await bot.dispatcher.handle("china-russia", HERE)
        assert isinstance(reply, Notice) and "No articles are stored" in reply.text
    finally:
        await bot.close()


async def test_deadline_gives_a_message_not_a_hang(settings: Settings) -> None:
    bot = await App.start(dataclasses.replace(settings, deadline_seconds=1e-9))
    try:
        reply = await bot.dispatcher.handle("china-russia", HERE)
        assert isinstance(reply, Notice) and "took longer than" in reply.text
    finally:
        await bot.close()


async def test_free_text_brief_stays_on_the_query(briefbot: App) -> None:
    brief = await briefbot.briefer.brief("Power of Siberia pipeline")
    assert brief.points
    assert "Power of Siberia" in brief.points[0].text
    # Every point is reached from the query: the pipeline quote or what its speaker said of it.
    assert all("Koffler" in p.text for p in brief.points)
