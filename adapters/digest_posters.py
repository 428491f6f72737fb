"""The digest posters for the platforms configured in the environment (tokens are secrets)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager

from bot.digests.scheduler import ChannelPoster, PostRejected

log = logging.getLogger(__name__)


@asynccontextmanager
async def posters_from_env(env: Mapping[str, str]) -> AsyncIterator[dict[str, ChannelPoster]]:
    """Posters keyed by platform: Slack with SLACK_BOT_TOKEN (SLACK_API_URL optional), Discord
    with DISCORD_TOKEN; each token is checked with the platform first (PostRejected if refused)."""
    # Each platform's library is imported only when its token is set: no cost for unused ones.
    posters: dict[str, ChannelPoster] = {}
    async with AsyncExitStack() as stack:
        if env.get("SLACK_BOT_TOKEN"):
            from adapters.slack.digest import SLACK_API_URL, SlackDigestPoster, digest_client

            slack = SlackDigestPoster(
                digest_client(env["SLACK_BOT_TOKEN"], env.get("SLACK_API_URL") or SLACK_API_URL)
            )
            log.info("Slack digests as %s", await slack.check())
            posters["slack"] = slack
        if env.get("DISCORD_TOKEN"):
            from adapters.discord.digest import DiscordDigestPoster
            from adapters.discord.run import DiscordSetupError, use_api_url

            try:
                use_api_url(env)
            except DiscordSetupError as exc:
                raise PostRejected(str(exc)) from exc
            discord = await DiscordDigestPoster.connect(env["DISCORD_TOKEN"])
            stack.push_async_callback(discord.close)
            posters["discord"] = discord
        yield posters
