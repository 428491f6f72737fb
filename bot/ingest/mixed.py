"""Bulk ingest of mixed inputs: web links (pages or feeds), saved HTML pages and feed files, and
the plain-text article files and folders of bot.ingest.pipeline.

An *input* is what someone names on the command line or in chat (a URL or a path); a *source*,
everywhere in briefbot, is the outlet that published an article.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from bot.ingest.extract import is_link, read_file
from bot.ingest.feeds import FeedError, FeedReader
from bot.ingest.fetch import FetchError
from bot.ingest.load import article_files
from bot.ingest.pipeline import IngestFailure, IngestReport, Preparer, RejectedArticle, ingest_paths
from bot.ingest.web import WebIngester
from bot.ops.runtime import Shutdown

HTML_SUFFIXES = frozenset({".html", ".htm"})
FEED_SUFFIXES = frozenset({".xml", ".rss", ".atom"})
Progress = Callable[[str], None]


class MixedIngester:
    """Ingests each input by what it is; failures are counted and explained, never fatal."""

    def __init__(self, web: WebIngester, preparer: Preparer, max_file_bytes: int) -> None:
        self.web = web
        self.preparer = preparer
        self.reader = FeedReader(web)
        self.max_file_bytes = max_file_bytes

    async def ingest(
        self,
        inputs: Iterable[str],
        on_progress: Progress | None = None,
        stop: Shutdown | None = None,
    ) -> IngestReport:
        """Ingest every input; ``on_progress`` is called once per article-level item done.

        ``stop`` is checked before each input, so a stop request lets the item in flight
        finish and leaves the rest for a re-run.
        """
        report = IngestReport()
        text_paths: list[Path] = []
        for name in inputs:
            if stop is not None and stop.requested:
                return report + IngestReport(stopped=True)
            path = Path(name)
            try:
                if is_link(name):
                    report += await self._link(name, on_progress)
                elif path.suffix.lower() in HTML_SUFFIXES:
                    report += await self._html_file(path)
                    _tick(on_progress, name)
                elif path.suffix.lower() in FEED_SUFFIXES:
                    data = read_file(path, self.max_file_bytes)
                    report += await self.reader.read_bytes(data, _file_uri(path), on_progress)
                else:
                    text_paths.append(path)
            except (FetchError, FeedError, RejectedArticle, OSError) as exc:
                # Rejections from the pipeline and extractor already name their input.
                failure = IngestFailure(name, _reason(exc, name))
                report += IngestReport(failures=(failure,))
                _tick(on_progress, name)
        if text_paths:
            files = await ingest_paths(
                text_paths, self.web.store, self.preparer, self.web.clock, on_progress, stop
            )
            report += files
        return report

    async def _link(self, url: str, on_progress: Progress | None) -> IngestReport:
        report = await self.web.add_url(url, self.reader, on_progress)
        if not report.feeds:  # a feed ticked once per entry
            _tick(on_progress, url)
        return report

    async def _html_file(self, path: Path) -> IngestReport:
        return await self.web.add_html(read_file(path, self.max_file_bytes), str(path), None)


def text_file_count(inputs: Iterable[str]) -> int:
    """How many plain-text article files ``MixedIngester.ingest`` would read (folders expanded)."""
    paths = [Path(s) for s in inputs if not is_link(s)]
    kept = [p for p in paths if p.suffix.lower() not in HTML_SUFFIXES | FEED_SUFFIXES]
    return sum(1 for _ in article_files(kept))


def _file_uri(path: Path) -> str:
    return path.resolve().as_uri()


def _tick(on_progress: Progress | None, item: str) -> None:
    if on_progress is not None:
        on_progress(item)


def _reason(exc: Exception, name: str) -> str:
    if isinstance(exc, FetchError):
        return f"{name}: {exc.reason}"
    if isinstance(exc, OSError):
        return f"{name}: cannot be read ({exc.strerror or exc})"
    return str(exc)
