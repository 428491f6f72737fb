"""Slack secrets and endpoints, read only from the environment."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.settings import SettingsError

SLACK_API_URL = "https://slack.com/api/"
DEFAULT_PORT = 3000
# Every interface, as before this was a setting; BIND_HOST=127.0.0.1 keeps the server to a
# reverse proxy on the same machine.
DEFAULT_BIND_HOST = "0.0.0.0"
# What the app's manifest (config/slack-manifest.yml) asks for: /summary, mentions, replies,
# and the history of the channels it posts digests to (a replica taking over a dead one's digest
# looks there for it by its key, instead of leaving it 'unknown').
DEFAULT_SCOPES = (
    "commands",
    "app_mentions:read",
    "chat:write",
    "channels:history",
    "groups:history",
)


@dataclass(frozen=True)
class SlackOAuth:
    """Installation by OAuth into any number of workspaces (SLACK_CLIENT_ID/SECRET)."""

    client_id: str
    client_secret: str = field(repr=False)
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    redirect_uri: str | None = None  # None: the one registered with the app


@dataclass(frozen=True)
class SlackSettings:
    """How to reach Slack. Secrets are kept out of ``repr`` so they never reach a log line."""

    bot_token: str | None = field(repr=False)  # None: one token per workspace, by OAuth
    signing_secret: str | None = field(repr=False)
    app_token: str | None = field(repr=False)
    api_url: str
    port: int
    oauth: SlackOAuth | None = None
    bind_host: str = DEFAULT_BIND_HOST

    @property
    def socket_mode(self) -> bool:
        """True when an app-level token is set: connect out over a WebSocket, no public URL."""
        return self.app_token is not None


@dataclass(frozen=True)
class SlackApi:
    """How to call Slack's Web API: all that posting digests needs."""

    bot_token: str = field(repr=False)
    api_url: str  # ends with '/', so method names are joined below it


def load_slack_api(env: Mapping[str, str]) -> SlackApi:
    """The Web API settings; raise SettingsError naming the variable that is missing or bad."""
    bot_token = _secret(env, "SLACK_BOT_TOKEN", "xoxb-", "the app's Bot User OAuth Token")
    return SlackApi(bot_token, api_url_from(env))


def api_url_from(env: Mapping[str, str]) -> str:
    """SLACK_API_URL (ending with '/'), or Slack's."""
    api_url = env.get("SLACK_API_URL", "").strip() or SLACK_API_URL
    if not api_url.startswith(("https://", "http://")):
        raise SettingsError(f"SLACK_API_URL must be an http(s) URL, not {api_url!r}")
    return api_url if api_url.endswith("/") else api_url + "/"


def oauth_requested(env: Mapping[str, str]) -> bool:
    """True when either OAuth credential is set: the app is installed per workspace."""
    return any(env.get(name, "").strip() for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"))


def load_slack_oauth(env: Mapping[str, str]) -> SlackOAuth | None:
    """The OAuth settings when SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are set; None otherwise."""
    if not oauth_requested(env):
        return None
    missing = [n for n in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET") if not env.get(n, "").strip()]
    if missing:
        raise SettingsError(
            f"{missing[0]} is not set; OAuth installs need both SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET (Basic Information > App Credentials)"
        )
    scopes_text = env.get("SLACK_SCOPES", "").strip()
    scopes = tuple(s.strip() for s in scopes_text.split(",") if s.strip()) or DEFAULT_SCOPES
    redirect_uri = env.get("SLACK_REDIRECT_URI", "").strip() or None
    if redirect_uri is not None and not redirect_uri.startswith(("https://", "http://")):
        raise SettingsError(f"SLACK_REDIRECT_URI must be an http(s) URL, not {redirect_uri!r}")
    return SlackOAuth(
        client_id=env["SLACK_CLIENT_ID"].strip(),
        client_secret=env["SLACK_CLIENT_SECRET"].strip(),
        scopes=scopes,
        redirect_uri=redirect_uri,
    )


def load_slack_settings(env: Mapping[str, str]) -> SlackSettings:
    """Read the Slack settings; raise SettingsError naming the variable that is missing or bad."""
    oauth = load_slack_oauth(env)
    if oauth is not None:
        return _oauth_settings(env, oauth)
    api = load_slack_api(env)
    app_token = env.get("SLACK_APP_TOKEN", "").strip() or None
    if app_token is not None and not app_token.startswith("xapp-"):
        raise SettingsError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
    signing_secret = env.get("SLACK_SIGNING_SECRET", "").strip() or None
    if app_token is None and signing_secret is None:
        # Over HTTP every request must be verified; Socket Mode connections are already trusted.
        raise SettingsError(
            "SLACK_SIGNING_SECRET is not set (Basic Information > App Credentials);"
            " it is needed unless SLACK_APP_TOKEN selects Socket Mode"
        )
    return SlackSettings(
        bind_host=_bind_host(env),
        bot_token=api.bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        api_url=api.api_url,
        port=_port(env),
    )


def _oauth_settings(env: Mapping[str, str], oauth: SlackOAuth) -> SlackSettings:
    if env.get("SLACK_APP_TOKEN", "").strip():
        raise SettingsError(
            "OAuth installs (SLACK_CLIENT_ID) are served over HTTP: unset SLACK_APP_TOKEN "
            "(Socket Mode serves the one workspace of SLACK_BOT_TOKEN)"
        )
    signing_secret = env.get("SLACK_SIGNING_SECRET", "").strip()
    if not signing_secret:
        raise SettingsError(
            "SLACK_SIGNING_SECRET is not set (Basic Information > App Credentials); Slack signs "
            "every request to an app installed by OAuth"
        )
    bot_token = env.get("SLACK_BOT_TOKEN", "").strip() or None
    if bot_token is not None and not bot_token.startswith("xoxb-"):
        raise SettingsError("SLACK_BOT_TOKEN must start with xoxb-")
    return SlackSettings(
        bot_token=bot_token,
        signing_secret=signing_secret,
        app_token=None,
        api_url=api_url_from(env),
        port=_port(env),
        oauth=oauth,
        bind_host=_bind_host(env),
    )


def _port(env: Mapping[str, str]) -> int:
    port_text = env.get("PORT", "").strip() or str(DEFAULT_PORT)
    if not port_text.isdecimal() or not 0 < int(port_text) < 65536:
        raise SettingsError(f"PORT must be a TCP port number, not {port_text!r}")
    return int(port_text)


def _bind_host(env: Mapping[str, str]) -> str:
    bind_host = env.get("BIND_HOST", "").strip() or DEFAULT_BIND_HOST
    if not _is_host(bind_host):
        raise SettingsError(f"BIND_HOST must be an IP address or host name, not {bind_host!r}")
    return bind_host


def _secret(env: Mapping[str, str], name: str, prefix: str, what: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise SettingsError(f"{name} is not set; put {what} ({prefix}...) in the environment")
    if not value.startswith(prefix):
        raise SettingsError(f"{name} must start with {prefix}")
    return value


def _is_host(text: str) -> bool:
    """An IPv4 or IPv6 address, or a DNS host name (``localhost``)."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return (
            re.fullmatch(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*", text)
            is not None
        )
    return True
