"""Captions and list entries state nothing: no point, and no lead of their article."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.brief.corpus import build_corpus
from bot.brief.select import SelectionLimits
from bot.brief.summarize import summarize
from bot.ingest.inputs import cluster_articles
from bot.models import SentenceRecord
from bot.text.clauses import statement_positions, states_something
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer

EVAL = Path(__file__).parent / "data" / "eval" / "multiling2011_en.jsonl"

# Real lines of the MultiLing 2011 WikiNews articles (CC BY 3.0) and the saved pages.
CAPTIONS = [
    "Ambulances at Russell Square, London after the July 7, 2005 bombings.",
    "HMS Cornwall at Zeebrugge in 2006.",
    "The intended route of Flight 447.",
    "Agustín Ross Balcony after the earthquake and tsunami.",
    "Hasib Hussain, 18, from Leeds.",
    "Alejandro Mella.",
]
STATEMENTS = [
    # Short sentences whose verb is irregular, plural, after a name or a pronoun, or contracted.
    "Sidique Khan and Tanweer meet Lindsay at Luton Station at 8:10 a.m.",
    "In part, they result from a reassessment of prehistoric climate data.",
    "Japan tops the U.S.",
    "The Department of Defense denies any Pentagon approval for any abuse.",
    "Mainland China National Team withdrew the championship.",
    "Tomorrow is a rest day for the Tour.",
    "Airlifts stopped Wednesday due to logistical issues.",
    "Houses were searched in the Burley, Beeston and Holbeck areas.",
    "It's over.",
    "Police arrested ten people.",
    # Longer than a caption: judged prose whatever its words.
    "Beached boat in Galle, Sri Lanka after the 2004 tsunami, seen from the old fort walls on "
    "the morning after.",
]


@pytest.mark.parametrize("caption", CAPTIONS)
def test_a_caption_or_list_entry_states_nothing(caption: str) -> None:
    assert not states_something(caption, "en")


@pytest.mark.parametrize("sentence", STATEMENTS)
def test_a_short_sentence_with_a_verb_states_something(sentence: str) -> None:
    assert states_something(sentence, "en")


def test_only_english_is_judged() -> None:
    assert states_something("HMS Cornwall à Zeebrugge en 2006.", "fr")


def test_a_caption_above_the_lead_does_not_take_the_leads_place() -> None:
    texts = [
        "Ambulances at Russell Square, London after the July 7, 2005 bombings.",
        "A permanent memorial for the victims of the July 7, 2005 London bombings has been "
        "unveiled in Hyde Park, London, England.",
        "Today is the fourth anniversary of the bombings.",
    ]
    records = [SentenceRecord(n, 7, n, text) for n, text in enumerate(texts)]
    other = SentenceRecord(3, 8, 0, "HMS Cornwall at Zeebrugge in 2006.")
    assert statement_positions([*records, other], "en") == [0, 0, 1, 0]
    assert statement_positions([*records, other], "fr") == [0, 1, 2, 0]
    # Sentences given without the rest of their article keep their stored places.
    later = [SentenceRecord(n, 9, position, texts[2]) for n, position in enumerate((4, 6))]
    assert statement_positions(later, "en") == [4, 6]
    # In any order given, each sentence keeps its own place.
    mixed = [other, records[2], records[0], records[1]]
    assert statement_positions(mixed, "en") == [0, 1, 0, 0]


def test_the_london_bombings_brief_states_the_memorial_not_the_photo_caption() -> None:
    indexer = TermIndexer(OfflineTokenizer())
    line = EVAL.read_text(encoding="utf-8").splitlines()[1]
    corpus = build_corpus(cluster_articles(line, "M001"), indexer)
    brief = summarize(corpus, indexer, SelectionLimits(points=10_000, words=250))
    texts = [p.text for p in brief.points]
    assert not any(t.startswith("Ambulances at Russell Square") for t in texts)
    assert any("permanent memorial" in t for t in texts)
