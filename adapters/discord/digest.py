"""Post digests to Discord channels over the REST API (discord.py's HTTP client): translation only.

Each message carries the slot's key as its ``nonce`` with ``enforce_nonce`` (a brief split over
several messages: key, key-1, key-2...), so Discord drops a repeated POST of the same digest for a
few minutes: discord.py's own retries after 5xx answers and the scheduler's re-send after an
interrupted post cannot make a second message.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import aiohttp
import discord
from discord.http import HTTPClient, handle_message_parameters
from discord.utils import MISSING

from adapters.discord.embeds import DiscordMessage, render_reply
from bot.chat.commands import Reply
from bot.digests.scheduler import PostNotSent, PostRejected

NO_PINGS = discord.AllowedMentions.none()


class DiscordDigestPoster:
    """The digest port for Discord."""

    # Discord checks enforce_nonce "in the past few minutes"; stay well inside that.
    idempotency_window = dt.timedelta(minutes=2)

    def __init__(self, http: HTTPClient) -> None:
        self._http = http

    @classmethod
    async def connect(cls, token: str) -> DiscordDigestPoster:
        """Log in to the REST API with a bot token (no gateway connection)."""
        http = HTTPClient(asyncio.get_running_loop())
        try:
            await http.static_login(token)
        except discord.LoginFailure as exc:
            await http.close()
            raise PostRejected(f"Discord refused the token: {exc}") from exc
        except aiohttp.ClientConnectorError as exc:
            await http.close()
            raise PostNotSent(f"cannot reach the Discord API: {exc}") from exc
        except discord.HTTPException as exc:
            # Discord itself failing (5xx, after discord.py's own retries): try again later.
            await http.close()
            raise PostNotSent(
                f"the Discord API failed at login ({exc.status}); try again later"
            ) from exc
        except BaseException:
            await http.close()
            raise
        return cls(http)

    async def close(self) -> None:
        """Close the HTTP session."""
        await self._http.close()

    async def post(self, channel_id: str, reply: Reply, idempotency_key: str) -> str:
        """Post as the Discord adapter renders replies, each message with its nonce; return the
        first message's id."""
        if not channel_id.isdecimal():
            raise PostRejected(f"'{channel_id}' is not a Discord channel id")
        ids = [
            await self._send(
                int(channel_id), part, idempotency_key if n == 0 else f"{idempotency_key}-{n}"
            )
            for n, part in enumerate(render_reply(reply))
        ]
        return ids[0]

    async def _send(self, channel_id: int, part: DiscordMessage, nonce: str) -> str:
        params = handle_message_parameters(
            content=MISSING if part.content is None else part.content,
            embeds=list(part.embeds),
            nonce=nonce,
            allowed_mentions=NO_PINGS,
        )
        try:
            with params:
                message = await self._http.send_message(channel_id, params=params)
        except aiohttp.ClientConnectorError as exc:
            raise PostNotSent(f"cannot reach the Discord API: {exc}") from exc
        except discord.HTTPException as exc:
            if 400 <= exc.status < 500 and exc.status != 408:
                # Discord answered and did not post (missing access, unknown channel, ...).
                raise PostRejected(f"{exc.status} {exc.text}") from exc
            raise
        return str(message["id"])
