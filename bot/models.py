"""Value objects that cross module and platform boundaries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class DatePrecision(StrEnum):
    """How much of an article's date is known."""

    DAY = "day"
    MONTH = "month"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ArticleDate:
    """A publication date that knows how precise it is."""

    value: dt.date | None
    precision: DatePrecision = DatePrecision.DAY

    @staticmethod
    def unknown() -> ArticleDate:
        """The date of an article nobody dated."""
        return ArticleDate(None, DatePrecision.UNKNOWN)

    def label(self) -> str:
        """Human form: 'Sep 13, 2022', 'Dec 2022' or 'undated'."""
        if self.value is None or self.precision is DatePrecision.UNKNOWN:
            return "undated"
        if self.precision is DatePrecision.MONTH:
            return self.value.strftime("%b %Y")
        return f"{self.value.strftime('%b')} {self.value.day}, {self.value.year}"

    def iso(self) -> str | None:
        """ISO form at the known precision, or None."""
        if self.value is None or self.precision is DatePrecision.UNKNOWN:
            return None
        if self.precision is DatePrecision.MONTH:
            return self.value.strftime("%Y-%m")
        return self.value.isoformat()


@dataclass(frozen=True)
class Conversation:
    """Where a chat command came from: platform, channel and user, as the platform names them."""

    platform: str
    channel_id: str
    user_id: str
    thread_id: str | None = None


@dataclass(frozen=True)
class RawArticle:
    """An article as loaded, before cleaning: text plus the metadata we could derive."""

    origin: str
    text: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    date: ArticleDate = field(default_factory=ArticleDate.unknown)
    author: str | None = None


@dataclass(frozen=True)
class Paragraph:
    """One cleaned paragraph of an article body: its sentences, or a line that holds none.

    ``line`` is set for a paragraph of article text without a complete sentence (a sub-heading,
    a standfirst without final punctuation): shown as the article's text and searched, never a
    point of a brief.
    """

    sentences: tuple[str, ...]
    line: str | None = None


@dataclass(frozen=True)
class CleanArticle:
    """An article after cleaning and sentence splitting, ready to store."""

    origin: str
    title: str | None
    source: str
    url: str | None
    date: ArticleDate
    paragraphs: tuple[Paragraph, ...]
    author: str | None = None
    language: str = "en"  # ISO 639-1 code, as identified at ingest (bot.text.language)

    @property
    def sentences(self) -> tuple[str, ...]:
        """All body sentences in reading order."""
        return tuple(s for p in self.paragraphs for s in p.sentences)

    @property
    def body(self) -> str:
        """The cleaned body text, one paragraph a line."""
        return "\n".join(p.line or " ".join(p.sentences) for p in self.paragraphs)


@dataclass(frozen=True)
class PreparedArticle:
    """A cleaned article with its sentences' LexRank terms, in sentence order: what is stored."""

    article: CleanArticle
    terms: tuple[tuple[str, ...], ...]
    # The article's search lexemes (bot.store.lexemes.document_lexemes of its language, title
    # and body) when the preparer worked them out, so that a store indexing them (SQLite) need
    # not: an ingest's worker processes do, sparing the one storing process.
    search_lexemes: str | None = None


@dataclass(frozen=True)
class Article:
    """A stored article."""

    id: int
    source: str
    title: str | None
    url: str | None
    date: ArticleDate
    origin: str
    language: str = "en"  # ISO 639-1 code


@dataclass(frozen=True)
class SentenceRecord:
    """One stored sentence occurrence: where it came from, its text and, if stored, its terms."""

    id: int
    article_id: int
    position: int
    text: str
    terms: tuple[str, ...] | None = None


@dataclass(frozen=True)
class SourceRef:
    """An article credited for a point, with the sentence(s) in it that carry the point."""

    article_id: int
    source: str
    title: str | None
    url: str | None
    date: ArticleDate
    evidence: str | None = None


@dataclass(frozen=True)
class Point:
    """One statement of a brief and every article that carries it."""

    text: str
    sources: tuple[SourceRef, ...]
    score: float
    # How many independent reports carry the statement (bot/brief/corroboration.py).
    corroboration: Corroboration | None = None
    # 1 for the point chosen first: where a platform must shorten a brief, the highest rank
    # numbers go first (0: unranked).
    rank: int = 0
    language: str = "en"  # ISO 639-1 code of the text, which is never translated

    @property
    def dates(self) -> tuple[ArticleDate, ...]:
        """Distinct known dates of the sources, oldest first."""
        known = {s.date for s in self.sources if s.date.value is not None}
        return tuple(sorted(known, key=lambda d: d.value or dt.date.min))


@dataclass(frozen=True)
class DateRange:
    """The span of known publication dates behind a brief."""

    first: ArticleDate
    last: ArticleDate

    def label(self) -> str:
        """'Sep 13, 2022 – Dec 30, 2022', or one date when both ends agree."""
        if self.first == self.last:
            return self.first.label()
        return f"{self.first.label()} – {self.last.label()}"


@dataclass(frozen=True)
class Brief:
    """A multi-source brief: the platform-neutral card every adapter renders."""

    topic: str
    title: str
    points: tuple[Point, ...]
    article_count: int
    source_count: int
    date_range: DateRange | None
    # Quantities outlets report different values for (bot/brief/figures.py).
    figures: tuple[FigureConflict, ...] = ()

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages of the points, in order of first appearance."""
        return tuple(dict.fromkeys(p.language for p in self.points))

    @property
    def tagged(self) -> bool:
        """True when points should show their language: any point is not in English.

        An all-English brief renders exactly as it always did.
        """
        return any(p.language != "en" for p in self.points)

    @property
    def sources(self) -> tuple[SourceRef, ...]:
        """Every article credited anywhere in the brief, in order of first mention."""
        seen: dict[int, SourceRef] = {}
        for point in self.points:
            for ref in point.sources:
                seen.setdefault(ref.article_id, ref)
        return tuple(seen.values())


@dataclass(frozen=True)
class Corroboration:
    """How many independent reports and how many outlets carry a point."""

    independent: int
    outlets: int
    # The reports' names (an agency, a credited organisation or the outlet), first seen first.
    origins: tuple[str, ...]
    # The report behind a single-source point when no outlet carrying it bears its name
    # ("Wall Street Journal" for a blog retelling WSJ reporting).
    via: str | None = None

    @property
    def single_source(self) -> bool:
        """True when one report stands behind the point, however many outlets printed it."""
        return self.independent <= 1

    def label(self) -> str:
        """'3 independent sources (5 outlets)', 'single source', 'single source: AP (2 outlets)'."""
        outlets = f"{self.outlets} outlet{'s' * (self.outlets != 1)}"
        if self.single_source:
            origin = f": {self.via}" if self.via else ""
            return f"single source{origin}" + ("" if self.outlets <= 1 else f" ({outlets})")
        text = f"{self.independent} independent sources"
        return text if self.outlets == self.independent else f"{text} ({outlets})"


@dataclass(frozen=True)
class FigureCredit:
    """An article that reported a figure, and the sentence it reported it in."""

    article_id: int
    source: str
    date: dt.date
    sentence: str


@dataclass(frozen=True)
class FigureValue:
    """One of the values reported for a quantity, who reported it and when."""

    written: str  # "at least 214", "$500 million", "5.2%"
    credits: tuple[FigureCredit, ...]  # oldest first
    newest: bool  # the one value reported last


@dataclass(frozen=True)
class FigureConflict:
    """Different values reported for one quantity in one period: one line of a brief."""

    label: str  # "Deaths" or "Deaths (Indonesia)"
    values: tuple[FigureValue, ...]  # the value reported last comes last

    def line(self) -> str:
        """'Deaths: 12 (AP, Sep 3) · 15 (Reuters, Sep 4; newest)'."""
        parts = []
        for value in self.values:
            days = sorted({c.date for c in value.credits})
            credits = "; ".join(
                ", ".join(dict.fromkeys(c.source for c in value.credits if c.date == day))
                + f", {day.strftime('%b')} {day.day}"
                for day in days
            )
            parts.append(f"{value.written} ({credits}{'; newest' if value.newest else ''})")
        return f"{self.label}: {' · '.join(parts)}"


@dataclass(frozen=True)
class FollowedTopic:
    """A topic a channel made from free text (``/summary follow power of siberia``)."""

    slug: str  # "power-of-siberia": how the channel names it
    words: str  # "power of siberia": the free-text query it briefs
    created_at: dt.datetime
