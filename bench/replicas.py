"""Slack web replicas: briefs per second and ack latency with 1 and 3 ``briefbot slack``
processes on PostgreSQL, against 1 on SQLite (a benchmark, not a test).

Each configuration gets a store of its own holding the same articles (the seeds and
``--files`` generated articles of real sentences, ingested by ``briefbot ingest``), then R real
``briefbot slack`` HTTP processes on loopback, all pointed at one fake Slack (bench/load.py),
take ``--commands`` signed ``/summary`` commands sent round-robin, as a load balancer would, at
``--rate`` a second. Every command asks for a brief no earlier command asked for (topics and
free-text queries from the MultiLing titles, each at seven lengths), so no cache answers one:
each is a search, a ranking and an answer.
Reported per configuration: ack latency (p50/p99/max), briefs answered per second (answers /
seconds from the first command to the last answer), answer latency (p50/p95), lost answers.

    python bench/replicas.py                       # sqlite:1, postgres:1, postgres:3
    python bench/replicas.py --configs postgres:3 --commands 400 --rate 20

PostgreSQL databases are made on the server of ``--database-url`` (default
``BRIEFBOT_BENCH_DATABASE_URL``, else ``BRIEFBOT_TEST_DATABASE_URL``) and dropped at the end.
Every process shares the machine's cores: on a 2-core machine three replicas compete with
each other and with this script for the same CPUs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import psycopg
from load import (  # bench/load.py: the script folder is on sys.path
    BOT_TOKEN,
    REPO,
    SIGNING_SECRET,
    FakeSlack,
    Sent,
    free_port,
    percentile,
    send_command,
    write_ingest_files,
)
from psycopg.conninfo import conninfo_to_dict, make_conninfo


def brief_targets() -> list[str]:
    """Distinct brief requests, so that no replica's cache answers one: each topic and each
    MultiLing title's first long word, at every length from 1 to 7 points."""
    queries = ["china-russia", "ukraine-war", "russia-sanctions"]
    multiling = REPO / "tests" / "data" / "eval" / "multiling2011_en.jsonl"
    for line in multiling.read_text(encoding="utf-8").splitlines():
        for doc in json.loads(line)["docs"]:
            words = [w for w in doc["title"].split() if w.isalpha() and len(w) > 4]
            if words:
                queries.append(words[0].lower())
    unique = list(dict.fromkeys(queries))
    return [f"{query} --sentences {n}" for n in range(1, 8) for query in unique]


class Replica:
    """One ``briefbot slack`` HTTP process on a free port, on the given store."""

    def __init__(self, store_env: dict[str, str], fake: FakeSlack, log: Path) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            **store_env,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.url("/api/"),
            "PORT": str(self.port),
        }
        env.pop("SLACK_APP_TOKEN", None)
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "slack"],
            env=env,
            cwd=REPO,
            stdout=self.log,
            stderr=subprocess.STDOUT,
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

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@asynccontextmanager
async def store_for(
    engine: str, tmp: Path, server_url: str | None
) -> AsyncIterator[dict[str, str]]:
    """The environment naming a fresh store of the engine (a database dropped afterwards)."""
    if engine == "sqlite":
        yield {"BRIEFBOT_DB": str(tmp / "replicas.sqlite3")}
        return
    if not server_url:
        raise SystemExit("postgres: give --database-url or set BRIEFBOT_TEST_DATABASE_URL")
    name = f"briefbot_replicas_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    try:
        parts = conninfo_to_dict(make_conninfo(server_url, dbname=name))
        password = f":{parts['password']}" if parts.get("password") else ""
        yield {
            "BRIEFBOT_DATABASE_URL": f"postgresql://{parts.get('user', 'postgres')}{password}@"
            f"{parts.get('host', '127.0.0.1')}:{parts.get('port', '5432')}/{name}"
        }
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')  # type: ignore[arg-type]


async def measure(
    engine: str, count: int, args: argparse.Namespace, folder: Path, tmp: Path
) -> dict[str, float]:
    async with store_for(engine, tmp, args.database_url) as store_env:
        ingest = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "bot.cli", "ingest", str(folder)],
            env={**os.environ, **store_env},
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        print(f"  {engine}: {ingest.stdout.strip()}", flush=True)
        fake = FakeSlack()
        await fake.start()
        replicas = [Replica(store_env, fake, tmp / f"{engine}-{n}.log") for n in range(count)]
        try:
            await asyncio.gather(*(r.ready() for r in replicas))
            targets = brief_targets()
            sent: list[Sent] = []
            connector = aiohttp.TCPConnector(limit=0, force_close=True)
            async with aiohttp.ClientSession(connector=connector) as session:
                # One brief per replica first: each has its tokenizer and ranker started.
                for n, replica in enumerate(replicas):
                    await send_command(session, replica, fake, 900_000 + n, "china-russia -n 1")
                tasks = []
                begun = time.perf_counter()
                for n in range(args.commands):
                    replica = replicas[n % count]
                    text = targets[n % len(targets)]
                    tasks.append(asyncio.create_task(send_command(session, replica, fake, n, text)))
                    await asyncio.sleep(max(0.0, begun + (n + 1) / args.rate - time.perf_counter()))
                sent = list(await asyncio.gather(*tasks))
            wanted = {s.key for s in sent if "Working on it" in s.ack_text}
            deadline = time.perf_counter() + args.answer_timeout
            while time.perf_counter() < deadline and not wanted <= fake.answers.keys():  # noqa: ASYNC110
                await asyncio.sleep(0.2)
        finally:
            for replica in replicas:
                replica.stop()
            await fake.close()
    acks = [s.ack_seconds for s in sent]
    answered = [s for s in sent if s.key in fake.answers]
    # A brief is several lines; a one-line answer is a refusal ("No stored article matches").
    briefs = [s for s in answered if "\n" in fake.answer_texts.get(s.key, "")]
    latencies = [fake.answers[s.key][0] - s.started for s in answered]
    last = max((fake.answers[s.key][0] for s in answered), default=begun)
    return {
        "ack_p50": percentile(acks, 0.5),
        "ack_p99": percentile(acks, 0.99),
        "ack_max": max(acks),
        "briefs_per_s": len(briefs) / (last - begun),
        "briefs": float(len(briefs)),
        "answer_p50": percentile(latencies, 0.5),
        "answer_p95": percentile(latencies, 0.95),
        "lost": float(len(wanted - fake.answers.keys())),
        "answered": float(len(answered)),
        "not_200": float(sum(s.status != 200 for s in sent)),
    }


async def run(args: argparse.Namespace) -> None:
    results = {}
    with tempfile.TemporaryDirectory(prefix="briefbot-replicas-") as tmp_name:
        tmp = Path(tmp_name)
        folder = tmp / "articles"
        write_ingest_files(folder, args.files)
        for config in args.configs.split(","):
            engine, _, count = config.partition(":")
            results[config] = await measure(engine, int(count or 1), args, folder, tmp)
    print(
        f"\n{args.commands} /summary briefs of {len(brief_targets())} distinct targets at"
        f" {args.rate:g}/s, round-robin over the replicas; store: seeds + {args.files:,} articles"
    )
    print(
        f"{'config':<12} {'ack p50':>8} {'ack p99':>8} {'ack max':>8} {'briefs':>7} {'briefs/s':>9}"
        f" {'answer p50':>11} {'answer p95':>11} {'lost':>5} {'not 200':>8}"
    )
    for config, r in results.items():
        print(
            f"{config:<12} {r['ack_p50'] * 1000:>6.0f}ms {r['ack_p99'] * 1000:>6.0f}ms"
            f" {r['ack_max'] * 1000:>6.0f}ms {r['briefs']:>7.0f} {r['briefs_per_s']:>9.2f}"
            f" {r['answer_p50']:>10.2f}s {r['answer_p95']:>10.2f}s {r['lost']:>5.0f}"
            f" {r['not_200']:>8.0f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--configs", default="sqlite:1,postgres:1,postgres:3")
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10.0, help="commands a second")
    parser.add_argument("--files", type=int, default=2_000, help="generated articles stored")
    parser.add_argument("--answer-timeout", type=float, default=300.0)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BRIEFBOT_BENCH_DATABASE_URL")
        or os.environ.get("BRIEFBOT_TEST_DATABASE_URL"),
        help="a PostgreSQL server to create each configuration's database on",
    )
    asyncio.run(run(parser.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
