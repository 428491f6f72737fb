"""sumy's terms without NLTK's package import: the same stemmers, stop words and word tokenizer.

The lean loader (bot.text.nltk_parts) runs NLTK's and sumy's own code with their package
``__init__`` files skipped; these tests hold its results equal to sumy's and NLTK's public API
(which import everything) over large real vocabularies, and check that nothing leaks.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest
from nltk.tokenize import NLTKWordTokenizer
from sumy.nlp.stemmers import Stemmer
from sumy.utils import get_stop_words

from bot.text import nltk_parts
from tests.conftest import SEEDS

EVAL = Path(__file__).parent / "data" / "eval" / "multiling2011_en.jsonl"
SUMY_LANGUAGES = sorted(
    p.name.removesuffix(".txt")
    for p in files("sumy").joinpath("data", "stopwords").iterdir()
    if p.name.endswith(".txt")
)


def english_texts() -> list[str]:
    """Every article of the MultiLing 2011 English set, and the seed corpus."""
    texts = [
        doc["text"]
        for line in EVAL.read_text(encoding="utf-8").splitlines()
        for doc in json.loads(line)["docs"]
    ]
    return texts + [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]


def english_vocabulary() -> list[str]:
    words = {w.lower() for text in english_texts() for w in re.findall(r"[^\W\d_][\w'-]*", text)}
    return sorted(words)


def test_english_stems_equal_sumys_over_a_large_real_vocabulary() -> None:
    vocabulary = english_vocabulary()
    assert len(vocabulary) > 5_000
    sumy_stem, lean_stem = Stemmer("english"), nltk_parts.stemmer("english")
    assert [lean_stem(w) for w in vocabulary] == [sumy_stem(w) for w in vocabulary]


@pytest.mark.parametrize("language", SUMY_LANGUAGES)
def test_every_sumy_language_stems_and_stops_as_sumy_does(language: str) -> None:
    expected_stop_words = get_stop_words(language)
    assert nltk_parts.stop_words(language) == expected_stop_words
    try:
        sumy_stem = Stemmer(language)
        sumy_stem("probe")
    except (LookupError, ImportError, ValueError) as exc:
        # sumy has no stemmer for it, or needs a package not installed (greek, polish).
        with pytest.raises(type(exc)):
            nltk_parts.stemmer(language)("probe")
        return
    # The language's own stop words are real words of it, in its script.
    words = sorted(expected_stop_words) + english_vocabulary()[:2_000]
    lean_stem = nltk_parts.stemmer(language)
    assert [lean_stem(w) for w in words] == [sumy_stem(w) for w in words]


def test_iso_codes_are_sumys_language_names() -> None:
    assert nltk_parts.stop_words("en") == get_stop_words("en")
    assert nltk_parts.stemmer("fr")("continuerait") == Stemmer("fr")("continuerait")


def test_the_word_tokenizer_is_nltks() -> None:
    lean, real = nltk_parts.word_tokenizer_class()(), NLTKWordTokenizer()
    lines = [line for text in english_texts() for line in text.splitlines() if line.strip()]
    assert len(lines) > 800  # paragraphs, ~3,000 sentences
    assert [lean.tokenize(line) for line in lines] == [real.tokenize(line) for line in lines]


def run_python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return result.stdout.strip()


def test_loading_the_terms_imports_neither_nltk_nor_scipy_and_leaks_nothing() -> None:
    out = run_python(
        "import sys\n"
        "from bot.text import nltk_parts\n"
        "stem = nltk_parts.stemmer('english'); nltk_parts.word_tokenizer_class()\n"
        "print(stem('running'), sorted(m for m in sys.modules"
        " if m.split('.')[0] in ('nltk', 'scipy')))\n"
        # A later real import gets the whole package, as if nothing had happened.
        "import nltk\n"
        "print(nltk.stem.snowball.EnglishStemmer().stem('running'), 'nltk.metrics' in sys.modules)"
    )
    assert out.splitlines() == ["run []", "run True"]


def test_command_line_start_up_loads_only_what_the_command_uses(tmp_path: Path) -> None:
    # Not a timing (bench/ measures those): which heavy libraries each path imports at all.
    heavy = ("nltk", "scipy", "numpy", "httpx", "trafilatura", "discord", "slack_bolt", "sumy")
    db = tmp_path / "store.sqlite3"
    code = (
        "import sys\n"
        "from bot.cli import main\n"
        f"assert main(['--db', {str(db)!r}, sys.argv[1]]) == 0\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r})))\n"
    )
    imported = {}
    for command in ("topics", "topics", "articles", "doctor"):  # the first run seeds the store
        result = subprocess.run(
            [sys.executable, "-c", code, command],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        imported[command] = result.stdout.strip().splitlines()[-1]
    assert imported == {"topics": "[]", "articles": "[]", "doctor": "[]"}


def test_dedupe_cosine_is_sumys_lexrank_cosine() -> None:
    import math
    from collections import Counter

    from sumy.summarizers.lex_rank import LexRankSummarizer

    from bot.brief.dedupe import idf_modified_cosine
    from bot.text.split import OfflineTokenizer
    from bot.text.terms import TermIndexer
    from tests.conftest import seed_sentences

    indexer = TermIndexer(OfflineTokenizer())
    terms = indexer.terms_many(seed_sentences(indexer))
    df = Counter(t for sentence in terms for t in set(sentence))
    idf = {t: math.log(len(terms) / (1 + n)) for t, n in df.items()}

    def tf(sentence: tuple[str, ...]) -> dict[str, float]:
        counts = Counter(sentence)
        return {t: c / max(counts.values()) for t, c in counts.items()}

    pairs = [(a, b) for a in terms[:60] for b in terms[:60]]
    assert [idf_modified_cosine(a, b, tf(a), tf(b), idf) for a, b in pairs] == [
        LexRankSummarizer.cosine_similarity(a, b, tf(a), tf(b), idf) for a, b in pairs
    ]
