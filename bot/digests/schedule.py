"""Wall-clock schedules: when "every day at HH:MM in an IANA zone" happens, in UTC.

Pure functions over ``zoneinfo``; the DST rules are these:
- a local time that does not exist that day (inside a spring-forward gap) is delivered at the first
  valid instant after the gap, i.e. at the transition itself;
- a local time that exists twice (inside a fall-back overlap) is delivered once, at its first
  occurrence (``fold=0``).
Each local date has exactly one slot, so "one digest per local date" is a per-date key.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class ScheduleError(ValueError):
    """A time of day or a zone name that cannot be used; the message says why."""


@dataclass(frozen=True)
class Slot:
    """One delivery: the local date it belongs to and the UTC instant it fires."""

    local_date: dt.date
    at: dt.datetime  # aware, UTC


def parse_time_of_day(text: str) -> dt.time:
    """'07:30' or '7:30' as a time; raise ScheduleError for anything else."""
    match = _HHMM.match(text.strip())
    if match is None:
        raise ScheduleError(f"'{text}' is not a time of day; use 24-hour HH:MM such as 07:30.")
    return dt.time(int(match.group(1)), int(match.group(2)))


def parse_zone(name: str) -> ZoneInfo:
    """An IANA zone such as 'Europe/Berlin'; raise ScheduleError for an unknown name."""
    try:
        if not name or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(
            f"'{name}' is not a time zone I know; use an IANA name such as Europe/Berlin,"
            " America/New_York or UTC."
        ) from exc


def slot_for(local_date: dt.date, at: dt.time, zone: ZoneInfo) -> Slot:
    """The UTC instant of ``at`` on ``local_date`` in ``zone``, with the DST rules above."""
    wall = dt.datetime.combine(local_date, at, tzinfo=zone)  # fold=0: first of a repeated time
    instant = wall.astimezone(dt.UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall.replace(tzinfo=None):
        instant = _end_of_gap(wall, zone)
    return Slot(local_date, instant)


def slot_on_or_before(now: dt.datetime, at: dt.time, zone: ZoneInfo) -> Slot:
    """The latest slot firing at or before ``now``."""
    day = now.astimezone(zone).date() + dt.timedelta(days=1)
    while True:
        slot = slot_for(day, at, zone)
        if slot.at <= now:
            return slot
        day -= dt.timedelta(days=1)


def next_slot(after: dt.datetime, at: dt.time, zone: ZoneInfo) -> Slot:
    """The first slot firing strictly after ``after``."""
    day = after.astimezone(zone).date() - dt.timedelta(days=1)
    while True:
        slot = slot_for(day, at, zone)
        if slot.at > after:
            return slot
        day += dt.timedelta(days=1)


def _end_of_gap(wall: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The transition instant that skips over ``wall``: the first valid instant after the gap."""
    # fold=1 maps a missing time with the offset after the transition, fold=0 with the one before,
    # so the transition lies between the two readings; bisect to the second.
    low = wall.replace(fold=1).astimezone(dt.UTC)
    high = wall.replace(fold=0).astimezone(dt.UTC)
    if low > high:
        low, high = high, low
    after = high.astimezone(zone).utcoffset()
    while high - low > dt.timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == after:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)
