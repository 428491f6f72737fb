"""`--since`: the window a "what's new" brief covers, read from what someone typed.

``yesterday``, ``today``, a span back from now (``24h``, ``90m``, ``3d``, ``2w``), a date
(``2026-11-23``), or ``last``: since this channel was last shown a brief of the same topic.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_SPAN = re.compile(r"^(\d{1,4})\s*(m|min|mins|h|hr|hrs|d|day|days|w|wk|wks)$", re.IGNORECASE)
_UNIT = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
LAST = "last"


class SinceError(ValueError):
    """Text that names no window; the message says what would."""


@dataclass(frozen=True)
class Since:
    """The start of a window (None for ``last`` until the channel's last brief is looked up)."""

    start: dt.datetime | None
    label: str  # "yesterday", "the last 24h", "Nov 23, 2026", "this channel's last brief"

    @property
    def is_last(self) -> bool:
        """True for ``last``: the start is when the channel last saw a brief of the topic."""
        return self.start is None


def parse_since(text: str, now: dt.datetime) -> Since:
    """The window ``text`` names, relative to ``now`` (an aware datetime); SinceError if none."""
    word = text.strip().lower()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if word == LAST:
        return Since(None, "this channel's last brief")
    if word == "today":
        return Since(midnight, "today")
    if word == "yesterday":
        return Since(midnight - dt.timedelta(days=1), "yesterday")
    span = _SPAN.match(word)
    if span:
        amount, unit = int(span.group(1)), _UNIT[span.group(2)[0].lower()]
        if amount == 0:
            raise SinceError("--since needs a span longer than zero, e.g. 24h or 3d.")
        return Since(now - dt.timedelta(**{unit: amount}), f"the last {amount}{span.group(2)}")
    try:
        day = dt.date.fromisoformat(word)
    except ValueError:
        raise SinceError(
            f"--since takes yesterday, today, a span such as 24h or 3d, a date (YYYY-MM-DD) or "
            f"last, not '{text.strip()[:40]}'."
        ) from None
    if day > now.date():
        raise SinceError(f"--since {day.isoformat()} is in the future.")
    start = dt.datetime.combine(day, dt.time(), tzinfo=now.tzinfo or dt.UTC)
    return Since(start, f"{day:%b} {day.day}, {day.year}")
