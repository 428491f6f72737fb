"""A tiny HTTP/1.1 server on 127.0.0.1 for fetch tests: fixed routes, and it counts connections."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

DATA = Path(__file__).parent / "data" / "web"


@dataclass
class Route:
    """What the server answers for one path."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    # Send the body this many bytes at a time with this pause between pieces (a slow server).
    drip_bytes: int = 0
    drip_pause: float = 0.0


def page(name: str, content_type: str = "text/html; charset=utf-8") -> Route:
    """A saved real document from tests/data/web."""
    return Route((DATA / name).read_bytes(), headers={"Content-Type": content_type})


@dataclass
class LoopbackServer:
    """Routes by path (query ignored), answers 304 to a matching If-None-Match; ``connections`` counts accepted TCP connections, ``requests`` the paths."""

    routes: dict[str, Route]
    port: int = 0
    connections: int = 0
    in_flight: int = 0
    most_in_flight: int = 0
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    on_request: Callable[[str, dict[str, str]], Route | None] | None = None
    handlers: set[asyncio.Task[None]] = field(default_factory=set)

    def url(self, host: str, path: str) -> str:
        """A URL naming ``host`` on this server's port."""
        return f"http://{host}:{self.port}{path}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                path = line.decode("latin-1").split(" ")[1]
                headers: dict[str, str] = {}
                while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    key, _, value = header.decode("latin-1").partition(":")
                    headers[key.strip().lower()] = value.strip()
                self.requests.append((path, headers))
                route = (self.on_request(path, headers) if self.on_request else None) or (
                    self.routes.get(path.partition("?")[0], Route(b"not found", status=404))
                )
                etag = route.headers.get("ETag")
                if etag is not None and headers.get("if-none-match") == etag:
                    route = Route(status=304, headers={"ETag": etag})
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
                try:
                    await self._respond(writer, route)
                finally:
                    self.in_flight -= 1
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:
            # Cancelled by serve() on exit; ending quietly keeps asyncio from logging a traceback.
            return
        finally:
            self.handlers.discard(task)
            writer.close()

    async def _respond(self, writer: asyncio.StreamWriter, route: Route) -> None:
        head = [f"HTTP/1.1 {route.status} X", f"Content-Length: {len(route.body)}"]
        head += [f"{k}: {v}" for k, v in route.headers.items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        if not route.drip_bytes:
            writer.write(route.body)
            await writer.drain()
            return
        for start in range(0, len(route.body), route.drip_bytes):
            writer.write(route.body[start : start + route.drip_bytes])
            await writer.drain()
            await asyncio.sleep(route.drip_pause)


@asynccontextmanager
async def serve(
    routes: dict[str, Route], tls: ssl.SSLContext | None = None
) -> AsyncIterator[LoopbackServer]:
    """Run a LoopbackServer on an ephemeral port of 127.0.0.1 for the duration of the block."""
    server = LoopbackServer(routes)
    listener = await asyncio.start_server(server._handle, "127.0.0.1", 0, ssl=tls)
    server.port = listener.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        listener.close()
        # Handlers still serving (a drip, an idle keep-alive) end with the test, not after it.
        for task in list(server.handlers):
            task.cancel()
        await asyncio.gather(*server.handlers, return_exceptions=True)
        await listener.wait_closed()


class PortForward(httpx.AsyncBaseTransport):
    """Sends connections for port 80 of 127.0.0.1 to the test server's port, like a NAT would.

    Saved feeds link to pages without a port; the sockets still really go to the loopback server.
    """

    def __init__(self, port: int) -> None:
        self._port = port
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "127.0.0.1" and request.url.port in (None, 80):
            request.url = request.url.copy_with(port=self._port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
