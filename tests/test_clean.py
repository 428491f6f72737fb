"""Cleaning keeps article prose and drops site furniture, line by line and sentence by sentence."""

from __future__ import annotations

import string
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.clean import (
    _BOILERPLATE,
    _BOILERPLATE_SOURCE,
    _PROMO_PREFIX,
    _SPACES,
    clean_lines,
    is_boilerplate,
    keep_sentence,
    letter_counts,
    normalize,
)
from tests.conftest import SEEDS


def seed(name: str) -> str:
    return next(SEEDS.glob(f"{name}_*.txt")).read_text(encoding="utf-8")


def test_first_unpunctuated_line_is_the_title() -> None:
    cleaned = clean_lines(seed("003"))
    assert cleaned.title == "Xi, Putin affirm China-Russia cooperation amid sanctions on Russia"
    assert not any(line.startswith("Xi, Putin affirm") for line in cleaned.lines)


def test_date_line_gives_date_and_title() -> None:
    cleaned = clean_lines(seed("002"))
    assert cleaned.date_line == "2022-09-15"
    assert (
        cleaned.title == "China and Russia Look to Form a New International Order to Rival the West"
    )


def test_everything_after_the_share_prompt_is_cut() -> None:
    lines = clean_lines(seed("002")).lines
    text = "\n".join(lines)
    assert "Like us on Facebook" not in text
    assert "Strathcona" not in text and "HelloFresh" not in text
    assert lines[-1].startswith("While China has fallen short")


def test_promo_lines_dropped_and_stars_removed() -> None:
    text = "\n".join(clean_lines(seed("001")).lines + clean_lines(seed("004")).lines)
    assert "ALERT" not in text
    assert "*" not in text
    assert "No comments" not in text and "Post a Comment" not in text


@pytest.mark.parametrize(
    "line",
    [
        "RUSSIANS SET UP METHOD TO CONVERT WIRE CURRENCY INTO CHINESE YUAN, SPARKING FEARS OF ALLIANCE",
        "Read more: China, Russia to hold joint naval drills: WSJ",
        "ALERT: China’s ‘Mars Space Ladder’ is trying to beat the United States",
        "Sign up for a free account today, and receive top headlines in your inbox Monday to Saturday.",
        "This site is protected by reCAPTCHA and the Google Privacy Policy and Terms of Service apply.",
        "A link has been emailed to you - check your inbox.",
        "Ron Kerr is running for re-election for city councllor. Photo contributed",
        "Advertisement",
    ],
)
def test_boilerplate_lines(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "sentence",
    [
        "China hasn’t directly condemned the Russian invasion.",
        '"Beijing claims to be neutral," a State Department spokesperson said.',
        "The US is concerned by China's alignment with Russia, the NATO chief said.",
    ],
)
def test_prose_is_kept(sentence: str) -> None:
    assert keep_sentence(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "US condemns cooperation",
        "Xi Jinping said to Putin:‘I Have a Similar Personality to Yours",
        "!!!",
    ],
)
def test_headlines_and_fragments_are_not_sentences(sentence: str) -> None:
    assert not keep_sentence(sentence)


def test_normalize_strips_controls_and_invisible_marks() -> None:
    assert normalize("a\u202eb\u200bc\x07d\te  f\r\ng") == "abcd e f\ng"


# The fast paths (printable ASCII skipped in normalize, letters counted in C, the boilerplate
# search on lower-cased ASCII) must decide exactly as the plain character-by-character rules.


def plain_normalize(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    kept = []
    for ch in text:
        if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs"):
            kept.append(ch)
        elif ch == "\t":
            kept.append(" ")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in "".join(kept).split("\n"))


def plain_is_boilerplate(text: str) -> bool:
    if _PROMO_PREFIX.match(text) or _BOILERPLATE.search(text):
        return True
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.8


_TEXT = st.lists(
    st.one_of(
        st.characters(),
        st.sampled_from(string.printable),
        st.sampled_from(("Sign up for our newsletter", "PHOTO: ", "Click HERE", "ſ", "K", "İ")),
    ),
    max_size=60,
).map("".join)


@given(_TEXT)
@settings(max_examples=500, deadline=None)
def test_fast_paths_decide_as_the_plain_rules(text: str) -> None:
    assert normalize(text) == plain_normalize(text)
    assert is_boilerplate(text) == plain_is_boilerplate(text)
    letters = [c for c in text if c.isalpha()]
    assert letter_counts(text) == (len(letters), sum(c.isupper() for c in letters))


def test_fast_paths_decide_as_the_plain_rules_on_the_seeds() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert normalize(text) == plain_normalize(text)
        for line in normalize(text).split("\n"):
            assert is_boilerplate(line) == plain_is_boilerplate(line), line


def test_boilerplate_phrases_are_written_in_lower_case() -> None:
    # Searching lower-cased text finds what the case-blind search finds only for such a pattern.
    assert _BOILERPLATE_SOURCE.lower() == _BOILERPLATE_SOURCE
