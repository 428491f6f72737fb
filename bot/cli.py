"""The ``briefbot`` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from bot.commands import UserError
from bot.render import render_json, render_markdown, render_text
from bot.service import Briefbot
from bot.settings import Settings, SettingsError, load_settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per job."""
    parser = argparse.ArgumentParser(
        prog="briefbot", description="Short, multi-source briefs of the news."
    )
    parser.add_argument("--db", type=Path, help="SQLite store path (default from settings)")
    parser.add_argument("--config", type=Path, help="folder holding settings.toml and topics.toml")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    brief = commands.add_parser("brief", help="brief a topic or a free-text query")
    brief.add_argument("target", nargs="+", help="a topic slug (see 'topics') or keywords")
    brief.add_argument("-n", "--sentences", type=int, help="number of points")
    brief.add_argument("--format", choices=sorted(_RENDERERS), default="text")

    ingest = commands.add_parser(
        "ingest", help="add web links, feeds, saved pages, article files or folders to the store"
    )
    ingest.add_argument("sources", nargs="+", metavar="URL|FEED|PATH")

    extract = commands.add_parser(
        "extract", help="print the article text the bot reads from a link or saved HTML page"
    )
    extract.add_argument("source", metavar="FILE_OR_URL")

    poll = commands.add_parser("poll", help="poll the feeds in feeds.toml for new articles")
    poll.add_argument("--once", action="store_true", help="poll every feed once, then exit")

    commands.add_parser("topics", help="list the configured topics")

    articles = commands.add_parser("articles", help="list stored articles, newest first")
    articles.add_argument("--limit", type=int, default=50)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    env = dict(os.environ)
    if args.db is not None:
        env["BRIEFBOT_DB"] = str(args.db)
    try:
        settings = load_settings(env, args.config)
        return asyncio.run(_run(args, settings))
    except SettingsError as exc:
        print(f"briefbot: configuration problem: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    bot = await Briefbot.start(settings)
    try:
        if args.command == "brief":
            return await _brief(bot, args)
        if args.command == "ingest":
            return await _ingest(bot, args.sources)
        if args.command == "extract":
            return await _extract(bot, args.source)
        if args.command == "poll":
            return await _poll(bot, args.once)
        if args.command == "topics":
            print(bot.topics_notice().text)
            return EXIT_OK
        for article in await bot.articles(max(1, args.limit)):
            title = article.title or "(untitled)"
            print(f"{article.id:>5}  {article.date.label():<13}  {article.source}: {title}")
        return EXIT_OK
    finally:
        await bot.close()


async def _brief(bot: Briefbot, args: argparse.Namespace) -> int:
    target = " ".join(args.target)
    points = args.sentences
    if points is not None and not 1 <= points <= bot.settings.max_points:
        print(f"briefbot: --sentences takes 1 to {bot.settings.max_points}", file=sys.stderr)
        return EXIT_USAGE
    try:
        brief = await bot.brief(target, points)
    except UserError as exc:
        print("\n".join(("briefbot: " + exc.message, *exc.hints)), file=sys.stderr)
        return EXIT_USAGE
    print(_RENDERERS[args.format](brief))
    return EXIT_OK


async def _ingest(bot: Briefbot, sources: list[str]) -> int:
    # The bar goes to stderr so stdout keeps only the final count; tqdm hides it off a terminal.
    with tqdm(desc="ingesting", unit=" article", file=sys.stderr, disable=None) as bar:
        report = await bot.ingest_sources(sources, on_progress=lambda _item: bar.update())
    for failure in report.failures:
        print(f"skipped {failure.reason}", file=sys.stderr)
    print(
        f"{report.added} added, {report.duplicates} already stored, {len(report.failures)} failed"
    )
    return EXIT_FAILED if report.failures and not (report.added or report.duplicates) else EXIT_OK


async def _extract(bot: Briefbot, source: str) -> int:
    try:
        article = await bot.extract(source)
    except UserError as exc:
        print("briefbot: " + exc.message, file=sys.stderr)
        return EXIT_FAILED
    print(article.title or "(untitled)")
    print(article.body)
    return EXIT_OK


async def _poll(bot: Briefbot, once: bool) -> int:
    try:
        poller = bot.feed_poller()
    except UserError as exc:
        print("briefbot: " + exc.message, file=sys.stderr)
        return EXIT_USAGE
    if not poller.feeds:
        print(f"briefbot: no feeds are listed in {bot.settings.feeds_file}", file=sys.stderr)
        return EXIT_USAGE
    if not once:
        await poller.run()
        return EXIT_OK
    report = await poller.poll_once()
    for failure in report.failures:
        print(f"skipped {failure.reason}", file=sys.stderr)
    print(
        f"{report.feeds} feeds, {report.unchanged} unchanged, {report.new_entries} new entries: "
        f"{report.added} added, {report.duplicates} already stored, {len(report.failures)} failed"
    )
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
