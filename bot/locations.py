"""Where the configuration, the seed corpus and the store are found, and why.

The defaults ship inside the package, so any install works from any directory. The files
themselves live once, in the checkout's top-level ``config/`` and ``seeds/`` (the folders people
read and edit); ``bot/packaged/config`` and ``bot/packaged/seeds`` are symbolic links to them.
setuptools copies what a link points to into the wheel, so a wheel (``pip install .``,
``pip install git+…``, pipx) carries real files at ``bot/packaged/``, and an editable install
reads the checkout's folders through the links: one copy, nothing generated, no build hook and no
second code path for editable installs. (A checkout made without symbolic links, e.g. Git for
Windows with ``core.symlinks=false``, builds a wheel without defaults; the CI wheel check would
catch that.)

Look-up order of the configuration folder (``settings.toml``, ``topics.toml``, ``feeds.toml``):
``--config DIR``, then ``$BRIEFBOT_CONFIG``, then ``./config`` when the working directory has a
``config/settings.toml`` (a checkout, or a deployment made with ``briefbot init``), then the
packaged defaults.

The store: ``--db``/``$BRIEFBOT_DB``, then ``store.path`` of the settings in use (relative to the
working directory), then, when unset, ``data/briefbot.sqlite3`` in the working directory if the
configuration came from a folder, or the per-user data folder if it came from the packaged
defaults: a ``pipx``-installed briefbot run from anywhere keeps one store per user instead of
scattering ``data/`` folders wherever it is started.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

# What every configuration folder holds; `briefbot init` copies these, and the files the chat
# platforms declare (an app manifest, say).
CONFIG_FILES = ("settings.toml", "topics.toml", "feeds.toml")
STORE_FILE = "briefbot.sqlite3"
# Relative to the working directory.
LOCAL_CONFIG = Path("config")
LOCAL_STORE = Path("data") / STORE_FILE


def packaged_dir() -> Path:
    """The package's own data folder (``bot/packaged``).

    A wheel is always unpacked to a real folder by pip, so the resource is a real path.
    """
    return Path(str(files("bot") / "packaged"))


def packaged_config_dir() -> Path:
    """The default configuration folder shipped in the package."""
    return packaged_dir() / "config"


def packaged_seed_dir() -> Path:
    """The seed corpus shipped in the package."""
    return packaged_dir() / "seeds"


@dataclass(frozen=True)
class Located:
    """A path briefbot uses and the reason it chose it (``briefbot doctor`` shows both)."""

    path: Path
    reason: str


def config_folder(env: Mapping[str, str], given: Path | None) -> Located:
    """The configuration folder in use, in the documented look-up order."""
    if given is not None:
        return Located(given, "given with --config")
    if env.get("BRIEFBOT_CONFIG"):
        return Located(Path(env["BRIEFBOT_CONFIG"]), "from BRIEFBOT_CONFIG")
    if (LOCAL_CONFIG / "settings.toml").is_file():
        return Located(LOCAL_CONFIG, "./config in the working directory")
    return Located(
        packaged_config_dir(), "packaged defaults (no --config, BRIEFBOT_CONFIG or ./config)"
    )


def is_packaged(folder: Path) -> bool:
    """Whether a configuration folder is the packaged defaults."""
    return folder == packaged_config_dir()


def store_location(env: Mapping[str, str], configured: str | None, config: Located) -> Located:
    """The store file in use, in the documented look-up order."""
    if env.get("BRIEFBOT_DB"):
        return Located(Path(env["BRIEFBOT_DB"]), "from --db or BRIEFBOT_DB")
    if configured is not None:
        return Located(Path(configured), f"store.path in {config.path / 'settings.toml'}")
    if is_packaged(config.path):
        return Located(
            user_data_dir(env) / STORE_FILE, "the per-user data folder (packaged defaults in use)"
        )
    return Located(LOCAL_STORE, "data/ in the working directory (store.path is not set)")


def user_data_dir(env: Mapping[str, str]) -> Path:
    """The per-user data folder, as the platform's conventions place it (XDG on Linux)."""
    home = Path(env["HOME"]) if env.get("HOME") else Path.home()
    if sys.platform == "win32":
        base = Path(env["LOCALAPPDATA"]) if env.get("LOCALAPPDATA") else home / "AppData" / "Local"
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        # The XDG spec: a relative XDG_DATA_HOME is invalid and must be ignored.
        xdg = env.get("XDG_DATA_HOME", "")
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "share"
    return base / "briefbot"


def user_cache_dir(env: Mapping[str, str]) -> Path:
    """The per-user cache folder (XDG on Linux): what can be rebuilt from the installed files."""
    home = Path(env["HOME"]) if env.get("HOME") else Path.home()
    if sys.platform == "win32":
        local = Path(env["LOCALAPPDATA"]) if env.get("LOCALAPPDATA") else home / "AppData" / "Local"
        return local / "briefbot" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "briefbot"
    xdg = env.get("XDG_CACHE_HOME", "")
    return (Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".cache") / "briefbot"


class InitError(Exception):
    """The configuration could not be written; the message says why."""


def write_default_config(
    folder: Path, force: bool = False, extra_files: Sequence[str] = ()
) -> list[Path]:
    """Copy the packaged configuration into ``folder`` for editing; return the files written.

    Existing files are never overwritten unless ``force``: a deployment's edits are not lost to
    a second ``briefbot init``.
    """
    source = packaged_config_dir()
    names = (*CONFIG_FILES, *extra_files)
    targets = [folder / name for name in names]
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        listed = ", ".join(str(t) for t in existing)
        raise InitError(f"{listed} already exist; edit them, or pass --force to overwrite")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, target in zip(names, targets, strict=True):
            target.write_bytes((source / name).read_bytes())
    except OSError as exc:
        raise InitError(f"cannot write {folder}: {exc.strerror or exc}") from exc
    return targets
