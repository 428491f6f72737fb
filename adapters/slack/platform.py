"""Slack's registration: variables, runner and digest poster (slack-bolt loads lazily)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from bot.chat.platform import ChatPlatform, EnvVariable
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.digests.scheduler import ChannelPoster

log = logging.getLogger(__name__)


def run(settings: Settings, env: Mapping[str, str]) -> int:
    """``briefbot slack``: serve the Slack app until stopped."""
    from adapters.slack.run import run_slack

    return asyncio.run(run_slack(settings, env))


@asynccontextmanager
async def digest_poster(env: Mapping[str, str]) -> AsyncIterator[ChannelPoster]:
    """A poster on the validated Web API settings (``SLACK_API_URL`` path kept), token checked."""
    from adapters.slack.digest import SlackDigestPoster, digest_client
    from adapters.slack.settings import load_slack_api

    api = load_slack_api(env)
    poster = SlackDigestPoster(digest_client(api.bot_token, api.api_url))
    log.info("Slack digests as %s", await poster.check())
    yield poster


def complete(present: frozenset[str]) -> bool:
    """HTTP mode needs the signing secret; Socket Mode needs the app token instead."""
    return "SLACK_BOT_TOKEN" in present and bool(
        present & {"SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"}
    )


PLATFORM = ChatPlatform(
    name="slack",
    summary="run the Slack app: Socket Mode if SLACK_APP_TOKEN is set, else HTTP on $PORT",
    variables=(
        EnvVariable("SLACK_BOT_TOKEN", prefix="xoxb-"),
        EnvVariable("SLACK_SIGNING_SECRET"),
        EnvVariable("SLACK_APP_TOKEN", prefix="xapp-"),
    ),
    switch="SLACK_BOT_TOKEN",
    needs="SLACK_BOT_TOKEN, plus SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode)",
    complete=complete,
    run=run,
    digest_poster=digest_poster,
    # Bot, user and app-level tokens.
    secret_shapes=(r"xox[abeoprs]-[A-Za-z0-9-]{6,}", r"xapp-[A-Za-z0-9-]{6,}"),
    config_files=("slack-manifest.yml",),  # the app's manifest, to paste when creating it
)
