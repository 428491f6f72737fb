"""Stage 1 for web pages: the article text and metadata of an HTML page, with trafilatura.

The result is an ordinary RawArticle, so web pages go through the same clean -> split -> store
stages as article files (bot.ingest.pipeline).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.ingest.load import parse_date
from bot.ingest.pipeline import RejectedArticle
from bot.models import ArticleDate, RawArticle
from bot.text.languages import word_count

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


def _text(value: object) -> str | None:
    return " ".join(value.split()) or None if isinstance(value, str) else None


def _date(value: object) -> ArticleDate:
    return parse_date(value) if isinstance(value, str) else ArticleDate.unknown()


def _host(url: str | None) -> str | None:
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None
