"""Opening hours of the human team, from settings (``agent_hours``, ``agent_days``, ``agent_timezone``).

>>> from datetime import datetime, UTC
>>> OpeningHours("09:00-17:00", "mon,tue,wed,thu,fri", "UTC").is_open(datetime(2026, 12, 7, 10, tzinfo=UTC))
True
"""

from __future__ import annotations

from datetime import UTC, datetime, time, tzinfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _zone(name: str) -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # no tz database on this machine: fall back to UTC rather than refuse to start
        return UTC


class OpeningHours:
    """When people are there to claim conversations; ``describe()`` is what the customer is told.

    >>> OpeningHours("08:00-20:00", "mon,tue,wed,thu,fri,sat,sun", "UTC").describe()
    '08:00-20:00 every day'
    """

    def __init__(self, hours: str, days: str, timezone: str) -> None:
        start, _, end = hours.partition("-")
        self._start = _parse(start)
        self._end = _parse(end)
        self._days = tuple(d.strip().lower()[:3] for d in days.split(",") if d.strip())
        self._zone = _zone(timezone)
        self._label = f"{hours} ({', '.join(self._days)})" if len(self._days) < 7 else f"{hours} every day"

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(self._zone)
        if DAYS[local.weekday()] not in self._days:
            return False
        minutes = local.hour * 60 + local.minute
        return self._start <= minutes < self._end

    def describe(self) -> str:
        return self._label


def _parse(value: str) -> int:
    hours, _, minutes = value.partition(":")
    h, m = int(hours), int(minutes)
    if h == 24 and m == 0:
        return 24 * 60
    time(h, m)  # validates
    return h * 60 + m
