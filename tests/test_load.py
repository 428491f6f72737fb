"""Manifests are read once per folder, and again when the file changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.ingest.load import LoadError, Manifests


def test_a_manifest_is_read_again_only_when_it_changes(tmp_path: Path) -> None:
    manifests = Manifests()
    assert manifests.for_folder(tmp_path) == {}
    manifest = tmp_path / "manifest.toml"
    manifest.write_text('["a.txt"]\nsource = "Wire"\n')
    first = manifests.for_folder(tmp_path)
    assert first["a.txt"].source == "Wire"
    assert manifests.for_folder(tmp_path) is first  # not parsed again
    manifest.write_text('["a.txt"]\nsource = "Other wire"\n')
    os.utime(manifest, ns=(1, 1))  # a different time even on a coarse clock
    assert manifests.for_folder(tmp_path)["a.txt"].source == "Other wire"


def test_a_broken_manifest_is_refused_each_time(tmp_path: Path) -> None:
    (tmp_path / "manifest.toml").write_text("[unclosed\n")
    manifests = Manifests()
    for _ in range(2):
        with pytest.raises(LoadError, match="not a valid manifest"):
            manifests.for_folder(tmp_path)
