"""The feed ledger through the protocol: URLs, HTTP validators, feed entries, topic tags."""

from __future__ import annotations

from bot.store.protocols import Store
from bot.store.records import SearchQuery, Validators
from tests.conftest import FIXED_NOW
from tests.store.support import prepared


async def test_urls_lead_to_their_article(store: Store) -> None:
    stored = await store.add_article(prepared("Talks began. Trade grew."), FIXED_NOW)
    assert await store.ledger.article_for_url("https://a.example/x") is None
    urls = ["https://a.example/x", "https://b.example/y", "https://a.example/x"]
    await store.ledger.link_urls(stored.article_id, urls)
    await store.ledger.link_urls(stored.article_id, urls[:1])  # again: no error, no change
    assert await store.ledger.article_for_url("https://b.example/y") == stored.article_id


async def test_validators_are_kept_and_replaced(store: Store) -> None:
    url = "https://a.example/feed"
    assert await store.ledger.validators(url) is None
    await store.ledger.save_validators(url, Validators(), FIXED_NOW)  # nothing to keep
    assert await store.ledger.validators(url) is None
    await store.ledger.save_validators(url, Validators('"e1"', None), FIXED_NOW)
    await store.ledger.save_validators(url, Validators('"e2"', "Tue, 1 Dec 2026"), FIXED_NOW)
    assert await store.ledger.validators(url) == Validators('"e2"', "Tue, 1 Dec 2026")


async def test_feed_entries_are_remembered(store: Store) -> None:
    feed = "https://a.example/feed"
    assert not await store.ledger.entry_seen(feed, "k1")
    await store.ledger.record_entry(feed, "k1", "https://a.example/1", None, "failed", FIXED_NOW)
    stored = await store.add_article(prepared("Talks began."), FIXED_NOW)
    await store.ledger.record_entry(
        feed, "k1", "https://a.example/1", stored.article_id, "added", FIXED_NOW
    )
    assert await store.ledger.entry_seen(feed, "k1")
    assert not await store.ledger.entry_seen("https://b.example/feed", "k1")


async def test_articles_are_tagged_with_matching_topics(store: Store) -> None:
    stored = await store.add_article(
        prepared("China and Russia signed an energy deal.", title="Energy"), FIXED_NOW
    )
    topics = {
        "china-russia": SearchQuery((("china",), ("russia",))),
        "energy-or-oil": SearchQuery((("oil",), ("energy", "deal")), match_all=False),
        "climate": SearchQuery((("climate",),)),
        "empty": SearchQuery(()),
    }
    tags = await store.ledger.tag(stored.article_id, topics)
    assert tags == ("china-russia", "energy-or-oil")
    assert await store.ledger.tag(stored.article_id, topics) == tags  # tagging twice is fine
    assert await store.ledger.topics_of(stored.article_id) == ("china-russia", "energy-or-oil")
