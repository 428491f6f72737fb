"""The real discord.py client, offline: saved gateway payloads in through discord.py's own parsers,
requests to a loopback fake of Discord's REST API out.

Not dpytest: its latest release (0.7.0) crashes building a message on discord.py 2.7 and has no
application commands or autocomplete.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.discord.client import BriefbotClient
from bot.app import App
from bot.store.errors import StoreFault
from tests.discord_fake_api import (
    BOT_ID,
    CHANNEL,
    FakeDiscordApi,
    Recorded,
    fake_discord,
    logged_in_client,
    mention,
    payload,
)

pytestmark = pytest.mark.both_engines  # store-using tests run on SQLite and PostgreSQL


def replies(api: FakeDiscordApi) -> list[Recorded]:
    return api.sent("POST", f"/channels/{CHANNEL}/messages")


def pings_nobody(body: dict[str, Any]) -> bool:
    """Discord pings only what ``allowed_mentions`` lets through: here, nothing at all."""
    allowed = body["allowed_mentions"]
    return (
        allowed["parse"] == []
        and not allowed.get("replied_user")
        and set(allowed)
        <= {
            "parse",
            "replied_user",
        }
    )


def embed_text(request: Recorded) -> str:
    return "\n".join(e.get("description", "") for e in request.body.get("embeds", []))


@pytest.fixture
async def api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscordApi]:
    async with fake_discord(monkeypatch) as fake:
        yield fake


@pytest.fixture
async def client(api: FakeDiscordApi, briefbot: App) -> AsyncIterator[BriefbotClient]:
    """A client logged in to the fake API (no gateway): setup_hook has run."""
    async with logged_in_client(briefbot.dispatcher) as bot:
        yield bot


async def test_login_syncs_the_summary_command_once(
    client: BriefbotClient, api: FakeDiscordApi
) -> None:
    syncs = api.sent("PUT", f"/applications/{BOT_ID}/commands")
    assert len(syncs) == 1
    (command,) = syncs[0].body
    assert command["name"] == "summary"
    options = {o["name"]: o for o in command["options"]}
    assert options["topic"]["required"] and options["topic"]["autocomplete"]
    assert (options["sentences"]["min_value"], options["sentences"]["max_value"]) == (1, 10)
    assert api.requests[0].route == "/users/@me"


async def test_mention_gets_a_brief_as_a_reply(client: BriefbotClient, api: FakeDiscordApi) -> None:
    client._connection.parse_message_create(mention("summary china-russia --sentences 3"))
    (reply,) = (await api.wait_for(lambda _: bool(replies(api))))[-1:]
    assert reply.body["message_reference"]["message_id"] == 1600000000000000001
    assert pings_nobody(reply.body)
    (embed,) = reply.body["embeds"]
    assert embed["title"] == "China–Russia relations"
    assert embed["description"].count("\n— ") == 3
    assert "Campbell River Mirror, Sep 15, 2022" in embed["description"]
    assert embed["footer"]["text"].startswith("5 articles from 5 sources")
    assert api.sent("POST", f"/channels/{CHANNEL}/typing")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("summary china-rusia", "Did you mean: china-russia?"),
        ("summary", "Tell me what to summarize"),
        ("topics", "china-russia: China–Russia relations"),
    ],
)
async def test_mention_errors_and_notices_are_short_text_replies(
    client: BriefbotClient, api: FakeDiscordApi, text: str, expected: str
) -> None:
    client._connection.parse_message_create(mention(text))
    await api.wait_for(lambda _: bool(replies(api)))
    (reply,) = replies(api)
    assert expected in reply.body["content"]
    assert not reply.body.get("embeds")
    assert pings_nobody(reply.body)


async def test_bots_itself_and_plain_messages_are_ignored(
    client: BriefbotClient, api: FakeDiscordApi
) -> None:
    other_bot = payload("message_create_mention")["author"] | {
        "id": "1400000000000000002",
        "bot": True,
    }
    me = payload("message_create_mention")["mentions"][0]
    ignored = [
        mention("summary china-russia", "1600000000000000002", author=other_bot),
        mention("summary china-russia", "1600000000000000003", author=me),
        mention("summary china-russia", "1600000000000000004", webhook_id="1400000000000000003"),
        payload("message_create_mention", id="1600000000000000005", content="china-russia?"),
        # Mentioning the bot in passing (or a reply pinging it) is not a command.
        payload("message_create_mention", id="1600000000000000007", content=f"thanks <@{BOT_ID}>!"),
    ]
    for data in ignored:
        client._connection.parse_message_create(data)
    # A person's mention (nickname form) sent after them: once it is answered, the ignored ones
    # were handled.
    sentinel = payload(
        "message_create_mention", id="1600000000000000006", content=f"<@!{BOT_ID}> help"
    )
    client._connection.parse_message_create(sentinel)
    await api.wait_for(lambda _: bool(replies(api)))
    (reply,) = replies(api)
    assert reply.body["message_reference"]["message_id"] == 1600000000000000006


async def test_everyone_in_article_text_never_pings(
    client: BriefbotClient, api: FakeDiscordApi, tmp_path: Path
) -> None:
    article = tmp_path / "ping.txt"
    article.write_text(
        "Zorblax council meets\n"
        "The zorblax council told @everyone in the town hall that the levy would rise next year.\n"
        "Members of <@&1500000000000000001> and <@1400000000000000001> said zorblax rates were fair.\n",
        encoding="utf-8",
    )
    report = await client.dispatcher.intake.ingest_files([article])
    assert report.added == 1
    client._connection.parse_message_create(mention("summary zorblax"))
    await api.wait_for(lambda _: bool(replies(api)))
    (reply,) = replies(api)
    assert "@everyone" in embed_text(reply)
    assert "<@&1500000000000000001>" in embed_text(reply)
    assert pings_nobody(reply.body)


async def test_summary_command_defers_then_follows_up(
    client: BriefbotClient, api: FakeDiscordApi
) -> None:
    data = payload("interaction_create_summary")
    client._connection.parse_interaction_create(data)
    followup = f"/webhooks/{BOT_ID}/{data['token']}"
    await api.wait_for(lambda _: bool(api.sent("POST", followup)))
    callback, sent = api.sent("POST", "/interactions/"), api.sent("POST", followup)
    assert callback[0].route == f"/interactions/{data['id']}/{data['token']}/callback"
    assert callback[0].body == {"type": 5}
    assert api.requests.index(callback[0]) < api.requests.index(sent[0])
    (embed,) = sent[0].body["embeds"]
    assert embed["title"] == "China–Russia relations"
    assert embed["description"].count("\n— ") == 3
    assert pings_nobody(sent[0].body)


async def summary_with_topic(client: BriefbotClient, api: FakeDiscordApi, topic: str) -> str:
    """Run ``/summary topic:<topic>``; return the follow-up's text."""
    data = payload("interaction_create_summary")
    data["data"]["options"] = [{"value": topic, "type": 3, "name": "topic"}]
    client._connection.parse_interaction_create(data)
    followup = f"/webhooks/{BOT_ID}/{data['token']}"
    await api.wait_for(lambda _: bool(api.sent("POST", followup)))
    (sent,) = api.sent("POST", followup)
    return str(sent.body["content"])


async def test_summary_command_since_option_briefs_only_what_is_new(
    client: BriefbotClient, api: FakeDiscordApi
) -> None:
    data = payload("interaction_create_summary")
    data["data"]["options"] = [
        {"value": "china-russia", "type": 3, "name": "topic"},
        {"value": "2022-12-01", "type": 3, "name": "since"},
    ]
    client._connection.parse_interaction_create(data)
    followup = f"/webhooks/{BOT_ID}/{data['token']}"
    await api.wait_for(lambda _: bool(api.sent("POST", followup)))
    (embed,) = api.sent("POST", followup)[0].body["embeds"]
    assert embed["title"] == "China–Russia relations · new since Dec 1, 2022"
    assert "Sep 13, 2022" not in embed["description"]
    assert "Dec 30, 2022" in embed["description"]


async def test_summary_command_unknown_topic_follows_up_with_suggestions(
    client: BriefbotClient, api: FakeDiscordApi
) -> None:
    assert "Did you mean: china-russia?" in await summary_with_topic(client, api, "china-rusia")


async def test_summary_topic_option_is_briefed_never_read_as_a_command(
    client: BriefbotClient, api: FakeDiscordApi
) -> None:
    answer = await summary_with_topic(client, api, "subscribe china-russia")
    # The words were searched for as a query; the channel was not subscribed to anything.
    assert "Unknown topic 'subscribe china-russia'" in answer
    channel = str(payload("interaction_create_summary")["channel_id"])
    assert await client.dispatcher.desk.subscriptions.for_channel("discord", channel) == []


async def test_autocomplete_offers_topic_names(client: BriefbotClient, api: FakeDiscordApi) -> None:
    data = payload("interaction_create_autocomplete")
    client._connection.parse_interaction_create(data)
    await api.wait_for(lambda _: bool(api.sent("POST", "/interactions/")))
    (callback,) = api.sent("POST", "/interactions/")
    assert callback.body["type"] == 8
    choices = callback.body["data"]["choices"]
    assert {"name": "china-russia · China–Russia relations", "value": "china-russia"} in choices
    assert all(len(c["name"]) <= 100 for c in choices)


async def test_direct_message_needs_no_mention(client: BriefbotClient, api: FakeDiscordApi) -> None:
    data = payload("message_create_mention", content="summary china-russia --sentences 2")
    for guild_only in ("guild_id", "member", "mentions"):
        del data[guild_only]
    data["channel_type"] = 1
    client._connection.parse_message_create(data)
    await api.wait_for(lambda _: bool(replies(api)))
    (reply,) = replies(api)
    assert reply.body["embeds"][0]["description"].count("\n— ") == 2


# Common words in random order: sentences that read as English and do not repeat each other.
VOCABULARY = (  # noqa: SIM905
    "the of and to in that for on with as was by at from they said have were government "
    "officials minister trade energy border talks summit pipeline agreement market prices "
    "company workers farmers river city council report week month year people country state "
    "region plan policy budget court judge law police army port bank school hospital road bridge "
    "train water power coal oil grain wheat rice steel copper gold film music book museum garden "
    "festival"
).split()


async def test_long_brief_is_sent_in_parts_within_discord_limits(
    client: BriefbotClient, api: FakeDiscordApi, tmp_path: Path
) -> None:
    rng = random.Random(7)
    for n in range(10):
        sentences = []
        for _ in range(2):
            words = [rng.choice(VOCABULARY) for _ in range(68)]
            words[5] = "quillon"
            sentences.append(" ".join(words).capitalize() + ".")
        (tmp_path / f"quillon-{n}.txt").write_text("\n".join(sentences) + "\n", encoding="utf-8")
    assert (await client.dispatcher.intake.ingest_files([tmp_path])).added == 10
    client._connection.parse_message_create(mention("summary quillon --sentences 10"))
    await api.wait_for(lambda _: bool(replies(api)))
    (reply,) = replies(api)
    embeds = reply.body["embeds"]
    assert [e["title"] for e in embeds] == [
        "Brief: quillon · part 1/2",
        "Brief: quillon · part 2/2",
    ]
    assert (
        sum(len(e["title"]) + len(e["description"]) + len(e["footer"]["text"]) for e in embeds)
        <= 6000
    )
    assert all(len(e["description"]) <= 4096 for e in embeds)
    text = "\n".join(e["description"] for e in embeds)
    assert [f"**{n}.**" in text for n in range(1, 11)] == [True] * 10


async def test_a_failing_core_still_gets_a_short_reply(
    client: BriefbotClient,
    api: FakeDiscordApi,
    caplog: pytest.LogCaptureFixture,
    store_engine: str,
) -> None:
    await client.dispatcher.store.close()  # a real failure: the store is gone mid-run
    client._connection.parse_message_create(mention("summary china-russia"))
    await api.wait_for(lambda _: bool(replies(api)))
    (reply,) = replies(api)
    if store_engine == "postgres":
        # The closed pool is a store fault the PostgreSQL store names: its one line.
        assert reply.body["content"] == f"⚠️ **{StoreFault.UNAVAILABLE.message}**"
        assert "answered with a store fault: unavailable" in caplog.text
        return
    assert "Something went wrong" in reply.body["content"]
    assert "command failed on discord" in caplog.text


async def test_autocomplete_with_nothing_typed_offers_every_topic(
    client: BriefbotClient, api: FakeDiscordApi
) -> None:
    data = payload("interaction_create_autocomplete")
    data["data"]["options"] = [{"value": "", "type": 3, "name": "topic", "focused": True}]
    client._connection.parse_interaction_create(data)
    await api.wait_for(lambda _: bool(api.sent("POST", "/interactions/")))
    (callback,) = api.sent("POST", "/interactions/")
    values = [c["value"] for c in callback.body["data"]["choices"]]
    assert values == [t.slug for t in client.dispatcher.briefer.topics.topics][:25]
