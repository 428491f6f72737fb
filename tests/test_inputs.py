"""What ``briefbot summarize`` reads: JSONL story clusters, HTML pages, plain text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.ingest.inputs import cluster_articles, cluster_date, read_inputs
from bot.ingest.load import LoadError
from bot.models import DatePrecision

WEB = Path(__file__).parent / "data" / "web"
EVAL = Path(__file__).parent / "data" / "eval" / "multiling2011_en.jsonl"
SEEDS = Path(__file__).parent.parent / "seeds"


def first_cluster() -> str:
    return EVAL.read_text(encoding="utf-8").splitlines()[0]


def test_a_multiling_cluster_yields_its_ten_dated_titled_articles() -> None:
    articles = cluster_articles(first_cluster(), "M000")
    assert len(articles) == 10
    first = articles[0]
    assert first.title == "Tsunami toll passes 80,000 people as relief effort continues"
    assert first.date.value == dt.date(2004, 12, 29)
    assert first.source == "M0006"
    assert first.text.startswith("The death toll from the earthquake and tsunamis")
    assert all(a.date.precision is DatePrecision.DAY for a in articles)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("20041229.6", dt.date(2004, 12, 29)), ("2022-09-13", dt.date(2022, 9, 13)), ("", None)],
)
def test_cluster_dates_compact_or_iso(value: str, expected: dt.date | None) -> None:
    assert cluster_date(value).value == expected


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"id": "x"}', "'docs' list"),
        ('{"docs": [{"title": "no text"}]}', "document 0 has no 'text'"),
    ],
)
def test_bad_cluster_lines_are_refused_with_the_line(line: str, message: str) -> None:
    with pytest.raises(LoadError, match=message) as caught:
        cluster_articles(line, "c.jsonl")
    assert "c.jsonl:1" in str(caught.value)


def test_read_inputs_mixes_text_html_and_clusters(tmp_path: Path) -> None:
    page = WEB / "cnn_article.html"  # a saved real page, read as ingest reads pages
    cluster = tmp_path / "story.jsonl"
    cluster.write_text(first_cluster() + "\n", encoding="utf-8")
    seed = SEEDS / "000_84b0dcfef1f72c6c.txt"
    articles = read_inputs([seed, page, cluster], max_bytes=2_000_000)
    assert len(articles) == 12
    # Text files keep the metadata of the manifest beside them.
    assert articles[0].source == "Fox News"
    assert articles[1].title == "After storm, forecasters see smooth sailing for Thanksgiving"
    assert "Thanksgiving" in articles[1].text and "<" not in articles[1].text


def test_files_of_several_folders_each_keep_their_own_manifest(tmp_path: Path) -> None:
    # The manifest of a folder is read once for all its files (it was parsed again for each
    # file: quadratic in a folder of many), and never lent to a file of another folder.
    for folder, outlet in (("a", "Outlet A"), ("b", "Outlet B")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "manifest.toml").write_text(
            "".join(
                f'["{n}.txt"]\nsource = "{outlet}"\ntitle = "{folder} {n}"\n' for n in range(3)
            ),
            encoding="utf-8",
        )
        for n in range(4):  # 3.txt is not in the manifest
            (tmp_path / folder / f"{n}.txt").write_text(f"Text {n}.", encoding="utf-8")
    paths = [tmp_path / folder / f"{n}.txt" for n in range(4) for folder in ("a", "b")]
    articles = read_inputs(paths, max_bytes=2_000_000)
    assert [(a.source, a.title) for a in articles] == [
        *((f"Outlet {folder.upper()}", f"{folder} {n}") for n in range(3) for folder in ("a", "b")),
        (None, None),
        (None, None),
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [("report.pdf", "unsupported file type '.pdf'"), ("missing.txt", "cannot be read")],
)
def test_unreadable_inputs_are_refused(tmp_path: Path, name: str, message: str) -> None:
    path = tmp_path / name
    if name.endswith(".pdf"):
        path.write_bytes(b"%PDF-1.4")
    with pytest.raises(LoadError, match=message):
        read_inputs([path], max_bytes=2_000_000)


def test_oversized_cluster_is_refused(tmp_path: Path) -> None:
    cluster = tmp_path / "big.jsonl"
    cluster.write_text(first_cluster(), encoding="utf-8")
    with pytest.raises(LoadError, match="too large"):
        read_inputs([cluster], max_bytes=1000)


def test_one_cluster_of_a_multi_cluster_file_by_id() -> None:
    articles = read_inputs([EVAL], max_bytes=2_000_000, cluster_id="M003")
    assert len(articles) == 10
    assert {a.source for a in articles} == {f"M00{n}" for n in range(30, 40)}


def test_an_unknown_cluster_id_is_refused() -> None:
    with pytest.raises(LoadError, match="no JSONL cluster with id 'M0'"):
        read_inputs([EVAL], max_bytes=2_000_000, cluster_id="M0")
