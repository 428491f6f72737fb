"""The command line, run as a user runs it: a real process on a real store."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BRIEFBOT_DB": str(tmp_path / "cli.sqlite3")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_brief_china_russia_from_seeds(tmp_path: Path) -> None:
    result = run(tmp_path, "brief", "china-russia")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "China–Russia relations"
    assert lines[1] == "5 articles from 5 sources · Sep 13, 2022 – Dec 30, 2022"
    numbered = [line for line in lines if line[:2] in {f"{n}." for n in range(1, 10)}]
    assert 1 <= len(numbered) <= 6
    assert "Traceback" not in result.stderr


def test_a_reader_that_leaves_early_stops_it_quietly(tmp_path: Path) -> None:
    """`briefbot brief … | head`: the closed pipe ends the command without a failure message."""
    env = {**os.environ, "BRIEFBOT_DB": str(tmp_path / "cli.sqlite3")}
    with subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "brief", "china-russia"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # the reader is gone before the brief is printed
        stderr = process.stderr.read().decode()
        returncode = process.wait(timeout=120)
    assert returncode == 141
    assert "failed unexpectedly" not in stderr and "Traceback" not in stderr
    assert "BrokenPipeError" not in stderr


def test_json_format(tmp_path: Path) -> None:
    result = run(tmp_path, "brief", "china-russia", "--sentences", "2", "--format", "json")
    data = json.loads(result.stdout)
    assert data["topic"] == "china-russia" and len(data["points"]) == 2
    assert all(p["sources"] for p in data["points"])


def test_markdown_format_escapes_markup(tmp_path: Path) -> None:
    result = run(tmp_path, "brief", "china-russia", "--format", "markdown")
    assert result.stdout.startswith("## China–Russia relations")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("brief", "china-rusia"), "Did you mean: china-russia?"),
        (("brief", "..."), "no words"),
        (("brief", "china-russia", "-n", "50"), "--sentences takes 1 to 10"),
    ],
)
def test_user_errors_exit_2_with_a_message(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = run(tmp_path, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_ingest_reports_counts_and_reasons(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("China and Russia signed an energy deal on Tuesday in Moscow.\n")
    (tmp_path / "bad.bin.txt").write_bytes(b"\x00\x00")
    result = run(tmp_path, "ingest", str(good), str(tmp_path / "bad.bin.txt"))
    assert result.returncode == 0
    assert "1 added, 0 already stored, 1 failed" in result.stdout
    assert "binary file" in result.stderr
    listing = run(tmp_path, "articles")
    assert "good.txt" in listing.stdout and "Fox News" in listing.stdout


def test_topics(tmp_path: Path) -> None:
    assert "china-russia" in run(tmp_path, "topics").stdout


WEB = Path(__file__).parent / "data" / "web"


def test_extract_prints_title_then_the_article_text(tmp_path: Path) -> None:
    result = run(tmp_path, "extract", str(WEB / "cnn_article.html"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "After storm, forecasters see smooth sailing for Thanksgiving"
    assert len(lines) > 10 and any("Thanksgiving" in line for line in lines[1:])


def test_extract_explains_a_refused_link(tmp_path: Path) -> None:
    result = run(tmp_path, "extract", "gopher://example.com/1")
    assert result.returncode == 1
    assert "only http and https" in result.stderr and "Traceback" not in result.stderr


def test_ingest_takes_saved_pages_links_and_files_together(tmp_path: Path) -> None:
    thin = tmp_path / "thin.html"
    thin.write_text("<html><body><p>Subscribe now.</p></body></html>", encoding="utf-8")
    result = run(
        tmp_path,
        "ingest",
        str(WEB / "time_001.html"),
        str(WEB / "cleveland.com1.html"),
        str(thin),
        "file:///etc/passwd",
    )
    assert result.returncode == 0, result.stderr
    assert "2 added, 0 already stored, 2 failed" in result.stdout
    assert "file:///etc/passwd: refused: only http and https" in result.stderr
    assert "not an article: " + str(thin) in result.stderr
    listing = run(tmp_path, "articles").stdout
    assert "TIME: We Need Geoengineering" in listing and "cleveland.com" in listing


def test_poll_without_feeds_says_so(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    root = Path(__file__).parent.parent / "config"
    for name in ("settings.toml", "topics.toml"):
        (config / name).write_text((root / name).read_text(encoding="utf-8"), encoding="utf-8")
    result = run(tmp_path, "--config", str(config), "poll", "--once")
    assert result.returncode == 2
    assert "no feeds are listed" in result.stderr


EVAL = Path(__file__).parent / "data" / "eval" / "multiling2011_en.jsonl"
SEED_DIR = Path(__file__).parent.parent / "seeds"


def test_summarize_a_cluster_to_a_word_budget_without_a_store(tmp_path: Path) -> None:
    story = json.loads(EVAL.read_text(encoding="utf-8").splitlines()[2])
    story["docs"] = story["docs"][:4]  # four articles keep the test quick
    cluster = tmp_path / "iran.jsonl"
    cluster.write_text(json.dumps(story), encoding="utf-8")
    result = run(tmp_path, "summarize", str(cluster), "--words", "100", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["article_count"] == 4
    assert sum(len(p["text"].split()) for p in data["points"]) == 100
    assert all(p["sources"] for p in data["points"])
    assert not (tmp_path / "cli.sqlite3").exists()


def test_summarize_seed_files_as_text(tmp_path: Path) -> None:
    files = [str(p) for p in sorted(SEED_DIR.glob("*.txt"))]
    result = run(tmp_path, "summarize", *files, "--sentences", "3")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Summary: 000_84b0dcfef1f72c6c.txt")
    assert lines[1] == "5 articles from 5 sources · Sep 13, 2022 – Dec 30, 2022"
    assert [line[:2] for line in lines if line[:2] in {"1.", "2.", "3.", "4."}] == [
        "1.",
        "2.",
        "3.",
    ]


PINNED = Path(__file__).parent / "data" / "summarize"


@pytest.mark.parametrize(
    ("args", "pinned"),
    [
        (("-n", "5"), "multiling2011_en.n5.txt"),
        (("-n", "8", "--cluster", "M000"), "multiling2011_en.M000.n8.txt"),
    ],
)
def test_summarize_output_is_pinned(tmp_path: Path, args: tuple[str, ...], pinned: str) -> None:
    # The same input gives the same summary, byte for byte, whatever path the work takes
    # (NumPy's graph of a few thousand sentences, the manifest read once): these were written
    # by the code before those paths existed. All 100 English MultiLing articles: ~1,900
    # sentences, 10 stories.
    result = run(tmp_path, "summarize", str(EVAL), *args)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (PINNED / pinned).read_text(encoding="utf-8")


def test_summarizing_a_few_thousand_sentences_does_not_load_scipy(tmp_path: Path) -> None:
    # Not a timing (bench/ measures those): a graph this size is built by NumPy alone.
    code = (
        "import sys\n"
        "from bot.cli import main\n"
        f"assert main(['summarize', '-n', '3', {str(EVAL)!r}]) == 0\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'scipy', 'nltk', 'numpy'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "['numpy']"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("summarize", "missing.txt"), 1, "cannot be read"),
        (("summarize", "seeds/manifest.toml"), 1, "unsupported file type '.toml'"),
        (("summarize", "seeds/000_84b0dcfef1f72c6c.txt", "-n", "0"), 2, "--sentences takes 1"),
        (("summarize", "seeds/000_84b0dcfef1f72c6c.txt", "--words", "0"), 2, "--words takes 1"),
    ],
)
def test_summarize_errors_are_messages(
    tmp_path: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "BRIEFBOT_DB": str(tmp_path / "cli.sqlite3")},
        cwd=Path(__file__).parent.parent,
        timeout=120,
        check=False,
    )
    assert result.returncode == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def _trusting_loopback(tmp_path: Path) -> Path:
    """A config whose fetcher may read the loopback test server (refused by default)."""
    config = tmp_path / "config"
    config.mkdir()
    root = Path(__file__).parent.parent / "config"
    settings = (root / "settings.toml").read_text(encoding="utf-8")
    settings = settings.replace("[fetch]\n", '[fetch]\ntrusted_networks = ["127.0.0.1/32"]\n', 1)
    (config / "settings.toml").write_text(settings, encoding="utf-8")
    topics = (root / "topics.toml").read_text(encoding="utf-8")
    (config / "topics.toml").write_text(topics, encoding="utf-8")
    return config


async def test_extract_reads_a_link_as_it_reads_the_saved_page(tmp_path: Path) -> None:
    from tests.loopback import page, serve

    config = _trusting_loopback(tmp_path)
    saved = run(tmp_path, "extract", str(WEB / "cnn_article.html"))
    routes = {"/cnn": page("cnn_article.html"), "/feed": page("feed2.rss", "application/rss+xml")}
    async with serve(routes) as server:
        outputs = []
        for path in ("/cnn", "/feed", "/missing"):
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.cli",
                "--config",
                str(config),
                "extract",
                server.url("127.0.0.1", path),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env={**os.environ, "BRIEFBOT_DB": str(tmp_path / "cli.sqlite3")},
            )
            stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
            outputs.append((process.returncode, stdout.decode(), stderr.decode()))
    (code, stdout, stderr), feed, missing = outputs
    assert code == 0, stderr
    assert stdout == saved.stdout
    assert feed[0] == 1 and "is a news feed" in feed[2] and "Traceback" not in feed[2]
    assert missing[0] == 1 and "Could not read http://127.0.0.1" in missing[2]
    assert "Traceback" not in missing[2]
    # Extracting stores nothing, so it opens (and seeds) no store.
    assert not (tmp_path / "cli.sqlite3").exists()


def test_extract_prints_each_saved_page_as_an_ingest_reads_it(tmp_path: Path) -> None:
    """The command (its own process: the lean path, one OpenBLAS thread) prints what this
    process, loading everything the usual way, extracts and prepares from every saved page."""
    from bot.ingest.extract import extract_article
    from bot.ingest.pipeline import prepare
    from bot.settings import load_settings
    from bot.text.split import OfflineTokenizer
    from bot.text.terms import TermIndexer

    settings = load_settings({})
    indexer = TermIndexer(
        OfflineTokenizer(settings.language),
        settings.language,
        supported=settings.languages.supported,
    )
    pages = sorted(WEB.rglob("*.html"))
    assert len(pages) >= 10
    for path in pages:
        raw = extract_article(path.read_bytes(), str(path)).article
        article = prepare(raw, indexer).article
        result = run(tmp_path, "extract", str(path))
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"{article.title or '(untitled)'}\n{article.body}\n", path.name


def test_the_cyclic_collector_is_off_only_while_a_one_shot_brief_runs() -> None:
    from bot.cli import _collector_off

    with _collector_off(True):
        assert not gc.isenabled()
    assert gc.isenabled()
    with _collector_off(False):
        assert gc.isenabled()
