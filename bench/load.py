"""Slack under load, as users and an operator would load it (a benchmark, not a test).

A real ``briefbot slack`` process in HTTP mode on loopback, pointed at a fake Slack (Web API and
response URLs) in this process; a real ``briefbot ingest`` of generated files into the same
store while signed slash commands of every kind and app mentions (some redelivered, as Slack
does when an ack is slow) arrive at a steady rate. Reported: ack latency (p50/p99/max, and how
many over Slack's 3 s), answers lost or doubled, answer latency (p50/p95) per kind.

    python bench/load.py                       # 200 commands + 100 mentions, 10,000 files
    python bench/load.py --stop                # a brief past its deadline: memory and SIGTERM

``--stop`` stores heavily re-reported coverage (bench/rereported.py), asks for a brief of all of
it, and samples the bot's memory (its own and its ranking process's) until the deadline has
passed; then asks again and sends SIGTERM while that ranking runs, timing the exit.

Ingest files are real sentences (the seed articles, the MultiLing 2011 WikiNews clusters and
the Lee corpora, see bench/corpora.py) regrouped: each file takes one real article's sentences,
some dropped, so it is new to the store but reads as news.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from corpora import news_articles  # bench/corpora.py: the script folder is on sys.path
from rereported import rereported_docs

from bot.text.split import OfflineTokenizer

REPO = Path(__file__).resolve().parents[1]
BOT_TOKEN = "xoxb-0000000000-0000000000-benchbenchbenchbenchbench"
SIGNING_SECRET = "bench-signing-secret-0123456789ab"
BOT_USER = "U0LAN0Z89"
SLACK_ACK_SECONDS = 3.0
EXTRA_ARGS: list[str] = []
COMMANDS = [
    "help",
    "topics",
    "china-russia",
    "ukraine-war --sentences 3",
    "tsunami relief",
    "Power of Siberia",
    "subscribe china-russia 08:00 Europe/Paris",
    "subscriptions",
    "unsubscribe china-russia",
    "https://news.invalid/story",
    "china-russia --sentences 99",
]


@dataclass
class Sent:
    """One request to the bot: what it was, when it left, and its ack."""

    kind: str
    key: str  # where its answer arrives: a response URL path or a thread timestamp
    started: float
    status: int = 0
    ack_seconds: float = 0.0
    ack_text: str = ""


@dataclass
class FakeSlack:
    """Slack's Web API and response URLs on loopback, recording when each answer arrives."""

    answers: dict[str, list[float]] = field(default_factory=dict)
    answer_texts: dict[str, str] = field(default_factory=dict)
    runner: web.AppRunner | None = None
    port: int = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/respond/{name}", self._respond)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        self.port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _arrived(self, key: str, text: str) -> None:
        self.answers.setdefault(key, []).append(time.perf_counter())
        self.answer_texts[key] = text

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._arrived(request.path, str(body.get("text", "")))
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "auth.test":
            return web.json_response(
                {"ok": True, "user_id": BOT_USER, "bot_id": "B0", "team_id": "T0", "user": "bot"}
            )
        if method == "chat.postMessage":
            body = await request.json()
            self._arrived(str(body.get("thread_ts")), str(body.get("text", "")))
            return web.json_response({"ok": True, "channel": body.get("channel"), "ts": "1.0"})
        return web.json_response({"ok": False, "error": "unknown_method"})


def signed(body: str) -> dict[str, str]:
    stamp = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=" + digest.hexdigest()}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_ingest_files(folder: Path, count: int, seed: int = 11) -> None:
    """``count`` article files of real sentences, each a real article with some dropped."""
    rng = random.Random(seed)
    tokenizer = OfflineTokenizer("english")
    articles = [tokenizer.to_sentences(a.text) for a in news_articles()]
    articles = [s for s in articles if len(s) >= 4]
    folder.mkdir(parents=True)
    for n in range(count):
        sentences = rng.choice(articles)
        kept = [s for s in sentences if rng.random() > 0.3] or sentences[:3]
        (folder / f"{n:05}.txt").write_text("\n".join(kept) + "\n", encoding="utf-8")


class BotProcess:
    """``briefbot slack`` in HTTP mode on a free port, pointed at the fake Slack."""

    def __init__(self, db: Path, fake: FakeSlack, log: Path, config: Path | None = None) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "BRIEFBOT_DB": str(db),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.url("/api/"),
            "PORT": str(self.port),
        }
        env.pop("SLACK_APP_TOKEN", None)
        args = [sys.executable, "-m", "bot.cli", *EXTRA_ARGS]
        if config is not None:
            args += ["--config", str(config)]
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [*args, "slack"], env=env, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    async def ready(self, seconds: float = 120.0) -> None:
        async with asyncio.timeout(seconds):
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"briefbot slack exited with {self.process.returncode}")
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                    writer.close()
                    return
                except OSError:
                    await asyncio.sleep(0.1)

    def stop(self, timeout: float = 60.0) -> float:
        """SIGTERM; the seconds until the process exited."""
        started = time.perf_counter()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        return time.perf_counter() - started


async def send_command(
    session: aiohttp.ClientSession, bot: BotProcess, fake: FakeSlack, n: int, text: str
) -> Sent:
    path = f"/respond/cmd-{n}"
    body = urlencode(
        {
            "token": "legacy",
            "team_id": "T0",
            "channel_id": f"C{n % 40:03}",
            "user_id": f"U{n:05}",
            "command": "/summary",
            "text": text,
            "response_url": fake.url(path),
            "trigger_id": f"{n}.0.0",
        }
    )
    sent = Sent(kind=text.split()[0] if "://" not in text else "url", key=path, started=0.0)
    return await _post(session, bot, sent, body, "application/x-www-form-urlencoded", {})


async def send_mention(
    session: aiohttp.ClientSession, bot: BotProcess, n: int, text: str, retry: bool = False
) -> Sent:
    ts = f"{1_700_000_000 + n}.{n:06}"
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0",
            "api_app_id": "A0",
            "event_id": f"EvLoad{n:05}",
            "event_time": 1_700_000_000 + n,
            "event": {
                "type": "app_mention",
                "user": f"UM{n:05}",
                "text": f"<@{BOT_USER}> {text}",
                "ts": ts,
                "channel": f"C{n % 40:03}",
                "event_ts": ts,
            },
        }
    )
    headers = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
    sent = Sent(kind="mention-retry" if retry else "mention", key=ts, started=0.0)
    return await _post(session, bot, sent, body, "application/json", headers)


async def _post(
    session: aiohttp.ClientSession,
    bot: BotProcess,
    sent: Sent,
    body: str,
    content_type: str,
    extra: dict[str, str],
) -> Sent:
    headers = {"Content-Type": content_type, **signed(body), **extra}
    sent.started = time.perf_counter()
    try:
        async with session.post(bot.url, data=body.encode(), headers=headers) as response:
            sent.ack_text = await response.text()
            sent.status = response.status
    except aiohttp.ClientError as exc:
        sent.ack_text = f"{type(exc).__name__}: {exc}"
    sent.ack_seconds = time.perf_counter() - sent.started
    return sent


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run_load(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="briefbot-load-") as tmp_name:
        tmp = Path(tmp_name)
        folder = tmp / "articles"
        print(f"writing {args.files:,} article files …", flush=True)
        write_ingest_files(folder, args.files)
        fake = FakeSlack()
        await fake.start()
        db = tmp / "load.sqlite3"
        bot = BotProcess(db, fake, tmp / "slack.log")
        ingest_log = (tmp / "ingest.log").open("w")
        try:
            await bot.ready()
            ingest = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.cli",
                "ingest",
                str(folder),
                env={**os.environ, "BRIEFBOT_DB": str(db)},
                cwd=REPO,
                stdout=ingest_log,
                stderr=subprocess.STDOUT,
            )
            ingest_started = time.perf_counter()
            await asyncio.sleep(args.warmup)  # the ingest is writing before the first request
            sent = await send_all(bot, fake, args)
            ingest_running = ingest.returncode is None
            await wait_for_answers(fake, sent, args.answer_timeout)
            await ingest.wait()
            ingest_seconds = time.perf_counter() - ingest_started
        finally:
            exit_seconds = bot.stop()
            ingest_log.close()
            await fake.close()
        report(sent, fake, ingest_running, ingest_seconds, exit_seconds, args)
        print("ingest:", (tmp / "ingest.log").read_text(encoding="utf-8").strip().splitlines()[-1])
        errors = [
            line
            for line in (tmp / "slack.log").read_text(encoding="utf-8").splitlines()
            if "ERROR" in line or "Traceback" in line
        ]
        print(f"bot log: {len(errors)} error lines", *errors[:5], sep="\n  ")


async def send_all(bot: BotProcess, fake: FakeSlack, args: argparse.Namespace) -> list[Sent]:
    """Commands and mentions interleaved at ``args.rate`` a second; a few mentions redelivered."""
    plan: list[tuple[str, int, str]] = []
    for n in range(args.commands):
        plan.append(("command", n, COMMANDS[n % len(COMMANDS)]))
    mention_texts = [c for c in COMMANDS if c not in {"https://news.invalid/story"}]
    for n in range(args.mentions):
        plan.append(("mention", n, "summary " + mention_texts[n % len(mention_texts)]))
    random.Random(5).shuffle(plan)
    redelivered = list(range(0, args.mentions, max(1, args.mentions // args.redeliveries)))
    tasks: list[asyncio.Task[Sent]] = []
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        begun = time.perf_counter()
        for step, (kind, n, text) in enumerate(plan):
            if kind == "command":
                url_text = f"{text}-{n}" if "://" in text else text
                tasks.append(asyncio.create_task(send_command(session, bot, fake, n, url_text)))
            else:
                tasks.append(asyncio.create_task(send_mention(session, bot, n, text)))
                if n in redelivered:
                    tasks.append(asyncio.create_task(send_mention(session, bot, n, text, True)))
            await asyncio.sleep(max(0.0, begun + (step + 1) / args.rate - time.perf_counter()))
        return list(await asyncio.gather(*tasks))


def expects_answer(sent: Sent) -> bool:
    """Whether an answer should arrive at the fake (instant commands answer in the ack)."""
    if sent.kind == "mention-retry":
        return False
    if sent.kind == "mention":
        return True
    return sent.ack_text.find("Working on it") >= 0


async def wait_for_answers(fake: FakeSlack, sent: list[Sent], seconds: float) -> None:
    deadline = time.perf_counter() + seconds
    wanted = {s.key for s in sent if expects_answer(s)}
    # Answers land in a dict from the fake's handlers; looking five times a second is plenty.
    while time.perf_counter() < deadline and not wanted <= fake.answers.keys():  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    await asyncio.sleep(2.0)  # a doubled answer, if one were coming, would arrive by now


def report(
    sent: list[Sent],
    fake: FakeSlack,
    ingest_running: bool,
    ingest_seconds: float,
    exit_seconds: float,
    args: argparse.Namespace,
) -> None:
    acks = [s.ack_seconds for s in sent]
    refused = [s for s in sent if s.status != 200]
    instant = [s for s in sent if s.kind != "mention-retry" and not expects_answer(s)]
    wanted = [s for s in sent if expects_answer(s)]
    lost = [s for s in wanted if s.key not in fake.answers]
    doubled = [s for s in wanted if len(fake.answers.get(s.key, [])) > 1]
    latency: dict[str, list[float]] = {}
    for s in wanted:
        if s.key in fake.answers:
            latency.setdefault(s.kind, []).append(fake.answers[s.key][0] - s.started)
    everything = [v for values in latency.values() for v in values]
    print(
        f"\n{args.commands} commands + {args.mentions} mentions "
        f"(+{sum(s.kind == 'mention-retry' for s in sent)} redeliveries) at {args.rate:g}/s, "
        f"during an ingest of {args.files:,} files "
        f"({'still running' if ingest_running else 'FINISHED'} when the last was sent; "
        f"it took {ingest_seconds:.0f} s in all)"
    )
    print(
        f"acks: p50 {percentile(acks, 0.5) * 1000:.0f} ms, p99 {percentile(acks, 0.99) * 1000:.0f}"
        f" ms, max {max(acks) * 1000:.0f} ms; over {SLACK_ACK_SECONDS:g} s: "
        f"{sum(a > SLACK_ACK_SECONDS for a in acks)}; not 200: {len(refused)}"
        + (f" ({Counter(s.status for s in refused)})" if refused else "")
    )
    print(
        f"answers: {len(wanted)} expected after the ack, {len(instant)} in the ack; "
        f"lost {len(lost)}, doubled {len(doubled)}"
    )
    print(
        f"answer latency, all: p50 {percentile(everything, 0.5):.2f} s, "
        f"p95 {percentile(everything, 0.95):.2f} s, max {max(everything, default=0):.2f} s"
    )
    for kind, values in sorted(latency.items()):
        print(
            f"  {kind:<14} n={len(values):<4} p50 {percentile(values, 0.5):6.2f} s  "
            f"p95 {percentile(values, 0.95):6.2f} s"
        )
    outcomes = Counter(
        _outcome(fake.answer_texts.get(s.key, "")) for s in wanted if s.key in fake.answers
    )
    print("answer kinds:", dict(outcomes))
    print(f"SIGTERM to exit: {exit_seconds:.1f} s")
    for s in lost[:5]:
        print(f"  lost: {s.kind} {s.key} ack {s.status} {s.ack_text[:80]!r}")


def _outcome(text: str) -> str:
    first = text.splitlines()[0] if text else ""
    for marker in ("took longer", "went wrong", "Could not", "asking faster", "daily digest"):
        if marker in first:
            return marker
    return "brief" if "\n" in text else first[:40]


def rss_kb(pid: int) -> int:
    """Memory (PSS) of a process and all its descendants, in kB (from /proc)."""
    return sum(_rss_kb(p) for p in [pid, *_descendants(pid)])


def memory(pid: int) -> str:
    """The bot's memory (PSS): in all, itself, and each descendant (fork server, ranking)."""
    children = [f"{_rss_kb(c):,}" for c in _descendants(pid)]
    return (
        f"{rss_kb(pid):,} kB (bot {_rss_kb(pid):,} kB"
        + (f", children {' + '.join(children)} kB" if children else "")
        + ")"
    )


def _rss_kb(pid: int) -> int:
    """Proportional set size: pages shared with the fork server's children counted once."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return found
    for child in map(int, children):
        found += [child, *_descendants(child)]
    return found


async def timed_out_brief(
    session: aiohttp.ClientSession,
    bot: BotProcess,
    fake: FakeSlack,
    n: int,
    query: str,
    wait: float,
) -> None:
    """Ask for a brief, sample memory until its answer, then a few seconds after it."""
    pid = bot.process.pid
    sent = await send_command(session, bot, fake, n, query)
    peak = rss_kb(pid)
    while sent.key not in fake.answers and time.perf_counter() - sent.started < wait:
        peak = max(peak, rss_kb(pid))
        await asyncio.sleep(0.25)
    if sent.key not in fake.answers:
        print(f"/summary {query}: no answer in {wait:g} s")
        return
    answered = fake.answers[sent.key][0] - sent.started
    text = fake.answer_texts[sent.key].splitlines()[0]
    print(f"/summary {query}: ack {sent.ack_seconds * 1000:.0f} ms, answer after {answered:.1f} s:")
    print(f"  {text!r}; peak {peak:,} kB")
    for after in (1.0, 5.0):
        await asyncio.sleep(max(0.0, sent.started + answered + after - time.perf_counter()))
        print(f"  {after:g} s after the answer: {memory(pid)}")


async def run_stop(args: argparse.Namespace) -> None:
    """A brief past its deadline in a live bot: memory before, during and after; SIGTERM."""
    with tempfile.TemporaryDirectory(prefix="briefbot-stop-") as tmp_name:
        tmp = Path(tmp_name)
        folder = tmp / "rereported"
        folder.mkdir()
        for n, doc in enumerate(rereported_docs(args.articles)):
            (folder / f"{n:05}.txt").write_text(doc["text"] + "\n", encoding="utf-8")
        db = tmp / "stop.sqlite3"
        env = {**os.environ, "BRIEFBOT_DB": str(db)}
        ingest = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "ingest", str(folder), env=env, cwd=REPO
        )
        if await ingest.wait() != 0:
            raise RuntimeError("ingest of the re-reporting articles failed")
        fake = FakeSlack()
        await fake.start()
        bot = BotProcess(db, fake, tmp / "slack.log")
        try:
            await bot.ready()
            pid = bot.process.pid
            await asyncio.sleep(1.0)
            print(f"{args.articles:,} re-reporting articles stored; bot at rest: {memory(pid)}")
            connector = aiohttp.TCPConnector(force_close=True)
            async with aiohttp.ClientSession(connector=connector) as session:
                for n, query in enumerate(("tsunami", "tsunami toll", "tsunami relief"), 1):
                    await timed_out_brief(session, bot, fake, n, query, args.deadline_wait)
                second = await send_command(session, bot, fake, 9, "tsunami aid")
                await asyncio.sleep(args.sigterm_after)
                print(
                    f"SIGTERM {args.sigterm_after:g} s into a fourth brief "
                    f"(ack {second.ack_seconds * 1000:.0f} ms) …"
                )
                exit_seconds = bot.stop()
                print(
                    f"exited {exit_seconds:.1f} s after SIGTERM with {bot.process.returncode}; "
                    f"fourth brief answered: {second.key in fake.answers}"
                )
        finally:
            if bot.process.poll() is None:
                bot.stop()
            await fake.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--mentions", type=int, default=100)
    parser.add_argument("--redeliveries", type=int, default=10)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=10.0, help="requests a second")
    parser.add_argument("--warmup", type=float, default=3.0, help="ingest seconds before load")
    parser.add_argument("--answer-timeout", type=float, default=180.0)
    parser.add_argument("--stop", action="store_true", help="the deadline/memory/SIGTERM run")
    parser.add_argument("--articles", type=int, default=2_000, help="--stop: articles stored")
    parser.add_argument("--sigterm-after", type=float, default=5.0)
    parser.add_argument("--deadline-wait", type=float, default=120.0)
    args = parser.parse_args()
    asyncio.run(run_stop(args) if args.stop else run_load(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
