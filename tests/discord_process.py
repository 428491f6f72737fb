"""``briefbot`` with discord.py's REST API and gateway pointed at a loopback fake, for tests that
need a real process: ``python -m tests.discord_process API_BASE_URL [briefbot arguments...]``
(the fake's gateway is ``/gateway`` on the same host)."""

from __future__ import annotations

import sys

import discord
import yarl

from bot import cli


def main() -> int:
    """Point discord.py at the fake, then run the command line as ``briefbot`` would."""
    base_url, *args = sys.argv[1:]
    discord.http.Route.BASE = base_url
    # Sharded clients with a fixed shard count connect here without asking /gateway/bot.
    api = yarl.URL(base_url)
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = api.with_scheme("ws").with_path("/gateway")
    return cli.main(args)


if __name__ == "__main__":
    sys.exit(main())
