"""``briefbot summarize`` on input with nothing to brief: one line saying why, exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.ingest.inputs import MAX_JSON_DEPTH, UnusableInput, cluster_articles, nested_deeper

FURNITURE = "Like us on Facebook and follow us on Twitter.\n"


def summarize(tmp_path: Path, *paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "summarize", *map(str, paths)],
        capture_output=True,
        text=True,
        env={**os.environ, "BRIEFBOT_DB": str(tmp_path / "unused.sqlite3")},
        timeout=120,
        check=False,
    )


def many_sentences(count: int) -> str:
    return " ".join(
        f"The council met on day {n} and agreed a budget for ward {n % 37}." for n in range(count)
    )


@pytest.mark.parametrize(
    ("name", "text", "why"),
    [
        ("furniture.txt", FURNITURE, "no article text"),
        ("empty.txt", "", "the file is empty"),
        ("no-full-stop.txt", "a line of words that never ends with a stop\n", "no article text"),
        ("huge.txt", many_sentences(1_200), "1,200 sentences is not one article"),
        (
            "deep.jsonl",
            "[" * 100_000 + "]" * 100_000 + "\n",
            f"nested more than {MAX_JSON_DEPTH} levels deep",
        ),
        (
            "furniture.jsonl",
            json.dumps({"id": "c", "docs": [{"docid": "d", "text": FURNITURE}] * 3}) + "\n",
            "all 3 articles were skipped",
        ),
    ],
)
def test_nothing_to_summarize_is_one_line_and_exit_2(
    tmp_path: Path, name: str, text: str, why: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = summarize(tmp_path, path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("briefbot: nothing left to summarize: ")
    assert why in lines[0]
    assert result.stdout == ""


def test_a_degenerate_file_beside_a_real_one_is_skipped(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    seed = sorted((Path(__file__).parent.parent / "seeds").glob("*.txt"))[0]
    result = summarize(tmp_path, empty, seed)
    assert result.returncode == 0, result.stderr
    assert "skipped " in result.stderr and "empty.txt" in result.stderr
    assert result.stdout.startswith("Summary: ")


def test_nesting_is_measured_outside_strings() -> None:
    assert not nested_deeper('{"docs": [{"text": "[[[[[[[[ {{{{ \\" [[[["}]}', 3)
    assert nested_deeper('{"a": [[[1]]]}', 3)
    assert not nested_deeper('{"a": [[1]]}', 3)


def test_a_deep_cluster_line_is_refused_before_parsing() -> None:
    with pytest.raises(UnusableInput, match="nested more than"):
        cluster_articles('{"docs": ' + "[" * 5_000 + "]" * 5_000 + "}", "deep.jsonl")
