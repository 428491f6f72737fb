"""Stage 7, render: a Brief as plain text, Markdown or JSON (adapters render for platforms)."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from bot.models import Brief, FigureConflict, Point, SourceRef
from bot.text.languages import language_name

_WIDTH = 88


def source_label(ref: SourceRef) -> str:
    """'Fox News, Sep 13, 2022': who said it and when."""
    return f"{ref.source}, {ref.date.label()}"


def summary_line(brief: Brief) -> str:
    """'5 articles from 5 sources · Sep 13, 2022 – Dec 2022', then the languages when the
    points carry language tags (' · in English, French')."""
    articles = f"{brief.article_count} article{'s' * (brief.article_count != 1)}"
    sources = f"{brief.source_count} source{'s' * (brief.source_count != 1)}"
    dates = brief.date_range.label() if brief.date_range else "undated"
    line = f"{articles} from {sources} · {dates}"
    if brief.tagged:
        line += " · in " + ", ".join(language_name(code) for code in brief.languages)
    return line


def language_tag(brief: Brief, point: Point) -> str:
    """'[fr] ' before a point's text when the brief's points are not all English, else ''.

    Every renderer, the chat adapters' included, puts it in front of the point's text, so a
    reader sees which language each point is in; an all-English brief shows no tags.
    """
    return f"[{point.language}] " if brief.tagged else ""


def corroboration_label(point: Point) -> str:
    """'3 independent sources (5 outlets)', 'single source', or '' when not counted."""
    return point.corroboration.label() if point.corroboration is not None else ""


def credit_line(point: Point, sources: str) -> str:
    """The point's sources, then how many independent reports they are."""
    label = corroboration_label(point)
    return f"{sources} · {label}" if label else sources


FIGURES_HEADING = "Figures that differ"


def thread_parent_line(brief: Brief) -> str:
    """A digest's short parent message; its points follow in the thread under it.

    'Daily digest of China–Russia relations: 1 new article from 1 source since yesterday's
    digest · 1 point in the thread'.
    """
    points = len(brief.points)
    return f"{brief.title} · {points} point{'s' * (points != 1)} in the thread"


def render_text(brief: Brief) -> str:
    """A brief for a terminal: numbered points, each followed by its sources and dates, then
    the figures outlets disagree on."""
    lines = [brief.title, summary_line(brief), ""]
    for n, point in enumerate(brief.points, start=1):
        lines.extend(
            textwrap.wrap(
                language_tag(brief, point) + point.text,
                _WIDTH,
                initial_indent=f"{n}. ",
                subsequent_indent="   ",
            )
        )
        lines.extend(
            textwrap.wrap(
                credit_line(point, "; ".join(source_label(r) for r in point.sources)),
                _WIDTH,
                initial_indent="   — ",
                subsequent_indent="     ",
            )
        )
    if brief.figures:
        lines.extend(["", f"{FIGURES_HEADING}:"])
        for conflict in brief.figures:
            lines.extend(
                textwrap.wrap(conflict.line(), _WIDTH, initial_indent="- ", subsequent_indent="  ")
            )
    return "\n".join(lines)


def render_markdown(brief: Brief) -> str:
    """A brief as Markdown, sources linked where a URL is known."""
    lines = [f"## {_md(brief.title)}", "", f"*{summary_line(brief)}*", ""]
    for n, point in enumerate(brief.points, start=1):
        lines.append(f"{n}. {_md(language_tag(brief, point) + point.text)}  ")
        sources = "; ".join(_md_source(r) for r in point.sources)
        lines.append(f"   — {credit_line(point, sources)}")
    if brief.figures:
        lines.extend(["", f"**{FIGURES_HEADING}**", ""])
        lines.extend(f"- {_md(conflict.line())}" for conflict in brief.figures)
    return "\n".join(lines)


def render_json(brief: Brief) -> str:
    """A brief as JSON, for scripts."""
    return json.dumps(brief_to_dict(brief), ensure_ascii=False, indent=2)


def brief_to_dict(brief: Brief) -> dict[str, Any]:
    """A brief as plain data."""
    return {
        "topic": brief.topic,
        "title": brief.title,
        "article_count": brief.article_count,
        "source_count": brief.source_count,
        "date_range": None
        if brief.date_range is None
        else {"first": brief.date_range.first.iso(), "last": brief.date_range.last.iso()},
        "languages": list(brief.languages),
        "points": [_point_dict(p) for p in brief.points],
        "figures": [_figure_dict(c) for c in brief.figures],
    }


def _point_dict(point: Point) -> dict[str, Any]:
    c = point.corroboration
    return {
        "text": point.text,
        "language": point.language,
        "score": round(point.score, 6),
        "rank": point.rank,
        "sources": [
            {
                "source": r.source,
                "title": r.title,
                "url": r.url,
                "date": r.date.iso(),
                # The sentence (or two adjacent ones) in that article that carries the point.
                "evidence": r.evidence,
            }
            for r in point.sources
        ],
        "corroboration": None
        if c is None
        else {
            "independent_sources": c.independent,
            "outlets": c.outlets,
            "origins": list(c.origins),
            "single_source": c.single_source,
            "label": c.label(),
        },
    }


def _figure_dict(conflict: FigureConflict) -> dict[str, Any]:
    return {
        "quantity": conflict.label,
        "line": conflict.line(),
        "values": [
            {
                "value": v.written,
                "newest": v.newest,
                "sources": [
                    {"source": c.source, "date": c.date.isoformat(), "sentence": c.sentence}
                    for c in v.credits
                ],
            }
            for v in conflict.values
        ],
    }


def _md(text: str) -> str:
    # Escape what Markdown would otherwise turn into emphasis, links or headings.
    for ch in "\\`*_[]<>#|":
        text = text.replace(ch, "\\" + ch)
    return text


def _md_source(ref: SourceRef) -> str:
    label = _md(source_label(ref))
    return f"[{label}]({ref.url})" if ref.url else label
