"""Stage 1 for web pages: the article text and metadata of an HTML page, with trafilatura.

The result is an ordinary RawArticle, so web pages go through the same clean -> split -> store
stages as article files (bot.ingest.pipeline). ``read_saved_page`` and ``read_link`` are what
``briefbot extract`` prints: stages 1-3 without the terms, nothing stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.ingest.load import parse_date
from bot.ingest.pipeline import RejectedArticle, clean_article
from bot.models import ArticleDate, CleanArticle, RawArticle
from bot.text.languages import word_count

if TYPE_CHECKING:
    from bot.ingest.fetch import Fetcher
    from bot.text.terms import TermIndexer

# Pages past this many bytes are not parsed; the fetcher's own cap is normally lower.
_MAX_HTML_BYTES = 10_000_000


class ExtractError(RejectedArticle):
    """A page that holds no article to read; the message says why, for the user."""


@dataclass(frozen=True)
class ExtractedPage:
    """The article of a page, and the canonical URL the page declares for itself, if any."""

    article: RawArticle
    canonical_url: str | None


def extract_article(
    html: bytes | str, origin: str, url: str | None = None, min_words: int = 80
) -> ExtractedPage:
    """Extract one article (text, title, date, site name, author); raise ExtractError if none."""
    if len(html) > _MAX_HTML_BYTES:
        raise ExtractError(f"{origin}: the page is too large to read")
    # Imported on first use: trafilatura (with lxml, htmldate, courlan) is the heaviest import
    # of the web path, and most commands never read a page.
    import trafilatura

    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
    )
    text = str(getattr(document, "text", None) or "")
    words = word_count(text)
    if words < min_words:
        raise ExtractError(
            f"not an article: {origin} has {words} words of article text"
            f" (at least {min_words} are needed)"
        )
    canonical = _text(getattr(document, "url", None))
    article = RawArticle(
        origin=origin,
        text=text,
        title=_text(getattr(document, "title", None)),
        source=_text(getattr(document, "sitename", None)) or _host(url),
        url=url or canonical,
        date=_date(getattr(document, "date", None)),
        author=_text(getattr(document, "author", None)),
    )
    return ExtractedPage(article, canonical)


def is_link(name: str) -> bool:
    """True for anything written as a URL (``scheme://``); the fetcher refuses unsafe schemes."""
    return "://" in name


def read_file(path: Path, max_bytes: int) -> bytes:
    """A saved page or feed, refused past ``max_bytes``."""
    size = path.stat().st_size
    if size > max_bytes:
        raise RejectedArticle(f"{path}: too large ({size / 1_000_000:.1f} MB)")
    return path.read_bytes()


def read_page(
    html: bytes | str, origin: str, url: str | None, min_words: int, indexer: TermIndexer
) -> CleanArticle:
    """The article of a page, cleaned and split as it would be stored; RejectedArticle
    (ExtractError included) says why there is none."""
    return clean_article(extract_article(html, origin, url, min_words).article, indexer)


def read_saved_page(
    name: str, max_bytes: int, min_words: int, indexer: TermIndexer
) -> CleanArticle:
    """``read_page`` of the saved HTML file ``name``; OSError if it cannot be read."""
    return read_page(read_file(Path(name), max_bytes), name, None, min_words, indexer)


async def read_link(
    fetcher: Fetcher, url: str, min_words: int, indexer: TermIndexer
) -> CleanArticle:
    """``read_page`` of the page at ``url``; FetchError if it cannot be fetched."""
    import asyncio  # loaded by the running event loop; not at import, for saved pages

    result = await fetcher.fetch(url)
    if result.is_feed:
        raise RejectedArticle(f"not an article: {url} is a news feed")
    # Parsing and sentence splitting are CPU-bound: keep them off the event loop.
    return await asyncio.to_thread(
        read_page, result.body, result.url, result.url, min_words, indexer
    )


def _text(value: object) -> str | None:
    return " ".join(value.split()) or None if isinstance(value, str) else None


def _date(value: object) -> ArticleDate:
    return parse_date(value) if isinstance(value, str) else ArticleDate.unknown()


def _host(url: str | None) -> str | None:
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None
