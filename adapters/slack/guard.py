"""Slow clients may not hold connections: a request head must arrive whole, and soon.

aiohttp's server waits for a request's headers without a time limit (a "slow loris" holds a
connection, and its memory, by never finishing them; 400 such connections stayed open). Here
each connection's first request head (request line and headers, up to the blank line) must
arrive within ``head_seconds`` of connecting, or the connection is closed. Later requests on a
kept-alive connection are bounded by aiohttp's ``keepalive_timeout``, which the runner sets to
the same value: an idle connection, or one part-way through a request head, is closed then.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

# Slack sends its whole request at once; a client a few seconds into its headers is not Slack.
REQUEST_HEAD_SECONDS = 10.0
_HEAD_END = b"\r\n\r\n"
log = logging.getLogger(__name__)


class RequestHeadGuard(asyncio.Protocol):
    """Wraps aiohttp's protocol for one connection; closes it if no full head comes in time."""

    def __init__(self, inner: asyncio.Protocol, head_seconds: float) -> None:
        self._inner = inner
        self._head_seconds = head_seconds
        self._timer: asyncio.TimerHandle | None = None
        self._tail = b""  # the last bytes seen, for a blank line split across two reads

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._head_seconds, self._expire, transport)
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._timer is not None:
            seen = self._tail + data
            if _HEAD_END in seen:
                self._timer.cancel()
                self._timer = None
            self._tail = seen[-(len(_HEAD_END) - 1) :]
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    def _expire(self, transport: asyncio.BaseTransport) -> None:
        self._timer = None
        log.info("closed a connection that sent no complete request in %g s", self._head_seconds)
        transport.close()


class GuardedTCPSite(web.BaseSite):
    """aiohttp's TCP site, with every connection behind a ``RequestHeadGuard``."""

    def __init__(
        self,
        runner: web.BaseRunner,
        host: str,
        port: int,
        head_seconds: float = REQUEST_HEAD_SECONDS,
    ) -> None:
        super().__init__(runner)
        self._host = host
        self._port = port
        self._head_seconds = head_seconds

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    @property
    def port(self) -> int:
        """The port listened on (the one chosen when 0 was asked for)."""
        if self._server is None:
            return self._port
        sockets = getattr(self._server, "sockets", ())
        return int(sockets[0].getsockname()[1]) if sockets else self._port

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        if server is None:
            raise RuntimeError("call runner.setup() before starting a site")
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: RequestHeadGuard(server(), self._head_seconds),
            self._host,
            self._port,
            reuse_address=True,
        )
