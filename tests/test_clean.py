"""Cleaning keeps article prose and drops site furniture, line by line and sentence by sentence."""

from __future__ import annotations

import json
import re
import string
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ingest.extract import extract_article
from bot.ingest.load import article_files, load_file
from bot.text.clean import (
    _BOILERPLATE,
    _BOILERPLATE_PHRASES,
    _BOILERPLATE_SOURCE,
    _DATE_LINE,
    _MAX_TITLE_WORDS,
    _PROMO_PREFIX,
    _SPACES,
    _STRAY_MARKUP,
    _TAIL_MARKERS,
    CleanText,
    _fold,
    clean_lines,
    ends_like_prose,
    is_boilerplate,
    keep_sentence,
    letter_counts,
    normalize,
)
from bot.text.split import OfflineTokenizer
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


# Cleaning looks at most lines only through C string methods (a printable line has nothing to
# drop, a line without "*" no stars to strip, a line without a phrase's clue no phrase); it must
# keep and drop exactly what the plain line-by-line rules keep and drop.


def plain_clean_lines(text: str) -> CleanText:
    title: str | None = None
    date_line: str | None = None
    lines: list[str] = []
    for raw in plain_normalize(text).split("\n"):
        line = _SPACES.sub(" ", _STRAY_MARKUP.sub(" ", raw)).strip()
        if not line:
            continue
        match = _DATE_LINE.match(line)
        if match and not lines and title is None:
            date_line = match.group(1)
            line = match.group(2).strip()
            if not line:
                continue
        if _TAIL_MARKERS.match(line):
            break
        if plain_is_boilerplate(line):
            continue
        if not lines and title is None and not ends_like_prose(line):
            if len(line.split()) <= _MAX_TITLE_WORDS:
                title = line
            continue
        lines.append(line)
    return CleanText(title=title, lines=tuple(lines), date_line=date_line)


def plain_keep_sentence(sentence: str) -> bool:
    return (
        ends_like_prose(sentence)
        and not plain_is_boilerplate(sentence)
        and any(c.isalpha() for c in sentence)
    )


DATA = Path(__file__).parent / "data"


def real_bodies() -> list[str]:
    """Every real article text at hand: the seeds, MultiLing 2011, the saved web pages."""
    bodies = [load_file(p, 2_000_000, {}).text for p in article_files([SEEDS])]
    for line in (DATA / "eval" / "multiling2011_en.jsonl").read_text("utf-8").splitlines():
        bodies.extend(doc["text"] for doc in json.loads(line)["docs"])
    for page in sorted((DATA / "web").glob("*.html")):
        bodies.append(extract_article(page.read_bytes(), page.name).article.text)
    return bodies


def test_cleaning_decides_as_the_plain_rules_on_all_real_text() -> None:
    tokenizer = OfflineTokenizer()
    bodies = real_bodies()
    assert len(bodies) > 100
    for body in bodies:
        cleaned = clean_lines(body)
        assert cleaned == plain_clean_lines(body)
        for line in normalize(body).split("\n"):
            assert is_boilerplate(line) == plain_is_boilerplate(line), line
        for line in cleaned.lines:
            for sentence in tokenizer.to_sentences(line):
                assert keep_sentence(sentence) == plain_keep_sentence(sentence), sentence


_DOCUMENT = st.lists(
    st.one_of(
        _TEXT,
        st.sampled_from(("\n", "\r\n", "\r", "*", "**", " ", "  ", "\t", "\u00a0", "\u200b")),
        st.sampled_from(("Date 2022-09-15 ", "Related stories", "Advertisement", "ALERT: ")),
        st.sampled_from(("He said. ", "Photo by AP", "SIGN UP TODAY", "Terms of use", "İmage:")),
    ),
    max_size=30,
).map("".join)


@given(_DOCUMENT)
@settings(max_examples=400, deadline=None)
def test_cleaning_decides_as_the_plain_rules_on_generated_text(text: str) -> None:
    assert clean_lines(text) == plain_clean_lines(text)
    assert keep_sentence(text) == plain_keep_sentence(text)


def test_folding_keeps_what_a_case_blind_search_sees() -> None:
    every = "".join(map(chr, range(0x110000)))
    folded = _fold(every)
    assert len(folded) == len(every)
    # One character for one, and word boundaries, spaces and line ends stay where they were.
    for pattern in (r"\w", r"\s", r"\n"):
        assert [m.start() for m in re.finditer(pattern, folded)] == [
            m.start() for m in re.finditer(pattern, every)
        ]
    # What a case-blind search takes for printable ASCII is exactly what folds into it.
    ascii_like = [m.start() for m in re.finditer(r"[\x20-\x7e]", every, re.IGNORECASE)]
    assert ascii_like == [m.start() for m in re.finditer(r"[\x20-\x7e]", folded)]
    for index in ascii_like:
        assert re.fullmatch(re.escape(folded[index]), every[index], re.IGNORECASE)
        assert not folded[index].isupper()


@pytest.mark.parametrize(("clue", "phrase"), _BOILERPLATE_PHRASES)
@given(data=st.data())
@settings(max_examples=25, deadline=None)
def test_every_boilerplate_match_holds_its_clue(
    clue: str, phrase: str, data: st.DataObject
) -> None:
    text = data.draw(st.from_regex(re.compile(phrase, re.IGNORECASE)))
    assert clue in _fold(text)


def test_capitals_rule_decides_as_the_plain_rule_around_its_threshold() -> None:
    # Lines in capitals are dropped without counting letters only where the lower case rules
    # them out; around 80% capitals, the fast path must still decide as the plain rule.
    for upper in range(40):
        for lower in range(12):
            for filler in ("", " ", "1 ", "É", "é"):
                text = "A" * upper + filler * 3 + "b" * lower
                assert is_boilerplate(text) == plain_is_boilerplate(text), text
