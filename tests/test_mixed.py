"""Mixed ingest inputs are routed by what they are."""

from __future__ import annotations

from pathlib import Path

from bot.ingest.mixed import text_file_count


def test_text_files_are_counted_as_ingest_reads_them(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for name in ("a.txt", "b.md", "c.txt", "manifest.toml", "d.html"):
        (folder / name).write_text("x")
    (tmp_path / "e.txt").write_text("x")
    (tmp_path / "page.html").write_text("<p>x</p>")
    (tmp_path / "feed.xml").write_text("<rss/>")
    sources = [
        str(folder),
        str(tmp_path / "e.txt"),
        str(tmp_path / "page.html"),
        str(tmp_path / "feed.xml"),
        "https://example.org/a",
    ]
    assert text_file_count(sources) == 4  # the folder's .txt/.md files and e.txt
