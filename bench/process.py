"""Benchmark: whole processes, as a user runs them (start-up included), against sumy as a process.

Run from the project folder (needs both extras: ``pip install -e '.[dev,bench]'``):

    .venv/bin/python bench/process.py            # print the table
    .venv/bin/python bench/process.py --write    # and put it into docs/benchmarks.md

Every figure is the wall time of a separate ``briefbot`` process (the installed console script,
so its start-up is counted: interpreter, imports, settings, store), median of ``--runs``:

- start-up: ``briefbot --help``, ``topics``, ``articles``, ``doctor``, ``extract`` of a saved
  real news page, on an already seeded store;
- ``briefbot summarize -n 5`` of the first real articles holding ~1,000 and ~3,000 sentences,
  against ``bench/sumy_lexrank.py`` (stock sumy LexRank run as a process) on the same files;
- ``briefbot ingest`` of a 1,000-file folder into a fresh store (articles added per second);
- ``briefbot brief`` of a topic matching all 1,000 ingested articles, from a cold process;
- the chat runners ready: ``briefbot slack`` (HTTP mode) from start to listening, and
  ``briefbot discord`` from start to connected, each against the loopback fakes of the tests
  (``SLACK_API_URL``, ``DISCORD_API_URL``), so the dev extra is needed too.

Beside each of ``summarize`` and ``brief``, ranking only, in the same run: for ``summarize``,
``bot.brief.summarize.summarize`` (stages 5-6: LexRank, selection, corroboration) on the same
files already read and split, in this process, against the wall time of sumy's
``LexRankSummarizer`` call alone (``bench/sumy_lexrank.py`` prints it); for ``brief``, the
brief's build from its stored sentences (what the ranking thread runs), median of ``--runs``
after a first run that loads the modules. Byte-code is written and reused, as after
``pip install``: runs with ``PYTHONDONTWRITEBYTECODE`` set would compile every module of
briefbot at every start. The language model's unpacked copy (``~/.cache/briefbot``) is made by
the first command that identifies a language, under the throw-away ``HOME``: the medians are of
the runs after it, as every run after a user's first.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import corpora  # bench/corpora.py: the script folder is on sys.path
from lexrank import ARTICLE_UNITS, first_with_sentences, machine, write_articles

from bot.brief.briefer import RankJob
from bot.brief.corpus import build_corpus
from bot.brief.select import SelectionLimits
from bot.brief.summarize import summarize
from bot.brief.worker import run_job
from bot.ingest.inputs import read_inputs
from bot.models import Brief
from bot.text.split import OfflineTokenizer
from bot.text.terms import TermIndexer

BENCH = Path(__file__).resolve().parent
SAVED_PAGE = corpora.REPO / "tests" / "data" / "web" / "cnn_article.html"
BEGIN = "<!-- bench/process.py: begin -->"
END = "<!-- bench/process.py: end -->"
# A topic every English article matches: the brief ranks the whole 1,000-article store.
BENCH_TOPIC = """
[[topic]]
slug = "everything"
title = "Everything stored"
keywords = ["the", "a", "of"]
match = "any"
"""


@dataclass(frozen=True)
class Timed:
    """One command's wall times over several runs, and its last output."""

    label: str
    command: str
    walls: tuple[float, ...]
    cpus: tuple[float, ...]  # user + system CPU of the process (and any workers it started)
    output: str
    ranking: float | None = None  # ranking only, in this process (median wall time)

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus) if self.cpus else float("nan")


def briefbot_script() -> str:
    """The ``briefbot`` console script next to this interpreter, as a user runs it."""
    script = Path(sys.executable).parent / "briefbot"
    if not script.exists():
        raise SystemExit(f"no briefbot script at {script}: pip install -e '.[dev,bench]' first")
    return str(script)


def run(args: Sequence[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """Run one process; its wall time, its CPU time (children included), and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        list(args), env=env, cwd=cwd, capture_output=True, text=True, timeout=3600, check=False
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return wall, cpu, done.stdout


def timed(
    label: str, args: Sequence[str], env: dict[str, str], cwd: Path, runs: int, shown: str
) -> Timed:
    results = [run(args, env, cwd) for _ in range(runs)]
    return Timed(
        label, shown, tuple(r[0] for r in results), tuple(r[1] for r in results), results[-1][2]
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Measure and print (and with --write, record) the whole-process figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per command (median)")
    parser.add_argument("--sumy-runs", type=int, default=1, help="sumy runs (it takes minutes)")
    parser.add_argument(
        "--sentences", type=int, nargs="+", default=[1000, 3000], help="summarize input sizes"
    )
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    briefbot = briefbot_script()
    work = Path(tempfile.mkdtemp(prefix="briefbot-process-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIEFBOT_", "SLACK_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("DISCORD_TOKEN", None)
    env["HOME"] = str(work / "home")
    try:
        rows = measure(briefbot, work, env, args.runs, args.sumy_runs, args.sentences)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = render(rows, load, args.runs)
    print(report)
    if args.write:
        write(report, corpora.REPO / "docs" / "benchmarks.md")


def measure(
    briefbot: str,
    work: Path,
    env: dict[str, str],
    runs: int,
    sumy_runs: int,
    sentence_targets: Sequence[int],
) -> list[Timed]:
    news = corpora.news_articles()
    units = [*news, *corpora.wiki_pieces(ARTICLE_UNITS - len(news))]
    indexer = TermIndexer(OfflineTokenizer())
    config = work / "config"
    subprocess.run([briefbot, "init", str(config)], env=env, check=True, capture_output=True)
    with (config / "topics.toml").open("a", encoding="utf-8") as topics:
        topics.write(BENCH_TOPIC)
    env = {**env, "BRIEFBOT_CONFIG": str(config)}
    rows: list[Timed] = []

    # Start-up, on a seeded store (the first command seeds it).
    small = {**env, "BRIEFBOT_DB": str(work / "small.sqlite3")}
    run([briefbot, "topics"], small, work)
    for command in (["--help"], ["topics"], ["articles"], ["doctor"]):
        rows.append(
            timed("start-up", [briefbot, *command], small, work, runs, f"briefbot {command[0]}")
        )
    rows.append(
        timed(
            "start-up",
            [briefbot, "extract", str(SAVED_PAGE)],
            small,
            work,
            runs,
            "briefbot extract tests/data/web/cnn_article.html",
        )
    )

    # summarize against sumy, the same files for both.
    for target in sentence_targets:
        articles = first_with_sentences(units, target, indexer)
        folder = work / f"sentences{target}"
        write_articles(folder, articles)
        files = [str(p) for p in sorted(folder.glob("*.txt"))]
        shown = f"{len(files)} files, ~{target:,} sentences"
        whole = timed(
            f"summarize {target:,}",
            [briefbot, "summarize", "-n", "5", *files],
            small,
            work,
            runs,
            f"briefbot summarize -n 5 FILES ({shown})",
        )
        rows.append(dataclasses.replace(whole, ranking=summarize_ranking(files, runs)))
        rows.append(
            timed(
                f"sumy {target:,}",
                [sys.executable, str(BENCH / "sumy_lexrank.py"), "-n", "5", *files],
                {**env, "PYTHONPATH": str(corpora.REPO)},
                work,
                sumy_runs,
                f"python bench/sumy_lexrank.py -n 5 FILES ({shown})",
            )
        )

    # Ingest a 1,000-file folder into fresh stores, then brief all of it from a cold process.
    folder = work / "articles1000"
    write_articles(folder, units[:ARTICLE_UNITS])
    ingests = [
        run(
            [briefbot, "ingest", str(folder)],
            {**env, "BRIEFBOT_DB": str(work / f"ingest{number}.sqlite3")},
            work,
        )
        for number in range(runs)
    ]
    rows.append(
        Timed(
            "ingest 1,000 files",
            "briefbot ingest FOLDER (1,000 .txt files and a manifest, fresh store)",
            tuple(r[0] for r in ingests),
            tuple(r[1] for r in ingests),
            ingests[-1][2],
        )
    )
    big = {**env, "BRIEFBOT_DB": str(work / "ingest0.sqlite3")}
    whole = timed(
        "brief 1,000 articles",
        [briefbot, "brief", "everything"],
        big,
        work,
        runs,
        "briefbot brief everything (a topic matching every stored article)",
    )
    rows.append(dataclasses.replace(whole, ranking=brief_ranking(big, "everything", runs)))
    rows.extend(asyncio.run(chat_ready(briefbot, small, work, runs)))
    return rows


def median_wall(work: Callable[[], object], runs: int) -> float:
    """Median wall time of ``work`` over ``runs`` calls, after one that loads what it uses."""
    work()
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        walls.append(time.perf_counter() - started)
    return statistics.median(walls)


def summarize_ranking(files: Sequence[str], runs: int) -> float:
    """Ranking only for ``briefbot summarize``: stages 5-6 on the files, read and split already."""
    indexer = TermIndexer(OfflineTokenizer())
    corpus = build_corpus(read_inputs([Path(f) for f in files], 2_000_000), indexer)
    return median_wall(lambda: summarize(corpus, indexer, SelectionLimits(points=5)), runs)


class _Captured(Exception):
    """Raised by the capturing ranker once it holds the brief's job."""


class _CapturingRanker:
    def __init__(self) -> None:
        self.jobs: list[RankJob] = []

    async def rank(self, job: RankJob) -> Brief:
        self.jobs.append(job)
        raise _Captured


def brief_ranking(env: dict[str, str], topic: str, runs: int) -> float:
    """Ranking only for ``briefbot brief``: the build from the topic's stored sentences."""
    from bot.app import App
    from bot.settings import load_settings

    settings = load_settings(env, None)
    ranker = _CapturingRanker()

    async def capture() -> None:
        async with await App.start(settings, ranker=ranker) as app:
            with contextlib.suppress(_Captured):
                await app.briefer.brief(topic, None, settings.languages.brief)

    asyncio.run(capture())
    indexer = TermIndexer(OfflineTokenizer(settings.language), settings.language)
    return median_wall(lambda: run_job(ranker.jobs[0], indexer), runs)


async def chat_ready(briefbot: str, env: dict[str, str], work: Path, runs: int) -> list[Timed]:
    """Start to ready for each chat runner: its "ready" log line, then SIGTERM."""
    sys.path.insert(0, str(corpora.REPO))
    from tests.bot_process import free_port
    from tests.discord_fake_api import FakeDiscordApi
    from tests.slack_fakes import BOT_TOKEN, SIGNING_SECRET, FakeSlack

    slack, discord_api = FakeSlack(), FakeDiscordApi()
    await slack.start()
    await discord_api.start()
    try:
        slack_env = {
            **env,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "BIND_HOST": "127.0.0.1",
        }
        discord_env = {
            **env,
            "DISCORD_TOKEN": "bench.token",
            "DISCORD_API_URL": discord_api.base_url,
            "DISCORD_GATEWAY_URL": discord_api.gateway_url,
        }
        slack_walls = [
            await _until_line(
                [briefbot, "-v", "slack"],
                {**slack_env, "PORT": str(free_port())},
                work,
                "serving Slack requests",
            )
            for _ in range(runs)
        ]
        discord_walls = [
            await _until_line(
                [briefbot, "-v", "discord"], discord_env, work, "has connected to Gateway"
            )
            for _ in range(runs)
        ]
    finally:
        await slack.close()
        await discord_api.stop()
    return [
        Timed(
            "chat ready",
            "briefbot slack (HTTP mode): start to listening",
            tuple(slack_walls),
            (),
            "",
        ),
        Timed(
            "chat ready",
            "briefbot discord: start to connected to the gateway",
            tuple(discord_walls),
            (),
            "",
        ),
    ]


async def _until_line(args: list[str], env: dict[str, str], cwd: Path, needle: str) -> float:
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *args, env=env, cwd=cwd, stderr=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL
    )
    assert process.stderr is not None
    seen: list[str] = []
    try:
        async with asyncio.timeout(120):
            while needle not in (seen[-1] if seen else ""):
                line = (await process.stderr.readline()).decode()
                if not line:
                    raise SystemExit(f"{' '.join(args)} exited before {needle!r}:\n{''.join(seen)}")
                seen.append(line)
        return time.perf_counter() - started
    finally:
        process.terminate()
        await process.wait()


def render(rows: Sequence[Timed], load: float, runs: int) -> str:
    by_label = {r.label: r for r in rows}
    lines = [
        BEGIN,
        "## Whole processes, as a user runs them (`bench/process.py`)",
        "",
        "Command (from the project folder; needs `pip install -e '.[dev,bench]'`):",
        "",
        "    .venv/bin/python bench/process.py --write",
        "",
        f"Measured {dt.date.today().isoformat()} on: {machine()}. "
        f"Load average when the run started: {load:.1f}. Each figure is the median wall time "
        f"of {runs} separate processes (sumy: as many as `--sumy-runs`), start-up included.",
        "",
        "| what | command | wall (median) | CPU (median) | figure |",
        "|---|---|---:|---:|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.label} | `{row.command}` | {_seconds(row.median)} | {_seconds(row.cpu)} | "
            f"{_figure(row, by_label)} |"
        )
    lines += ["", END]
    return "\n".join(lines)


def _figure(row: Timed, by_label: dict[str, Timed]) -> str:
    if row.label.startswith("summarize"):
        sumy = by_label[row.label.replace("summarize", "sumy")]
        counted = re.search(r"sentences: (\d+)", sumy.output)
        sentences = f"{int(counted.group(1)):,} sentences for sumy; " if counted else ""
        figure = (
            f"{sentences}{sumy.median / row.median:.0f}x sumy's process "
            f"({sumy.cpu / row.cpu:.0f}x in CPU)"
        )
        ranked = re.search(r"ranking seconds: ([\d.]+)", sumy.output)
        if ranked and row.ranking:
            sumy_ranking = float(ranked.group(1))
            figure += (
                f"; ranking only: {_seconds(row.ranking)} against sumy's "
                f"{_seconds(sumy_ranking)}, {sumy_ranking / row.ranking:.0f}x"
            )
        return figure
    if row.label.startswith("ingest"):
        added = re.search(r"(\d+) added", row.output)
        count = int(added.group(1)) if added else 0
        return f"{count:,} added: {count / row.median:.0f} articles/s"
    if row.label.startswith("brief"):
        header = row.output.splitlines()[1] if len(row.output.splitlines()) > 1 else ""
        if row.ranking is None:
            return header
        return f"{header}; ranking only (from its stored sentences): {_seconds(row.ranking)}"
    return ""


def _seconds(value: float) -> str:
    if value != value:  # not measured
        return "—"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def write(report: str, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + report + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + report + "\n"
    path.write_text(text, encoding="utf-8")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
