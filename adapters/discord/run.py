"""``briefbot discord``: the token from the environment, the intents, and the bot's lifetime."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass

import discord
import yarl

from adapters.discord.client import BriefbotClient, ShardedBriefbotClient
from adapters.discord.shards import ShardPlan, ShardPlanError, shard_plan
from bot.app import run_chat
from bot.chat.dispatcher import Dispatcher
from bot.ops.runtime import CHAT_DRAIN_SECONDS, InFlight, Shutdown, wait_for_stop
from bot.settings import Settings
from bot.store.locks import NamedLocks, open_locks

TOKEN_VARIABLE = "DISCORD_TOKEN"
API_URL_VARIABLE = "DISCORD_API_URL"
GATEWAY_URL_VARIABLE = "DISCORD_GATEWAY_URL"
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


def use_api_url(env: Mapping[str, str]) -> str:
    """Point discord.py at DISCORD_API_URL (REST) and DISCORD_GATEWAY_URL (WebSocket), if set.

    For a proxy, or loopback fakes in tests, as SLACK_API_URL is for Slack. discord.py keeps
    both on class attributes (``Route.BASE``, ``DiscordWebSocket.DEFAULT_GATEWAY``), one per
    process, so they are set once, before any client. Returns the REST base URL in use.
    """
    url = env.get(API_URL_VARIABLE, "").strip().rstrip("/")
    if url:
        if not url.startswith(("https://", "http://")):
            raise DiscordSetupError(f"{API_URL_VARIABLE} must be an http(s) URL, not {url!r}")
        discord.http.Route.BASE = url
    gateway = env.get(GATEWAY_URL_VARIABLE, "").strip()
    if gateway:
        if not gateway.startswith(("wss://", "ws://")):
            raise DiscordSetupError(f"{GATEWAY_URL_VARIABLE} must be a ws(s) URL, not {gateway!r}")
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    return str(discord.http.Route.BASE)


def bot_intents(message_content: bool) -> discord.Intents:
    """Only what the bot uses: guilds and messages, plus Message Content when it may ask."""
    return discord.Intents(
        guilds=True, guild_messages=True, dm_messages=True, message_content=message_content
    )


@dataclass(frozen=True)
class Sharding:
    """This process's shards and the locks it shares with the processes running the others."""

    plan: ShardPlan
    locks: NamedLocks


def new_client(
    dispatcher: Dispatcher, inflight: InFlight, intents: discord.Intents, sharding: Sharding | None
) -> BriefbotClient:
    """One gateway connection (a plain client), or the planned shards."""
    if sharding is None:
        return BriefbotClient(dispatcher, inflight, intents=intents)
    return ShardedBriefbotClient(
        dispatcher, inflight, intents=intents, plan=sharding.plan, locks=sharding.locks
    )


async def serve(
    dispatcher: Dispatcher,
    token: str,
    shutdown: Shutdown,
    drain_seconds: float = CHAT_DRAIN_SECONDS,
    sharding: Sharding | None = None,
) -> None:
    """Run the bot until ``shutdown``, then let the commands in flight deliver their replies
    before disconnecting. When Discord refuses the privileged Message Content intent, reconnect
    without it: /summary, mentions of the bot and DMs need no privileged intent."""
    inflight = InFlight()
    for message_content in (True, False):
        client = new_client(dispatcher, inflight, bot_intents(message_content), sharding)
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


def sharding_plan(env: Mapping[str, str]) -> ShardPlan | None:
    """The shard variables, read once; a mistake in them is a setup error."""
    try:
        return shard_plan(env)
    except ShardPlanError as exc:
        raise DiscordSetupError(str(exc)) from None


async def run_bot(settings: Settings, token: str, plan: ShardPlan | None) -> int:
    """The core and the bot, sharded when planned (with the store's locks for IDENTIFY)."""
    if plan is None:
        return await run_chat(
            settings, lambda dispatcher, shutdown: serve(dispatcher, token, shutdown)
        )
    async with open_locks(settings) as locks:
        sharding = Sharding(plan, locks)
        return await run_chat(
            settings,
            lambda dispatcher, shutdown: serve(dispatcher, token, shutdown, sharding=sharding),
        )


def run_discord(settings: Settings, env: Mapping[str, str]) -> int:
    """Check the token, start the core, and run the bot; return the process exit code."""
    try:
        token = token_from(env)
        use_api_url(env)
        plan = sharding_plan(env)
        return asyncio.run(run_bot(settings, token, plan))
    except DiscordSetupError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return EXIT_SETUP
