"""``briefbot doctor``: check settings, topics, store, tokens and seeds; say what to fix.

It never prints a secret: only whether each token variable is set and has the expected prefix.
It never creates a store either; a missing one is reported, not made.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from bot.brief.topics import TopicCatalog, load_topics
from bot.chat.platform import ChatPlatform, Platforms
from bot.clock import utc_now
from bot.ingest.load import TEXT_SUFFIXES
from bot.settings import Settings, SettingsError, load_settings
from bot.store import open_store
from bot.store.errors import StoreError, StoreFault
from bot.store.protocols import Store
from bot.store.sqlite.health import StoreFacts, inspect_store
from bot.store.sqlite.store import SqliteStore


class Status(StrEnum):
    """How a check came out."""

    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Check:
    """One finding: what was checked, how it came out, and what to do about it."""

    status: Status
    name: str
    detail: str
    fix: str = ""

    def line(self) -> str:
        """'FAIL store: ... -> fix'."""
        text = f"{self.status.value:<4} {self.name}: {self.detail}"
        return f"{text}\n     fix: {self.fix}" if self.fix else text


async def diagnose(
    env: Mapping[str, str], platforms: Platforms, config_dir: Path | None = None
) -> list[Check]:
    """Run every check, in order; later checks are skipped when what they need failed."""
    try:
        settings = load_settings(env, config_dir)
    except SettingsError as exc:
        return [
            Check(Status.FAIL, "settings", str(exc), "fix settings.toml or BRIEFBOT_CONFIG"),
            *check_tokens(env, platforms),
        ]
    checks = [
        Check(
            Status.OK,
            "settings",
            f"loaded from {settings.config_dir / 'settings.toml'}: {settings.config_reason}",
        ),
        Check(Status.OK, "store path", f"{settings.store_path}: {settings.store_reason}"),
    ]
    topics: TopicCatalog | None = None
    try:
        topics = load_topics(settings.topics_file)
    except SettingsError as exc:
        checks.append(Check(Status.FAIL, "topics", str(exc), "fix topics.toml"))
    else:
        checks.append(Check(Status.OK, "topics", f"{len(topics.topics)} topics parse"))
    checks.extend(await check_store(settings, topics))
    checks.extend(check_tokens(env, platforms))
    checks.append(check_seeds(settings))
    return checks


async def check_store(settings: Settings, topics: TopicCatalog | None) -> list[Check]:
    """The store opens, passes its integrity check, runs in WAL mode and serves every topic."""
    if settings.database_url is not None:
        return await check_database(settings, topics)
    path = settings.store_path
    if not path.is_file():
        return [
            Check(
                Status.WARN,
                "store",
                f"no store at {path} yet",
                "it is created (and seeded) on first use, e.g. briefbot topics; "
                "or point BRIEFBOT_DB at the existing one",
            )
        ]
    try:
        facts = await asyncio.to_thread(inspect_store, path)
    except StoreError as exc:  # a file SQLite cannot read at all is the finding itself
        return [
            Check(
                Status.FAIL,
                "store",
                f"{path} cannot be read as a database ({exc.cause})",
                "restore it from a backup (briefbot backup PATH makes one)",
            )
        ]
    checks = [_integrity(path, facts), _mode(facts), *_writable(path, facts)]
    current = facts.current_version
    if facts.schema_version > current:
        checks.append(
            Check(
                Status.FAIL,
                "schema",
                f"version {facts.schema_version}, newer than this briefbot ({current})",
                "run the briefbot version that wrote this store",
            )
        )
    elif facts.schema_version < current:
        checks.append(
            Check(
                Status.WARN,
                "schema",
                f"version {facts.schema_version} of {current}",
                "the bot migrates it when it next starts; take a backup first",
            )
        )
    elif topics is not None and not facts.problems:
        try:
            # The schema is current, so opening writes nothing.
            async with await SqliteStore.open(path) as store:
                checks.extend(await _check_topics(store, topics))
                checks.append(await _check_workers(store))
        except StoreError as exc:
            checks.append(Check(Status.FAIL, "topic coverage", exc.message))
    return checks


def _writable(path: Path, facts: StoreFacts) -> list[Check]:
    """Read-only file, a write lock held by another process, a full disk: one check each."""
    checks: list[Check] = []
    if not facts.writable:
        checks.append(
            Check(
                Status.WARN,
                "store writable",
                f"{path} is read-only: briefs work, ingest, subscriptions and digests do not",
                "make the file and its folder writable by the bot's user",
            )
        )
    elif not facts.write_lock_free:
        checks.append(
            Check(
                Status.WARN,
                "store lock",
                "another process holds the store's write lock (for 2 s and more)",
                "find it with: fuser STORE_PATH; a long ingest is normal, a stuck process is not",
            )
        )
    free_mb = facts.free_bytes // (1 << 20)
    if facts.low_on_space:
        checks.append(
            Check(
                Status.FAIL,
                "disk space",
                f"{free_mb} MB free beside {path}",
                "free disk space or move the store (BRIEFBOT_DB) to a larger disk",
            )
        )
    return checks


def _integrity(path: Path, facts: StoreFacts) -> Check:
    if facts.problems:
        return Check(
            Status.FAIL,
            "store",
            f"{path} fails SQLite's integrity check: {'; '.join(facts.problems[:3])}",
            "stop the bot and restore the store from a backup",
        )
    count = "no" if facts.articles is None else f"{facts.articles}"
    return Check(Status.OK, "store", f"{path}: integrity ok, {count} articles")


def _mode(facts: StoreFacts) -> Check:
    if facts.journal_mode == "wal":
        return Check(Status.OK, "store mode", "WAL (readers never wait for writers)")
    return Check(
        Status.WARN,
        "store mode",
        f"journal mode is {facts.journal_mode}, not WAL",
        "the bot switches it to WAL on start; keep the store on a local disk "
        "(network filesystems cannot use WAL)",
    )


async def _check_workers(store: Store) -> Check:
    """The digests and poll workers whose lease is live now, by host (README, "Scaling out")."""
    live = await store.workers.live(utc_now())
    if not live:
        return Check(Status.OK, "workers", "none live (no briefbot digests or poll is running)")
    hosts = Counter(worker.rsplit(":", 2)[0] for worker in live)
    on = ", ".join(f"{n} on {host}" for host, n in sorted(hosts.items()))
    return Check(Status.OK, "workers", f"{len(live)} live digests/poll workers: {on}")


async def _check_topics(store: Store, topics: TopicCatalog) -> list[Check]:
    empty = [t.slug for t in topics.topics if not await store.search(t.query(), 1)]
    if not empty:
        return [Check(Status.OK, "topic coverage", "every topic matches stored articles")]
    return [
        Check(
            Status.WARN,
            "topic coverage",
            f"no stored article matches: {', '.join(empty)}",
            "ingest articles about them (briefbot ingest PATH) or fix their keywords "
            "in topics.toml",
        )
    ]


def check_tokens(env: Mapping[str, str], platforms: Platforms) -> list[Check]:
    """Which platform secrets are set (never their values) and whether they look right."""
    checks = [_platform(env, p) for p in platforms]
    if all(c.status is not Status.OK for c in checks):
        checks.append(
            Check(
                Status.WARN,
                "chat",
                "no platform is fully configured; only the command line will work",
                "set the variables of one of the platforms above",
            )
        )
    return checks


def _platform(env: Mapping[str, str], platform: ChatPlatform) -> Check:
    present = frozenset(v.name for v in platform.variables if env.get(v.name, "").strip())
    if not present:
        return Check(Status.WARN, platform.name, "not configured", f"set {platform.needs}")
    set_names = ", ".join(v.name for v in platform.variables if v.name in present)
    misshapen = [
        f"{v.name} should start with {v.prefix}"
        for v in platform.variables
        if v.prefix and v.name in present and not env[v.name].strip().startswith(v.prefix)
    ]
    if misshapen:
        return Check(
            Status.FAIL,
            platform.name,
            f"set: {set_names}; {'; '.join(misshapen)}",
            "check the values were not swapped or pasted with extra text",
        )
    if not platform.complete(present):
        return Check(Status.FAIL, platform.name, f"only {set_names} set", f"set {platform.needs}")
    return Check(Status.OK, platform.name, f"set: {set_names}")


def check_seeds(settings: Settings) -> Check:
    """The seed corpus is there when the store is to be seeded from it."""
    folder = settings.seed_dir
    files = (
        [p for p in folder.iterdir() if p.suffix.lower() in TEXT_SUFFIXES]
        if folder.is_dir()
        else []
    )
    if files:
        return Check(Status.OK, "seeds", f"{len(files)} article files in {folder}")
    status = Status.FAIL if settings.seed_on_first_run else Status.WARN
    return Check(
        status,
        "seeds",
        f"no article files in {folder}",
        "restore the seeds folder or set ingest.seed_on_first_run = false",
    )


async def check_database(settings: Settings, topics: TopicCatalog | None) -> list[Check]:
    """PostgreSQL: the server answers, the schema is current (or will be migrated), every
    topic finds articles. Nothing is created or migrated here."""
    assert settings.database_url is not None
    try:
        from bot.store.postgres.health import inspect_database
    except ImportError as exc:
        return [
            Check(
                Status.FAIL,
                "store",
                f"BRIEFBOT_DATABASE_URL is set but psycopg is missing ({exc})",
                "pip install 'briefbot[postgres]'",
            )
        ]
    try:
        facts = await inspect_database(settings.database_url)
    except StoreError as exc:
        if exc.fault is StoreFault.REFUSED:
            return [
                Check(
                    Status.FAIL,
                    "store",
                    f"the server refused the connection ({exc.cause})",
                    "check the user, password and database name in BRIEFBOT_DATABASE_URL",
                )
            ]
        return [
            Check(
                Status.FAIL,
                "store",
                f"cannot reach the database ({exc.cause})",
                "check BRIEFBOT_DATABASE_URL, the server, and that it accepts this host",
            )
        ]
    count = "no" if facts.articles is None else f"{facts.articles}"
    checks = [
        Check(
            Status.OK,
            "store",
            f"{facts.label}: PostgreSQL {facts.server_version}, {count} articles",
        )
    ]
    if facts.read_only:
        checks.append(
            Check(
                Status.WARN,
                "store writable",
                "the database is read-only here (a standby?): briefs work, storing does not",
                "point BRIEFBOT_DATABASE_URL at the primary",
            )
        )
    if facts.schema_version > facts.current_version:
        checks.append(
            Check(
                Status.FAIL,
                "schema",
                f"version {facts.schema_version}, newer than this briefbot"
                f" ({facts.current_version})",
                "run the briefbot version that wrote this database",
            )
        )
    elif facts.schema_version < facts.current_version:
        checks.append(
            Check(
                Status.WARN,
                "schema",
                f"version {facts.schema_version} of {facts.current_version}",
                "the bot migrates it when it next starts (once, even with several replicas);"
                " take a backup first (briefbot backup PATH)",
            )
        )
    elif topics is not None:
        try:
            async with await open_store(settings) as store:
                checks.extend(await _check_topics(store, topics))
                checks.append(await _check_workers(store))
        except StoreError as exc:
            checks.append(Check(Status.FAIL, "topic coverage", exc.message))
    return checks
