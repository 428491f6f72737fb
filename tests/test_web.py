"""Web ingestion end to end: saved real pages and feeds served on loopback, stored and briefed."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import httpx
import pytest

from bot.app import App
from bot.brief.topics import Topic, TopicCatalog
from bot.chat.commands import BriefReply, Notice
from bot.ingest.extract import ExtractError, extract_article, read_page
from bot.ingest.feeds import Feed, FeedPoller, FeedReader, load_feeds, parse_feed
from bot.ingest.fetch import Fetcher
from bot.ingest.pipeline import prepare
from bot.ingest.web import canonical_url
from bot.models import Conversation
from bot.ops.runtime import Shutdown
from bot.settings import Settings
from bot.store.sqlite.store import SqliteStore
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer
from tests.conftest import fixed_clock
from tests.loopback import DATA, LoopbackServer, PortForward, Route, page, serve

CHAT = Conversation("test", "C1", "U1")
NAMES = ("www.example.com", "example.org", "feeds.example.net")
TOPICS = TopicCatalog(
    (
        Topic("thanksgiving", "Thanksgiving travel", ("Thanksgiving",), match_all=True),
        Topic("climate", "Climate", ("climate", "warming"), match_all=False),
        Topic("china-russia", "China–Russia relations", ("China", "Russia"), match_all=True),
    )
)


async def _resolve(host: str) -> Sequence[str]:
    if host not in NAMES:
        raise OSError(f"unknown host {host}")
    return ["127.0.0.1"]


def _routes() -> dict[str, Route]:
    return {
        # The entry paths of the two saved feeds, serving saved real news pages.
        "/blog/post/1": page("cnn_article.html"),
        "/2003/12/13/atom03": page("time_001.html"),
        "/main.rss": page("feed2.rss", "application/rss+xml"),
        "/atom.xml": page("feed1.atom", "application/atom+xml"),
        "/new-laws": page("fox13now_001.html"),
        "/thin": Route(b"<html><body><p>Subscribe now.</p></body></html>", headers={}),
    }


@pytest.fixture
async def server() -> AsyncIterator[LoopbackServer]:
    async with serve(_routes()) as running:
        running.routes["/thin"].headers["Content-Type"] = "text/html"
        yield running


@pytest.fixture
async def http(server: LoopbackServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=PortForward(server.port), trust_env=False) as client:
        yield client


def _fetcher(http: httpx.AsyncClient, settings: Settings) -> Fetcher:
    trusted = (ipaddress.ip_network("127.0.0.1/32"),)
    return Fetcher(http, settings.fetch, _resolve, trusted)


async def _bot(settings: Settings, http: httpx.AsyncClient) -> App:
    indexer = TermIndexer(OfflineTokenizer(settings.language), settings.language)
    store = await SqliteStore.open(settings.store_path)
    return App(settings, store, TOPICS, indexer, fixed_clock, fetcher=_fetcher(http, settings))


@pytest.fixture
async def bot(settings: Settings, http: httpx.AsyncClient) -> AsyncIterator[App]:
    core = await _bot(settings, http)
    try:
        yield core
    finally:
        await core.close()


@pytest.mark.parametrize(
    ("name", "title", "date", "site", "author"),
    [
        (
            "cnn_article.html",
            "After storm, forecasters see smooth sailing for Thanksgiving",
            "2013-11-27",
            "CNN",
            "Dana A Ford",
        ),
        ("time_001.html", "James Hansen", "2023-11-02", "TIME", "Alejandro de la Garza"),
        ("fox13now_001.html", "New Year, new laws", "2013-12-30", "FOX 13", "CNN Wire"),
    ],
)
def test_extracts_text_and_metadata_from_real_pages(
    settings: Settings, name: str, title: str, date: str, site: str, author: str
) -> None:
    extracted = extract_article((DATA / name).read_bytes(), name, f"https://news.test/{name}")
    raw = extracted.article
    assert title in (raw.title or "")
    assert raw.date.iso() == date
    assert (raw.source or "").startswith(site)
    assert author in (raw.author or "")
    indexer = TermIndexer(OfflineTokenizer(settings.language), settings.language)
    clean = prepare(raw, indexer).article
    assert len(clean.sentences) >= 10
    assert clean.author == raw.author


def test_a_page_without_an_article_is_refused() -> None:
    with pytest.raises(ExtractError, match="not an article"):
        extract_article(b"<html><body><p>Subscribe now.</p></body></html>", "thin.html")


def test_parses_saved_feeds_into_absolute_links() -> None:
    rss = parse_feed((DATA / "feed2.rss").read_bytes(), "http://www.example.com/main.rss")
    assert [e.link for e in rss] == ["http://www.example.com/blog/post/1"]
    assert rss[0].key == "7bd204c6-1655-4c27-aeee-53f933c5395f"
    atom = parse_feed((DATA / "feed1.atom").read_bytes(), "http://example.org/atom.xml")
    assert atom[0].link == "http://example.org/2003/12/13/atom03"


def long_feed(entries: int, atom: bool) -> bytes:
    if atom:
        body = "".join(
            f"<entry><id>urn:e{i}</id><title>T{i}</title>"
            f'<link href="https://news.example/a/{i}"/></entry>'
            for i in range(entries)
        )
        return f'<feed xmlns="http://www.w3.org/2005/Atom"><title>f</title>{body}</feed>'.encode()
    body = "".join(
        f"<item><title>T{i}</title><link>https://news.example/a/{i}</link></item>"
        for i in range(entries)
    )
    return f'<rss version="2.0"><channel><title>f</title>{body}</channel></rss>'.encode()


@pytest.mark.parametrize("atom", [False, True], ids=["rss", "atom"])
def test_a_long_feed_is_read_up_to_its_cap_newest_first(
    atom: bool, caplog: pytest.LogCaptureFixture
) -> None:
    # 20,000 entries: parsed whole, this took minutes; cut before parsing, a moment.
    entries = parse_feed(long_feed(20_000, atom), "https://news.example/feed", max_entries=50)
    assert [e.link for e in entries] == [f"https://news.example/a/{i}" for i in range(50)]
    assert "reading only its first 50 entries" in caplog.text


def test_a_feed_within_its_cap_is_read_whole(caplog: pytest.LogCaptureFixture) -> None:
    entries = parse_feed(long_feed(50, atom=False), "https://news.example/feed", max_entries=50)
    assert len(entries) == 50
    assert "reading only" not in caplog.text


def test_canonical_urls_drop_tracking_and_fragments() -> None:
    assert (
        canonical_url("HTTPS://WWW.Example.com:443/a?utm_source=x&id=3#top")
        == "https://www.example.com/a?id=3"
    )
    assert canonical_url("http://example.com:8080") == "http://example.com:8080/"


async def test_feeds_are_ingested_tagged_and_briefed_end_to_end(
    bot: App, server: LoopbackServer
) -> None:
    assert bot.intake.web is not None
    reader = FeedReader(bot.intake.web)
    rss = await reader.read_url("http://feeds.example.net/main.rss")
    atom = await reader.read_url("http://example.org/atom.xml")
    assert (rss.added, atom.added) == (1, 1)
    # The Atom feed's second entry has no web page (only a rel=self link): it is skipped.
    assert (rss.failures, atom.failures, atom.new_entries) == ((), (), 1)
    articles = await bot.store.articles(10)
    assert {a.title for a in articles} >= {
        "After storm, forecasters see smooth sailing for Thanksgiving"
    }
    cnn = next(a for a in articles if a.source == "CNN")
    time = next(a for a in articles if a.source == "TIME")
    assert "thanksgiving" in await bot.intake.web.ledger.topics_of(cnn.id)
    assert await bot.intake.web.ledger.topics_of(time.id) == ("climate",)
    reply = await bot.dispatcher.handle("thanksgiving --sentences 3", CHAT)
    assert isinstance(reply, BriefReply)
    assert len(reply.brief.points) == 3
    assert reply.brief.sources[0].url == "http://www.example.com/blog/post/1"
    climate = await bot.dispatcher.handle("climate", CHAT)
    assert isinstance(climate, BriefReply)
    assert "TIME" in {s.source for s in climate.brief.sources}


async def test_polling_adds_each_entry_once_across_polls_and_restarts(
    settings: Settings, http: httpx.AsyncClient, server: LoopbackServer
) -> None:
    server.routes["/main.rss"].headers["ETag"] = '"rss-1"'
    feeds = [
        Feed("http://feeds.example.net/main.rss", "thanksgiving"),
        Feed("http://example.org/atom.xml", "climate"),
    ]
    naps: list[float] = []

    async def nap(seconds: float, stop: Shutdown) -> None:
        naps.append(seconds)

    core = await _bot(settings, http)
    try:
        assert core.intake.web is not None
        poller = FeedPoller(FeedReader(core.intake.web), feeds, interval=900, sleep=nap)
        first = await poller.poll_once()
        await poller.run(Shutdown(), rounds=2)
        stored = await core.store.count_articles()
    finally:
        await core.close()
    assert (first.feeds, first.new_entries, first.added) == (2, 2, 2)
    assert naps == [900]
    core = await _bot(settings, http)
    try:
        assert core.intake.web is not None
        again = await FeedPoller(FeedReader(core.intake.web), feeds, 900).poll_once()
        assert (again.new_entries, again.added) == (0, 0)
        assert again.unchanged == 1  # the RSS feed answered 304 to its stored ETag
        assert await core.store.count_articles() == stored
    finally:
        await core.close()
    page_fetches = [p for p, _ in server.requests if p == "/blog/post/1"]
    assert page_fetches == ["/blog/post/1"]


async def test_summary_of_a_url_fetches_stores_and_briefs_it(
    bot: App, server: LoopbackServer
) -> None:
    reply = await bot.dispatcher.handle("<http://www.example.com/new-laws?utm_source=chat>", CHAT)
    assert isinstance(reply, BriefReply)
    assert reply.brief.article_count == 1
    assert reply.brief.title.startswith("Brief: New Year, new laws")
    again = await bot.dispatcher.handle("http://www.example.com/new-laws -n 2", CHAT)
    assert isinstance(again, BriefReply) and len(again.brief.points) == 2
    assert [p for p, _ in server.requests].count("/new-laws?utm_source=chat") == 1
    assert await bot.store.count_articles() == 1


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("file:///etc/passwd", "only http and https"),
        ("http://www.example.com/thin", "not an article"),
        ("http://www.example.com/gone", "HTTP 404"),
        ("http://feeds.example.net/main.rss", "is a news feed"),
        ("http://unknown.invalid/", "could not be found"),
    ],
)
async def test_summary_of_a_bad_link_says_why_in_one_line(
    bot: App, command: str, reason: str
) -> None:
    reply = await bot.dispatcher.handle(command, CHAT)
    assert isinstance(reply, Notice) and reply.is_error
    assert reason in reply.title
    assert "\n" not in reply.title


def test_the_shipped_feed_list_parses(settings: Settings) -> None:
    feeds = load_feeds(settings.feeds_file)
    assert feeds and all(f.url.startswith("https://") for f in feeds)


def test_feeds_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "feeds.toml"
    bad.write_text('[[feed]]\nurls = ["https://x"]\n', encoding="utf-8")
    with pytest.raises(Exception, match=r"feeds\.toml: feed #1 needs a topic"):
        load_feeds(bad)


async def test_bulk_ingest_mixes_feeds_pages_and_files_with_progress(
    bot: App, server: LoopbackServer, tmp_path: Path
) -> None:
    text = tmp_path / "note.txt"
    text.write_text("China and Russia signed an energy deal on Tuesday in Moscow.\n")
    done: list[str] = []
    report = await bot.intake.ingest(
        [
            "http://feeds.example.net/main.rss",
            "http://www.example.com/new-laws",
            "http://www.example.com/blog/post/1#again",  # already in via the feed
            str(DATA / "time_001.html"),
            str(DATA / "feed1.atom"),  # its entry is the TIME page again, on example.org
            "gopher://example.com/1",
            str(text),
        ],
        on_progress=done.append,
    )
    assert (report.added, report.duplicates) == (4, 2)
    assert [f.origin for f in report.failures] == ["gopher://example.com/1"]
    assert len(done) == 7
    # The feed page was fetched once; the later link to it was known by its canonical URL.
    assert [p for p, _ in server.requests].count("/blog/post/1") == 1


SAVED_PAGES = sorted(DATA.rglob("*.html"))


@pytest.mark.parametrize("url", [None, "https://news.test/page.html"])
def test_read_page_is_what_prepare_would_store(url: str | None) -> None:
    """``briefbot extract`` (read_page: stages 1-3 without the terms) shows every saved page's
    article exactly as ingesting it would store it: text, title, source, date, author, language."""
    indexer = TermIndexer(OfflineTokenizer("english"), "english")
    for path in SAVED_PAGES:
        html = path.read_bytes()
        stored = prepare(extract_article(html, path.name, url).article, indexer).article
        assert read_page(html, path.name, url, 80, indexer) == stored, path.name
