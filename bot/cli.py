"""The ``briefbot`` command line."""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import signal
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.locations import LOCAL_CONFIG, InitError, write_default_config
from bot.ops.logs import LOG_FORMATS, configure_logging
from bot.settings import Settings, SettingsError, load_settings
from bot.store.errors import StoreError

if TYPE_CHECKING:
    from bot.app import App
    from bot.brief.corpus import Corpus
    from bot.brief.select import SelectionLimits
    from bot.chat.platform import Platforms
    from bot.clock import Clock
    from bot.models import Brief, CleanArticle
    from bot.ops.runtime import Pause
    from bot.text.terms import TermIndexer

# Each command imports what it uses when it runs, not here: `briefbot topics` must not load
# the ranking (numpy, scipy), the web (httpx, trafilatura) or a chat library, and the chat
# runners are ready sooner for it.

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE  # what a shell reports for a tool stopped by SIGPIPE
# Long-running commands get this long after SIGTERM to finish the work in flight.
SHUTDOWN_GRACE_SECONDS = 20.0
log = logging.getLogger("bot.cli")
_RERUN = "the store is closed cleanly; run the same ingest again to add the rest"
MAX_WORDS = 5000
FORMATS = ("json", "markdown", "text")
# Commands that build one brief, or read one page, and exit.
ONE_SHOT_COMMANDS = ("brief", "summarize", "extract")


def build_parser(platforms: Platforms) -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per job and one per chat platform."""
    parser = argparse.ArgumentParser(
        prog="briefbot", description="Short, multi-source briefs of the news."
    )
    parser.add_argument("--db", type=Path, help="SQLite store path (default from settings)")
    parser.add_argument("--config", type=Path, help="folder holding settings.toml and topics.toml")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    parser.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        help="log lines as text or JSON (default: $BRIEFBOT_LOG_FORMAT, else text)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    brief = commands.add_parser("brief", help="brief a topic or a free-text query")
    brief.add_argument("target", nargs="+", help="a topic slug (see 'topics') or keywords")
    brief.add_argument("-n", "--sentences", type=int, help="number of points")
    brief.add_argument(
        "--lang",
        metavar="CODES",
        help="only articles in these languages, e.g. en,fr (default: [languages] brief)",
    )
    brief.add_argument("--format", choices=FORMATS, default="text")

    ingest = commands.add_parser(
        "ingest", help="add web links, feeds, saved pages, article files or folders to the store"
    )
    ingest.add_argument("inputs", nargs="+", metavar="URL|FEED|PATH")

    extract = commands.add_parser(
        "extract", help="print the article text the bot reads from a link or saved HTML page"
    )
    extract.add_argument("input", metavar="FILE_OR_URL")

    poll = commands.add_parser("poll", help="poll the feeds in feeds.toml for new articles")
    poll.add_argument("--once", action="store_true", help="poll every feed once, then exit")

    commands.add_parser("topics", help="list the configured topics")

    init = commands.add_parser(
        "init", help="write an editable copy of the default configuration (default: ./config)"
    )
    init.add_argument("folder", nargs="?", type=Path, default=LOCAL_CONFIG, metavar="DIR")
    init.add_argument("--force", action="store_true", help="overwrite existing files")

    summarize = commands.add_parser(
        "summarize",
        help="brief exactly the given files (text, HTML, JSONL clusters); nothing is stored",
    )
    summarize.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    size = summarize.add_mutually_exclusive_group()
    size.add_argument("--words", type=int, help="cut the brief to this many words")
    size.add_argument("-n", "--sentences", type=int, help="number of points")
    summarize.add_argument("--cluster", metavar="ID", help="only this cluster of JSONL files")
    summarize.add_argument("--format", choices=FORMATS, default="text")

    articles = commands.add_parser("articles", help="list stored articles, newest first")
    articles.add_argument("--limit", type=int, default=50)

    for platform in platforms:
        commands.add_parser(platform.name, help=platform.summary)

    backup = commands.add_parser("backup", help="copy the store consistently, even while in use")
    backup.add_argument("path", type=Path, help="file to write the copy to")
    backup.add_argument("--force", action="store_true", help="overwrite an existing file")

    commands.add_parser("doctor", help="check settings, topics, store, tokens and seeds")

    migrate = commands.add_parser(
        "migrate-store",
        help="copy a SQLite store into the empty PostgreSQL database of BRIEFBOT_DATABASE_URL",
    )
    migrate.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="SQLITE_FILE",
        help="the SQLite store to copy (default: the store of --db, BRIEFBOT_DB or settings)",
    )

    digests = commands.add_parser(
        "digests", help="post the channels' scheduled daily digests (runs until stopped)"
    )
    digests.add_argument("--once", action="store_true", help="one pass over due digests, then exit")
    return parser


def main(argv: Sequence[str] | None = None, platforms: Platforms | None = None) -> int:
    """Run the command line; return the process exit code.

    ``platforms`` defaults to the registered chat platforms (``adapters/registry.py``).
    """
    if platforms is None:
        # The command line is the composition root: only here does the core meet the registry.
        from adapters.registry import load_platforms

        platforms = load_platforms()
    args = build_parser(platforms).parse_args(argv)
    env = dict(os.environ)
    if args.db is not None:
        env["BRIEFBOT_DB"] = str(args.db)
    try:
        configure_logging(
            env,
            platforms.secrets,
            args.log_format,
            logging.INFO if args.verbose else logging.WARNING,
        )
    except ValueError as exc:
        print(f"briefbot: BRIEFBOT_LOG_FORMAT: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "init":
            return _init(args.folder, args.force, platforms.config_files)
        if args.command == "doctor":
            import asyncio

            return asyncio.run(_doctor(env, platforms, args.config))
        settings = load_settings(env, args.config)
        platform = platforms.get(args.command)
        if platform is not None:
            return platform.run(settings, env)
        with _collector_off(args.command in ONE_SHOT_COMMANDS):
            if args.command == "summarize":
                return _summarize(args, settings)
            if args.command == "extract":
                return _extract(settings, args.input)
            import asyncio

            return asyncio.run(_run(args, settings, env, platforms))
    except SettingsError as exc:
        print(f"briefbot: configuration problem: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StoreError as exc:
        # The cause went to the log where the fault was met; the user gets what to do.
        print(f"briefbot: {exc.message}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader left (`briefbot brief … | head`): stop quietly, as other Unix tools do, and
        # point stdout at /dev/null so the interpreter's final flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as exc:
        # Through the redacting log handler, never a raw traceback: it could hold a secret.
        log.error(
            "failed unexpectedly: %s: %s%s",
            type(exc).__name__,
            exc,
            "" if args.verbose else " (run with -v for the traceback)",
            exc_info=args.verbose,
        )
        return EXIT_FAILED


@contextlib.contextmanager
def _collector_off(off: bool) -> Iterator[None]:
    """Python's cyclic garbage collector off for the block when ``off``.

    Every object a one-shot brief makes lives until the command exits: the collector would
    walk the tens of thousands of sentence objects of a big brief several times over (~10% of
    a 1,000-article brief) and find next to nothing to free. Reading one page (``extract``),
    it ran ~110 times while trafilatura's libraries loaded and the page was parsed, ~6% of
    the command, to free ~1,000 objects. It is on again after the block,
    for a caller that goes on (a test), but with what exists by then frozen (``gc.freeze``):
    turned on as it was, its first pass walked all of it, as long as the brief itself.
    """
    if not off or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _render(format_name: str, brief: Brief) -> str:
    from bot.brief.render import render_json, render_markdown, render_text

    renderers = {"text": render_text, "markdown": render_markdown, "json": render_json}
    return renderers[format_name](brief)


async def _run(
    args: argparse.Namespace, settings: Settings, env: Mapping[str, str], platforms: Platforms
) -> int:
    if args.command == "backup":
        return await _backup(settings, args.path, args.force)
    if args.command == "migrate-store":
        return await _migrate_store(settings, args.source)
    from bot.app import App
    from bot.ingest.mixed import text_file_count
    from bot.ingest.workers import ProcessPreparer, lexemes_in_workers, workers_for
    from bot.store import indexes_bot_lexemes

    workers = workers_for(text_file_count(args.inputs)) if args.command == "ingest" else 0
    clock, sleep = _clocks(env)
    async with contextlib.AsyncExitStack() as stack:
        preparer = None
        if workers:
            # Started before the store opens its thread, so the workers can be forked cheaply.
            preparer = ProcessPreparer.start(
                settings.language,
                settings.max_article_bytes,
                workers,
                settings.languages.supported,
                search_lexemes=indexes_bot_lexemes(settings) and lexemes_in_workers(workers),
            )
            stack.callback(preparer.close)
        ranker = None
        if args.command == "brief":
            from bot.brief.worker import OneShotRanker

            ranker = OneShotRanker(_indexer(settings))
        app = await stack.enter_async_context(
            await App.start(settings, clock=clock, preparer=preparer, ranker=ranker)
        )
        if args.command == "brief":
            return await _brief(app, args)
        if args.command == "ingest":
            return await _ingest(app, args.inputs)
        if args.command == "poll":
            return await _poll(app, args.once, sleep)
        if args.command == "digests":
            return await _digests(app, env, platforms, args.once, sleep)
        if args.command == "topics":
            print(app.dispatcher.topics_notice().text)
            return EXIT_OK
        for article in await app.store.articles(max(1, args.limit)):
            title = article.title or "(untitled)"
            print(f"{article.id:>5}  {article.date.label():<13}  {article.source}: {title}")
        return EXIT_OK


def _clocks(env: Mapping[str, str]) -> tuple[Clock, Pause]:
    """The real clock and pauses, or for tests of real processes the simulated clock that
    BRIEFBOT_FAST_CLOCK describes, with pauses shortened to match."""
    from bot.clock import FAST_CLOCK_ENV, FastClock, utc_now
    from bot.ops.runtime import Shutdown, pause

    text = env.get(FAST_CLOCK_ENV, "").strip()
    if not text:
        return utc_now, pause
    try:
        fast = FastClock.parse(text)
    except ValueError as exc:
        raise SettingsError(str(exc)) from exc
    log.warning("%s is set: time runs %gx from %s (for tests)", FAST_CLOCK_ENV, fast.speed, fast())

    async def fast_pause(seconds: float, stop: Shutdown) -> bool:
        return await pause(fast.real_seconds(seconds), stop)

    return fast, fast_pause


async def _brief(app: App, args: argparse.Namespace) -> int:
    from bot.chat.commands import UserError

    target = " ".join(args.target)
    points = args.sentences
    if points is not None and not 1 <= points <= app.settings.max_points:
        print(f"briefbot: --sentences takes 1 to {app.settings.max_points}", file=sys.stderr)
        return EXIT_USAGE
    languages = app.settings.languages.brief
    if args.lang is not None:
        from bot.text.languages import UnsupportedLanguage, parse_languages

        try:
            languages = parse_languages(args.lang.replace(",", " ").split())
        except UnsupportedLanguage as exc:
            print(f"briefbot: --lang: no text pipeline for {exc}", file=sys.stderr)
            return EXIT_USAGE
    try:
        brief = await app.briefer.brief(target, points, languages)
    except UserError as exc:
        print("\n".join(("briefbot: " + exc.message, *exc.hints)), file=sys.stderr)
        return EXIT_USAGE
    print(_render(args.format, brief))
    return EXIT_OK


def _summarize(args: argparse.Namespace, settings: Settings) -> int:
    if args.sentences is not None and not 1 <= args.sentences <= settings.max_points:
        print(f"briefbot: --sentences takes 1 to {settings.max_points}", file=sys.stderr)
        return EXIT_USAGE
    if args.words is not None and not 1 <= args.words <= MAX_WORDS:
        print(f"briefbot: --words takes 1 to {MAX_WORDS}", file=sys.stderr)
        return EXIT_USAGE
    import asyncio

    from bot.brief.corpus import build_corpus, extra_workers
    from bot.ingest.inputs import UnusableInput, read_inputs
    from bot.ingest.load import LoadError

    indexer = _indexer(settings)
    deadline = time.monotonic() + settings.deadline_seconds
    try:
        raws = read_inputs(args.paths, settings.max_article_bytes, args.cluster)
    except UnusableInput as exc:
        print(f"briefbot: nothing left to summarize: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except LoadError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        # The ranking's modules are imported while the workers prepare the first articles.
        corpus = build_corpus(
            raws, indexer, deadline, extra_workers(len(raws)), meanwhile=_import_ranking
        )
    except TimeoutError:
        return _too_long(len(raws), settings.deadline_seconds)
    if not corpus.records:
        # Every file was empty, furniture or refused: one line says why, never a traceback.
        why = corpus.rejected[0] if len(corpus.rejected) == 1 else _all_skipped(corpus.rejected)
        print(f"briefbot: nothing left to summarize: {why}", file=sys.stderr)
        return EXIT_USAGE
    for reason in corpus.rejected:
        print(f"skipped {reason}", file=sys.stderr)
    from bot.brief.select import SelectionLimits
    from bot.brief.summarize import summary_title

    if args.words is not None:
        limits = SelectionLimits(points=len(corpus.records), words=args.words)
    else:
        limits = SelectionLimits(points=args.sentences or settings.points)
    title = summary_title(args.paths)
    try:
        brief = asyncio.run(_summarize_within(corpus, indexer, settings, limits, title, deadline))
    except TimeoutError:
        return _too_long(len(corpus.articles), settings.deadline_seconds)
    if not brief.points:
        print(
            "briefbot: nothing left to summarize: the given files have no complete sentences",
            file=sys.stderr,
        )
        return EXIT_USAGE
    print(_render(args.format, brief))
    return EXIT_OK


def _import_ranking() -> None:
    """Import what ranking a summary needs (NumPy's ranking, selection, rendering)."""
    import bot.brief.render
    import bot.brief.summarize
    import bot.brief.worker  # noqa: F401


async def _summarize_within(
    corpus: Corpus,
    indexer: TermIndexer,
    settings: Settings,
    limits: SelectionLimits,
    title: str,
    deadline: float,
) -> Brief:
    from bot.brief.summarize import summarize_within
    from bot.brief.worker import OneShotRanker

    ranker = OneShotRanker(indexer)
    return await summarize_within(corpus, ranker, limits, title, deadline - time.monotonic())


def _indexer(settings: Settings) -> TermIndexer:
    from bot.text.split import OfflineTokenizer
    from bot.text.terms import TermIndexer

    return TermIndexer(
        OfflineTokenizer(settings.language),
        settings.language,
        supported=settings.languages.supported,
    )


def _too_long(articles: int, seconds: float) -> int:
    print(
        f"briefbot: summarizing {articles:,} articles took longer than {seconds:g} s and was "
        "stopped; pass fewer files (the limit is brief.deadline_seconds in settings.toml)",
        file=sys.stderr,
    )
    return EXIT_FAILED


def _all_skipped(rejected: Sequence[str]) -> str:
    if not rejected:
        return "no articles in the given files"
    reasons = "; ".join(rejected[:3]) + ("; …" if len(rejected) > 3 else "")
    return f"all {len(rejected):,} articles were skipped ({reasons})"


async def _digests(
    app: App, env: Mapping[str, str], platforms: Platforms, once: bool, sleep: Pause
) -> int:
    from bot.chat.platform import digest_posters
    from bot.digests.scheduler import PostNotSent, PostRejected, Scheduler
    from bot.ops.runtime import ShutdownTimeout, run_until_signalled
    from bot.ops.workers import worker_id

    try:
        async with digest_posters(platforms, env, app.store.installations) as posters:
            if not posters:
                print(
                    f"briefbot: no chat platform configured; set {platforms.switches}",
                    file=sys.stderr,
                )
                return EXIT_USAGE
            scheduler = Scheduler(
                app.briefer,
                app.subscriptions,
                posters,
                app.settings.digests,
                clock=app.clock,
                sleep=sleep,
                owner=worker_id(app.settings.workers.host_id),
                workers=app.store.workers,
                lease=app.settings.workers.lease,
                beat_sleep=sleep,
            )
            if once:
                async with scheduler.serving():
                    done = await scheduler.run_once(app.clock())
                counts = {s: sum(d.status == s for d in done) for s in {d.status for d in done}}
                print(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing due")
                return EXIT_OK

            # A signal lets the digest in flight finish and be recorded, within the grace.
            # Stopping by signal is how this service ends: a clean stop exits 0.
            await run_until_signalled(scheduler.run_forever, SHUTDOWN_GRACE_SECONDS)
            return EXIT_OK
    except (PostRejected, PostNotSent) as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except ShutdownTimeout as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return 128 + exc.signum


async def _ingest(app: App, inputs: list[str]) -> int:
    from tqdm import tqdm

    from bot.ops.runtime import ShutdownTimeout, run_until_signalled

    # The bar goes to stderr so stdout keeps only the final count; tqdm hides it off a terminal.
    with tqdm(desc="ingesting", unit=" article", file=sys.stderr, disable=None) as bar:

        def progress(item: str) -> None:
            bar.update()
            log.info("ingested %s", item)

        try:
            report, shutdown = await run_until_signalled(
                lambda stop: app.intake.ingest(inputs, on_progress=progress, stop=stop),
                SHUTDOWN_GRACE_SECONDS,
            )
        except ShutdownTimeout as exc:
            print(f"briefbot: {exc}; {_RERUN}", file=sys.stderr)
            return 128 + exc.signum
    for failure in report.failures:
        print(f"skipped {failure.reason}", file=sys.stderr)
    print(
        f"{report.added} added, {report.duplicates} already stored, {len(report.failures)} failed"
    )
    if report.stopped:
        name = signal.Signals(shutdown.signum or signal.SIGTERM).name
        print(f"briefbot: stopped by {name} after finishing the articles in flight; {_RERUN}")
        return shutdown.exit_code
    return EXIT_FAILED if report.failures and not (report.added or report.duplicates) else EXIT_OK


async def _backup(settings: Settings, target: Path, force: bool) -> int:
    from bot.store.errors import BackupError

    try:
        if settings.database_url is not None:
            from bot.store.postgres.backup import backup_database

            report = await backup_database(settings.database_url, target, force)
            print(
                f"backed up {report.articles} articles to {report.path}"
                f" ({report.size_bytes / 1_000_000:.1f} MB) with pg_dump;"
                f" restore with pg_restore --dbname=URL {report.path}"
            )
            return EXIT_OK
        from bot.store.sqlite.backup import backup_store

        report = await backup_store(settings.store_path, target, force)
    except BackupError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"backed up {report.articles} articles to {report.path} "
        f"({report.size_bytes / 1_000_000:.1f} MB); integrity check ok"
    )
    return EXIT_OK


async def _migrate_store(settings: Settings, source: Path | None) -> int:
    if settings.database_url is None:
        print(
            "briefbot: set BRIEFBOT_DATABASE_URL to the empty PostgreSQL database to copy the"
            " store into (the URL may hold a password, so it is read only from the environment)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        from bot.store.postgres.importer import MigrateError, TableCopy, migrate_sqlite_store
    except ImportError as exc:
        print(f"briefbot: psycopg is missing ({exc}); install briefbot[postgres]", file=sys.stderr)
        return EXIT_FAILED

    def copied(table: TableCopy) -> None:
        print(f"{table.name}: {table.rows:,} rows", file=sys.stderr)

    path = source if source is not None else settings.store_path
    try:
        report = await migrate_sqlite_store(
            path, settings.database_url, settings.prepare_threshold, copied
        )
    except MigrateError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"copied {report.rows('articles'):,} articles, {report.rows('sentences'):,} sentences,"
        f" {report.rows('subscriptions'):,} subscriptions and {len(report.tables)} tables in all"
        f" from {report.source} into {report.target}; every table's row count verified."
        " Point every process at it with BRIEFBOT_DATABASE_URL."
    )
    return EXIT_OK


def _extract(settings: Settings, name: str) -> int:
    """Print what the bot reads from a link or saved HTML page. Nothing is stored, so no store
    is opened: a saved page loads only the extraction and the text pipeline."""
    # One page's language is one small vector-matrix product: OpenBLAS's thread pool, started
    # when NumPy loads (py3langid, at trafilatura's import), costs more than it could save.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from bot.ingest.extract import is_link, read_saved_page
    from bot.ingest.pipeline import RejectedArticle

    indexer = _indexer(settings)
    try:
        if is_link(name):
            import asyncio

            from bot.ingest.fetch import FetchError

            try:
                article = asyncio.run(_read_link(settings, name, indexer))
            except FetchError as exc:
                print(f"briefbot: Could not read {name}: {exc.reason}", file=sys.stderr)
                return EXIT_FAILED
        else:
            article = read_saved_page(
                name, settings.max_article_bytes, settings.fetch.min_article_words, indexer
            )
    except RejectedArticle as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        print(f"briefbot: {name}: cannot be read ({exc.strerror or exc})", file=sys.stderr)
        return EXIT_FAILED
    print(article.title or "(untitled)")
    print(article.body)
    return EXIT_OK


async def _read_link(settings: Settings, url: str, indexer: TermIndexer) -> CleanArticle:
    from bot.ingest.extract import read_link
    from bot.ingest.fetch import Fetcher, new_http_client

    async with contextlib.aclosing(new_http_client(settings.fetch)) as client:
        fetcher = Fetcher(client, settings.fetch, trusted_networks=settings.fetch.trusted_networks)
        return await read_link(fetcher, url, settings.fetch.min_article_words, indexer)


async def _poll(app: App, once: bool, sleep: Pause) -> int:
    from bot.chat.commands import UserError
    from bot.ops.runtime import ShutdownTimeout, run_until_signalled
    from bot.ops.workers import worker_id

    try:
        # A service shares the feeds with any other replicas; --once reads every feed now.
        poller = app.intake.feed_poller(
            sleep, None if once else worker_id(app.settings.workers.host_id)
        )
    except UserError as exc:
        print("briefbot: " + exc.message, file=sys.stderr)
        return EXIT_USAGE
    if not poller.feeds:
        print(f"briefbot: no feeds are listed in {app.settings.feeds_file}", file=sys.stderr)
        return EXIT_USAGE
    if not once:
        # A signal lets the feed in flight finish; stopping by signal is how this service ends,
        # so a clean stop exits 0.
        try:
            await run_until_signalled(poller.run, SHUTDOWN_GRACE_SECONDS)
        except ShutdownTimeout as exc:
            print(f"briefbot: {exc}", file=sys.stderr)
            return 128 + exc.signum
        return EXIT_OK
    report = await poller.poll_once()
    for failure in report.failures:
        print(f"skipped {failure.reason}", file=sys.stderr)
    print(
        f"{report.feeds} feeds, {report.unchanged} unchanged, {report.new_entries} new entries: "
        f"{report.added} added, {report.duplicates} already stored, {len(report.failures)} failed"
    )
    return EXIT_OK


def _init(folder: Path, force: bool, extra_files: Sequence[str]) -> int:
    try:
        written = write_default_config(folder, force, extra_files)
    except InitError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print("\n".join(f"wrote {path}" for path in written))
    if folder != LOCAL_CONFIG:
        print(f"use it with --config {folder} or BRIEFBOT_CONFIG={folder}")
    else:
        print("briefbot uses ./config when run from this directory; `briefbot doctor` shows it")
    return EXIT_OK


async def _doctor(env: dict[str, str], platforms: Platforms, config_dir: Path | None) -> int:
    from bot.ops.doctor import Status, diagnose

    checks = await diagnose(env, platforms, config_dir)
    for check in checks:
        print(check.line())
    failed = sum(c.status is Status.FAIL for c in checks)
    warned = sum(c.status is Status.WARN for c in checks)
    print(f"{failed} failed, {warned} warnings, {len(checks) - failed - warned} ok")
    return EXIT_FAILED if failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
