"""Shared by the tests that run replicas as real processes: a tuned copy of the configuration."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from bot.settings import PROJECT_DIR
from tests.store.conftest import TEST_DATABASE_URL


def tuned_config(folder: Path, **values: object) -> Path:
    """A copy of the project's config folder in ``folder`` with settings.toml's ``key = value``
    lines changed (each key must appear once in the file); the copy's path, for BRIEFBOT_CONFIG."""
    shutil.copytree(PROJECT_DIR / "config", folder)
    path = folder / "settings.toml"
    text = path.read_text(encoding="utf-8")
    for key, value in values.items():
        rendered = f'"{value}"' if isinstance(value, str) else str(value)
        text, count = re.subn(
            rf"^(#\s*)?{key} = [^#\n]*", f"{key} = {rendered} ", text, flags=re.MULTILINE
        )
        assert count == 1, f"{key} appears {count} times in settings.toml"
    path.write_text(text, encoding="utf-8")
    return folder


@contextlib.contextmanager
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """The URL of a new database on the test server (BRIEFBOT_TEST_DATABASE_URL), for
    BRIEFBOT_DATABASE_URL; dropped afterwards."""
    name = f"replicas_{os.getpid()}_{tmp_path.name[-12:].replace('-', '_').lower()}"
    with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield urlunsplit(urlsplit(TEST_DATABASE_URL)._replace(path=f"/{name}"))
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
