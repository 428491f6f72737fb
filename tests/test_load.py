"""Loading article files: manifest metadata, dates, and clear refusals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.load import LoadError, article_files, load_file, parse_date, read_manifest
from bot.models import DatePrecision
from tests.conftest import SEEDS


def test_seed_manifest_gives_source_and_dates() -> None:
    manifest = read_manifest(SEEDS)
    assert len(manifest) == 5
    fox = load_file(next(SEEDS.glob("000_*.txt")), 1_000_000)
    assert fox.source == "Fox News"
    assert fox.date.value == dt.date(2022, 9, 13)
    blog = manifest["004_17a766d90b4397c1.txt"]
    assert blog.date.precision is DatePrecision.MONTH
    assert blog.date.label() == "Dec 2022"


def test_date_line_dates_an_article_without_manifest(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(" date 2022-09-15 Headline\n\nBody text here.", encoding="utf-8")
    assert load_file(path, 1000).date.value == dt.date(2022, 9, 15)


def test_partial_and_bad_dates() -> None:
    assert parse_date("2022-12").precision is DatePrecision.MONTH
    assert parse_date("not a date").value is None


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("page.pdf", b"%PDF-1.4", "unsupported file type"),
        ("blob.txt", b"\x00\x01\x02binary", "binary file"),
        ("huge.txt", b"word " * 400, "too large"),
    ],
)
def test_refusals_say_why(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(LoadError, match=reason):
        load_file(path, 1000)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="cannot be read"):
        load_file(tmp_path / "nope.txt", 1000)


def test_cp1252_text_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "old.txt"
    path.write_bytes("Putin\u2019s \u201cpivot\u201d.".encode("cp1252"))
    assert load_file(path, 1000).text == "Putin\u2019s \u201cpivot\u201d."


def test_folders_expand_to_sorted_article_files() -> None:
    files = list(article_files([SEEDS]))
    assert [f.name[:3] for f in files] == ["000", "001", "002", "003", "004"]
