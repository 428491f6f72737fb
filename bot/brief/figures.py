"""Figures and disagreements: counts of people, money and percentages that outlets report, and
the quantities they disagree on.

Precision over recall: a false conflict is worse than a missed one, so every rule below drops a
figure rather than guess (the rules and what they miss are explained in docs/story.md).

A figure is kept only when a fixed pattern says what it measures: "52 people were killed",
"killing at least 214 people", "the death toll rose to 110,000", "222,570 deaths", "$500
million in aid", "unemployment rose to 5.2%". Its *quantity* is the measure plus its scope:
the proper names in the figure's own clause ("in Indonesia alone" makes a different quantity
from the overall toll). Figures in speculative clauses ("could rise to", "may have"), in
clauses naming another year, and in articles that give two values for one quantity are
dropped. Two values disagree only when they differ as numbers, come from different outlets,
and were published within ``PERIOD_DAYS`` of each other (a chain of reports, each within that
many days of the next, is one period).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from bot.models import FigureConflict, FigureCredit, FigureValue

# Reports of one quantity less than this many days apart belong to one period.
PERIOD_DAYS = 7
# A brief shows at most this many figure lines, the most reported quantities first.
MAX_LINES = 3


# Kind, measure, currency and scope: figures with equal quantities measure the same thing.
Quantity = tuple[str, str, str, tuple[str, ...]]


class FigureKind(StrEnum):
    """What sort of number a figure is."""

    PEOPLE = "people"
    MONEY = "money"
    PERCENT = "percent"


@dataclass(frozen=True)
class Figure:
    """One number in one sentence, with what it measures."""

    kind: FigureKind
    measure: str  # "Deaths", "Injured", "Aid", "Unemployment" … (a brief's label)
    value: Decimal
    written: str  # as a brief shows it: "at least 214", "$500 million", "5.2%"
    scope: tuple[str, ...]  # proper names that limit the quantity ("Indonesia"), sorted
    unit: str = ""  # the currency of money figures

    @property
    def quantity(self) -> Quantity:
        """Figures with equal quantities measure the same thing."""
        return (self.kind.value, self.measure, self.unit, self.scope)


@dataclass(frozen=True)
class FigureReport:
    """A figure as one article reported it; ``report`` names the independent report the
    article belongs to (bot/brief/corroboration.py), so copies of one report never disagree
    with each other."""

    figure: Figure
    credit: FigureCredit
    report: int


# --- numbers ------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


_UNITS = {
    w: n
    for n, w in enumerate(
        _words(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen "
            "fourteen fifteen sixteen seventeen eighteen nineteen"
        )
    )
}
_TENS = {
    w: 10 * n
    for n, w in enumerate(_words("twenty thirty forty fifty sixty seventy eighty ninety"), 2)
}
_WORD_NUMBER = (
    r"(?:(?:"
    + "|".join(_TENS)
    + r")(?:[- ](?:"
    + "|".join(k for k in _UNITS if _UNITS[k] < 10)
    + r"))?|"
    + "|".join(sorted(_UNITS, key=len, reverse=True))
    + r"|a dozen)"
)
_SCALES = {
    "thousand": 1_000,
    "million": 1_000_000,
    "billion": 1_000_000_000,
    "m": 1_000_000,
    "mn": 1_000_000,
    "bn": 1_000_000_000,
    "k": 1_000,
}
_NUM = (
    r"(?P<num>(?<![\d.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d,]*\.\d)|"
    + _WORD_NUMBER
    + r")(?:\s*(?P<scale>thousand|million|billion)\b|(?P<short>m|mn|bn|k)\b)?"
)
_QUALIFIER = (
    r"(?:(?P<qual>at least|more than|over|nearly|almost|about|around|approximately|roughly|"
    r"some|up to|as many as|as much as|fewer than|less than|exactly|an estimated|all|"
    r"close to|just over|just under|well over)\s+)?"
)


def parse_number(num: str, scale: str | None) -> Decimal | None:
    """'1,300,000' -> 1300000; 'Fifty-two' -> 52; '1.5' 'million' -> 1500000; 'a dozen' -> 12."""
    text = num.lower().replace(",", "")
    if text == "a dozen":
        value = Decimal(12)
    elif text in _UNITS:
        value = Decimal(_UNITS[text])
    elif (parts := re.split(r"[- ]", text))[0] in _TENS:
        value = Decimal(_TENS[parts[0]] + (_UNITS.get(parts[1], 0) if len(parts) > 1 else 0))
    else:
        try:
            value = Decimal(text)
        except InvalidOperation:
            return None
    if scale:
        value *= _SCALES[scale.lower()]
    return value.normalize()


# --- people -------------------------------------------------------------------------------

_NOUNS = (
    r"people|persons|civilians|children|soldiers|troops|police officers|policemen|officers|"
    r"protesters|demonstrators|workers|miners|students|residents|villagers|tourists|migrants|"
    r"militants|fighters|sailors|pilgrims|patients|prisoners|inmates|journalists|"
    r"passengers|crew members|crew|Britons|Americans|foreigners|victims"
)
_AUX = r"(?:\s+(?:who|that))?(?:\s+(?:were|was|are|is|have been|had been|has been|have|had))?"
_ADVERB = r"(?:\s+(?:also|reportedly|now|already|officially|so far|confirmed))?"
# Verbs and adjectives after a count, by measure.
_STATE = {
    "killed": "Deaths",
    "dead": "Deaths",
    "died": "Deaths",
    "confirmed dead": "Deaths",
    "injured": "Injured",
    "wounded": "Injured",
    "hurt": "Injured",
    "missing": "Missing",
    "unaccounted for": "Missing",
    "arrested": "Arrested",
    "detained": "Arrested",
    "evacuated": "Evacuated",
    "rescued": "Rescued",
    "displaced": "Displaced",
    "homeless": "Homeless",
    "made homeless": "Homeless",
    "left homeless": "Homeless",
}
_STATES = "|".join(sorted((re.escape(k) for k in _STATE), key=len, reverse=True))
# "52 people were killed", "approximately 700 were injured", "about 700 injured".
_COUNT_THEN_STATE = re.compile(
    rf"\b{_QUALIFIER}{_NUM}(?:\s+(?P<noun>{_NOUNS}))?{_AUX}{_ADVERB}\s+(?P<state>{_STATES})\b",
    re.IGNORECASE,
)
_ACT = {
    "killing": "Deaths",
    "killed": "Deaths",
    "kills": "Deaths",
    "kill": "Deaths",
    "injuring": "Injured",
    "injured": "Injured",
    "wounding": "Injured",
    "wounded": "Injured",
    "arrested": "Arrested",
    "arresting": "Arrested",
    "evacuated": "Evacuated",
    "rescued": "Rescued",
    "displacing": "Displaced",
    "displaced": "Displaced",
}
_ACTS = "|".join(sorted(_ACT, key=len, reverse=True))
# "killing at least 214 people", "killed about 200,000 people" (a noun is required).
_ACT_THEN_COUNT = re.compile(
    rf"\b(?P<act>{_ACTS})\s+{_QUALIFIER}{_NUM}\s+(?P<noun>{_NOUNS})\b", re.IGNORECASE
)
# "the death toll rose to 110,000", "The death toll, as of Friday, is estimated to be 110,000".
_TOLL = re.compile(
    r"\bdeath toll\b[^.;:\d]{0,45}?\b(?:of|to|at|is|was|passed|passing|past|reached|reaching|"
    r"hit|nearing|neared|exceeded|exceeding|topped|be|stood at|stands at|now)\s+"
    + _QUALIFIER
    + _NUM
    + r"(?!\s*(?:%|percent|per cent))",
    re.IGNORECASE,
)
# "222,570 deaths", "at least 12 fatalities".
_COUNT_DEATHS = re.compile(rf"\b{_QUALIFIER}{_NUM}\s+(?:deaths|fatalities)\b", re.IGNORECASE)
# "claimed more than 175,000 lives", "claimed the lives of 52 people".
_CLAIMED = re.compile(
    rf"\bclaim(?:ed|ing)\s+(?:the lives of\s+)?{_QUALIFIER}{_NUM}\s+(?:lives|people|victims)\b",
    re.IGNORECASE,
)
# "228 people on board", "carrying 216 passengers and 12 crew members".
_ABOARD = re.compile(
    rf"\b{_QUALIFIER}{_NUM}\s+(?P<noun>people|persons|passengers|crew members|crew)"
    rf"(?:\s+(?P<aboard>on board|aboard))?",
    re.IGNORECASE,
)
_CARRYING = re.compile(r"\b(?:carrying|carried|with)\s+$", re.IGNORECASE)

# --- money and percentages ----------------------------------------------------------------

_CURRENCY_SIGNS = {"$": "USD", "us$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
_CURRENCY_WORDS = {
    "dollars": "USD",
    "euros": "EUR",
    "euro": "EUR",
    "pounds": "GBP",
    "yen": "JPY",
    "yuan": "CNY",
    "rubles": "RUB",
    "roubles": "RUB",
}
_MONEY = re.compile(
    r"(?P<sign>US\$|\$|€|£|¥)\s?"
    + _NUM
    + r"|"
    + _NUM.replace("?P<num>", "?P<num2>")
    .replace("?P<scale>", "?P<scale2>")
    .replace("?P<short>", "?P<short2>")
    + r"\s+(?P<word>"
    + "|".join(_CURRENCY_WORDS)
    + r")\b",
    re.IGNORECASE,
)
# What a sum of money measures, by the words of its clause (the first match wins).
_MONEY_MEASURES = (
    ("Aid", r"\b(?:aid|pledg\w*|donat\w*|relief|raised|collected)\b"),
    ("Damage", r"\b(?:damages?|losses)\b"),
    ("Cost", r"\bcost(?:s|ing)?\b"),
    ("Fine", r"\b(?:fined?|penalty)\b"),
    ("Ransom", r"\bransom\b"),
    ("Bail", r"\bbail\b"),
)
_PERCENT = re.compile(rf"{_QUALIFIER}{_NUM}\s*(?:%|percent\b|per cent\b)", re.IGNORECASE)
_PERCENT_MEASURES = (
    ("Unemployment", r"\bunemployment\b"),
    ("Inflation", r"\binflation\b"),
    ("Turnout", r"\bturnout\b"),
    ("Economic growth", r"\b(?:gdp|economic growth|economy grew)\b"),
    ("Interest rate", r"\binterest rates?\b"),
)

# --- clauses and scope --------------------------------------------------------------------

# A clause boundary: the scope of a figure is the proper names of its own clause.
_CLAUSE_BREAK = re.compile(r"[;:()\[\]—–]|,\s|\s-\s|\s(?:and|but|while|whereas|after|as)\s")
# Words that make a figure a guess, not a report.
_SPECULATIVE = re.compile(
    r"\b(?:could|might|may|would|will|should|expected|feared|fears|likely|possibly|"
    r"potentially|projected|predicted|forecast|estimations|if)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_NAME = re.compile(r"\b[A-Z][\w’'-]*(?: [A-Z][\w’'-]*)*")
_NOT_SCOPE = frozenset(
    _words(
        "january february march april may june july august september october november december "
        "jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday "
        "friday saturday sunday today yesterday the a an in on at as about around some more "
        "nearly over officials official police authorities according it this that these those "
        "up least approximately almost all there they he she we i his her their its un"
    )
)
_SPEECH = re.compile(
    r"\b(?:said|says|say|told|reported|reports|according to|announced|confirmed|estimated|"
    r"estimates|estimate)\b",
    re.IGNORECASE,
)


def extract_figures(sentence: str, year: int | None = None) -> tuple[Figure, ...]:
    """The figures of one sentence whose measure a pattern names (see the module docstring).

    ``year`` is the year the article came out: a figure whose clause names another year
    belongs to another period and is dropped.
    """
    lower = sentence.lower()
    words = frozenset(_WORD.findall(lower))
    # Cheap tests first: most sentences hold no number, and most numbers no named measure
    # (each pattern below is only tried where its key words are).
    if not any(ch.isdigit() for ch in sentence) and not words & _NUMBER_WORDS:
        return ()
    found: dict[tuple[int, int], Figure] = {}
    for match, measure, kind in _people_matches(sentence, lower, words):
        _keep(found, sentence, match, measure, kind, year)
    money = bool(_CURRENCY_MARKS & set(sentence)) or bool(words & _CURRENCY_WORD_SET)
    percent = "%" in sentence or "percent" in words or "per cent" in lower
    for rx, measures, kind, present in (
        (_MONEY, _MONEY_MEASURES, FigureKind.MONEY, money),
        (_PERCENT, _PERCENT_MEASURES, FigureKind.PERCENT, percent),
    ):
        if not present:
            continue
        for match in rx.finditer(sentence):
            # What a sum or a share measures is said next to it, in its own clause.
            clause = _clause(sentence, match.start(), match.end())
            named = [m for m, words in measures if re.search(words, clause, re.IGNORECASE)]
            if named:
                _keep(found, sentence, match, named[0], kind, year)
    return tuple(found[k] for k in sorted(found))


_WORDY = re.compile(_WORD_NUMBER, re.IGNORECASE)
_WORD = re.compile(r"[a-z]+")
# Key words whose absence rules a pattern out before it is tried.
_NUMBER_WORDS = frozenset({*_UNITS, *_TENS, "dozen"})
_STATE_WORDS = frozenset(w for k in _STATE for w in k.split())
_ACT_WORDS = frozenset(_ACT)
_ABOARD_WORDS = frozenset({"board", "aboard", "carrying", "carried"})
_CURRENCY_MARKS = frozenset("$€£¥")
_CURRENCY_WORD_SET = frozenset(_CURRENCY_WORDS)


def _people_matches(
    sentence: str, lower: str, words: frozenset[str]
) -> Iterable[tuple[re.Match[str], str, FigureKind]]:
    if words & _STATE_WORDS:
        for match in _COUNT_THEN_STATE.finditer(sentence):
            noun = (match.group("noun") or "people").lower()
            state = _STATE[match.group("state").lower()]
            yield match, _with_group(state, noun), FigureKind.PEOPLE
    if words & _ACT_WORDS:
        for match in _ACT_THEN_COUNT.finditer(sentence):
            noun = match.group("noun").lower()
            yield match, _with_group(_ACT[match.group("act").lower()], noun), FigureKind.PEOPLE
    for rx, present in (
        (_TOLL, "death toll" in lower),
        (_COUNT_DEATHS, bool(words & {"deaths", "fatalities"})),
        (_CLAIMED, "claim" in lower),
    ):
        if not present:
            continue
        for match in rx.finditer(sentence):
            yield match, "Deaths", FigureKind.PEOPLE
    if not words & _ABOARD_WORDS:
        return
    for match in _ABOARD.finditer(sentence):
        noun = match.group("noun").lower()
        carrying = _CARRYING.search(sentence[: match.start()]) is not None
        if noun in ("people", "persons"):
            if match.group("aboard") or carrying:
                yield match, "People on board", FigureKind.PEOPLE
        elif noun == "passengers" and (match.group("aboard") or carrying):
            yield match, "Passengers", FigureKind.PEOPLE
        elif noun.startswith("crew") and (match.group("aboard") or carrying):
            yield match, "Crew", FigureKind.PEOPLE


def _with_group(measure: str, noun: str) -> str:
    """A count of a group other than people in general is another quantity: 'Deaths
    (children)' is not 'Deaths'."""
    return measure if noun in ("people", "persons", "victims") else f"{measure} ({noun})"


def _keep(
    found: dict[tuple[int, int], Figure],
    sentence: str,
    match: re.Match[str],
    measure: str,
    kind: FigureKind,
    year: int | None,
) -> None:
    groups = match.groupdict()
    num = groups.get("num") or groups.get("num2")
    if num is None:
        return
    span = match.span("num") if groups.get("num") else match.span("num2")
    if any(a <= span[0] < b for a, b in found):
        return  # the same number, already read by an earlier pattern
    scale = (
        groups.get("scale") or groups.get("short") or groups.get("scale2") or groups.get("short2")
    )
    value = parse_number(num, scale)
    if value is None or value <= 0:
        return
    # The whole sentence, not just the figure's clause, is searched for guesses, other years
    # and names: a wider scope can only make two figures different quantities.
    if _SPECULATIVE.search(sentence):
        return
    if year is not None and {int(y) for y in _YEAR.findall(sentence)} - {year}:
        return
    if kind is FigureKind.PEOPLE and value != value.to_integral_value():
        return  # "2.5 people" is a misreading
    unit = ""
    if kind is FigureKind.MONEY:
        sign = (groups.get("sign") or "").lower()
        word = (groups.get("word") or "").lower()
        unit = _CURRENCY_SIGNS[sign] if sign else _CURRENCY_WORDS[word]
    written = _written(match, num, scale, kind, unit)
    scope = _scope(sentence)
    found[(span[0], span[1])] = Figure(kind, measure, value, written, scope, unit)


def _written(match: re.Match[str], num: str, scale: str | None, kind: FigureKind, unit: str) -> str:
    qualifier = (match.groupdict().get("qual") or "").lower()
    number = f"{num}{' ' + scale.lower() if scale and len(scale) > 2 else scale or ''}"
    if kind is FigureKind.PERCENT:
        number += "%"
    elif kind is FigureKind.MONEY:
        sign = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}.get(unit)
        number = f"{sign}{number}" if sign else f"{number} {unit}"
    if qualifier == "all":
        qualifier = ""
    return f"{qualifier} {number}".strip()


def _clause(sentence: str, start: int, end: int) -> str:
    """The text from the clause break before ``start`` to the one after ``end``."""
    before = [m.end() for m in _CLAUSE_BREAK.finditer(sentence, 0, start)]
    after = _CLAUSE_BREAK.search(sentence, end)
    return sentence[(before[-1] if before else 0) : (after.start() if after else len(sentence))]


def _scope(sentence: str) -> tuple[str, ...]:
    """Proper names in the figure's sentence, except who said it, dates and sentence openers."""
    speeches = list(_SPEECH.finditer(sentence))
    names: set[str] = set()
    for match in _NAME.finditer(sentence):
        # "Officials said", "according to Elizabeth Byrs": the speaker, not the scope.
        if any(_near(sentence, match, speech) for speech in speeches):
            continue
        words = [w for w in match.group(0).split() if _possessor(w).lower() not in _NOT_SCOPE]
        words = [w for w in words if not _WORDY.fullmatch(w)]
        if words:
            names.add(_possessor(" ".join(words)))
    return tuple(sorted(names))


def _possessor(word: str) -> str:
    """'Indonesia's' -> 'Indonesia'."""
    return word.removesuffix("'s").removesuffix("’s")


def _near(clause: str, name: re.Match[str], speech: re.Match[str]) -> bool:
    gap = (
        clause[name.end() : speech.start()]
        if name.end() <= speech.start()
        else clause[speech.end() : name.start()]
    )
    return len(gap.split()) <= 2


# --- conflicts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DatedSentence:
    """A sentence to read figures from, with its article, outlet, day and report."""

    article_id: int
    source: str
    date: dt.date | None
    text: str
    report: int


def figure_reports(sentences: Iterable[DatedSentence]) -> list[FigureReport]:
    """The figures of the sentences, undated sentences left out, and every figure of an
    article that gives two values for one quantity dropped (which would it stand by?)."""
    reports: list[FigureReport] = []
    for s in sentences:
        if s.date is None:
            continue
        for figure in extract_figures(s.text, s.date.year):
            credit = FigureCredit(s.article_id, s.source, s.date, s.text)
            reports.append(FigureReport(figure, credit, s.report))
    values: dict[tuple[int, Quantity], set[Decimal]] = defaultdict(set)
    for r in reports:
        values[(r.credit.article_id, r.figure.quantity)].add(r.figure.value)
    return [r for r in reports if len(values[(r.credit.article_id, r.figure.quantity)]) == 1]


def find_conflicts(
    reports: Sequence[FigureReport], limit: int = MAX_LINES
) -> tuple[FigureConflict, ...]:
    """One line for each quantity and period where independent reports give different values,
    the most reported first."""
    by_quantity: dict[Quantity, list[FigureReport]] = defaultdict(list)
    for r in reports:
        by_quantity[r.figure.quantity].append(r)
    lines: list[tuple[tuple[int, dt.date], FigureConflict]] = []
    for quantity, group in by_quantity.items():
        for period in _periods(group):
            conflict = _conflict(quantity, period)
            if conflict is not None:
                lines.append(((len(period), max(r.credit.date for r in period)), conflict))
    lines.sort(key=lambda kc: kc[0], reverse=True)
    return tuple(c for _, c in lines[:limit])


def _periods(group: list[FigureReport]) -> list[list[FigureReport]]:
    """Reports in date order, cut wherever two consecutive ones are over PERIOD_DAYS apart."""
    ordered = sorted(group, key=lambda r: (r.credit.date, r.credit.article_id))
    periods: list[list[FigureReport]] = []
    for r in ordered:
        if periods and (r.credit.date - periods[-1][-1].credit.date).days <= PERIOD_DAYS:
            periods[-1].append(r)
        else:
            periods.append([r])
    return periods


def _conflict(quantity: Quantity, period: list[FigureReport]) -> FigureConflict | None:
    by_value: dict[Decimal, list[FigureReport]] = defaultdict(list)
    for r in period:
        by_value[r.figure.value].append(r)
    if len(by_value) < 2:
        return None
    # Values from one report alone (an outlet's or an agency's own updates) are no
    # disagreement between sources: each value needs a report the other values lack.
    reports_of = [{r.report for r in rs} for rs in by_value.values()]
    if len(set().union(*reports_of)) < 2:
        return None
    ordered = sorted(by_value.items(), key=lambda kv: (max(r.credit.date for r in kv[1]), kv[0]))
    last_days = [max(r.credit.date for r in rs) for _, rs in ordered]
    # The newest value is marked only when no other value was reported as late.
    newest = len(ordered) - 1 if last_days.count(last_days[-1]) == 1 else -1
    values = []
    for n, (value, rs) in enumerate(ordered):
        written = {r.figure.written for r in rs}
        credits = {r.credit.article_id: r.credit for r in rs}.values()
        values.append(
            FigureValue(
                # "about 200,000" and "as many as 200,000": the number they share.
                written=written.pop() if len(written) == 1 else _plain(value),
                credits=tuple(sorted(credits, key=lambda c: (c.date, c.source, c.article_id))),
                newest=n == newest,
            )
        )
    _kind, measure, _unit, scope = quantity
    label = measure if not scope else f"{measure} ({', '.join(scope)})"
    return FigureConflict(label=label, values=tuple(values))


def _plain(value: Decimal) -> str:
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
