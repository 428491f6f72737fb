"""Fetching web pages and feeds for links that strangers paste into chat, safely.

Every hop is resolved once, every resolved address is vetted (only globally routable unicast
addresses pass), and the request goes to the vetted address itself with the real name in the
``Host`` header and TLS SNI, so DNS cannot answer differently between the check and the connect.
Redirects are followed by hand, each hop vetted the same way. The body is decompressed here, not
by httpx, so the size cap counts decompressed bytes while they are produced (a gzip bomb stops at
the cap). One deadline covers resolution, every hop and the whole body.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from bot.settings import FetchSettings
from bot.store.records import Validators

if TYPE_CHECKING:
    import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str], Awaitable[Sequence[str]]]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
    }
)
ALLOWED_TYPES = HTML_TYPES | FEED_TYPES | {"text/plain"}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")


class FetchErrorKind(StrEnum):
    """Why a fetch failed, in categories a caller can act on."""

    REFUSED = "refused"
    TIMEOUT = "timeout"
    TOO_LARGE = "too large"
    UNSUPPORTED = "unsupported"
    HTTP = "http"
    NETWORK = "network"


class FetchError(Exception):
    """A link that could not be fetched; ``reason`` is one line to show the user."""

    def __init__(self, kind: FetchErrorKind, reason: str, *, transient: bool = False) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.transient = transient


@dataclass(frozen=True)
class FetchResult:
    """A fetched document (or a 304 answer, with an empty body)."""

    url: str
    content_type: str
    charset: str | None
    body: bytes
    validators: Validators
    not_modified: bool = False

    @property
    def is_feed(self) -> bool:
        """True when the server calls this an XML feed rather than a page."""
        return self.content_type in FEED_TYPES


def new_http_client(settings: FetchSettings) -> LazyHttpClient:
    """The HTTP client for a Fetcher: no proxies from the environment, no automatic redirects."""
    return LazyHttpClient(settings)


class LazyHttpClient:
    """An ``httpx.AsyncClient`` made when the first link is fetched.

    Importing httpx costs ~0.1 s of start-up (with NLTK installed, httpx also loads its own
    command line: click, rich, pygments); most commands and most chat sessions never fetch.
    """

    def __init__(self, settings: FetchSettings) -> None:
        self._settings = settings
        self._client: httpx.AsyncClient | None = None

    def get(self) -> httpx.AsyncClient:
        """The client, made on first use."""
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(
                trust_env=False,
                follow_redirects=False,
                timeout=httpx.Timeout(self._settings.deadline_seconds),
                limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
            )
        return self._client

    async def aclose(self) -> None:
        """Close the client, if one was made."""
        if self._client is not None:
            await self._client.aclose()


async def system_resolver(host: str) -> list[str]:
    """Resolve a host name with the operating system's resolver (run by the event loop)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def address_refusal(address: IPAddress) -> str | None:
    """Why this address must not be fetched from, or None when it is public unicast."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            inner = address_refusal(embedded)
            return f"{inner} (embedded in {address})" if inner else None
        if address in _UNIQUE_LOCAL:
            return "a unique-local address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED:
        return "a carrier-grade NAT address"
    if address.is_private:
        return "a private address"
    if address.is_reserved or not address.is_global:
        return "a reserved address"
    return None


class Fetcher:
    """Fetches http(s) documents through an injected httpx client, refusing hostile targets."""

    def __init__(
        self,
        client: httpx.AsyncClient | LazyHttpClient,
        settings: FetchSettings,
        resolver: Resolver = system_resolver,
        trusted_networks: Sequence[IPNetwork] = (),
    ) -> None:
        """``trusted_networks`` exempts these networks from vetting (an intranet news host)."""
        self._given_client = client
        self._settings = settings
        self._resolve = resolver
        self._trusted = tuple(trusted_networks)
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        self._host_users: dict[str, int] = {}

    async def fetch(self, url: str, validators: Validators | None = None) -> FetchResult:
        """Fetch ``url`` within the deadline; raise FetchError with a one-line reason."""
        try:
            async with asyncio.timeout(self._settings.deadline_seconds):
                return await self._follow(url, validators)
        except TimeoutError as exc:
            raise FetchError(
                FetchErrorKind.TIMEOUT,
                f"{_short(url)} did not answer within {self._settings.deadline_seconds:g} s",
                transient=True,
            ) from exc

    async def _follow(self, url: str, validators: Validators | None) -> FetchResult:
        current = url
        for hop in range(self._settings.max_redirects + 1):
            target = _parse(current)
            address = await self._vet(target)
            # Validators belong to the URL asked for, not to wherever it redirects.
            conditional = validators if hop == 0 else None
            async with self._host_slot(_ascii_host(target)):
                outcome = await self._request(target, address, conditional)
            if isinstance(outcome, FetchResult):
                return outcome
            current = outcome
        raise FetchError(
            FetchErrorKind.REFUSED,
            f"{_short(url)} redirects more than {self._settings.max_redirects} times",
        )

    @contextlib.asynccontextmanager
    async def _host_slot(self, host: str) -> AsyncIterator[None]:
        """Hold one of the host's connection slots; forget hosts nobody is waiting on."""
        slot = self._host_slots.setdefault(
            host, asyncio.Semaphore(self._settings.per_host_connections)
        )
        self._host_users[host] = self._host_users.get(host, 0) + 1
        try:
            async with slot:
                yield
        finally:
            self._host_users[host] -= 1
            if not self._host_users[host]:
                del self._host_users[host], self._host_slots[host]

    async def _vet(self, url: httpx.URL) -> IPAddress:
        try:
            addresses = [ipaddress.ip_address(url.host)]
        except ValueError:
            try:
                answers = await self._resolve(_ascii_host(url))
            except (OSError, UnicodeError) as exc:
                raise FetchError(
                    FetchErrorKind.NETWORK, f"the host {url.host} could not be found"
                ) from exc
            # A scoped IPv6 answer ("fe80::1%eth0") is vetted without its zone.
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in answers]
        if not addresses:
            raise FetchError(FetchErrorKind.NETWORK, f"the host {url.host} could not be found")
        for address in addresses:
            # Every answer must pass: a name that also points inward is refused outright.
            if any(address in net for net in self._trusted):
                continue
            why = address_refusal(address)
            if why is not None:
                raise FetchError(
                    FetchErrorKind.REFUSED,
                    f"refused: {url.host} is {why}, not a public internet address",
                )
        first = addresses[0]
        if isinstance(first, ipaddress.IPv6Address) and first.ipv4_mapped is not None:
            return first.ipv4_mapped
        return first

    async def _request(
        self, url: httpx.URL, address: IPAddress, validators: Validators | None
    ) -> FetchResult | str:
        """One hop: a FetchResult, or the next URL to follow."""
        import httpx

        client = (
            self._given_client.get()
            if isinstance(self._given_client, LazyHttpClient)
            else self._given_client
        )
        headers = {
            "Host": url.netloc.decode("ascii"),
            "User-Agent": self._settings.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/rss+xml,"
            "application/atom+xml,application/xml;q=0.9,text/plain;q=0.5",
            "Accept-Encoding": "gzip, deflate",
        }
        if validators is not None and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators is not None and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        # Cookies would be filed under the IP connected to and leak between sites sharing it;
        # reading news needs none.
        client.cookies.clear()
        request = client.build_request(
            "GET",
            url.copy_with(host=str(address), fragment=None),
            headers=headers,
            extensions={"sni_hostname": _ascii_host(url)},
        )
        try:
            response = await client.send(request, stream=True, follow_redirects=False)
        except httpx.TimeoutException as exc:
            raise FetchError(
                FetchErrorKind.TIMEOUT, f"{url.host} did not answer in time", transient=True
            ) from exc
        except httpx.HTTPError as exc:
            if "CERTIFICATE_VERIFY_FAILED" in str(exc):
                raise FetchError(
                    FetchErrorKind.NETWORK,
                    f"could not connect to {url.host}: its TLS certificate is not valid",
                ) from exc
            raise FetchError(
                FetchErrorKind.NETWORK,
                f"could not connect to {url.host} ({type(exc).__name__})",
                transient=True,
            ) from exc
        try:
            return await self._answer(url, response)
        finally:
            await response.aclose()

    async def _answer(self, url: httpx.URL, response: httpx.Response) -> FetchResult | str:
        shown = _shown(url)
        if response.status_code in REDIRECT_STATUSES and "location" in response.headers:
            return urljoin(shown, response.headers["location"])
        validators = Validators(
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )
        if response.status_code == 304:
            return FetchResult(shown, "", None, b"", validators, not_modified=True)
        if response.status_code != 200:
            raise FetchError(
                FetchErrorKind.HTTP,
                f"{url.host} answered HTTP {response.status_code}",
                transient=response.status_code == 429 or response.status_code >= 500,
            )
        media, charset = _content_type(response.headers.get("content-type", ""))
        if media not in ALLOWED_TYPES:
            raise FetchError(
                FetchErrorKind.UNSUPPORTED,
                f"not an article: {_short(shown)} is {media or 'of no stated type'}, "
                "not a web page or feed",
            )
        body = await self._read_capped(response, shown)
        return FetchResult(shown, media, charset, body, validators)

    async def _read_capped(self, response: httpx.Response, shown: str) -> bytes:
        cap = self._settings.max_bytes
        too_large = FetchError(
            FetchErrorKind.TOO_LARGE,
            f"too large: {_short(shown)} is over {cap / 1_000_000:g} MB",
        )
        declared = response.headers.get("content-length", "")
        if declared.isdecimal() and int(declared) > cap:
            raise too_large
        decoder = _Decoder(response.headers.get("content-encoding", ""), shown)
        parts: list[bytes] = []
        size = 0
        async for raw in response.aiter_raw():
            for part in decoder.feed(raw, cap - size):
                size += len(part)
                if size > cap:
                    raise too_large
                parts.append(part)
        return b"".join(parts)


class _Decoder:
    """Content-Encoding decoding that never produces more than it is asked for at once."""

    def __init__(self, encoding: str, shown: str) -> None:
        codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if not codings:
            self._zlib = None
        elif codings in (["gzip"], ["x-gzip"], ["deflate"]):
            # 32 + MAX_WBITS accepts both gzip and zlib headers.
            self._zlib = zlib.decompressobj(32 + zlib.MAX_WBITS)
        else:
            raise FetchError(
                FetchErrorKind.UNSUPPORTED,
                f"{_short(shown)} was sent with an unsupported encoding ({encoding})",
            )

    def feed(self, raw: bytes, budget: int) -> list[bytes]:
        """Decode one raw chunk; stop soon after ``budget`` bytes so the caller can refuse."""
        if self._zlib is None:
            return [raw]
        out: list[bytes] = []
        produced = 0
        data = raw
        try:
            while data:
                part = self._zlib.decompress(data, max(budget - produced, 0) + 1)
                out.append(part)
                produced += len(part)
                if produced > budget:
                    break
                data = self._zlib.unconsumed_tail
        except zlib.error as exc:
            raise FetchError(FetchErrorKind.UNSUPPORTED, "the page is corrupt (bad gzip)") from exc
        return out


def _parse(url: str) -> httpx.URL:
    import httpx

    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError) as exc:
        raise FetchError(FetchErrorKind.REFUSED, f"'{_short(url)}' is not a valid link") from exc
    if parsed.scheme not in ("http", "https"):
        scheme = parsed.scheme or "(none)"
        raise FetchError(
            FetchErrorKind.REFUSED,
            f"refused: only http and https links can be fetched, not {scheme}:",
        )
    if not parsed.host:
        raise FetchError(FetchErrorKind.REFUSED, f"'{_short(url)}' has no host name")
    return parsed


def _ascii_host(url: httpx.URL) -> str:
    """The host as sent on the wire (IDNA-encoded), for DNS, SNI and per-host limits."""
    return url.raw_host.decode("ascii")


def _shown(url: httpx.URL) -> str:
    return str(url.copy_with(fragment=None))


def _content_type(header: str) -> tuple[str, str | None]:
    media, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset


def _short(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
