"""Business-hours calendar: working intervals per local day and business-time arithmetic.

Pure Python (no Django). Conventions:

* ``weekly`` holds 7 entries, Monday..Sunday; each is a tuple of ``(start, end)`` naive local
  wall times, ordered and non-overlapping (touching is allowed). ``end == time(0)`` means 24:00,
  i.e. midnight at the end of that day, so ``(time(0), time(0))`` is the whole day.
* Wall times are resolved with ``zoneinfo`` and ``fold=0``: an ambiguous time (fall back) is its
  first occurrence; a nonexistent time in a spring-forward gap uses the pre-transition offset, so
  it maps *forward* by the gap length (02:30 on a 02:00->03:00 day becomes 03:30 local). Each
  day's intervals are then clipped to that day's window ``[00:00, 24:00)`` and to the previous
  interval's end, so intervals are never negative, never overlap and are strictly ordered.
* All results are timezone-aware UTC datetimes; naive datetimes raise ``ValueError``.
* Arithmetic is exact (``timedelta``, microseconds); float seconds only at the public boundary.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

Interval = tuple[datetime, datetime]
DaySpec = tuple[tuple[time, time], ...]

ONE_DAY = timedelta(days=1)
ONE_SECOND = timedelta(seconds=1)
MAX_SEARCH_DAYS = 3660
_DAY_US = 86_400_000_000


def require_aware(*values: datetime) -> None:
    """Raise ValueError unless every datetime is timezone-aware."""
    for value in values:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime not allowed: {value!r}")


def _us(t: time, *, is_end: bool = False) -> int:
    """Microseconds since local midnight; an end of ``time(0)`` means 24:00."""
    value = ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond
    return _DAY_US if is_end and value == 0 else value


@lru_cache(maxsize=1024)
def _holiday_dates(country: str, subdiv: str | None, year: int) -> frozenset[date]:
    """Public holidays of one country/subdivision for one year (cached)."""
    return frozenset(holidays.country_holidays(country, subdiv=subdiv, years=year).keys())


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly working hours in a time zone, minus public and extra holidays."""

    tz: str
    weekly: tuple[DaySpec, ...]
    holiday_country: str | None = None
    holiday_subdiv: str | None = None
    extra_holidays: frozenset[date] = frozenset()
    always_on: bool = False

    def __post_init__(self) -> None:
        """Normalise containers to tuples/frozensets and validate the calendar."""
        try:
            ZoneInfo(self.tz)
        except (ValueError, KeyError) as exc:  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"invalid time zone {self.tz!r}") from exc
        weekly = tuple(tuple((s, e) for s, e in day) for day in self.weekly)
        if len(weekly) != 7:
            raise ValueError(f"weekly must have 7 entries (Mon..Sun), got {len(weekly)}")
        for weekday, day in enumerate(weekly):
            previous_end = 0
            for start, end in day:
                if not (isinstance(start, time) and isinstance(end, time)):
                    raise ValueError(f"day {weekday}: interval bounds must be datetime.time")
                if start.tzinfo is not None or end.tzinfo is not None:
                    raise ValueError(f"day {weekday}: interval times must be naive wall times")
                lo, hi = _us(start), _us(end, is_end=True)
                if lo >= hi:
                    raise ValueError(f"day {weekday}: interval {start}-{end} has start >= end")
                if lo < previous_end:
                    raise ValueError(f"day {weekday}: intervals unordered or overlapping")
                previous_end = hi
        if self.holiday_subdiv is not None and self.holiday_country is None:
            raise ValueError("holiday_subdiv requires holiday_country")
        if self.holiday_country is not None:
            supported = holidays.list_supported_countries()
            if self.holiday_country not in supported:
                raise ValueError(f"unsupported holiday country {self.holiday_country!r}")
            subdivs = supported[self.holiday_country]
            if self.holiday_subdiv is not None and self.holiday_subdiv not in subdivs:
                raise ValueError(f"unsupported holiday subdivision {self.holiday_subdiv!r}")
        object.__setattr__(self, "weekly", weekly)
        object.__setattr__(self, "extra_holidays", frozenset(self.extra_holidays))

    @classmethod
    def always(cls) -> "BusinessCalendar":
        """24x7 calendar in UTC: every instant counts, no holidays."""
        return cls(tz="UTC", weekly=(((time(0), time(0)),),) * 7, always_on=True)

    @classmethod
    def office(
        cls,
        tz: str = "Europe/Stockholm",
        start: time = time(8),
        end: time = time(17),
        days: Iterable[int] = range(5),
        lunch: tuple[time, time] | None = None,
        holiday_country: str | None = "SE",
    ) -> "BusinessCalendar":
        """Office hours start-end on the given weekdays (0=Monday), optional lunch break."""
        hours: DaySpec = ((start, end),) if lunch is None else ((start, lunch[0]), (lunch[1], end))
        chosen = set(days)
        if not chosen <= set(range(7)):
            raise ValueError(f"days must be weekday numbers 0..6, got {sorted(chosen)}")
        weekly = tuple(hours if weekday in chosen else () for weekday in range(7))
        return cls(tz=tz, weekly=weekly, holiday_country=holiday_country)

    @property
    def has_working_time(self) -> bool:
        """True if the calendar has any working interval at all."""
        return self.always_on or any(self.weekly)

    def is_holiday(self, d: date) -> bool:
        """True if ``d`` is a public or extra holiday (never for always-on calendars)."""
        if self.always_on:
            return False
        if d in self.extra_holidays:
            return True
        if self.holiday_country is None:
            return False
        return d in _holiday_dates(self.holiday_country, self.holiday_subdiv, d.year)

    def working_intervals(self, d: date) -> list[Interval]:
        """Working intervals of local date ``d`` as ordered, disjoint UTC datetime pairs."""
        return list(_day_intervals(self, d))


def _local_to_utc(d: date, t: time, zone: ZoneInfo, *, is_end: bool = False) -> datetime:
    """Resolve local wall time ``t`` on ``d`` (fold=0; end ``time(0)`` = 24:00) to UTC."""
    if is_end and t == time(0):
        d += ONE_DAY
    return datetime.combine(d, t, tzinfo=zone).astimezone(UTC)


@lru_cache(maxsize=65536)
def _day_intervals(cal: BusinessCalendar, d: date) -> tuple[Interval, ...]:
    """Cached UTC working intervals of one local date, clipped to that day's window."""
    zone = ZoneInfo(cal.tz)
    day_lo, day_hi = _local_to_utc(d, time(0), zone), _local_to_utc(d + ONE_DAY, time(0), zone)
    if cal.always_on:
        return ((day_lo, day_hi),)
    if cal.is_holiday(d):
        return ()
    result: list[Interval] = []
    floor = day_lo
    for start, end in cal.weekly[d.weekday()]:
        lo = max(_local_to_utc(d, start, zone), floor)
        hi = min(_local_to_utc(d, end, zone, is_end=True), day_hi)
        if lo < hi:
            result.append((lo, hi))
            floor = hi
    return tuple(result)


def _intervals(cal: BusinessCalendar, first: date, last: date | None = None) -> Iterator[Interval]:
    """Yield working intervals of local dates first..last (unbounded if last is None)."""
    day = first
    while last is None or day <= last:
        yield from _day_intervals(cal, day)
        day += ONE_DAY


def _local_date(cal: BusinessCalendar, value: datetime) -> date:
    """Local date of ``value`` in the calendar's zone."""
    return value.astimezone(ZoneInfo(cal.tz)).date()


def business_time(cal: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Exact working time in [start, end) as a timedelta; zero when end <= start."""
    require_aware(start, end)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return timedelta(0)
    if cal.always_on:
        return end - start
    total = timedelta(0)
    # Start one day early: a local day's window may begin after some of its wall times (gaps).
    first, last = _local_date(cal, start) - ONE_DAY, _local_date(cal, end) + ONE_DAY
    for lo, hi in _intervals(cal, first, last):
        overlap = min(hi, end) - max(lo, start)
        if overlap > timedelta(0):
            total += overlap
    return total


def business_seconds(cal: BusinessCalendar, start: datetime, end: datetime) -> float:
    """Seconds of working time in [start, end); 0 when end <= start."""
    return business_time(cal, start, end) / ONE_SECOND


def add_business_time(cal: BusinessCalendar, start: datetime, amount: timedelta) -> datetime:
    """Earliest UTC instant t >= start with business_time(cal, start, t) == amount."""
    require_aware(start)
    if amount < timedelta(0):
        raise ValueError("amount of business time must not be negative")
    if amount == timedelta(0):
        return start
    start = start.astimezone(UTC)
    if cal.always_on:
        return start + amount
    if not cal.has_working_time:
        raise ValueError("calendar has no working time at all")
    remaining = amount
    first = _local_date(cal, start) - ONE_DAY
    for lo, hi in _intervals(cal, first, first + timedelta(days=MAX_SEARCH_DAYS)):
        if hi <= start:
            continue
        lo = max(lo, start)
        if remaining <= hi - lo:
            return lo + remaining
        remaining -= hi - lo
    raise ValueError(f"business time not reached within {MAX_SEARCH_DAYS} days")


def add_business_seconds(cal: BusinessCalendar, start: datetime, seconds: float) -> datetime:
    """Earliest instant t >= start with business_seconds(cal, start, t) == seconds."""
    if seconds == 0:
        require_aware(start)
        return start
    return add_business_time(cal, start, timedelta(seconds=seconds))
