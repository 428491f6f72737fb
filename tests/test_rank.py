"""Vectorized LexRank against sumy's own LexRankSummarizer, which stays the reference."""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.utils import get_stop_words

from bot.brief import rank
from bot.brief.rank import lexrank_scores
from bot.ingest.pipeline import prepare
from bot.models import RawArticle
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer
from tests.conftest import seed_sentences

DATA = Path(__file__).parent / "data"
# Our scores and sumy's agree to float rounding; this is the stated tolerance.
SCORE_TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def indexer() -> TermIndexer:
    return TermIndexer(OfflineTokenizer())


def distinct(sentences: Sequence[str]) -> list[str]:
    """Sentences once each: sumy keys its ratings by sentence text."""
    return list(dict.fromkeys(sentences))


def multiling_sentences(indexer: TermIndexer, cluster: int) -> list[str]:
    lines = (DATA / "eval" / "multiling2011_en.jsonl").read_text(encoding="utf-8").splitlines()
    docs = json.loads(lines[cluster])["docs"]
    raws = [RawArticle(origin=d["docid"], text=d["text"], title=d["title"]) for d in docs]
    return distinct([s for raw in raws for s in prepare(raw, indexer).article.sentences])


def sumy_scores(terms: Sequence[Sequence[str]]) -> np.ndarray:
    """sumy's own tf, idf, matrix and power method on the same terms (its O(n^2) loop)."""
    summarizer = LexRankSummarizer()
    sentences = [list(t) for t in terms]
    tf = summarizer._compute_tf(sentences)
    idf = summarizer._compute_idf(sentences)
    matrix = summarizer._create_matrix(sentences, summarizer.threshold, tf, idf)
    return np.nan_to_num(summarizer.power_method(matrix, summarizer.epsilon))


def sumy_ranking(sentences: Sequence[str]) -> list[str]:
    """Stock sumy's LexRankSummarizer ranking (English stemmer and stop words), best first.

    sumy hands its rating-sorted sentences to a callable ``count``; capturing them there gives
    every summary size from one run of its quadratic loop.
    """
    tokenizer = OfflineTokenizer()
    document = ObjectDocumentModel([Paragraph([Sentence(s, tokenizer) for s in sentences])])
    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    ranked: list[str] = []

    def keep_all(infos: list[Any]) -> list[Any]:
        ranked.extend(str(info.sentence) for info in infos)
        return infos

    summarizer(document, keep_all)
    return ranked


def top(scores: Sequence[float], count: int) -> list[int]:
    """Indices of the best scores, earlier sentence first on ties (sumy's stable sort)."""
    return sorted(range(len(scores)), key=lambda i: -scores[i])[:count]


def untied_counts(scores: Sequence[float], counts: Sequence[int]) -> list[int]:
    """The summary sizes whose cut-off does not fall between two equal scores."""
    ordered = sorted(scores, reverse=True)
    return [k for k in counts if k < len(ordered) and ordered[k - 1] - ordered[k] > 1e-9]


@pytest.mark.parametrize("source", ["seeds", "multiling-M000", "multiling-M001", "mixed"])
def test_same_summary_and_scores_as_sumy_on_real_text(indexer: TermIndexer, source: str) -> None:
    if source == "seeds":
        sentences = seed_sentences(indexer)
    elif source == "mixed":
        # Two unrelated stories interleaved, in a fixed shuffled order.
        sentences = seed_sentences(indexer) + multiling_sentences(indexer, 1)[:120]
        random.Random(7).shuffle(sentences)
    else:
        sentences = multiling_sentences(indexer, int(source[-1]))
    terms = indexer.terms_many(sentences)
    ours = lexrank_scores(terms)
    reference = sumy_scores(terms)

    assert np.max(np.abs(np.array(ours) - reference)) < SCORE_TOLERANCE
    counts = untied_counts(ours, (1, 3, 5, 10))
    assert counts, "every summary size fell on a tie"
    ranked = sumy_ranking(sentences)
    for count in counts:
        assert {sentences[i] for i in top(ours, count)} == set(ranked[:count])


@pytest.mark.parametrize("seed", range(12))
def test_same_scores_as_sumy_on_generated_sentences(seed: int) -> None:
    rng = random.Random(seed)
    # Zipf-like vocabulary: a few very common terms (idf near or below zero) and a long tail.
    vocabulary = [f"t{i}" for i in range(rng.randint(5, 80))]
    weights = [1 / (i + 1) for i in range(len(vocabulary))]
    terms = [
        rng.choices(vocabulary, weights, k=rng.randint(0, 14)) for _ in range(rng.randint(1, 90))
    ]
    ours = lexrank_scores(terms)
    reference = sumy_scores(terms)
    assert np.max(np.abs(np.array(ours) - reference)) < SCORE_TOLERANCE
    for count in untied_counts(ours, (1, 3, 5)):
        assert set(top(ours, count)) == set(top(list(reference), count))


def test_wire_copies_score_as_in_sumy(indexer: TermIndexer) -> None:
    # A story carried verbatim by many outlets: every sentence many times, in sumy as here.
    seeds = seed_sentences(indexer)
    sentences = [*seeds[:30] * 12, *seeds[30:80]]
    terms = indexer.terms_many(sentences)
    ours = lexrank_scores(terms)
    assert np.max(np.abs(np.array(ours) - sumy_scores(terms))) < SCORE_TOLERANCE


def edges(graph: rank.SimilarityGraph) -> list[tuple[int, int]]:
    first, second = graph.adjacency.upper_edges()
    return list(zip(first.tolist(), second.tolist(), strict=True))


@pytest.mark.parametrize("building", ["counting", "sparse product"])
def test_blockwise_graph_equals_one_block(
    indexer: TermIndexer, monkeypatch: pytest.MonkeyPatch, building: str
) -> None:
    if building == "sparse product":
        monkeypatch.setattr(rank, "_COUNTED_NODES", 0)
    terms = indexer.terms_many(seed_sentences(indexer))
    whole = rank.similarity_graph(rank.tfidf_rows(terms))
    monkeypatch.setattr(rank, "_BLOCK_ENTRIES", 300)  # blocks of a few rows
    monkeypatch.setattr(rank, "_COUNTED_BLOCK", 300)
    blocks = rank.similarity_graph(rank.tfidf_rows(terms))
    assert edges(whole) == edges(blocks)
    assert whole.edges == blocks.edges > len(terms)


def test_numpy_and_scipy_graphs_are_the_same_on_large_real_text(
    indexer: TermIndexer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every English MultiLing story and the seeds: ~1,600 distinct sentences, a real
    # vocabulary of thousands of terms. NumPy's sums (small graphs) and scipy's product
    # (large ones) must give the same edges, degrees and scores, with or without a bias.
    sentences = seed_sentences(indexer)
    for cluster in range(10):
        sentences += multiling_sentences(indexer, cluster)
    terms = indexer.terms_many(sentences)
    assert len(terms) > 1500
    rows = rank.tfidf_rows(terms)
    assert isinstance(rows, rank.TfidfRows) and rows.columns > 3000
    counted = rank.similarity_graph(rows)
    bias = [float(i % 7 == 0) for i in range(len(terms))]
    scores = lexrank_scores(terms), lexrank_scores(terms, bias)
    monkeypatch.setattr(rank, "_COUNTED_NODES", 0)
    multiplied = rank.similarity_graph(rows)
    assert edges(counted) == edges(multiplied)
    assert counted.edges > 20 * len(terms)
    assert np.array_equal(counted.degrees, multiplied.degrees)
    # Equal to float rounding: scipy sums each row's neighbours in its product's order.
    assert lexrank_scores(terms) == pytest.approx(scores[0], rel=1e-12, abs=0)
    assert lexrank_scores(terms, bias) == pytest.approx(scores[1], rel=1e-12, abs=0)
    assert np.max(np.abs(np.array(scores[0]) - sumy_scores(terms))) < SCORE_TOLERANCE


def test_tfidf_rows_are_sumys_weights(indexer: TermIndexer) -> None:
    # sumy's tf (count over the sentence's highest count) times its idf, made unit length.
    sentences = seed_sentences(indexer)[:80]
    terms = indexer.terms_many(sentences)
    rows = rank.tfidf_rows(terms)
    summarizer = LexRankSummarizer()
    tf = summarizer._compute_tf([list(t) for t in terms])
    idf = summarizer._compute_idf([list(t) for t in terms])
    coded = rank.TermCodes(terms)
    for i, sentence_terms in enumerate(terms):
        expected = {t: tf[i][t] * idf[t] for t in set(sentence_terms) if tf[i][t] * idf[t] != 0}
        norm = sum(v * v for v in expected.values()) ** 0.5
        start, stop = rows.indptr[i], rows.indptr[i + 1]
        got = {
            coded.vocabulary[c]: v
            for c, v in zip(
                rows.indices[start:stop].tolist(), rows.data[start:stop].tolist(), strict=True
            )
        }
        assert got.keys() == expected.keys()
        for term, value in got.items():
            assert value == pytest.approx(expected[term] / norm, rel=1e-12)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # sumy's 0/0
def test_edge_cases_match_sumy() -> None:
    assert lexrank_scores([]) == []
    for terms in (
        [["xi"]],
        [[], []],
        [["xi", "putin"], ["xi", "putin"], ["xi", "putin"]],
        [["xi", "xi", "putin"], [], ["gas", "pipelin"], ["xi", "gas"]],
    ):
        assert lexrank_scores(terms) == pytest.approx(list(sumy_scores(terms)), abs=1e-12)


def personalised_reference(terms: Sequence[Sequence[str]], bias: np.ndarray, teleport: float):
    """Solve ``p = (1 - t) M'^T p + t b`` exactly, M' being sumy's matrix with empty rows -> b."""
    summarizer = LexRankSummarizer()
    sentences = [list(t) for t in terms]
    matrix = summarizer._create_matrix(
        sentences,
        summarizer.threshold,
        summarizer._compute_tf(sentences),
        summarizer._compute_idf(sentences),
    )
    empty = matrix.sum(axis=1) == 0
    matrix[empty] = bias
    n = len(terms)
    return np.linalg.solve(np.eye(n) - (1 - teleport) * matrix.T, teleport * bias)


def test_bias_gives_personalised_pagerank(indexer: TermIndexer) -> None:
    seeds = seed_sentences(indexer)
    # Repeated sentences (ranked once per distinct term list) and two without weighted terms.
    sentences = [*seeds[:60], *seeds[:10], "", "Short."]
    terms = indexer.terms_many(sentences)
    # Copies of one sentence get different weights: their scores must differ accordingly.
    bias = np.array([(3.0 if "Ukraine" in s else 0.0) + i % 3 for i, s in enumerate(sentences)])
    assert bias.sum() > 0
    for teleport in (0.15, 0.5, 1.0):
        ours = lexrank_scores(terms, bias=list(bias), teleport=teleport)
        expected = personalised_reference(terms, bias / bias.sum(), teleport)
        assert sum(ours) == pytest.approx(1.0)
        assert np.max(np.abs(np.array(ours) - expected)) < 1e-6
    # Teleporting always (teleport=1) returns the bias itself.
    assert lexrank_scores(terms, bias=list(bias), teleport=1.0) == pytest.approx(
        list(bias / bias.sum())
    )


def test_bias_moves_the_ranking_toward_biased_sentences(indexer: TermIndexer) -> None:
    sentences = seed_sentences(indexer)
    terms = indexer.terms_many(sentences)
    plain = lexrank_scores(terms)
    favourite = min(range(len(terms)), key=lambda i: plain[i] if len(terms[i]) > 5 else 1.0)
    bias = [0.0] * len(terms)
    bias[favourite] = 1.0
    biased = lexrank_scores(terms, bias=bias)
    assert top(biased, 1) == [favourite]
    assert top(plain, 1) != [favourite]


def test_zero_bias_is_no_bias(indexer: TermIndexer) -> None:
    terms = indexer.terms_many(seed_sentences(indexer)[:40])
    assert lexrank_scores(terms, bias=[0.0] * len(terms)) == lexrank_scores(terms)


@pytest.mark.parametrize(
    ("bias", "teleport", "message"),
    [
        ([1.0], 0.15, "bias has 1 weights for 2 sentences"),
        ([1.0, -1.0], 0.15, "non-negative"),
        ([1.0, float("nan")], 0.15, "finite"),
        ([1.0, 1.0], 0.0, "teleport"),
        ([1.0, 1.0], 1.5, "teleport"),
    ],
)
def test_bad_bias_or_teleport_is_refused(bias: list[float], teleport: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        lexrank_scores([["xi", "putin"], ["gas"]], bias=bias, teleport=teleport)


def test_blocks_hold_at_most_the_entry_budget(
    indexer: TermIndexer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scipy.sparse as sp

    rows = rank.tfidf_rows(indexer.terms_many(seed_sentences(indexer)))
    n = rows.n
    monkeypatch.setattr(rank, "_BLOCK_ENTRIES", 2 * n)
    blocks = rank._blocks(rows)
    assert blocks[0][0] == 0 and blocks[-1][1] == n
    assert all(a < b for a, b in blocks)
    assert all(b == c for (_, b), (c, _) in itertools.pairwise(blocks))
    matrix = sp.csr_matrix((rows.data, rows.indices, rows.indptr), shape=(n, rows.columns))
    for start, stop in blocks:
        assert (matrix[start:stop] @ matrix.T).nnz <= 2 * n
