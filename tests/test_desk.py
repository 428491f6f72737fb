"""/summary subscribe, unsubscribe and subscriptions, as Slack and Discord conversations send them."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.app import App
from bot.chat.commands import (
    Notice,
    SubscribeCommand,
    SubscriptionsCommand,
    UnsubscribeCommand,
    UserError,
    parse_command,
)
from bot.models import Conversation
from bot.settings import Settings
from tests.digest_support import unthrottled

pytestmark = pytest.mark.both_engines  # store-using tests run on SQLite and PostgreSQL

SLACK = Conversation(platform="slack", channel_id="C024BE91L", user_id="U2147483697")
SLACK_OTHER = Conversation(platform="slack", channel_id="C0OTHER", user_id="U2147483697")
DISCORD = Conversation(platform="discord", channel_id="1234567890123456789", user_id="42")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings, without chat rate limits: these tests send many commands at once."""
    return unthrottled(settings)


async def ask(bot: App, text: str, where: Conversation) -> Notice:
    reply = await bot.dispatcher.handle(text, where)
    assert isinstance(reply, Notice)
    return reply


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("subscribe china-russia", SubscribeCommand("china-russia")),
        ("summary subscribe china-russia 7:05", SubscribeCommand("china-russia", dt.time(7, 5))),
        (
            "subscribe china-russia 02:30 America/New_York",
            SubscribeCommand("china-russia", dt.time(2, 30), "America/New_York"),
        ),
        ("subscribe china-russia utc", SubscribeCommand("china-russia", None, "UTC")),
        (
            "subscribe power of siberia 06:00 europe/berlin",
            SubscribeCommand("power of siberia", dt.time(6, 0), "Europe/Berlin"),
        ),
        ("unsubscribe china-russia", UnsubscribeCommand("china-russia")),
        ("subscriptions", SubscriptionsCommand()),
    ],
)
def test_parse_digest_commands(text: str, expected: object) -> None:
    assert parse_command(text, 10) == expected


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        ("subscribe china-russia 25:00", "'25:00' is not a time of day", ""),
        ("subscribe china-russia 08:00 Europe/Berlinn", "not a time zone", "Europe/Berlin"),
        ("subscribe china-russia 08:00 Mars/Olympus", "IANA name", ""),
        ("subscribe", "which topic to subscribe", "/summary subscribe china-russia"),
        ("unsubscribe", "which topic to unsubscribe", ""),
        ("subscriptions all", "takes no arguments", ""),
        ("subscribe china-russia 08:00 Europe/Berlin extra", "after the topic", "08:30"),
        ("subscribe 08:00 china-russia", "after the topic", ""),
        ("subscribe https://example.com/news 08:00", "not a link", ""),
    ],
)
def test_bad_digest_commands_say_what_to_fix(text: str, message: str, hint: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_command(text, 10)
    assert message in caught.value.message
    assert hint in " ".join(caught.value.hints)


@pytest.mark.parametrize("where", [SLACK, DISCORD], ids=["slack", "discord"])
async def test_subscribe_list_unsubscribe(briefbot: App, where: Conversation) -> None:
    # The fixture clock is 2026-11-24 12:00 UTC: 07:00 in New York, so 08:30 is still today.
    reply = await ask(briefbot, "subscribe china-russia 08:30 America/New_York", where)
    assert not reply.is_error
    assert reply.title == (
        "This channel gets a daily digest of China–Russia relations at 08:30 America/New_York."
    )
    assert reply.lines[0] == "Next digest: Tue Nov 24, 08:30 EST."

    listed = await ask(briefbot, "subscriptions", where)
    assert listed.lines == (
        "china-russia: daily at 08:30 America/New_York, next Tue Nov 24, 08:30 EST",
    )
    # Only the channel where the command was typed is affected.
    assert (await ask(briefbot, "subscriptions", SLACK_OTHER)).title == (
        "This channel has no daily digests."
    )

    gone = await ask(briefbot, "unsubscribe China-Russia", where)
    assert gone.title == "This channel no longer gets a daily digest of China–Russia relations."
    assert (
        await ask(briefbot, "subscriptions", where)
    ).title == "This channel has no daily digests."
    again = await ask(briefbot, "unsubscribe china-russia", where)
    assert again.is_error and "no daily digest of China–Russia relations" in again.title


async def test_defaults_and_the_channel_zone(briefbot: App) -> None:
    first = await ask(briefbot, "subscribe china-russia", SLACK)
    assert first.title.endswith("at 08:00 UTC.")  # the defaults in config/settings.toml
    assert first.lines[0] == "Next digest: Wed Nov 25, 08:00 UTC."
    await ask(briefbot, "subscribe ukraine-war 07:00 Asia/Kolkata", SLACK)
    # A later subscription without a zone takes the channel's latest one.
    third = await ask(briefbot, "subscribe russia-sanctions 09:15", SLACK)
    assert third.title.endswith("at 09:15 Asia/Kolkata.")
    assert third.lines[0] == "Next digest: Wed Nov 25, 09:15 IST."
    # Subscribing again to a topic changes its time instead of adding a second digest.
    await ask(briefbot, "subscribe china-russia 18:00 UTC", SLACK)
    listed = await ask(briefbot, "subscriptions", SLACK)
    assert [line.split(":")[0] for line in listed.lines] == [
        "china-russia",
        "russia-sanctions",
        "ukraine-war",
    ]
    assert "daily at 18:00 UTC, next Tue Nov 24, 18:00 UTC" in listed.lines[0]


async def test_free_text_topics_and_typos(briefbot: App) -> None:
    query = await ask(briefbot, "subscribe Power of Siberia 06:00 Europe/Berlin", DISCORD)
    assert not query.is_error
    assert query.title.startswith("This channel gets a daily digest of 'power of siberia'")
    typo = await ask(briefbot, "subscribe china-rusia", DISCORD)
    assert typo.is_error and typo.lines == ("Did you mean: china-russia?",)
    future = await ask(briefbot, "subscribe quantum batteries", DISCORD)
    assert not future.is_error
    assert "No stored article matches it yet" in future.text


async def test_channel_limit(briefbot: App) -> None:
    briefbot.desk.settings = dataclasses.replace(briefbot.desk.settings, max_per_channel=1)
    await ask(briefbot, "subscribe china-russia", DISCORD)
    refused = await ask(briefbot, "subscribe ukraine-war", DISCORD)
    assert refused.is_error and "already has 1 digests" in refused.title
    changed = await ask(briefbot, "subscribe china-russia 10:00", DISCORD)
    assert not changed.is_error


async def test_help_mentions_digests(briefbot: App) -> None:
    text = (await ask(briefbot, "help", SLACK)).text
    assert "/summary subscribe <topic> [HH:MM] [time zone]" in text
    assert "/summary unsubscribe <topic>" in text and "/summary subscriptions" in text
