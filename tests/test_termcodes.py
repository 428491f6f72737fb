"""Term codes: the same term lists, coded once for rank and dedupe."""

from __future__ import annotations

from bot.text.termcodes import TermCodes


def test_codes_spell_the_terms_back() -> None:
    terms = [("xi", "putin", "xi"), (), ("gas", "putin")]
    coded = TermCodes(terms)
    assert list(coded) == terms
    assert len(coded) == 3
    assert coded.vocabulary == ("xi", "putin", "gas")
    assert [[coded.vocabulary[c] for c in coded.codes(i)] for i in range(3)] == [
        list(t) for t in terms
    ]
    assert coded.sentence_of.tolist() == [0, 0, 0, 2, 2]
    assert TermCodes.of(coded) is coded


def test_no_terms_at_all() -> None:
    coded = TermCodes([(), ()])
    assert coded.size == 1
    assert len(coded.ids) == 0
    assert coded.codes(1).tolist() == []
