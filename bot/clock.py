"""The wall clock, injected wherever time matters so tests can fix it."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The real clock."""
    return dt.datetime.now(dt.UTC)


# Tests of real processes only: a simulated clock shared by every process given the same value.
FAST_CLOCK_ENV = "BRIEFBOT_FAST_CLOCK"


@dataclass(frozen=True)
class FastClock:
    """A simulated clock: at the real instant ``origin`` (Unix time) it reads ``start``, and it
    runs ``speed`` times faster than real time. Processes given the same three values read the
    same time, so a test can run several ``briefbot digests`` through a week in seconds."""

    start: dt.datetime
    origin: float
    speed: float

    def __call__(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=(time.time() - self.origin) * self.speed)

    def real_seconds(self, seconds: float) -> float:
        """How long ``seconds`` of simulated time last in real time."""
        return seconds / self.speed

    def encode(self) -> str:
        """The value of BRIEFBOT_FAST_CLOCK for this clock."""
        return f"{self.start.isoformat()},{self.origin!r},{self.speed!r}"

    @classmethod
    def parse(cls, text: str) -> FastClock:
        """'START,ORIGIN,SPEED' (an aware ISO instant, Unix seconds, a factor above 0)."""
        try:
            start, origin, speed = text.split(",")
            clock = cls(dt.datetime.fromisoformat(start), float(origin), float(speed))
        except ValueError as exc:
            raise ValueError(f"{FAST_CLOCK_ENV}: expected START,ORIGIN,SPEED: {exc}") from exc
        if clock.start.tzinfo is None or not clock.speed > 0:
            raise ValueError(f"{FAST_CLOCK_ENV}: START must name its zone and SPEED be above 0")
        return clock
