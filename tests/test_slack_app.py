"""The Slack adapter over real HTTP on loopback: signed requests in, recorded Slack calls out."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.slack.app import WORKING
from bot.app import App
from bot.brief.briefer import Ranker, RankJob, ThreadRanker
from bot.chat.commands import Reply, Request
from bot.models import Brief, Conversation
from tests.conftest import fixed_clock
from tests.slack_fakes import (
    BOT_TOKEN,
    DATA,
    SIGNING_SECRET,
    FakeSlack,
    mention_body,
    post,
    signed_headers,
    slack_over_http,
    slash_command_body,
)

pytestmark = pytest.mark.both_engines  # store-using tests run on SQLite and PostgreSQL

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
RESPOND = "/respond/cmd"
POST_MESSAGE = "/api/chat.postMessage"


class GatedRanker:
    """The real ranker behind a gate the test opens: a slow summarizer, injected into the app."""

    def __init__(self, ranker: Ranker) -> None:
        self.ranker = ranker
        self.gate = asyncio.Event()
        self.gate.set()

    async def rank(self, job: RankJob) -> Brief:
        await self.gate.wait()
        return await self.ranker.rank(job)


@dataclass
class Harness:
    """The bot's HTTP endpoint and the fake Slack it talks to."""

    fake: FakeSlack
    session: aiohttp.ClientSession
    events_url: str

    async def command(self, text: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
        body = slash_command_body(text, self.fake.url(RESPOND))
        return await post(
            self.session, self.events_url, body, FORM, headers or signed_headers(body)
        )

    async def mention(
        self, text: str, event_id: str, ts: str = "1515449522.000016", retry: int | None = None
    ) -> tuple[int, str]:
        body = mention_body(text, event_id, ts)
        headers = signed_headers(body)
        if retry is not None:
            headers.update(
                {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            )
        return await post(self.session, self.events_url, body, JSON, headers)


@pytest.fixture
async def ranker(briefbot: App) -> GatedRanker:
    """A gate, open to start with, around the real ranking."""
    return GatedRanker(ThreadRanker(briefbot.indexer))


@pytest.fixture
async def gated(briefbot: App, ranker: GatedRanker) -> App:
    """The test's app on the same store, its ranking behind the gate."""
    return App(
        briefbot.settings,
        briefbot.store,
        briefbot.topics,
        briefbot.indexer,
        fixed_clock,
        ranker=ranker,
    )


@pytest.fixture
def held(gated: App, monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """A gate, open to start with, before every command's answer and every event claim: a
    store (or a web page) that does not answer while it is closed."""
    gate = asyncio.Event()
    gate.set()
    dispatcher = gated.dispatcher
    answer, claim_event = dispatcher.answer, dispatcher.claim_event

    async def held_answer(request: Request, conversation: Conversation) -> Reply:
        await gate.wait()
        return await answer(request, conversation)

    async def held_claim(platform: str, event_id: str) -> bool:
        await gate.wait()
        return await claim_event(platform, event_id)

    monkeypatch.setattr(dispatcher, "answer", held_answer)
    monkeypatch.setattr(dispatcher, "claim_event", held_claim)
    return gate


@pytest.fixture
async def harness(gated: App) -> AsyncIterator[Harness]:
    """The bot served on loopback, pointed at a fake Slack on loopback."""
    async with slack_over_http(gated.dispatcher) as (fake, url), aiohttp.ClientSession() as session:
        yield Harness(fake, session, url)


def texts(blocks: list[dict[str, Any]], kind: str) -> list[str]:
    """The text of every block of a kind (context blocks: their elements' text joined)."""
    found = []
    for block in blocks:
        if block["type"] != kind:
            continue
        if kind == "context":
            found.append(" ".join(e["text"] for e in block["elements"]))
        else:
            found.append(block["text"]["text"])
    return found


async def test_summary_acks_before_the_brief_then_posts_it_once_in_channel(
    harness: Harness, gated: App, ranker: GatedRanker
) -> None:
    ranker.gate.clear()  # the brief cannot finish until the ack has been checked
    status, text = await harness.command("china-russia --sentences 3")
    assert status == 200
    assert json.loads(text) == {"text": WORKING, "response_type": "ephemeral"}
    assert harness.fake.delivered(RESPOND) == []

    ranker.gate.set()
    await harness.fake.wait_for(lambda f: bool(f.delivered(RESPOND)))
    [answer] = harness.fake.delivered(RESPOND)
    body = answer.body
    assert body["response_type"] == "in_channel"
    blocks = body["blocks"]
    assert texts(blocks, "header") == ["China–Russia relations"]
    expected = await gated.briefer.brief("china-russia", 3)
    assert texts(blocks, "section") == [
        f"*{n}.* {p.text}" for n, p in enumerate(expected.points, 1)
    ]
    assert texts(blocks, "context") == [
        "Fox News, Sep 13, 2022 · Campbell River Mirror, Sep 15, 2022 · _2 independent sources_",
        "Blog repost of WSJ reporting, Dec 2022 · _single source: Wall Street Journal_",
        "Unnamed outlet B, Dec 30, 2022 · _single source_",
        "5 articles from 5 sources · Sep 13, 2022 – Dec 30, 2022",
    ]
    assert body["text"].startswith("China–Russia relations\n")
    assert answer.authorization is None  # response URLs take no token


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("help", "/summary topics: list the topic names"),
        ("", "Tell me what to summarize"),
        ("china-russia --sentences 99", "--sentences takes a whole number from 1 to 10"),
    ],
)
async def test_help_and_mistakes_come_back_in_the_ack_to_the_user_only(
    harness: Harness, text: str, expected: str
) -> None:
    status, answer = await harness.command(text)
    assert status == 200
    body = json.loads(answer)
    assert body["response_type"] == "ephemeral"
    assert expected in body["text"]
    assert expected.replace("<", "&lt;") in texts(body["blocks"], "section")[0]
    assert harness.fake.delivered(RESPOND) == harness.fake.delivered(POST_MESSAGE) == []


async def test_unknown_topic_is_answered_to_the_user_only(harness: Harness) -> None:
    status, text = await harness.command("china-rusia")
    assert (status, json.loads(text)["text"]) == (200, WORKING)
    await harness.fake.wait_for(lambda f: bool(f.delivered(RESPOND)))
    [answer] = harness.fake.delivered(RESPOND)
    assert answer.body["response_type"] == "ephemeral"
    assert "Unknown topic 'china-rusia'" in answer.body["text"]
    assert "Did you mean: china-russia?" in texts(answer.body["blocks"], "section")[0]


async def test_mention_is_answered_in_its_thread(harness: Harness) -> None:
    status, _ = await harness.mention("<@U0LAN0Z89> summary china-russia -n 2", "Ev1")
    assert status == 200
    await harness.fake.wait_for(lambda f: bool(f.delivered(POST_MESSAGE)))
    [posted] = harness.fake.delivered(POST_MESSAGE)
    assert posted.authorization == f"Bearer {BOT_TOKEN}"
    assert posted.body["channel"] == "C123ABC456"
    assert posted.body["thread_ts"] == "1515449522.000016"
    assert posted.body["unfurl_links"] is False
    assert texts(posted.body["blocks"], "header") == ["China–Russia relations"]
    assert len(texts(posted.body["blocks"], "section")) == 2


async def test_a_redelivered_event_gets_no_second_answer(harness: Harness) -> None:
    first = await harness.mention("<@U0LAN0Z89> summary china-russia", "Ev1", ts="1.000001")
    # Slack's redelivery: same event id, a retry header; acknowledged and otherwise ignored.
    retry = await harness.mention(
        "<@U0LAN0Z89> summary china-russia", "Ev1", ts="1.000001", retry=1
    )
    other = await harness.mention("<@U0LAN0Z89> summary help", "Ev2", ts="2.000002")
    assert [first[0], retry[0], other[0]] == [200, 200, 200]
    await harness.fake.wait_for(lambda f: len(f.delivered(POST_MESSAGE)) >= 2)
    threads = sorted(r.body["thread_ts"] for r in harness.fake.delivered(POST_MESSAGE))
    assert threads == ["1.000001", "2.000002"]


async def test_a_rate_limited_post_is_retried_after_retry_after(harness: Harness) -> None:
    harness.fake.throttle[POST_MESSAGE] = 1
    harness.fake.retry_after = "0"
    status, _ = await harness.mention("<@U0LAN0Z89> summary topics", "Ev3")
    assert status == 200
    await harness.fake.wait_for(lambda f: bool(f.delivered(POST_MESSAGE)))
    attempts = [r.status for r in harness.fake.received if r.path == POST_MESSAGE]
    assert attempts == [429, 200]
    assert "china-russia" in harness.fake.delivered(POST_MESSAGE)[0].body["text"]


async def test_a_rate_limited_response_url_is_retried(harness: Harness) -> None:
    harness.fake.throttle[RESPOND] = 1
    await harness.command("china-russia -n 1")
    await harness.fake.wait_for(lambda f: bool(f.delivered(RESPOND)))
    assert [r.status for r in harness.fake.received if r.path == RESPOND] == [429, 200]


def _body() -> str:
    return slash_command_body("help", "http://127.0.0.1:9/respond/x")


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        (signed_headers(_body(), secret="another-apps-secret"), _body(), 401),
        (signed_headers(_body(), timestamp=int(time.time()) - 301), _body(), 401),
        ({}, _body(), 401),
        ({"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"}, _body(), 400),
        ({"X-Slack-Request-Timestamp": "9" * 5000}, _body(), 400),
        (
            {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=é"},
            "",
            401,
        ),
        (signed_headers("{not json"), "{not json", 400),
        ({}, '{"type": "event_callback", "event": 7}', 401),
    ],
    ids=[
        "wrong-secret",
        "stale",
        "unsigned",
        "word-timestamp",
        "huge-timestamp",
        "non-hex-signature",
        "bad-json",
        "unsigned-bad-shape",
    ],
)
async def test_bad_requests_are_refused_never_500(
    harness: Harness, headers: dict[str, str], body: str, expected: int
) -> None:
    status, _ = await post(harness.session, harness.events_url, body, FORM, headers)
    assert status == expected
    assert harness.fake.received == []  # refused before Bolt even authorized the app


async def test_url_verification_handshake(harness: Harness) -> None:
    body = (DATA / "url_verification.json").read_text()
    status, text = await post(harness.session, harness.events_url, body, JSON, signed_headers(body))
    assert status == 200
    assert json.loads(text)["challenge"] == json.loads(body)["challenge"]


async def test_secrets_never_reach_the_logs(
    harness: Harness, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    await harness.mention("<@U0LAN0Z89> summary china-russia", "Ev9")
    await harness.command("help", headers=signed_headers("tampered"))
    await harness.fake.wait_for(lambda f: bool(f.delivered(POST_MESSAGE)))
    assert caplog.records  # bolt and slack_sdk did log at DEBUG
    assert BOT_TOKEN not in caplog.text
    assert SIGNING_SECRET not in caplog.text


async def test_an_ingested_article_cannot_ping_the_channel(
    harness: Harness, gated: App, tmp_path: Path
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "ping.txt").write_text(
        "Protesters in Riga told <!channel> members &amp; <@U123> the bridge closure would last a week.\n"
        "City officials in Riga said the bridge closure followed an inspection of its cables.\n"
        "Engineers expect the bridge to reopen to traffic after the repairs are finished.\n",
        encoding="utf-8",
    )
    (folder / "manifest.toml").write_text(
        '["ping.txt"]\nsource = "Riga Times"\nurl = "https://riga.example/bridge?id=1&p=2"\n'
        'date = "2024-05-02"\n',
        encoding="utf-8",
    )
    report = await gated.intake.ingest_files([folder])
    assert report.added == 1
    await harness.mention("<@U0LAN0Z89> Riga bridge closure", "Ev7")
    await harness.fake.wait_for(lambda f: bool(f.delivered(POST_MESSAGE)))
    [posted] = harness.fake.delivered(POST_MESSAGE)
    sent = json.dumps(posted.body)
    assert "<!channel>" not in sent and "<@U123>" not in sent
    assert "&lt;!channel&gt; members &amp;amp; &lt;@U123&gt;" in sent
    assert "<https://riga.example/bridge?id=1&amp;p=2|Riga Times>, May 2, 2024" in sent


@pytest.mark.parametrize(
    "text",
    [
        "china-russia",
        "subscribe china-russia 08:00 Europe/Paris",
        "subscriptions",
        "unsubscribe china-russia",
        "topics",  # the channel's followed topics are in the store
        "follow Power of Siberia",
        "https://news.example/slow-page",
    ],
)
async def test_commands_needing_the_store_or_the_web_are_acked_before_any_of_it(
    harness: Harness, held: asyncio.Event, text: str
) -> None:
    held.clear()
    status, ack = await harness.command(text)
    # The gate is still closed: the ack cannot have waited for the store or the page.
    assert (status, json.loads(ack)) == (200, {"text": WORKING, "response_type": "ephemeral"})
    assert harness.fake.received == []
    held.set()
    await harness.fake.wait_for(lambda f: bool(f.delivered(RESPOND)))
    await asyncio.sleep(0.2)  # a second answer, if one were coming, would have arrived
    assert len(harness.fake.delivered(RESPOND)) == 1


async def test_a_subscription_is_confirmed_through_the_response_url(harness: Harness) -> None:
    status, ack = await harness.command("subscribe china-russia 08:00 Europe/Paris")
    assert (status, json.loads(ack)["text"]) == (200, WORKING)
    await harness.fake.wait_for(lambda f: bool(f.delivered(RESPOND)))
    [answer] = harness.fake.delivered(RESPOND)
    assert answer.body["response_type"] == "ephemeral"
    assert "daily digest of China–Russia relations at 08:00" in answer.body["text"]


async def test_mentions_are_acked_before_the_redelivery_claim_and_answered_once(
    harness: Harness, held: asyncio.Event
) -> None:
    held.clear()
    first = await harness.mention("<@U0LAN0Z89> summary topics", "Ev5", ts="5.000005")
    retry = await harness.mention("<@U0LAN0Z89> summary topics", "Ev5", ts="5.000005", retry=1)
    # Both acknowledged while the store claim is still held at the gate.
    assert [first[0], retry[0]] == [200, 200]
    assert harness.fake.delivered(POST_MESSAGE) == []
    held.set()
    await harness.fake.wait_for(lambda f: bool(f.delivered(POST_MESSAGE)))
    await asyncio.sleep(0.2)
    assert len(harness.fake.delivered(POST_MESSAGE)) == 1


@pytest.mark.parametrize("event", [[{"type": "app_mention"}], "app_mention", 7, None])
async def test_a_signed_event_that_is_not_an_object_is_acknowledged_and_ignored(
    harness: Harness, event: object
) -> None:
    body = json.dumps({"type": "event_callback", "event_id": "Ev8", "event": event})
    status, _ = await post(harness.session, harness.events_url, body, JSON, signed_headers(body))
    assert status == 200
    unsigned = await post(harness.session, harness.events_url, body, JSON, {})
    assert unsigned[0] == 401
    assert harness.fake.received == []
