"""Every credit a reader can check: a credited article holds one sentence, or two adjacent
sentences, carrying at least 60% of the point's content words, or quotes the point's quotation.

The check here is written from that definition alone, over each article's own sentences, so it
holds the brief to the definition rather than to how selection proposes credits.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.brief.render import render_json
from bot.brief.select import SelectionLimits
from bot.brief.summarize import Corpus, build_corpus, summarize
from bot.ingest.inputs import cluster_articles, docid_outlet, read_inputs
from bot.models import Brief, SentenceRecord
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
YANG_LEADS = re.compile(r"^A top Chinese official")


def test_every_subset_of_the_seeds_states_the_yang_statement_once() -> None:
    raws = read_inputs(sorted(SEEDS.glob("*.txt")), max_bytes=2_000_000)
    for size in range(1, len(raws) + 1):
        for subset in itertools.combinations(raws, size):
            brief = summarize(build_corpus(subset, INDEXER), INDEXER, SelectionLimits(points=6))
            leads = [p.text for p in brief.points if YANG_LEADS.search(p.text)]
            assert len(leads) <= 1, ([r.source for r in subset], leads)


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
