"""Daily slots in IANA zones: one per local date, gaps fire after the gap, repeats fire once."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.digests.schedule import (
    ScheduleError,
    next_slot,
    parse_time_of_day,
    parse_zone,
    slot_for,
    slot_on_or_before,
)

UTC = dt.UTC


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "day", "time", "expected_utc", "why"),
    [
        # 02:00-03:00 does not exist: delivered when the clocks jump, 03:00 EDT.
        ("America/New_York", "2026-03-08", "02:30", "2026-03-08 07:00", "gap"),
        # 01:00-02:00 happens twice: the first time, still EDT (UTC-4).
        ("America/New_York", "2026-11-01", "01:30", "2026-11-01 05:30", "repeat"),
        ("America/New_York", "2026-11-02", "01:30", "2026-11-02 06:30", "after"),
        ("Europe/Berlin", "2026-03-29", "02:30", "2026-03-29 01:00", "gap"),
        ("Europe/Berlin", "2026-10-25", "02:30", "2026-10-25 00:30", "repeat"),
        ("Europe/Berlin", "2026-10-26", "02:30", "2026-10-26 01:30", "after"),
        # Lord Howe moves its clocks by 30 minutes: 02:00-02:30 is skipped.
        ("Australia/Lord_Howe", "2026-10-04", "02:15", "2026-10-03 15:30", "gap"),
        ("Australia/Lord_Howe", "2026-04-05", "01:45", "2026-04-04 14:45", "repeat"),
        ("Asia/Kolkata", "2026-03-08", "09:00", "2026-03-08 03:30", "no DST"),
    ],
)
def test_slot_instants(zone: str, day: str, time: str, expected_utc: str, why: str) -> None:
    slot = slot_for(dt.date.fromisoformat(day), parse_time_of_day(time), ZoneInfo(zone))
    assert slot.at == utc(expected_utc), why
    assert slot.local_date == dt.date.fromisoformat(day)


def test_next_slot_is_strictly_after_and_walks_days() -> None:
    zone, at = ZoneInfo("America/New_York"), dt.time(2, 30)
    first = next_slot(utc("2026-03-07 07:30"), at, zone)  # exactly the 03-07 slot: take the next
    assert first.local_date == dt.date(2026, 3, 8) and first.at == utc("2026-03-08 07:00")
    second = next_slot(first.at, at, zone)
    assert second.local_date == dt.date(2026, 3, 9) and second.at == utc("2026-03-09 06:30")


def test_slot_on_or_before_includes_the_instant_itself() -> None:
    zone, at = ZoneInfo("Europe/Berlin"), dt.time(2, 30)
    slot = slot_on_or_before(utc("2026-10-25 00:30"), at, zone)
    assert slot.local_date == dt.date(2026, 10, 25)
    earlier = slot_on_or_before(utc("2026-10-25 00:29:59"), at, zone)
    assert earlier.local_date == dt.date(2026, 10, 24)
    # The second 02:30 of the day (00:30 UTC + 1 h) is not a new slot.
    assert slot_on_or_before(utc("2026-10-25 01:30"), at, zone).local_date == dt.date(2026, 10, 25)


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe"])
@pytest.mark.parametrize("time", ["00:00", "01:30", "02:00", "02:15", "02:30", "03:00", "23:59"])
def test_every_local_date_has_one_increasing_slot(zone: str, time: str) -> None:
    tz, at = ZoneInfo(zone), parse_time_of_day(time)
    slots = [slot_for(dt.date(2026, 1, 1) + dt.timedelta(days=n), at, tz) for n in range(365)]
    assert all(a.at < b.at for a, b in itertools.pairwise(slots))
    # A slot fires on its own local date (a gap time fires at the end of the gap, same date).
    assert all(s.at.astimezone(tz).date() == s.local_date for s in slots)


@pytest.mark.parametrize("text", ["7:30", "07:30", "23:59", "0:00"])
def test_times_parse(text: str) -> None:
    assert parse_time_of_day(text).strftime("%H:%M") == text.zfill(5)


@pytest.mark.parametrize("text", ["24:00", "7", "07:60", "7.30", "", "07:30:00", "-1:00"])
def test_bad_times_say_how(text: str) -> None:
    with pytest.raises(ScheduleError, match="HH:MM"):
        parse_time_of_day(text)


@pytest.mark.parametrize("name", ["Europe/Berlinn", "Mars/Olympus", "../etc/passwd", "", "/tmp"])
def test_bad_zones_say_how(name: str) -> None:
    with pytest.raises(ScheduleError, match="IANA"):
        parse_zone(name)


ZONES = sorted(available_timezones() - {"Factory", "localtime"})


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    day=st.dates(dt.date(2024, 1, 1), dt.date(2030, 12, 31)),
    at=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
)
def test_any_zone_any_day_one_slot_on_that_local_date(zone: str, day: dt.date, at: dt.time) -> None:
    tz = ZoneInfo(zone)
    slot = slot_for(day, at, tz)
    local = slot.at.astimezone(tz)
    assert local.date() == day
    wall = dt.datetime.combine(day, at)
    if local.replace(tzinfo=None) != wall:
        # Only a time skipped by a transition moves, and only forward to the end of the gap.
        assert local.replace(tzinfo=None) > wall
        assert (slot.at - dt.timedelta(seconds=1)).astimezone(tz).replace(tzinfo=None) < wall
    assert slot_on_or_before(slot.at, at, tz) == slot
    assert next_slot(slot.at - dt.timedelta(seconds=1), at, tz) == slot
    assert next_slot(slot.at, at, tz).local_date == day + dt.timedelta(days=1)
