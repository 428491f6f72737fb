"""The fetcher against a loopback server: hostile targets are refused before any connection."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import ipaddress
import ssl
from collections.abc import AsyncIterator, Sequence

import httpx
import pytest
import trustme

from bot.ingest.fetch import (
    Fetcher,
    FetchError,
    FetchErrorKind,
    Resolver,
    Validators,
    address_refusal,
    system_resolver,
)
from bot.settings import FetchSettings
from tests.loopback import Route, page, serve

LOOPBACK_ONLY = (ipaddress.ip_network("127.0.0.1/32"),)


def resolver_for(mapping: dict[str, list[str]]) -> Resolver:
    """A resolver that answers from a table: public-looking names for loopback tests."""

    async def resolve(host: str) -> Sequence[str]:
        if host not in mapping:
            raise OSError(f"unknown host {host}")
        return mapping[host]

    return resolve


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as http:
        yield http


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "::ffff:127.0.0.1", "169.254.169.254", "10.0.0.1", "100.64.0.1", "::1"],
)
async def test_internal_addresses_are_refused_before_connecting(
    client: httpx.AsyncClient, address: str
) -> None:
    async with serve({"/": page("cnn_article.html")}) as server:
        fetcher = Fetcher(client, FetchSettings(), resolver_for({"news.example.com": [address]}))
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch(server.url("news.example.com", "/"))
    assert caught.value.kind is FetchErrorKind.REFUSED
    assert "news.example.com" in caught.value.reason
    assert server.connections == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/",
        "http://[::ffff:7f00:1]:{port}/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[64:ff9b::a00:1]/",
        "http://[2002:a00:1::]/",
        "http://[fd00::1]/",
    ],
)
async def test_literal_internal_addresses_are_refused(client: httpx.AsyncClient, url: str) -> None:
    async with serve({"/": page("cnn_article.html")}) as server:
        fetcher = Fetcher(client, FetchSettings(), resolver_for({}))
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch(url.format(port=server.port))
    assert caught.value.kind is FetchErrorKind.REFUSED
    assert server.connections == 0


def test_address_refusal_names_the_kind() -> None:
    assert address_refusal(ipaddress.ip_address("8.8.8.8")) is None
    assert address_refusal(ipaddress.ip_address("2606:4700:4700::1111")) is None
    assert address_refusal(ipaddress.ip_address("::ffff:8.8.8.8")) is None
    assert address_refusal(ipaddress.ip_address("100.64.0.1")) == "a carrier-grade NAT address"
    assert address_refusal(ipaddress.ip_address("169.254.169.254")) == "a link-local address"
    assert "loopback" in (address_refusal(ipaddress.ip_address("64:ff9b::7f00:1")) or "")
    assert "private" in (address_refusal(ipaddress.ip_address("2002:c0a8:101::")) or "")
    assert address_refusal(ipaddress.ip_address("fc00::1")) == "a unique-local address"
    assert address_refusal(ipaddress.ip_address("224.0.0.1")) == "a multicast address"


async def test_a_name_with_one_internal_answer_is_refused(client: httpx.AsyncClient) -> None:
    async with serve({"/": page("cnn_article.html")}) as server:
        resolve = resolver_for({"news.example.com": ["127.0.0.1", "10.0.0.1"]})
        fetcher = Fetcher(client, FetchSettings(), resolve, LOOPBACK_ONLY)
        with pytest.raises(FetchError, match="private"):
            await fetcher.fetch(server.url("news.example.com", "/"))
    assert server.connections == 0


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://example.com/1", "ftp://x/y"])
async def test_other_schemes_are_refused(client: httpx.AsyncClient, url: str) -> None:
    fetcher = Fetcher(client, FetchSettings(), resolver_for({}))
    with pytest.raises(FetchError, match="only http and https") as caught:
        await fetcher.fetch(url)
    assert caught.value.kind is FetchErrorKind.REFUSED


async def test_fetches_from_the_vetted_address_with_the_real_host_name(
    client: httpx.AsyncClient,
) -> None:
    async with serve({"/story": page("cnn_article.html")}) as server:
        resolve = resolver_for({"edition.cnn.example": ["127.0.0.1"]})
        fetcher = Fetcher(client, FetchSettings(), resolve, LOOPBACK_ONLY)
        result = await fetcher.fetch(server.url("edition.cnn.example", "/story#top"))
    assert result.url == server.url("edition.cnn.example", "/story")
    assert result.content_type == "text/html"
    assert b"smooth sailing for Thanksgiving" in result.body
    _path, headers = server.requests[0]
    assert headers["host"] == f"edition.cnn.example:{server.port}"
    assert headers["user-agent"].startswith("briefbot/")


async def test_a_redirect_to_an_internal_address_is_refused(client: httpx.AsyncClient) -> None:
    routes = {
        "/go": Route(status=302, headers={"Location": "http://169.254.169.254/latest/"}),
        "/loop": Route(status=301, headers={"Location": "http://127.0.0.2/admin"}),
    }
    async with serve(routes) as server:
        resolve = resolver_for({"news.example.com": ["127.0.0.1"]})
        fetcher = Fetcher(client, FetchSettings(), resolve, LOOPBACK_ONLY)
        for path, kind in (("/go", "link-local"), ("/loop", "loopback")):
            with pytest.raises(FetchError, match=kind):
                await fetcher.fetch(server.url("news.example.com", path))
    assert [p for p, _ in server.requests] == ["/go", "/loop"]


async def test_redirects_are_followed_up_to_the_limit(client: httpx.AsyncClient) -> None:
    routes = {f"/r{i}": Route(status=302, headers={"Location": f"/r{i + 1}"}) for i in range(9)}
    routes["/r2"] = Route(status=301, headers={"Location": "/story"})
    routes["/story"] = page("time_001.html")
    async with serve(routes) as server:
        resolve = resolver_for({"news.example.com": ["127.0.0.1"]})
        fetcher = Fetcher(client, FetchSettings(max_redirects=3), resolve, LOOPBACK_ONLY)
        result = await fetcher.fetch(server.url("news.example.com", "/r0"))
        assert result.url.endswith("/story")
        routes["/r2"] = Route(status=302, headers={"Location": "/r3"})
        with pytest.raises(FetchError, match="redirects more than 3 times"):
            await fetcher.fetch(server.url("news.example.com", "/r0"))


async def test_a_gzip_bomb_is_cut_at_the_decompressed_cap(client: httpx.AsyncClient) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=9)
    assert len(bomb) < 100_000
    routes = {
        "/bomb": Route(bomb, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})
    }
    async with serve(routes) as server:
        resolve = resolver_for({"news.example.com": ["127.0.0.1"]})
        fetcher = Fetcher(client, FetchSettings(max_bytes=1_000_000), resolve, LOOPBACK_ONLY)
        with pytest.raises(FetchError, match="too large") as caught:
            await fetcher.fetch(server.url("news.example.com", "/bomb"))
    assert caught.value.kind is FetchErrorKind.TOO_LARGE


async def test_gzip_pages_under_the_cap_are_decoded(client: httpx.AsyncClient) -> None:
    html = page("cnn_article.html").body
    routes = {
        "/z": Route(
            gzip.compress(html), headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}
        )
    }
    async with serve(routes) as server:
        resolve = resolver_for({"news.example.com": ["127.0.0.1"]})
        fetcher = Fetcher(client, FetchSettings(), resolve, LOOPBACK_ONLY)
        result = await fetcher.fetch(server.url("news.example.com", "/z"))
    assert result.body == html


async def test_a_drip_feed_hits_the_deadline(client: httpx.AsyncClient) -> None:
    routes = {
        "/drip": Route(
            b"<html>" + b"x" * 400,
            headers={"Content-Type": "text/html"},
            drip_bytes=1,
            drip_pause=0.02,
        )
    }
    async with serve(routes) as server:
        resolve = resolver_for({"news.example.com": ["127.0.0.1"]})
        settings = FetchSettings(deadline_seconds=0.3)
        fetcher = Fetcher(client, settings, resolve, LOOPBACK_ONLY)
        with pytest.raises(FetchError, match=r"within 0\.3 s") as caught:
            await fetcher.fetch(server.url("news.example.com", "/drip"))
    assert caught.value.kind is FetchErrorKind.TIMEOUT
    assert caught.value.transient


async def test_only_page_and_feed_types_are_accepted(client: httpx.AsyncClient) -> None:
    routes = {"/img": Route(b"\x89PNG", headers={"Content-Type": "image/png"})}
    async with serve(routes) as server:
        resolve = resolver_for({"news.example.com": ["127.0.0.1"]})
        fetcher = Fetcher(client, FetchSettings(), resolve, LOOPBACK_ONLY)
        with pytest.raises(FetchError, match=r"not an article.*image/png"):
            await fetcher.fetch(server.url("news.example.com", "/img"))
        with pytest.raises(FetchError, match="HTTP 404"):
            await fetcher.fetch(server.url("news.example.com", "/missing"))


async def test_conditional_requests_send_the_validators(client: httpx.AsyncClient) -> None:
    feed = page("feed2.rss", "application/rss+xml")
    feed.headers["ETag"] = '"v1"'

    def conditional(path: str, headers: dict[str, str]) -> Route | None:
        return Route(status=304) if headers.get("if-none-match") == '"v1"' else None

    async with serve({"/feed": feed}) as server:
        server.on_request = conditional
        resolve = resolver_for({"feeds.example.com": ["127.0.0.1"]})
        fetcher = Fetcher(client, FetchSettings(), resolve, LOOPBACK_ONLY)
        first = await fetcher.fetch(server.url("feeds.example.com", "/feed"))
        again = await fetcher.fetch(server.url("feeds.example.com", "/feed"), first.validators)
    assert first.is_feed and first.validators == Validators(etag='"v1"')
    assert again.not_modified and again.body == b""


def test_settings_defaults_match_the_issue() -> None:
    defaults = FetchSettings()
    assert (defaults.max_bytes, defaults.deadline_seconds, defaults.max_redirects) == (
        5_000_000,
        10.0,
        5,
    )
    assert dataclasses.replace(defaults, max_bytes=1).max_bytes == 1


async def test_requests_to_one_host_are_limited(client: httpx.AsyncClient) -> None:
    slow = Route(b"<html>" + b"x" * 20, headers={"Content-Type": "text/html"}, drip_bytes=5)
    async with serve({"/slow": slow}) as server:
        resolve = resolver_for({"news.example.com": ["127.0.0.1"]})
        fetcher = Fetcher(client, FetchSettings(per_host_connections=1), resolve, LOOPBACK_ONLY)
        url = server.url("news.example.com", "/slow")
        results = await asyncio.gather(*(fetcher.fetch(url) for _ in range(4)))
    assert all(r.body == slow.body for r in results)
    assert server.most_in_flight == 1
    assert fetcher._host_slots == {}  # idle hosts are forgotten


@pytest.mark.parametrize("host", ["2130706433", "0x7f000001", "127.1", "localhost"])
async def test_odd_spellings_of_loopback_are_resolved_then_refused(
    client: httpx.AsyncClient, host: str
) -> None:
    async with serve({"/": page("cnn_article.html")}) as server:
        fetcher = Fetcher(client, FetchSettings(), system_resolver)
        with pytest.raises(FetchError, match="loopback") as caught:
            await fetcher.fetch(server.url(host, "/"))
    assert caught.value.kind is FetchErrorKind.REFUSED
    assert server.connections == 0


async def test_https_goes_to_the_vetted_address_with_the_name_in_sni_and_the_certificate() -> None:
    ca = trustme.CA()
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    resolve = resolver_for({"news.example.com": ["127.0.0.1"]})
    for cert_names, should_connect in ((["news.example.com"], True), (["other.example"], False)):
        server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(*cert_names).configure_cert(server_tls)
        async with (
            serve({"/story": page("cnn_article.html")}, tls=server_tls) as server,
            httpx.AsyncClient(verify=trusting, trust_env=False) as http,
        ):
            fetcher = Fetcher(http, FetchSettings(), resolve, LOOPBACK_ONLY)
            url = f"https://news.example.com:{server.port}/story"
            if should_connect:
                result = await fetcher.fetch(url)
                assert b"Thanksgiving" in result.body
                assert server.requests[0][1]["host"] == f"news.example.com:{server.port}"
            else:
                with pytest.raises(FetchError, match="certificate is not valid") as caught:
                    await fetcher.fetch(url)
                assert caught.value.kind is FetchErrorKind.NETWORK
