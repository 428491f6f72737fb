"""Shared by the tests that run replicas as real processes: a tuned copy of the configuration."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from bot.settings import PROJECT_DIR


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
