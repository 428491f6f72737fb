"""Bias vectors: lead position and free-text query."""

from __future__ import annotations

import math

import pytest

from bot.brief.prior import combine, position_prior, query_prior
from bot.models import SentenceRecord


def test_position_prior_is_one_at_each_lead_and_fades() -> None:
    records = [
        SentenceRecord(n, article, pos, "x")
        for n, (article, pos) in enumerate([(1, 0), (1, 1), (1, 2), (2, 0)])
    ]
    prior = position_prior(records, decay=2.0)
    assert prior[0] == prior[3] == 1.0
    assert prior[1] == pytest.approx(math.exp(-0.5))
    assert prior[0] > prior[1] > prior[2]


def test_query_prior_is_the_share_of_query_terms_present() -> None:
    terms = [("power", "siberia", "pipelin"), ("naval", "drill"), ("siberia", "gas")]
    assert query_prior(terms, ("power", "siberia", "pipelin")) == pytest.approx([1.0, 0.0, 1 / 3])
    assert query_prior(terms, ()) == [0.0, 0.0, 0.0]


def test_combine_multiplies_the_given_priors() -> None:
    assert combine(None, None) is None
    assert combine([1.0, 0.5], None) == [1.0, 0.5]
    assert combine([1.0, 0.5], [0.0, 0.5]) == [0.0, 0.25]
