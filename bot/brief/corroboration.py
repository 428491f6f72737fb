"""Independent corroboration: which articles are copies of one report, and how many independent
reports stand behind a point.

An AP story reprinted by forty outlets is one report. Articles are grouped into *reports* by
evidence a reader could check (docs/story.md):

- an agency dateline or byline in the article's lead or tail: ``WASHINGTON (AP) —``,
  ``(Reuters) -``, ``By Jane Doe, Associated Press``, ``Copyright 2024 The Associated Press``:
  the article is that agency's report, whoever printed it;
- a lead that hands the whole story to a named news organisation: ``…, the Wall Street Journal
  reported.`` (a blog retelling WSJ reporting is WSJ's report);
- near-identical text: most of the shorter article's sentences, word for word after stemming,
  are also in the longer one (wire copies trimmed, retitled or lightly edited);
- the same outlet name: one outlet's two articles are one source.

The groups are the connected components of those links. Only these explicit signals are used;
two outlets paraphrasing the same press release stay independent, so the count can overstate
independence but never merges reports that share no text or named origin.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.models import Article, Corroboration

# A sentence this short (in terms) is too common to show that two articles share text.
MIN_SHARED_TERMS = 5
# Two articles are copies when at least this share of the shorter one's comparable sentences
# are also in the other, and at least MIN_SHARED_SENTENCES of them (a shared quotation is no
# copy).
COPY_SHARE = 0.5
MIN_SHARED_SENTENCES = 3
# A sentence held by more articles than this is site furniture or a stock phrase, not evidence
# of copying (and comparing all its holders pairwise would cost their count squared).
MAX_HOLDERS = 100
# Datelines and bylines are looked for in an article's first and last few sentences only (a
# page may open with a sentence or two of furniture before the dateline).
LEAD_SENTENCES = 3
TAIL_SENTENCES = 3

# Agencies and the names they go by in datelines and bylines, with the name a brief shows.
_AGENCIES: dict[str, str] = {
    "ap": "AP",
    "associated press": "AP",
    "the associated press": "AP",
    "reuters": "Reuters",
    "thomson reuters": "Reuters",
    "afp": "AFP",
    "agence france-presse": "AFP",
    "agence france presse": "AFP",
    "upi": "UPI",
    "united press international": "UPI",
    "dpa": "dpa",
    "xinhua": "Xinhua",
    "tass": "TASS",
    "efe": "EFE",
    "ansa": "ANSA",
    "pa": "PA Media",
    "press association": "PA Media",
    "cnn": "CNN",
    "bloomberg": "Bloomberg",
    "kyodo": "Kyodo",
    "yonhap": "Yonhap",
    "ani": "ANI",
    "pti": "PTI",
}
# News organisations a lead may hand its whole story to ("…, the Wall Street Journal reported").
_ORGANISATIONS: dict[str, str] = {
    **_AGENCIES,
    "wall street journal": "Wall Street Journal",
    "the wall street journal": "Wall Street Journal",
    "wsj": "Wall Street Journal",
    "new york times": "New York Times",
    "the new york times": "New York Times",
    "washington post": "Washington Post",
    "the washington post": "Washington Post",
    "financial times": "Financial Times",
    "the financial times": "Financial Times",
    "bbc": "BBC",
    "the bbc": "BBC",
    "the guardian": "The Guardian",
    "politico": "Politico",
    "axios": "Axios",
    "nikkei": "Nikkei",
    "nikkei asia": "Nikkei",
    "the times": "The Times",
    "the economist": "The Economist",
}

_AGENCY_NAMES = "|".join(sorted((re.escape(k) for k in _AGENCIES), key=len, reverse=True))
_ORG_NAMES = "|".join(sorted((re.escape(k) for k in _ORGANISATIONS), key=len, reverse=True))
_DASH = r"(?:—|–|--|-|:)"
# "WASHINGTON (AP) —", "LONDON, Sept 3 (Reuters) -", "(CNN) --": a dateline opening the lead.
_DATELINE = re.compile(
    rf"^\s*(?:[A-Z][A-Za-z0-9 .,'’/-]{{0,60}}?\s*)?\((?P<agency>{_AGENCY_NAMES})\)\s*{_DASH}",
    re.IGNORECASE,
)
# "By Jane Doe, Associated Press" / "By Jane Doe | Reuters" / "Associated Press writer".
_BYLINE = re.compile(
    rf"\bBy\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){{0,3}}\s*[,|/]\s*(?P<agency>{_AGENCY_NAMES})\b"
    rf"|\b(?P<writer>{_AGENCY_NAMES})\s+(?:writer|correspondent|reporter)s?\b",
    re.IGNORECASE,
)
# "Copyright 2024 The Associated Press. All rights reserved." / "© 2023 Reuters".
_COPYRIGHT = re.compile(
    rf"(?:copyright|©|\(c\))\s*(?:\d{{4}}\s*)?(?P<agency>{_AGENCY_NAMES})\b", re.IGNORECASE
)
# "…, the Wall Street Journal reported(, citing …)." closing the lead sentence.
_LEAD_CREDIT = re.compile(
    rf",\s*(?:the\s+)?(?P<org>{_ORG_NAMES})(?:\s+newspaper|\s+news agency)?\s+"
    rf"(?:reported|reports|said|says)\b[^.]*\.?\s*$",
    re.IGNORECASE,
)
# Words every match of _BYLINE, or of _COPYRIGHT, holds (lower case), for ``_may_hold``.
_BYLINE_WORDS = ("by", "writer", "correspondent", "reporter")
_COPYRIGHT_WORDS = ("copyright", "©", "(c)")
# Characters that re.IGNORECASE also matches to an ASCII letter: İ, ı (i), ſ (s), K (k).
_FOLDS_TO_ASCII = re.compile("[\u0130\u0131\u017f\u212a]")
_ASCII_OF = str.maketrans("\u0130\u0131\u017f\u212a", "iisk")
# Agency names are case-sensitive where they are also words ("ap", "pa", "ani"): datelines and
# bylines write them in capitals.
_CASE_SENSITIVE = {"ap": "AP", "pa": "PA", "ani": "ANI", "pti": "PTI", "upi": "UPI", "efe": "EFE"}


@dataclass(frozen=True)
class ArticleText:
    """An article with its sentences and each sentence's LexRank terms, in reading order."""

    article: Article
    sentences: tuple[str, ...]
    terms: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Reports:
    """Articles grouped into independent reports: each article's report and its name."""

    report_of: Mapping[int, int]
    names: Mapping[int, str]

    def corroboration(
        self, article_ids: Iterable[int], outlets: Mapping[int, str]
    ) -> Corroboration:
        """Count the independent reports and distinct outlets among the given articles."""
        reports: dict[int, None] = {}
        seen_outlets: dict[str, None] = {}
        for article_id in article_ids:
            reports.setdefault(self.report_of.get(article_id, -article_id))
            seen_outlets.setdefault(_norm(outlets[article_id]))
        names = tuple(self.names.get(r, "") for r in reports)
        # Name the one report when the outlets alone do not say it ("single source: AP").
        single = len(names) == 1 and (len(seen_outlets) > 1 or _norm(names[0]) not in seen_outlets)
        via = names[0] if single else None
        return Corroboration(len(reports), len(seen_outlets), names, via)


def named_origin(sentences: Sequence[str]) -> str | None:
    """The agency or organisation an article names as its origin, if it names one."""
    lead = sentences[:LEAD_SENTENCES]
    for sentence in lead:
        found = (_DATELINE.match(sentence) if "(" in sentence else None) or (
            _BYLINE.search(sentence) if _may_hold(sentence, _BYLINE_WORDS) else None
        )
        if found and (name := _agency(found)) is not None:
            return name
    for sentence in sentences[-TAIL_SENTENCES:]:
        found = (_BYLINE.search(sentence) if _may_hold(sentence, _BYLINE_WORDS) else None) or (
            _COPYRIGHT.search(sentence) if _may_hold(sentence, _COPYRIGHT_WORDS) else None
        )
        if found and (name := _agency(found)) is not None:
            return name
    if lead:
        credit = _LEAD_CREDIT.search(lead[0])
        if credit:
            return _ORGANISATIONS[_name_key(credit.group("org"))]
    return None


def _may_hold(sentence: str, words: tuple[str, ...]) -> bool:
    """False only when no case-insensitive match of a pattern that needs one of ``words``
    (lower case) can be in ``sentence``.

    Trying a pattern with a long alternation of names at every word of every lead and tail is
    most of the cost of grouping a thousand articles; a look for its fixed words is ~20x
    cheaper. Lower-casing the sentence finds every case-insensitive match of an ASCII word
    except through the few characters ``re`` also matches to an ASCII letter (Kelvin sign,
    long s, dotted and dotless i), whose sentences are left to the pattern itself.
    """
    if _FOLDS_TO_ASCII.search(sentence):
        return True
    lowered = sentence.lower()
    return any(word in lowered for word in words)


def _agency(found: re.Match[str]) -> str | None:
    written = next(g for g in (found.groupdict().get(k) for k in ("agency", "writer")) if g)
    key = _name_key(written)
    # "ap" as a lower-case word is not the Associated Press.
    if key in _CASE_SENSITIVE and written != _CASE_SENSITIVE[key]:
        return None
    return _AGENCIES[key]


def group_reports(texts: Sequence[ArticleText]) -> Reports:
    """Group articles into independent reports (the module docstring lists the links)."""
    parent = {t.article.id: t.article.id for t in texts}

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    origin: dict[int, str | None] = {t.article.id: named_origin(t.sentences) for t in texts}
    first_by_key: dict[str, int] = {}
    for t in texts:
        for key in (f"outlet:{_norm(t.article.source)}", f"origin:{_norm(origin[t.article.id])}"):
            if key == "origin:":
                continue
            if key in first_by_key:
                union(first_by_key[key], t.article.id)
            else:
                first_by_key[key] = t.article.id
    for a, b in copy_pairs(texts):
        union(a, b)

    by_id = {t.article.id: t.article for t in texts}
    members: dict[int, list[int]] = defaultdict(list)
    for article_id in parent:
        members[find(article_id)].append(article_id)
    names: dict[int, str] = {}
    for root, ids in members.items():
        named = [name for i in sorted(ids) if (name := origin[i])]
        names[root] = named[0] if named else by_id[min(ids)].source
    return Reports({a: find(a) for a in parent}, names)


def copy_pairs(texts: Sequence[ArticleText]) -> list[tuple[int, int]]:
    """Pairs of articles whose text is near-identical (COPY_SHARE of the shorter one's
    sentences shared word for word after stemming). Only articles sharing a sentence are
    compared, through an index of sentences, never all pairs."""
    keys: dict[int, frozenset[tuple[str, ...]]] = {}
    holders: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for t in texts:
        comparable = frozenset(
            s for s in t.terms if len(s) >= MIN_SHARED_TERMS and len(set(s)) >= MIN_SHARED_TERMS
        )
        keys[t.article.id] = comparable
        for sentence in comparable:
            holders[sentence].append(t.article.id)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for ids in holders.values():
        if 1 < len(ids) <= MAX_HOLDERS:
            for n, a in enumerate(ids):
                for b in ids[n + 1 :]:
                    shared[(min(a, b), max(a, b))] += 1
    return [
        (a, b)
        for (a, b), count in shared.items()
        if count >= MIN_SHARED_SENTENCES and count >= COPY_SHARE * min(len(keys[a]), len(keys[b]))
    ]


def _name_key(written: str) -> str:
    """The key of a name a pattern matched: as ``_norm``, with the letters the patterns read
    as ASCII ones ("Associated Preſſ") made those (a key the tables lack was an error)."""
    return _norm(written.translate(_ASCII_OF))


def _norm(name: str | None) -> str:
    return " ".join((name or "").lower().split())
