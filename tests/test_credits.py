"""Every credit a reader can check: a credited article holds one sentence, or two adjacent
sentences, carrying at least 60% of the point's content words, or quotes the point's quotation.

The check here is written from that definition alone, over each article's own sentences, so it
holds the brief to the definition rather than to how selection proposes credits.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.brief.corpus import Corpus, build_corpus
from bot.brief.render import render_json
from bot.brief.select import SelectionLimits
from bot.brief.summarize import summarize
from bot.ingest.inputs import cluster_articles, docid_outlet, read_inputs
from bot.models import ArticleDate, Brief, RawArticle, SentenceRecord
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer
from tests.conftest import SEEDS

INDEXER = TermIndexer(OfflineTokenizer())
EVAL = Path(__file__).parent / "data" / "eval" / "multiling2011_en.jsonl"


def _run_in(terms: Sequence[str], run: Sequence[str]) -> bool:
    return any(
        tuple(terms[k : k + len(run)]) == tuple(run) for k in range(len(terms) - len(run) + 1)
    )


def carries(point: str, sentences: Sequence[SentenceRecord]) -> bool:
    wanted = set(INDEXER.terms(point))
    point_terms = INDEXER.terms(point)
    quoted = [q for q in INDEXER.quotations(point) if len(q) >= 2]
    previous: set[str] = set()
    for record in sentences:
        terms = INDEXER.terms(record.text)
        if any(_run_in(terms, q) for q in quoted):
            return True  # quotes the point's quotation
        if any(len(q) >= 2 and _run_in(point_terms, q) for q in INDEXER.quotations(record.text)):
            return True  # the point holds the words this sentence quotes
        own = set(terms) & wanted
        if len(own) >= 0.6 * len(wanted) or len(own | previous) >= 0.6 * len(wanted):
            return True
        previous = own
    return False


def assert_every_credit_verifiable(brief: Brief, corpus: Corpus) -> int:
    by_article: dict[int, list[SentenceRecord]] = {}
    for record in corpus.records:
        by_article.setdefault(record.article_id, []).append(record)
    credits = 0
    for point in brief.points:
        for ref in point.sources:
            assert carries(point.text, by_article[ref.article_id]), (ref.source, point.text)
            # The evidence named is that article's sentence, or two adjacent ones.
            texts = [r.text for r in by_article[ref.article_id]]
            pairs = [f"{a} {b}" for a, b in itertools.pairwise(texts)]
            assert ref.evidence in (*texts, *pairs), ref.evidence
            credits += 1
    return credits


def clusters() -> list[tuple[str, Corpus]]:
    found = []
    for line in EVAL.read_text("utf-8").splitlines():
        cluster_id = json.loads(line)["id"]
        found.append((cluster_id, build_corpus(cluster_articles(line, cluster_id), INDEXER)))
    return found


@pytest.mark.parametrize("limits", [SelectionLimits(points=6), SelectionLimits(10_000, words=250)])
def test_every_credit_on_the_dev_stories_is_verifiable(limits: SelectionLimits) -> None:
    credits = 0
    for _, corpus in clusters():
        credits += assert_every_credit_verifiable(summarize(corpus, INDEXER, limits), corpus)
    assert credits > 60


def test_every_credit_on_the_seeds_is_verifiable_and_named_in_json() -> None:
    corpus = build_corpus(read_inputs(sorted(SEEDS.glob("*.txt")), max_bytes=2_000_000), INDEXER)
    brief = summarize(corpus, INDEXER, SelectionLimits(points=10))
    assert assert_every_credit_verifiable(brief, corpus) >= len(brief.points) + 1
    first = json.loads(render_json(brief))["points"][0]
    assert first["rank"] >= 1
    assert first["text"] in [s["evidence"] for s in first["sources"]]


# One point per statement on any subset: a daily digest briefs whatever arrived since yesterday.
# Yang Jiechi's Sep 13 statement as the seeds carry it: each outlet's lead reporting it, and his
# own words, quoted or not ("... promote the development of the international order in a more
# just and reasonable direction").
YANG_STATEMENT = re.compile(
    r"^A top Chinese official|new (?:international|world) order|international order in a more just"
)


def test_every_subset_of_the_seeds_states_the_yang_statement_once() -> None:
    raws = read_inputs(sorted(SEEDS.glob("*.txt")), max_bytes=2_000_000)
    subsets = [s for size in range(1, 6) for s in itertools.combinations(raws, size)]
    assert len(subsets) == 31
    stated = 0
    for subset in subsets:
        brief = summarize(build_corpus(subset, INDEXER), INDEXER, SelectionLimits(points=6))
        points = [p.text for p in brief.points if YANG_STATEMENT.search(p.text)]
        assert len(points) <= 1, ([r.source for r in subset], points)
        stated += len(points)
    # Every subset holding an article that reports it (all but {003}, {004}, {003, 004}) says it.
    assert stated == 28


def _adjacent_pair_brief(report: str, words: str) -> list[str]:
    """The points of a two-article brief whose first article reports a statement in
    ``report`` and follows it with ``words``; the second article is about something else."""
    first = RawArticle(
        text=f"{report} {words}\n\nThe talks resume in Geneva on Monday with both delegations.",
        origin="one.txt",
        source="Outlet one",
        title="One",
        date=ArticleDate(dt.date(2024, 3, 1)),
    )
    second = RawArticle(
        text="Heavy rain flooded the northern valleys and closed three mountain roads overnight.",
        origin="two.txt",
        source="Outlet two",
        title="Two",
        date=ArticleDate(dt.date(2024, 3, 1)),
    )
    brief = summarize(build_corpus([first, second], INDEXER), INDEXER, SelectionLimits(points=6))
    return [p.text for p in brief.points]


# A report of what an official said, and a sentence sharing its phrase "regional trade
# agreement" (the same term overlap with it, 0.26, well under the redundancy bound).
REPORT = (
    "A senior official said that the country will keep working with its neighbours toward a "
    "new regional trade agreement."
)


def test_a_report_and_its_speakers_unquoted_words_are_one_point() -> None:
    # The official's own words, unquoted, with the speaker's name and title after them, as the
    # Campbell River Mirror prints Yang Jiechi's: the same statement.
    words = (
        "The ministry is ready to cooperate with the governments of the region to lower duties, "
        "protect farmers and conclude a regional trade agreement on fair and balanced terms, "
        "Maria Lopez, Minister of Agriculture."
    )
    points = _adjacent_pair_brief(REPORT, words)
    assert REPORT in points and words not in points, points


def test_a_report_and_the_next_fact_on_its_subject_stay_two_points() -> None:
    # The next sentence shares the phrase but is nobody's words: another fact.
    fact = (
        "A regional trade agreement signed in 2019 cut duties on steel and cars by a third "
        "across the bloc."
    )
    points = _adjacent_pair_brief(REPORT, fact)
    assert REPORT in points and fact in points, points


def test_a_wire_document_id_names_its_outlet() -> None:
    assert docid_outlet("APW19981010.0123") == docid_outlet("APW19981011.0042")
    assert docid_outlet("APW19981010.0123") == "Associated Press"
    assert docid_outlet("NYT19990104.0045") == "New York Times"
    assert docid_outlet("AFP_ENG_20050112.0203") == "Agence France-Presse"
    # MultiLing's WikiNews ids name no outlet: each stays its own.
    assert docid_outlet("M0006") == "M0006"


def test_ten_articles_of_one_wire_are_one_source() -> None:
    line = EVAL.read_text("utf-8").splitlines()[0]
    cluster = json.loads(line)
    for n, doc in enumerate(cluster["docs"]):
        doc["docid"] = f"APW200412{20 + n:02d}.00{n}"
    raws = cluster_articles(json.dumps(cluster), cluster["id"])
    brief = summarize(build_corpus(raws, INDEXER), INDEXER, SelectionLimits(points=5))
    assert brief.article_count == 10 and brief.source_count == 1


def test_a_sentence_giving_another_number_is_no_credit() -> None:
    # MultiLing M003: "won stage 13" (Jul 21) and "won stage 15" (Jul 23) share every term
    # (LexRank's terms hold no numbers), but they are two facts.
    line = EVAL.read_text("utf-8").splitlines()[3]
    corpus = build_corpus(cluster_articles(line, "M003"), INDEXER)
    brief = summarize(corpus, INDEXER, SelectionLimits(points=10_000, words=100))
    (stage_13,) = [p for p in brief.points if "stage 13" in p.text]
    assert all("stage 15" not in (ref.evidence or "") for ref in stage_13.sources)
    assert [ref.date.iso() for ref in stage_13.sources] == ["2007-07-21"]
