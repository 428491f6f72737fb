"""LexRank scores: sumy's when unbiased, personalised PageRank when given a bias vector."""

from __future__ import annotations

import pytest

from bot.index import TermIndexer
from bot.rank import lexrank_scores

SENTENCES = [
    "Gazprom said the Power of Siberia pipeline will carry more gas to China next year.",
    "The pipeline carries Russian gas from Siberia to northern China.",
    "China and Russia held joint naval drills in the East China Sea.",
    "Russian warships joined Chinese destroyers for the naval drills.",
    "The drills followed a visit by China's top diplomat to Moscow.",
]


@pytest.fixture(scope="module")
def terms() -> list[tuple[str, ...]]:
    from bot.split import OfflineTokenizer

    return TermIndexer(OfflineTokenizer()).terms_many(SENTENCES)


def test_no_bias_and_an_all_zero_bias_are_sumy_lexrank(terms: list[tuple[str, ...]]) -> None:
    plain = lexrank_scores(terms)
    assert lexrank_scores(terms, [0.0] * len(terms)) == plain
    assert len(plain) == len(terms) and all(s >= 0 for s in plain)


def test_bias_moves_mass_toward_the_favoured_sentences(terms: list[tuple[str, ...]]) -> None:
    plain = lexrank_scores(terms)
    toward_first = lexrank_scores(terms, [1.0, 0, 0, 0, 0], teleport=0.5)
    assert sum(toward_first) == pytest.approx(1.0)
    share_plain = plain[0] / sum(plain)
    assert toward_first[0] > share_plain
    # Mass flows along similarity: the other pipeline sentence gains on the drills sentences.
    assert toward_first[1] > toward_first[3]


def test_full_teleport_returns_the_bias_itself(terms: list[tuple[str, ...]]) -> None:
    scores = lexrank_scores(terms, [2.0, 1.0, 1.0, 0.0, 0.0], teleport=1.0)
    assert scores == pytest.approx([0.5, 0.25, 0.25, 0.0, 0.0])


def test_bias_of_the_wrong_length_is_refused(terms: list[tuple[str, ...]]) -> None:
    with pytest.raises(ValueError, match="bias has 2 weights for 5 sentences"):
        lexrank_scores(terms, [1.0, 1.0])


def test_sentences_without_terms_hand_their_mass_back() -> None:
    scores = lexrank_scores([("gas", "pipelin"), (), ("gas", "china")], [1.0, 1.0, 1.0])
    assert sum(scores) == pytest.approx(1.0)
    # No edge leads into it, so it keeps only what teleports to it.
    assert 0 < scores[1] < min(scores[0], scores[2])
