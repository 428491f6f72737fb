"""The ``briefbot`` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.commands import UserError
from bot.index import TermIndexer
from bot.inputs import read_inputs
from bot.load import LoadError
from bot.render import render_json, render_markdown, render_text
from bot.select import SelectionLimits
from bot.service import Briefbot
from bot.settings import Settings, SettingsError, load_settings
from bot.split import OfflineTokenizer
from bot.summarize import build_corpus, summarize, summary_title

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
MAX_WORDS = 5000
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

    ingest = commands.add_parser("ingest", help="add article files or folders to the store")
    ingest.add_argument("paths", nargs="+", type=Path)

    commands.add_parser("topics", help="list the configured topics")

    summarize = commands.add_parser(
        "summarize",
        help="brief exactly the given files (text, HTML, JSONL clusters); nothing is stored",
    )
    summarize.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    size = summarize.add_mutually_exclusive_group()
    size.add_argument("--words", type=int, help="cut the brief to this many words")
    size.add_argument("-n", "--sentences", type=int, help="number of points")
    summarize.add_argument("--cluster", metavar="ID", help="only this cluster of JSONL files")
    summarize.add_argument("--format", choices=sorted(_RENDERERS), default="text")

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
        if args.command == "summarize":
            return _summarize(args, settings)
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
            return await _ingest(bot, args.paths)
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


def _summarize(args: argparse.Namespace, settings: Settings) -> int:
    if args.sentences is not None and not 1 <= args.sentences <= settings.max_points:
        print(f"briefbot: --sentences takes 1 to {settings.max_points}", file=sys.stderr)
        return EXIT_USAGE
    if args.words is not None and not 1 <= args.words <= MAX_WORDS:
        print(f"briefbot: --words takes 1 to {MAX_WORDS}", file=sys.stderr)
        return EXIT_USAGE
    indexer = TermIndexer(OfflineTokenizer(settings.language), settings.language)
    try:
        raws = read_inputs(args.paths, settings.max_article_bytes, args.cluster)
    except LoadError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return EXIT_FAILED
    corpus = build_corpus(raws, indexer)
    for reason in corpus.rejected:
        print(f"skipped {reason}", file=sys.stderr)
    if args.words is not None:
        limits = SelectionLimits(points=len(corpus.records), words=args.words)
    else:
        limits = SelectionLimits(points=args.sentences or settings.points)
    brief = summarize(corpus, indexer, limits, title=summary_title(args.paths))
    if not brief.points:
        print("briefbot: the given files have no complete sentences to brief", file=sys.stderr)
        return EXIT_FAILED
    print(_RENDERERS[args.format](brief))
    return EXIT_OK


async def _ingest(bot: Briefbot, paths: list[Path]) -> int:
    report = await bot.ingest(paths)
    for failure in report.failures:
        print(f"skipped {failure.reason}", file=sys.stderr)
    print(
        f"{report.added} added, {report.duplicates} already stored, {len(report.failures)} failed"
    )
    return EXIT_FAILED if report.failures and not (report.added or report.duplicates) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
