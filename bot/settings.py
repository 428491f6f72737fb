"""One frozen settings object from ``config/*.toml`` and the environment, passed explicitly."""

from __future__ import annotations

import datetime as dt
import ipaddress
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bot.chat.ratelimit import BucketLimit, RateLimits
from bot.digests.schedule import ScheduleError, parse_time_of_day, parse_zone
from bot.locations import config_folder, packaged_seed_dir, store_location
from bot.text.languages import LANGUAGES, UnsupportedLanguage, parse_languages

# The checkout's root: tests and benches read its files; the running bot never does.
PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_LIMITS = RateLimits(
    user=BucketLimit(burst=5, per_minute=6), channel=BucketLimit(burst=20, per_minute=30)
)


class SettingsError(Exception):
    """Settings that cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class DigestSettings:
    """Scheduled daily digests (``[digests]``)."""

    default_time: dt.time = dt.time(8, 0)
    default_zone: str = "UTC"
    catch_up: dt.timedelta = dt.timedelta(hours=6)
    poll_seconds: float = 30.0
    empty_policy: Literal["note", "skip"] = "note"
    claim_timeout: dt.timedelta = dt.timedelta(minutes=15)
    max_per_channel: int = 25


@dataclass(frozen=True)
class WorkerSettings:
    """Replicas of the ``digests`` and ``feeds`` processes (``[workers]``)."""

    # A worker that misses its heartbeats this long is taken for gone: what it held (a digest
    # being posted, a feed being read) is taken over by another replica on any machine.
    lease: dt.timedelta = dt.timedelta(seconds=60)
    # Names this machine in worker ids and logs (BRIEFBOT_HOST_ID); empty: the host name.
    host_id: str = ""


@dataclass(frozen=True)
class FetchSettings:
    """Limits of the web fetcher (see bot.ingest.fetch) and of feed polling."""

    max_bytes: int = 5_000_000
    deadline_seconds: float = 10.0
    max_redirects: int = 5
    per_host_connections: int = 2
    user_agent: str = "briefbot/0.1 (news brief bot; +https://github.com/briefbot/briefbot)"
    poll_interval_seconds: float = 1800.0
    min_article_words: int = 80
    # Entries read from one feed document, newest first: a feed lists recent stories and is
    # polled again soon (a 60,000-entry feed took 101 s and 275 MB).
    max_feed_entries: int = 500
    # Networks fetched although not public (an intranet news server); every other address must
    # be a public internet one.
    trusted_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()


@dataclass(frozen=True)
class LanguageSettings:
    """Which languages are read and briefed (``[languages]``); codes are ISO 639-1."""

    # Articles in other languages are refused at ingest, naming their language.
    supported: frozenset[str] = frozenset(LANGUAGES)
    # The languages briefs include when neither the command nor the channel says; empty: all.
    brief: frozenset[str] = frozenset()
    # "platform:channel_id" -> the languages that channel's briefs include.
    channels: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def for_channel(self, platform: str, channel_id: str) -> frozenset[str]:
        """The languages a channel's briefs include; empty means every supported one."""
        return self.channels.get(f"{platform}:{channel_id}", self.brief)


@dataclass(frozen=True)
class Settings:
    """Everything configurable about the core."""

    config_dir: Path
    store_path: Path
    points: int
    max_points: int
    max_articles: int
    deadline_seconds: float
    seed_dir: Path
    seed_on_first_run: bool
    max_article_bytes: int
    language: str
    limits: RateLimits = field(default_factory=lambda: DEFAULT_LIMITS)
    fetch: FetchSettings = FetchSettings()
    digests: DigestSettings = field(default_factory=DigestSettings)
    workers: WorkerSettings = field(default_factory=WorkerSettings)
    languages: LanguageSettings = field(default_factory=LanguageSettings)
    # Why this configuration folder and this store were chosen (`briefbot doctor` says).
    config_reason: str = "given"
    store_reason: str = "given"
    # A PostgreSQL store instead of the SQLite file: BRIEFBOT_DATABASE_URL (it may hold a
    # password, so only from the environment). prepare_threshold None: no server-side prepared
    # statements (needed behind PgBouncer in transaction mode); store.prepare_threshold.
    database_url: str | None = field(default=None, repr=False)
    prepare_threshold: int | None = 5

    @property
    def topics_file(self) -> Path:
        """Where the named topics are defined."""
        return self.config_dir / "topics.toml"

    @property
    def feeds_file(self) -> Path:
        """Where the polled feeds are listed."""
        return self.config_dir / "feeds.toml"


def load_settings(env: Mapping[str, str], config_dir: Path | None = None) -> Settings:
    """Read ``settings.toml`` from the config folder, then apply environment overrides.

    The folder and the store are looked up in the order ``bot.locations`` documents.
    """
    config = config_folder(env, config_dir)
    folder = config.path
    path = folder / "settings.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SettingsError(f"{path}: settings file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: {exc}") from exc
    store = _table(data, "store", path)
    brief = _table(data, "brief", path)
    ingest = _table(data, "ingest", path)
    fetch = _table(data, "fetch", path)
    store_path = store.get("path")
    if store_path is not None and not isinstance(store_path, str):
        raise SettingsError(f"{path}: store.path must be a string, not {store_path!r}")
    db = store_location(env, store_path, config)
    database_url = env.get("BRIEFBOT_DATABASE_URL", "").strip() or None
    if database_url is not None and not database_url.startswith(("postgresql://", "postgres://")):
        raise SettingsError("BRIEFBOT_DATABASE_URL must start with postgresql://")
    prepare = store.get("prepare_threshold", 5)
    if prepare is not None and (isinstance(prepare, bool) or not isinstance(prepare, int)):
        raise SettingsError(f"{path}: store.prepare_threshold must be a whole number")
    if str(env.get("BRIEFBOT_DATABASE_PREPARE", "")).lower() in ("off", "none", "0"):
        prepare = None
    settings = Settings(
        config_dir=folder,
        store_path=db.path,
        points=_int(brief, "points", 5, path),
        max_points=_int(brief, "max_points", 10, path),
        max_articles=_int(brief, "max_articles", 2000, path),
        deadline_seconds=float(brief.get("deadline_seconds", 30)),
        seed_dir=_seed_dir(ingest, folder, path),
        seed_on_first_run=bool(ingest.get("seed_on_first_run", True)),
        max_article_bytes=_int(ingest, "max_article_bytes", 2_000_000, path),
        language=str(ingest.get("language", "english")),
        limits=_limits(_table(data, "limits", path), path),
        fetch=_fetch_settings(fetch, path),
        digests=_digests(_table(data, "digests", path), path),
        workers=WorkerSettings(
            lease=dt.timedelta(
                seconds=_seconds(_table(data, "workers", path), "lease_seconds", 60, path)
            ),
            host_id=env.get("BRIEFBOT_HOST_ID", "").strip(),
        ),
        languages=_languages(_table(data, "languages", path), path),
        config_reason=config.reason,
        store_reason=db.reason,
        database_url=database_url,
        prepare_threshold=prepare,
    )
    if not 1 <= settings.points <= settings.max_points:
        raise SettingsError(f"{path}: brief.points must be between 1 and brief.max_points")
    return settings


def _seed_dir(ingest: Mapping[str, Any], folder: Path, path: Path) -> Path:
    """``ingest.seed_dir`` relative to the settings file's folder; unset, the packaged seeds."""
    value = ingest.get("seed_dir")
    if value is None:
        return packaged_seed_dir()
    if not isinstance(value, str):
        raise SettingsError(f"{path}: seed_dir must be a string, not {value!r}")
    return folder / value


def _fetch_settings(table: Mapping[str, Any], path: Path) -> FetchSettings:
    default = FetchSettings()
    return FetchSettings(
        max_bytes=_int(table, "max_bytes", default.max_bytes, path),
        deadline_seconds=_seconds(table, "deadline_seconds", default.deadline_seconds, path),
        max_redirects=_int(table, "max_redirects", default.max_redirects, path),
        per_host_connections=_int(
            table, "per_host_connections", default.per_host_connections, path
        ),
        user_agent=str(table.get("user_agent", default.user_agent)),
        poll_interval_seconds=_seconds(
            table, "poll_interval_seconds", default.poll_interval_seconds, path
        ),
        min_article_words=_int(table, "min_article_words", default.min_article_words, path),
        max_feed_entries=_int(table, "max_feed_entries", default.max_feed_entries, path),
        trusted_networks=_networks(table.get("trusted_networks", []), path),
    )


def _networks(
    value: object, path: Path
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(
            f"{path}: [fetch] trusted_networks must be a list such as ['10.1.0.0/16']"
        )
    try:
        return tuple(ipaddress.ip_network(v, strict=False) for v in value)
    except ValueError as exc:
        raise SettingsError(f"{path}: [fetch] trusted_networks: {exc}") from exc


def _seconds(table: Mapping[str, Any], key: str, default: float, path: Path) -> float:
    value = table.get(key, default)
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise SettingsError(f"{path}: {key} must be a positive number of seconds, not {value!r}")
    return float(value)


def _digests(table: Mapping[str, Any], path: Path) -> DigestSettings:
    defaults = DigestSettings()
    try:
        default_time = parse_time_of_day(str(table.get("default_time", "08:00")))
        default_zone = parse_zone(str(table.get("default_zone", defaults.default_zone))).key
    except ScheduleError as exc:
        raise SettingsError(f"{path}: [digests] {exc}") from exc
    empty = table.get("empty_policy", defaults.empty_policy)
    if empty not in ("note", "skip"):
        raise SettingsError(f"{path}: [digests] empty_policy must be 'note' or 'skip'")
    return DigestSettings(
        default_time=default_time,
        default_zone=default_zone,
        catch_up=dt.timedelta(minutes=_int(table, "catch_up_minutes", 360, path)),
        poll_seconds=float(_int(table, "poll_seconds", 30, path)),
        empty_policy=empty,
        claim_timeout=dt.timedelta(minutes=_int(table, "claim_timeout_minutes", 15, path)),
        max_per_channel=_int(table, "max_per_channel", 25, path),
    )


def _languages(table: Mapping[str, Any], path: Path) -> LanguageSettings:
    """The [languages] section: codes or English names, checked against the pipelines."""

    def codes(value: object, key: str) -> frozenset[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingsError(f"{path}: [languages] {key} must be a list of language codes")
        try:
            return parse_languages(value)
        except UnsupportedLanguage as exc:
            known = ", ".join(sorted(LANGUAGES))
            raise SettingsError(
                f"{path}: [languages] {key}: no text pipeline for '{exc}' (known: {known})"
            ) from None

    default = LanguageSettings()
    supported = codes(table.get("supported", sorted(default.supported)), "supported")
    if not supported:
        raise SettingsError(f"{path}: [languages] supported must name at least one language")
    brief = codes(table.get("brief", []), "brief")
    channels_table = table.get("channels", {})
    if not isinstance(channels_table, dict):
        raise SettingsError(f"{path}: [languages.channels] must be a table")
    channels = {str(key): codes(value, f"channels.{key}") for key, value in channels_table.items()}
    for key, chosen in (("brief", brief), *channels.items()):
        if not chosen <= supported:
            extra = ", ".join(sorted(chosen - supported))
            raise SettingsError(f"{path}: [languages] {key} names {extra}, not in supported")
    return LanguageSettings(supported=supported, brief=brief, channels=channels)


def _table(data: Mapping[str, Any], name: str, path: Path) -> Mapping[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: [{name}] must be a table")
    return table


def _int(table: Mapping[str, Any], key: str, default: int, path: Path) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise SettingsError(f"{path}: {key} must be a positive whole number, not {value!r}")
    return value


def _limits(table: Mapping[str, Any], path: Path) -> RateLimits:
    """The [limits] section: a burst and a refill rate per user and per channel."""
    user, channel = DEFAULT_LIMITS.user, DEFAULT_LIMITS.channel
    return RateLimits(
        user=BucketLimit(
            burst=_int(table, "user_burst", user.burst, path),
            per_minute=_int(table, "user_per_minute", int(user.per_minute), path),
        ),
        channel=BucketLimit(
            burst=_int(table, "channel_burst", channel.burst, path),
            per_minute=_int(table, "channel_per_minute", int(channel.per_minute), path),
        ),
    )
