"""The shipped Slack app manifest declares exactly what the app handles."""

from __future__ import annotations

from typing import Any

import yaml

from adapters.slack.app import COMMAND, EVENTS_PATH
from bot.settings import PROJECT_DIR

MANIFEST = PROJECT_DIR / "config" / "slack-manifest.yml"


def load() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return data


def test_manifest_declares_the_command_event_and_scopes() -> None:
    manifest = load()
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND
    assert command["url"].endswith(EVENTS_PATH)
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["bot_events"] == ["app_mention"]
    assert settings["event_subscriptions"]["request_url"].endswith(EVENTS_PATH)
    assert settings["socket_mode_enabled"] is True
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == [
        "app_mentions:read",
        "channels:history",
        "chat:write",
        "commands",
        "groups:history",
    ]
    assert len(manifest["display_information"]["description"]) <= 140
