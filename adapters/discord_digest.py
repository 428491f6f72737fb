"""Post digests to Discord channels over the REST API (discord.py's HTTP client): translation only.

Each post carries the slot's key as its ``nonce`` with ``enforce_nonce``, so Discord drops a
repeated POST of the same digest for a few minutes: discord.py's own retries after 5xx answers and
the scheduler's re-send after an interrupted post cannot make a second message.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

import aiohttp
import discord
from discord.http import HTTPClient, handle_message_parameters

from adapters.reply_text import reply_markdown
from bot.commands import Reply
from bot.digest import PostNotSent, PostRejected

MAX_CONTENT = 2000  # Discord's limit on message content, in characters


class DiscordDigestPoster:
    """The digest port for Discord."""

    # Discord checks enforce_nonce "in the past few minutes"; stay well inside that.
    idempotency_window = dt.timedelta(minutes=2)

    def __init__(self, http: HTTPClient, render: Callable[[Reply], str] = reply_markdown) -> None:
        self._http = http
        self._render = render

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
        except BaseException:
            await http.close()
            raise
        return cls(http)

    async def close(self) -> None:
        """Close the HTTP session."""
        await self._http.close()

    async def post(self, channel_id: str, reply: Reply, idempotency_key: str) -> str:
        """Post to the channel with the key as nonce; return the message id."""
        if not channel_id.isdecimal():
            raise PostRejected(f"'{channel_id}' is not a Discord channel id")
        params = handle_message_parameters(
            content=_fit(self._render(reply)),
            nonce=idempotency_key,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        try:
            with params:
                message = await self._http.send_message(int(channel_id), params=params)
        except aiohttp.ClientConnectorError as exc:
            raise PostNotSent(f"cannot reach the Discord API: {exc}") from exc
        except discord.HTTPException as exc:
            if 400 <= exc.status < 500 and exc.status != 408:
                # Discord answered and did not post (missing access, unknown channel, ...).
                raise PostRejected(f"{exc.status} {exc.text}") from exc
            raise
        return str(message["id"])


def _fit(text: str) -> str:
    if len(text) <= MAX_CONTENT:
        return text
    cut = text.rfind("\n", 0, MAX_CONTENT - 1)
    return text[: cut if cut > 0 else MAX_CONTENT - 1] + "…"
