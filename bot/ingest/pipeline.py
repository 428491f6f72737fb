"""The ingest pipeline, stage by stage (the numbering used everywhere, README included):

1. load    (bot.ingest.load)   read a file and the metadata that can honestly be derived for it
2. clean   (bot.text.clean)    drop site furniture line by line; find a title or date line
3. split   (bot.text.split, bot.text.terms)  sentences (offline; fragments dropped) and the
           LexRank terms of each (sumy's words, stop words, stemmer)
4. store   (bot.store)         store the article once (content hash) with its sentences and terms

Stages 1-3 are ``prepare_files``, run for batches of files by a ``Preparer`` (in this process or
in worker processes, bot.ingest.workers); ``ingest_paths`` stores each batch in one transaction.
Briefs then run 5 rank, 6 select (bot.brief.build) and 7 render (bot.brief.render).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from bot.ingest.load import (
    LoadError,
    Manifests,
    article_files,
    load_file,
    parse_date,
)
from bot.models import ArticleDate, CleanArticle, Paragraph, PreparedArticle, RawArticle
from bot.text.clean import CleanText, clean_lines, keep_sentence
from bot.text.language import identify
from bot.text.languages import LANGUAGES, UnsupportedLanguage, language_name
from bot.text.terms import TermIndexer

if TYPE_CHECKING:
    # Annotations only: `briefbot extract` runs prepare's stages without the store or asyncio.
    from bot.ops.runtime import Shutdown
    from bot.store.protocols import Store

# A long feature runs to a few hundred sentences. Far more is a dump, not an article, and
# LexRank compares every sentence of a brief with every other one.
MAX_ARTICLE_SENTENCES = 1000


class RejectedArticle(Exception):
    """An article that yields nothing to brief; the message says why, for the user."""


@dataclass(frozen=True)
class IngestFailure:
    """One input that was not stored, and why."""

    origin: str
    reason: str


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did: the one report of bot.ingest, from one web page to a whole run of
    files, links and feeds (reports add up with ``+``)."""

    added: int = 0
    duplicates: int = 0  # already stored (same URL or same cleaned text)
    failures: tuple[IngestFailure, ...] = ()
    stopped: bool = False  # asked to stop before every input was read; run it again to finish
    feeds: int = 0  # feeds read
    unchanged: int = 0  # feeds that answered "not modified"
    new_entries: int = 0  # feed entries not seen before
    article_ids: tuple[int, ...] = ()  # the articles added or found stored, in input order

    @classmethod
    def stored(cls, article_id: int, added: bool) -> IngestReport:
        """One article, newly added or already stored."""
        return cls(added=int(added), duplicates=int(not added), article_ids=(article_id,))

    def __add__(self, other: IngestReport) -> IngestReport:
        return IngestReport(
            self.added + other.added,
            self.duplicates + other.duplicates,
            self.failures + other.failures,
            self.stopped or other.stopped,
            self.feeds + other.feeds,
            self.unchanged + other.unchanged,
            self.new_entries + other.new_entries,
            self.article_ids + other.article_ids,
        )


def prepare(
    raw: RawArticle, indexer: TermIndexer, *, search_lexemes: bool = False
) -> PreparedArticle:
    """Stages 2-3: clean, identify the language, split, index; RejectedArticle if nothing is left.

    ``indexer`` gives each supported language's pipeline (``TermIndexer.for_language``); an
    article in another language is refused with a message naming its language. With
    ``search_lexemes``, the article's lexemes for the store's full-text index come with it.
    """
    article, pipeline = _cleaned(raw, indexer)
    words = pipeline.tokenizer.to_words_many(article.sentences)
    terms = tuple(pipeline.terms_of_words(w) for w in words)
    if not search_lexemes:
        return PreparedArticle(article, terms)
    # Imported here: the search lexemes (regex, every Snowball stemmer) are an ingest's, not
    # `briefbot extract`'s, which uses the stages before them.
    from bot.store.lexemes import document_lexemes

    lexemes = document_lexemes(article.language, article.title, article.body)
    return PreparedArticle(article, terms, search_lexemes=lexemes)


def clean_article(raw: RawArticle, indexer: TermIndexer) -> CleanArticle:
    """``prepare`` without the terms: the article as a reader sees it (``briefbot extract``),
    refused for the same reasons."""
    return _cleaned(raw, indexer)[0]


def _cleaned(raw: RawArticle, indexer: TermIndexer) -> tuple[CleanArticle, TermIndexer]:
    if not raw.text.strip():
        raise RejectedArticle(f"{raw.origin}: the file is empty (no article text)")
    code = identify(raw.text).code
    try:
        pipeline = indexer.for_language(code)
    except UnsupportedLanguage:
        raise RejectedArticle(_unsupported(raw.origin, code, indexer)) from None
    text = LANGUAGES[code].normalized(raw.text) if code in LANGUAGES else raw.text
    cleaned = clean_lines(text)
    enders = LANGUAGES[code].enders if code in LANGUAGES else ""
    paragraphs = []
    for line in cleaned.lines:
        sentences = tuple(s for s in pipeline.tokenizer.to_sentences(line) if _keep(s, enders))
        if sentences:
            paragraphs.append(Paragraph(sentences))
        elif any(c.isalpha() for c in line):
            paragraphs.append(Paragraph((), line=line))
    count = sum(len(p.sentences) for p in paragraphs)
    if not count:
        raise RejectedArticle(f"{raw.origin}: {_nothing_left(cleaned)}")
    if count > MAX_ARTICLE_SENTENCES:
        raise RejectedArticle(
            f"{raw.origin}: {count:,} sentences is not one article (the limit is "
            f"{MAX_ARTICLE_SENTENCES:,}); split it into its articles"
        )
    article = CleanArticle(
        origin=raw.origin,
        title=raw.title or cleaned.title,
        source=raw.source or _source_label(raw),
        url=raw.url,
        date=_article_date(raw, cleaned.date_line),
        paragraphs=tuple(paragraphs),
        author=raw.author,
        language=code,
    )
    return article, pipeline


def _keep(sentence: str, enders: str) -> bool:
    # keep_sentence knows . ! ? and CJK stops; a script's own (the danda, the Arabic question
    # mark, the Greek question mark) end prose as a period does.
    if keep_sentence(sentence):
        return True
    stripped = sentence.rstrip()
    return bool(enders) and stripped.endswith(tuple(enders)) and keep_sentence(stripped[:-1] + ".")


def _unsupported(origin: str, code: str, indexer: TermIndexer) -> str:
    names = ", ".join(sorted(language_name(c) for c in indexer.supported))
    return (
        f"{origin}: written in {language_name(code)} ({code}), which briefbot is not set to "
        f"summarize (languages: {names})"
    )


def _nothing_left(cleaned: CleanText) -> str:
    """Why a text that had something in it yields no sentence to brief, in the user's words."""
    worded = [line for line in cleaned.lines if any(c.isalpha() for c in line)]
    if worded:
        return (
            f"no complete sentence: none of its {len(worded)} line(s) of text is a"
            " sentence ending in a full stop (a headline, a list or a cut-off text?)"
        )
    if cleaned.lines:
        return "no article text: no words, only numbers or punctuation"
    if cleaned.cut_at is not None and not cleaned.furniture:
        return f"no article text before the end-of-article line {cleaned.cut_at!r}"
    if cleaned.furniture:
        return (
            f"only site furniture ({cleaned.furniture} line(s) of share, sign-up or promo"
            " text), no article text"
        )
    if cleaned.title is not None:
        return f"only a title line ({cleaned.title!r}), no article text"
    return "no article text"


class Preparer(Protocol):
    """Runs stages 1-3 (load, clean, split into sentences and terms) for batches of files."""

    @property
    def batch_files(self) -> int:
        """Files handed over at once."""

    @property
    def depth(self) -> int:
        """Batches worth having in flight at once."""

    async def prepare_files(self, paths: Sequence[Path]) -> list[PreparedArticle | IngestFailure]:
        """Each file prepared, or why it cannot be, in the order given."""


def prepare_files(
    paths: Iterable[Path],
    indexer: TermIndexer,
    max_bytes: int,
    manifests: Manifests,
    search_lexemes: bool = False,
) -> list[PreparedArticle | IngestFailure]:
    """Stages 1-3 for article files, one by one; a bad file is a failure, never an exception."""
    outcomes: list[PreparedArticle | IngestFailure] = []
    for path in paths:
        try:
            manifest = manifests.for_folder(path.parent)
            raw = load_file(path, max_bytes, manifest)
            outcomes.append(prepare(raw, indexer, search_lexemes=search_lexemes))
        except (LoadError, RejectedArticle) as exc:
            outcomes.append(IngestFailure(str(path), str(exc)))
    return outcomes


async def ingest_paths(
    paths: Iterable[Path],
    store: Store,
    preparer: Preparer,
    clock: Callable[[], dt.datetime],
    on_progress: Callable[[str], None] | None = None,
    stop: Shutdown | None = None,
) -> IngestReport:
    """Stages 1-4 for files and folders; bad files are reported, never fatal.

    The preparer works on the next batches while this stores the last one, a batch per
    transaction with every article whole. ``stop`` is checked before each batch is handed
    over: a stop request lets the batches in flight finish and leaves the rest for a re-run.
    """
    import asyncio  # loaded by the running event loop; not at import, for `briefbot extract`

    added = duplicates = 0
    failures: list[IngestFailure] = []
    article_ids: list[int] = []
    files = iter(article_files(paths))
    in_flight: deque[asyncio.Future[list[PreparedArticle | IngestFailure]]] = deque()
    stopped = False
    try:
        while True:
            while len(in_flight) < preparer.depth and not stopped:
                if stop is not None and stop.requested:
                    stopped = True
                    break
                batch = list(itertools.islice(files, preparer.batch_files))
                if not batch:
                    break
                in_flight.append(asyncio.ensure_future(preparer.prepare_files(batch)))
            if not in_flight:
                break
            outcomes = await in_flight.popleft()
            while in_flight and in_flight[0].done():
                # Batches that finished while the last one was stored share its transaction.
                outcomes += in_flight.popleft().result()
            prepared = [o for o in outcomes if isinstance(o, PreparedArticle)]
            results = iter(await store.add_articles(prepared, clock()) if prepared else [])
            for outcome in outcomes:
                if isinstance(outcome, IngestFailure):
                    failures.append(outcome)
                else:
                    stored = next(results)
                    article_ids.append(stored.article_id)
                    added += stored.added
                    duplicates += not stored.added
                if on_progress is not None:
                    on_progress(
                        outcome.origin
                        if isinstance(outcome, IngestFailure)
                        else outcome.article.origin
                    )
    finally:
        for future in in_flight:
            future.cancel()
    return IngestReport(
        added, duplicates, tuple(failures), stopped=stopped, article_ids=tuple(article_ids)
    )


def _source_label(raw: RawArticle) -> str:
    if raw.url:
        host = urlsplit(raw.url).hostname or raw.url
        return host.removeprefix("www.")
    return Path(raw.origin).name


def _article_date(raw: RawArticle, date_line: str | None) -> ArticleDate:
    if raw.date.value is None and date_line:
        return parse_date(date_line)
    return raw.date
