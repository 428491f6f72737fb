"""Discord's registration: its variable, its runner and its digest poster (discord.py loads
lazily)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from bot.chat.platform import ChatPlatform, EnvVariable
from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from bot.digests.scheduler import ChannelPoster
    from bot.store.installations import Installations

TOKEN_VARIABLE = "DISCORD_TOKEN"
log = logging.getLogger(__name__)


def run(settings: Settings, env: Mapping[str, str]) -> int:
    """``briefbot discord``: run the bot until stopped."""
    from adapters.discord.run import run_discord

    return run_discord(settings, env)


@asynccontextmanager
async def digest_poster(
    env: Mapping[str, str], installations: Installations
) -> AsyncIterator[ChannelPoster]:
    """A poster logged in to the REST API with the bot token (no gateway connection); one bot
    token serves every server, so ``installations`` are not needed."""
    from adapters.discord.digest import DiscordDigestPoster
    from adapters.discord.run import DiscordSetupError, token_from, use_api_url

    try:
        token = token_from(env)
        use_api_url(env)  # DISCORD_API_URL and DISCORD_GATEWAY_URL, as for `briefbot discord`
    except DiscordSetupError as exc:
        raise SettingsError(str(exc)) from None
    poster = await DiscordDigestPoster.connect(token)
    try:
        yield poster
    finally:
        await poster.close()


PLATFORM = ChatPlatform(
    name="discord",
    summary=f"run the Discord bot (token from {TOKEN_VARIABLE})",
    variables=(
        EnvVariable(TOKEN_VARIABLE),
        # Sharding (adapters/discord/shards.py): the total, and this process's share.
        EnvVariable("DISCORD_SHARD_COUNT", secret=False),
        EnvVariable("DISCORD_SHARD_IDS", secret=False),
    ),
    switch=TOKEN_VARIABLE,
    needs=TOKEN_VARIABLE,
    complete=lambda present: TOKEN_VARIABLE in present,
    run=run,
    digest_poster=digest_poster,
    # A bot token: base64 user id . timestamp . HMAC.
    secret_shapes=(r"[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}",),
)
