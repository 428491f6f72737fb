"""Slack secrets and endpoints, read only from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.settings import SettingsError

SLACK_API_URL = "https://slack.com/api/"
DEFAULT_PORT = 3000


@dataclass(frozen=True)
class SlackSettings:
    """How to reach Slack. Secrets are kept out of ``repr`` so they never reach a log line."""

    bot_token: str = field(repr=False)
    signing_secret: str | None = field(repr=False)
    app_token: str | None = field(repr=False)
    api_url: str
    port: int

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
    api_url = env.get("SLACK_API_URL", "").strip() or SLACK_API_URL
    if not api_url.startswith(("https://", "http://")):
        raise SettingsError(f"SLACK_API_URL must be an http(s) URL, not {api_url!r}")
    return SlackApi(bot_token, api_url if api_url.endswith("/") else api_url + "/")


def load_slack_settings(env: Mapping[str, str]) -> SlackSettings:
    """Read the Slack settings; raise SettingsError naming the variable that is missing or bad."""
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
    port_text = env.get("PORT", "").strip() or str(DEFAULT_PORT)
    if not port_text.isdecimal() or not 0 < int(port_text) < 65536:
        raise SettingsError(f"PORT must be a TCP port number, not {port_text!r}")
    return SlackSettings(
        bot_token=api.bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        api_url=api.api_url,
        port=int(port_text),
    )


def _secret(env: Mapping[str, str], name: str, prefix: str, what: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise SettingsError(f"{name} is not set; put {what} ({prefix}...) in the environment")
    if not value.startswith(prefix):
        raise SettingsError(f"{name} must start with {prefix}")
    return value
