"""Articles, sentences and search through the Store protocol: the same on every engine."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.brief.topics import load_topics
from bot.models import PreparedArticle
from bot.settings import PROJECT_DIR
from bot.store.protocols import Store
from bot.store.records import SearchQuery, content_hash
from tests.conftest import FIXED_NOW
from tests.store.conftest import OpenStore
from tests.store.support import article, batch_of_seeds, prepared, seed_articles


def words(*phrases: str, match_all: bool = True) -> SearchQuery:
    return SearchQuery(tuple(tuple(p.split()) for p in phrases), match_all)


async def test_same_content_is_stored_once(store: Store) -> None:
    one = prepared("China and Russia met. Trade grew.")
    first = await store.add_article(one, FIXED_NOW)
    [again] = await store.add_articles(
        [prepared("China  and Russia met.   Trade grew.", source="Other")], FIXED_NOW
    )
    assert first.added and not again.added
    assert again.article_id == first.article_id
    assert await store.count_articles() == 1


async def test_sentences_come_back_in_order_with_their_terms(store: Store) -> None:
    with_terms = await store.add_article(
        PreparedArticle(
            article("China and Russia met. Oh. Trade grew."),
            (("china", "russia", "met"), (), ("trade", "grew")),
        ),
        FIXED_NOW,
    )
    [other] = await store.add_articles([prepared("One thing. Two things.")], FIXED_NOW)
    records = await store.sentences([with_terms.article_id, other.article_id])
    assert [r.text for r in records] == [
        "China and Russia met.",
        "Oh.",
        "Trade grew.",
        "One thing.",
        "Two things.",
    ]
    assert [r.position for r in records] == [0, 1, 2, 0, 1]
    assert [r.terms for r in records[:3]] == [("china", "russia", "met"), (), ("trade", "grew")]
    assert {r.article_id for r in records[3:]} == {other.article_id}
    assert await store.sentences([]) == []


async def test_terms_must_match_the_sentences(store: Store) -> None:
    with pytest.raises(ValueError, match="1 term lists for 2 sentences"):
        await store.add_article(
            PreparedArticle(article("One thing. Two things."), (("one",),)), FIXED_NOW
        )
    assert await store.count_articles() == 0


async def test_duplicates_within_and_across_batches_are_stored_once(store: Store) -> None:
    talks, trade, weather = (
        prepared("China and Russia met. Trade grew."),
        prepared("Exports rose. Imports fell."),
        prepared("The weather was fine."),
    )
    # The same prose, spaced and capitalized differently, from another source.
    talks_again = prepared("CHINA and Russia  met.\tTrade grew.", source="Other")
    assert content_hash(talks_again.article) == content_hash(talks.article)
    first = await store.add_articles([talks, trade, talks_again, talks], FIXED_NOW)
    assert [r.added for r in first] == [True, True, False, False]
    assert first[2].article_id == first[3].article_id == first[0].article_id
    second = await store.add_articles([trade, weather, weather], FIXED_NOW)
    assert [(r.article_id, r.added) for r in second[:1]] == [(first[1].article_id, False)]
    assert [r.added for r in second[1:]] == [True, False]
    assert second[2].article_id == second[1].article_id
    assert await store.count_articles() == 3
    records = await store.sentences([first[0].article_id])
    assert [r.text for r in records] == ["China and Russia met.", "Trade grew."]
    assert await store.add_articles([], FIXED_NOW) == []


async def test_article_and_newest_articles(store: Store) -> None:
    results = await store.add_articles(batch_of_seeds(0), FIXED_NOW)
    newest = await store.articles(5)
    assert len(newest) == 5
    one = await store.article(results[0].article_id)
    assert one is not None and one.id == results[0].article_id and one.source
    assert await store.article(10_000_000) is None
    dated = [a.date.value for a in newest if a.date.value is not None]
    assert dated == sorted(dated, reverse=True)


async def test_search_is_stemmed_and_case_blind(store: Store) -> None:
    await store.add_articles(
        [prepared("Sanctions were imposed on exporters."), prepared("The weather was fine.")],
        FIXED_NOW,
    )
    assert len(await store.search(words("sanction", "EXPORT"), 10)) == 1
    assert len(await store.search(words("sanctioned"), 10)) == 1
    assert await store.search(words("sanction", "weather"), 10) == []
    assert len(await store.search(words("sanction", "weather", match_all=False), 10)) == 2


async def test_phrases_match_words_in_order_in_title_or_body(store: Store) -> None:
    await store.add_articles(
        [
            prepared("The prime minister spoke.", title="Budget day"),
            prepared("The minister was not prime.", title="Other news"),
        ],
        FIXED_NOW,
    )
    assert len(await store.search(words("prime minister"), 10)) == 1
    assert len(await store.search(words("minister"), 10)) == 2
    assert len(await store.search(words("budget day"), 10)) == 1


async def test_search_limit_and_ingested_after(store: Store) -> None:
    await store.add_articles(batch_of_seeds(0), FIXED_NOW)
    later = FIXED_NOW + dt.timedelta(hours=2)
    [late] = await store.add_articles(batch_of_seeds(1)[:1], later)
    query = words("dispatch")
    assert len(await store.search(query, 100)) == 17
    assert len(await store.search(query, 3)) == 3
    found = await store.search(query, 100, ingested_after=FIXED_NOW + dt.timedelta(hours=1))
    assert [a.id for a in found] == [late.article_id]


@pytest.mark.parametrize(
    "text",
    ['energy" OR *', "NEAR(a b)", "a:b", "'; DROP TABLE articles; --", "(", "^x", "-x", '""'],
)
async def test_user_text_is_never_query_syntax(store: Store, text: str) -> None:
    await store.add_articles([prepared("Energy deal signed. Markets rose.")], FIXED_NOW)
    # Whatever the words hold, the search runs and matches them literally.
    assert await store.search(SearchQuery(((text,),)), 10) == []
    assert await store.search(SearchQuery((("energy",), (text,)), match_all=False), 10)
    assert await store.count_articles() == 1


async def test_an_empty_query_matches_nothing(store: Store) -> None:
    await store.add_articles([prepared("Energy deal signed.")], FIXED_NOW)
    assert await store.search(SearchQuery(()), 10) == []
    assert await store.search(SearchQuery(((" ",),)), 10) == []


async def test_configured_topics_find_their_seed_articles(store: Store) -> None:
    await store.add_articles(list(seed_articles()), FIXED_NOW)
    topics = load_topics(PROJECT_DIR / "config" / "topics.toml")
    for topic in topics.topics:
        found = {a.id for a in await store.search(topic.query(), 100)}
        loose = SearchQuery(topic.query().phrases, match_all=False)
        assert found <= {a.id for a in await store.search(loose, 100)}
    china_russia = topics.get("china-russia")
    assert china_russia is not None
    assert len(await store.search(china_russia.query(), 100)) == len(seed_articles())


async def test_concurrent_batch_writers_wait_for_each_other(stores: OpenStore) -> None:
    first, second = await stores(), await stores()
    bodies = [f"Round {i} of talks began. Trade grew by {i} percent." for i in range(60)]
    # Two stores on one database (as two processes would have) and several writers on each,
    # with overlapping batches: every batch waits its turn, none fails.
    writes = [
        store.add_articles([prepared(b) for b in bodies[start : start + 20]], FIXED_NOW)
        for start in range(0, 50, 10)
        for store in (first, second)
    ]
    results = await asyncio.gather(*writes)
    assert sum(r.added for batch in results for r in batch) == 60
    assert await first.count_articles() == 60 == await second.count_articles()


async def test_reads_do_not_wait_for_a_write_in_progress(store: Store) -> None:
    await store.set_meta("k", "v")
    big = [item for n in range(1, 25) for item in batch_of_seeds(n)]
    write = asyncio.ensure_future(store.add_articles(big, FIXED_NOW))
    await asyncio.sleep(0)  # the write has taken the store's write lock
    answered_during_write = 0
    while not write.done():
        assert await store.get_meta("k") == "v"
        await store.search(words("talks"), 5)
        answered_during_write += not write.done()
    await write
    # Each read was answered while the big batch was still being stored.
    assert answered_during_write >= 3
    assert await store.count_articles() == len(big)


async def test_alternatives_match_when_any_clause_matches(store: Store) -> None:
    await store.add_articles(
        [prepared("Grain deal signed in Istanbul."), prepared("Accord sur les céréales signé.")],
        FIXED_NOW,
    )
    french = words("accord", "céréales")
    query = SearchQuery((("grain",), ("deal",)), True, (french, SearchQuery(())))
    assert len(await store.search(query, 10)) == 2
    assert len(await store.search(SearchQuery((), True, (french,)), 10)) == 1
