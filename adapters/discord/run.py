"""``briefbot discord``: the token from the environment, the intents, and the bot's lifetime."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Mapping

import discord

from adapters.discord.client import BriefbotClient
from bot.chat.dispatcher import Dispatcher
from bot.ops.runtime import CHAT_DRAIN_SECONDS, InFlight, Shutdown, run_chat, wait_for_stop
from bot.settings import Settings

TOKEN_VARIABLE = "DISCORD_TOKEN"
EXIT_SETUP = 2
log = logging.getLogger(__name__)


class DiscordSetupError(Exception):
    """The bot cannot start until the operator fixes something; the message says what."""


def token_from(env: Mapping[str, str]) -> str:
    """The bot token from DISCORD_TOKEN; raise DiscordSetupError naming it when it is missing."""
    token = env.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise DiscordSetupError(
            f"{TOKEN_VARIABLE} is not set. Copy the bot token from the Discord Developer Portal "
            f"(your application > Bot > Reset Token) and export {TOKEN_VARIABLE}=..."
        )
    return token


def bot_intents(message_content: bool) -> discord.Intents:
    """Only what the bot uses: guilds and messages, plus Message Content when it may ask."""
    return discord.Intents(
        guilds=True, guild_messages=True, dm_messages=True, message_content=message_content
    )


async def serve(
    dispatcher: Dispatcher,
    token: str,
    shutdown: Shutdown,
    drain_seconds: float = CHAT_DRAIN_SECONDS,
) -> None:
    """Run the bot until ``shutdown``, then let the commands in flight deliver their replies
    before disconnecting. When Discord refuses the privileged Message Content intent, reconnect
    without it: /summary, mentions of the bot and DMs need no privileged intent."""
    inflight = InFlight()
    for message_content in (True, False):
        client = BriefbotClient(dispatcher, inflight, intents=bot_intents(message_content))
        try:
            async with client:
                connection = asyncio.ensure_future(client.start(token))
                try:
                    if await wait_for_stop(connection, shutdown):
                        # Still connected: the replies in flight need the client's HTTP session.
                        await inflight.drain(drain_seconds)
                        await client.close()
                    await connection
                finally:
                    connection.cancel()
            return
        except discord.PrivilegedIntentsRequired:
            log.warning(
                "Discord refused the Message Content intent (enable it under Bot > Privileged "
                "Gateway Intents in the Developer Portal); reconnecting without it: /summary, "
                "@mentions of the bot and DMs keep working"
            )
        except discord.LoginFailure as exc:
            raise DiscordSetupError(f"Discord rejected {TOKEN_VARIABLE}: {exc}") from exc


def run_discord(settings: Settings, env: Mapping[str, str]) -> int:
    """Check the token, start the core, and run the bot; return the process exit code."""
    try:
        token = token_from(env)
        return asyncio.run(
            run_chat(settings, lambda dispatcher, shutdown: serve(dispatcher, token, shutdown))
        )
    except DiscordSetupError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return EXIT_SETUP
