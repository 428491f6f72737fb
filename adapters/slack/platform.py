"""Slack's registration: variables, runner and digest poster (slack-bolt loads lazily)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from bot.chat.platform import ChatPlatform, EnvVariable
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.digests.scheduler import ChannelPoster
    from bot.store.installations import Installations

log = logging.getLogger(__name__)


def run(settings: Settings, env: Mapping[str, str]) -> int:
    """``briefbot slack``: serve the Slack app until stopped."""
    import asyncio

    from adapters.slack.run import run_slack

    return asyncio.run(run_slack(settings, env))


@asynccontextmanager
async def digest_poster(
    env: Mapping[str, str], installations: Installations
) -> AsyncIterator[ChannelPoster]:
    """A poster on the validated Web API settings (``SLACK_API_URL`` path kept), token checked;
    installed by OAuth, one that posts with each workspace's token from ``installations``."""
    from adapters.slack.digest import SlackDigestPoster, SlackWorkspacesPoster, digest_client
    from adapters.slack.settings import api_url_from, load_slack_api, load_slack_oauth

    if load_slack_oauth(env) is not None:
        fallback = env.get("SLACK_BOT_TOKEN", "").strip() or None
        workspaces = SlackWorkspacesPoster(installations, api_url_from(env), fallback)
        log.info("Slack digests: %s", await workspaces.check())
        yield workspaces
        return
    api = load_slack_api(env)
    poster = SlackDigestPoster(digest_client(api.bot_token, api.api_url))
    log.info("Slack digests as %s", await poster.check())
    yield poster


def complete(present: frozenset[str]) -> bool:
    """HTTP mode needs the signing secret; Socket Mode needs the app token instead; OAuth
    installs need the client id and secret and the signing secret."""
    if present & {"SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"}:
        return {"SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_SIGNING_SECRET"} <= present
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
        # Installs in many workspaces by OAuth (adapters/slack/oauth.py).
        EnvVariable("SLACK_CLIENT_ID", secret=False),
        EnvVariable("SLACK_CLIENT_SECRET"),
    ),
    switch="SLACK_BOT_TOKEN",
    other_switches=("SLACK_CLIENT_ID",),
    needs="SLACK_BOT_TOKEN, plus SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode);"
    " or SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET (OAuth installs)",
    complete=complete,
    run=run,
    digest_poster=digest_poster,
    # Bot, user and app-level tokens.
    secret_shapes=(r"xox[abeoprs]-[A-Za-z0-9-]{6,}", r"xapp-[A-Za-z0-9-]{6,}"),
    config_files=("slack-manifest.yml",),  # the app's manifest, to paste when creating it
)
