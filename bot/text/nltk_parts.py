"""NLTK's and sumy's word tokenizer, stemmers and stop words, without NLTK's package import.

``import nltk`` costs about a second and a half: NLTK's package ``__init__`` imports nearly all
of NLTK, including ``nltk.metrics`` and through it ``scipy.stats``. sumy's stemmer module does
``import nltk.stem.snowball``, which runs that ``__init__`` first. briefbot needs three small
modules of NLTK (the Snowball stemmers, the Treebank-style word tokenizer) and sumy's stop-word
lists, so it loads those modules' own code while the package ``__init__`` files above them are
skipped: for the duration of the import, bare package objects (the real folders as their path,
none of their ``__init__`` code run) stand in for ``nltk``, ``nltk.stem``, ``nltk.tokenize``
and ``nltk.corpus``. The semantics are NLTK's and sumy's own code, unchanged; tests hold the
terms equal to sumy's over large real vocabularies in every language briefbot uses.

Nothing of this leaks: every module the import added to ``sys.modules`` is taken out again,
so a later ``import nltk`` anywhere in the process gets the real, complete package. When NLTK
is already imported, the real modules are used directly.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from collections.abc import Callable, Iterable
from functools import cache
from importlib.resources import files
from types import ModuleType
from typing import Any

Stemmer = Callable[[str], str]

_LOCK = threading.Lock()
# The packages whose __init__ is skipped. nltk.corpus's __init__ imports every corpus reader;
# the Snowball module imports its `stopwords` loader only for `ignore_stopwords=True`, which
# sumy never passes, so a stand-in whose use fails loudly is enough.
_NLTK_BARE = ("nltk", "nltk.stem", "nltk.tokenize", "nltk.corpus")
# sumy's own stemmers (Czech, Greek, ...) sit under a package whose __init__ imports NLTK.
_SUMY_STEMMERS = "sumy.nlp.stemmers"
# sumy.nlp.stemmers.Stemmer.SPECIAL_STEMMERS: languages with sumy's own stemmer module, and
# languages it does not stem at all (lower-casing only).
_SUMY_OWN_STEMMERS = {
    "czech": "czech",
    "slovak": "czech",
    "ukrainian": "ukrainian",
    "greek": "greek",
    "polish": "polish",
}
_UNSTEMMED = frozenset({"hebrew", "chinese", "japanese", "korean"})


class _UnavailableCorpus:
    """Stands in for ``nltk.corpus.stopwords``; briefbot never asks Snowball to use it."""

    def __getattr__(self, name: str) -> Any:
        raise LookupError("NLTK's stop-word corpus is not loaded by briefbot (bot.text.nltk_parts)")


def import_without_package_inits(name: str, bare: Iterable[str]) -> ModuleType:
    """Import module ``name`` with the ``__init__`` of each package in ``bare`` skipped.

    ``bare`` lists packages parents first. The module and everything it imports are returned
    to the caller only: ``sys.modules`` is left as it was.
    """
    with _LOCK:
        # A package already imported for real stays as it is: there is nothing left to save.
        missing = [package for package in bare if package not in sys.modules]
        if not missing:
            return importlib.import_module(name)
        before = set(sys.modules)
        try:
            for package in missing:
                sys.modules[package] = _bare_package(package)
            if "nltk.corpus" in missing:
                sys.modules["nltk.corpus"].stopwords = _UnavailableCorpus()  # type: ignore[attr-defined]
            return importlib.import_module(name)
        finally:
            for added in set(sys.modules) - before:
                del sys.modules[added]


def _bare_package(name: str) -> ModuleType:
    parent, _, child = name.rpartition(".")
    if parent:
        if parent not in sys.modules:  # a light parent (``sumy``) is imported as it is
            importlib.import_module(parent)
        path = [f"{folder}/{child}" for folder in sys.modules[parent].__path__]
    else:
        spec = importlib.util.find_spec(name)  # finds the package without running it
        if spec is None or spec.submodule_search_locations is None:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        path = list(spec.submodule_search_locations)
    module = ModuleType(name)
    module.__path__ = path
    module.__package__ = name
    return module


@cache
def word_tokenizer_class() -> type[Any]:
    """NLTK's ``NLTKWordTokenizer`` (the Treebank-style tokenizer of ``word_tokenize``)."""
    module = import_without_package_inits("nltk.tokenize.destructive", _NLTK_BARE)
    tokenizer: type[Any] = module.NLTKWordTokenizer
    return tokenizer


def normalize_language(language: str) -> str:
    """sumy's language name: ``sumy.utils.normalize_language`` (ISO codes become names)."""
    lowered = language.lower()
    if len(lowered) > 3:  # a name already; only 2- and 3-letter codes need pycountry's table
        return lowered
    from sumy.utils import normalize_language as sumy_normalize  # pycountry, requests

    return str(sumy_normalize(language))


@cache
def stop_words(language: str) -> frozenset[str]:
    """sumy's stop words for ``language``: ``sumy.utils.get_stop_words``, read the same way."""
    name = normalize_language(language)
    try:
        data = (files("sumy") / "data" / "stopwords" / f"{name}.txt").read_bytes()
    except OSError as exc:
        raise LookupError(f"Stop-words are not available for language {name}.") from exc
    # sumy.utils.parse_stop_words, exactly.
    return frozenset(w.rstrip() for w in data.decode("utf-8").splitlines() if w)


@cache
def stemmer(language: str) -> Stemmer:
    """sumy's ``Stemmer(language)``: its own stemmers, NLTK's Snowball ones, or lower-casing."""
    name = normalize_language(language)
    if name in _UNSTEMMED:
        return str.lower
    if name in _SUMY_OWN_STEMMERS:
        module = import_without_package_inits(
            f"{_SUMY_STEMMERS}.{_SUMY_OWN_STEMMERS[name]}", ("sumy.nlp", _SUMY_STEMMERS)
        )
        own: Stemmer = module.stem_word
        return own
    snowball = import_without_package_inits("nltk.stem.snowball", _NLTK_BARE)
    try:
        stemmer_class = getattr(snowball, name.capitalize() + "Stemmer")
    except AttributeError:
        raise LookupError(f"Stemmer is not available for language {name}.") from None
    snowball_stem: Stemmer = stemmer_class().stem
    return snowball_stem
