"""``briefbot`` with discord.py's REST API pointed at a loopback fake, for tests that need a real
process: ``python -m tests.discord_process API_BASE_URL [briefbot arguments...]``."""

from __future__ import annotations

import sys

import discord

from bot import cli


def main() -> int:
    """Point discord.py at the fake, then run the command line as ``briefbot`` would."""
    base_url, *args = sys.argv[1:]
    discord.http.Route.BASE = base_url
    return cli.main(args)


if __name__ == "__main__":
    sys.exit(main())
