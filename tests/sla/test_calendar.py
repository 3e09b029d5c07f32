"""Tests for sla.calendar (pure Python, no Django)."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sla.calendar import (
    BusinessCalendar,
    add_business_seconds,
    business_seconds,
    business_time,
)

STO = ZoneInfo("Europe/Stockholm")
HOUR = 3600
ZONES = [
    "UTC",
    "Europe/Stockholm",
    "America/New_York",
    "America/Santiago",  # DST changes at local midnight
    "Australia/Lord_Howe",  # 30-minute DST shift
    "Asia/Kolkata",
    "Pacific/Chatham",  # +12:45 / +13:45
]
OFFICE = BusinessCalendar.office(start=time(8), end=time(18))
LOCAL_24X7 = BusinessCalendar(tz="Europe/Stockholm", weekly=(((time(0), time(0)),),) * 7)
NIGHT = BusinessCalendar(tz="Europe/Stockholm", weekly=(((time(0), time(6)),),) * 7)


def sto(*args: int) -> datetime:
    """Aware Stockholm wall time."""
    return datetime(*args, tzinfo=STO)


def day_total(cal: BusinessCalendar, d: date) -> float:
    """Total working seconds in the intervals of one local date."""
    return sum((hi - lo).total_seconds() for lo, hi in cal.working_intervals(d))


# --- examples -----------------------------------------------------------------------------


def test_glpi_example_tuesday_1600_plus_4h_is_wednesday_1000() -> None:
    due = add_business_seconds(OFFICE, sto(2026, 3, 10, 16), 4 * HOUR)
    assert due == sto(2026, 3, 11, 10)
    assert due.tzinfo is UTC
    assert business_seconds(OFFICE, sto(2026, 3, 10, 16), due) == 4 * HOUR


def test_due_exactly_at_end_of_day_stays_there() -> None:
    assert add_business_seconds(OFFICE, sto(2026, 3, 10, 16), 2 * HOUR) == sto(2026, 3, 10, 18)


def test_zero_seconds_returns_start_unchanged() -> None:
    start = sto(2026, 3, 14, 3)  # Saturday night
    assert add_business_seconds(OFFICE, start, 0) is start


def test_lunch_break_excluded() -> None:
    cal = BusinessCalendar.office(lunch=(time(12), time(13)))
    assert business_seconds(cal, sto(2026, 3, 9, 0), sto(2026, 3, 10, 0)) == 8 * HOUR
    assert add_business_seconds(cal, sto(2026, 3, 9, 11), 2 * HOUR) == sto(2026, 3, 9, 14)
    assert add_business_seconds(cal, sto(2026, 3, 9, 11), HOUR) == sto(2026, 3, 9, 12)


def test_weekend_skipped() -> None:
    cal = BusinessCalendar.office()
    assert add_business_seconds(cal, sto(2026, 3, 13, 16), 2 * HOUR) == sto(2026, 3, 16, 9)
    assert business_seconds(cal, sto(2026, 3, 14, 0), sto(2026, 3, 16, 0)) == 0
    assert cal.working_intervals(date(2026, 3, 15)) == []


@pytest.mark.parametrize(
    "d",
    [
        date(2026, 1, 1),
        date(2026, 6, 19),
        date(2026, 6, 20),
        *(date(2026, 12, n) for n in (24, 25, 26)),
    ],
)
def test_swedish_holidays_follow_holidays_package(d: date) -> None:
    expected = d in holidays.country_holidays("SE", years=d.year)
    assert LOCAL_24X7.is_holiday(d) is False
    cal = replace(LOCAL_24X7, holiday_country="SE")
    assert cal.is_holiday(d) is expected
    assert day_total(cal, d) == (0 if expected else 24 * HOUR)


def test_christmas_2026() -> None:
    se = holidays.country_holidays("SE", years=2026)
    # holidays 0.109: Christmas Eve is de facto, not a public holiday in Sweden; 25th/26th are.
    assert date(2026, 12, 24) not in se
    assert {date(2026, 12, 25), date(2026, 12, 26)} <= set(se)
    cal = BusinessCalendar.office()
    assert [day_total(cal, date(2026, 12, n)) for n in range(24, 29)] == [
        9 * HOUR,
        0,
        0,
        0,
        9 * HOUR,
    ]
    # First working instant after Christmas is Monday 2026-12-28 08:00.
    after = add_business_seconds(cal, sto(2026, 12, 24, 17), 1)
    assert after == sto(2026, 12, 28, 8, 0, 1)


def test_extra_holiday_closes_the_day() -> None:
    cal = replace(BusinessCalendar.office(), extra_holidays=frozenset({date(2026, 12, 24)}))
    assert cal.is_holiday(date(2026, 12, 24))
    assert cal.working_intervals(date(2026, 12, 24)) == []
    assert add_business_seconds(cal, sto(2026, 12, 23, 17), 1) == sto(2026, 12, 28, 8, 0, 1)


def test_midsummer_day_never_counts() -> None:
    cal = replace(LOCAL_24X7, holiday_country="SE")
    assert cal.is_holiday(date(2026, 6, 20))
    assert business_seconds(cal, sto(2026, 6, 20), sto(2026, 6, 21)) == 0


def test_always_on_counts_everything() -> None:
    cal = BusinessCalendar.always()
    start = sto(2026, 12, 25, 3)
    assert business_seconds(cal, start, start + timedelta(days=2)) == 48 * HOUR
    assert add_business_seconds(cal, start, 90) == start + timedelta(seconds=90)
    assert not cal.is_holiday(date(2026, 12, 25))


# --- DST -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cal", "d", "hours"),
    [
        (LOCAL_24X7, date(2026, 3, 29), 23),
        (LOCAL_24X7, date(2026, 10, 25), 25),
        (LOCAL_24X7, date(2026, 3, 30), 24),
        (NIGHT, date(2026, 3, 29), 5),
        (NIGHT, date(2026, 10, 25), 7),
        (NIGHT, date(2026, 3, 28), 6),
        (BusinessCalendar.office(days=range(7), holiday_country=None), date(2026, 3, 29), 9),
        (BusinessCalendar.office(days=range(7), holiday_country=None), date(2026, 10, 25), 9),
    ],
)
def test_dst_day_lengths(cal: BusinessCalendar, d: date, hours: int) -> None:
    assert day_total(cal, d) == hours * HOUR
    midnight = datetime.combine(d, time(0), tzinfo=STO)
    next_midnight = datetime.combine(d + timedelta(days=1), time(0), tzinfo=STO)
    assert business_seconds(cal, midnight, next_midnight) == hours * HOUR


def test_local_24x7_adds_real_elapsed_time_across_dst() -> None:
    due = add_business_seconds(LOCAL_24X7, sto(2026, 3, 29, 0), 23 * HOUR)
    assert due == sto(2026, 3, 30, 0)
    due = add_business_seconds(LOCAL_24X7, sto(2026, 10, 25, 0), 24 * HOUR)
    assert due == sto(2026, 10, 25, 23)


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (sto(2026, 3, 27, 16), sto(2026, 3, 30, 10), 3),  # spring-forward weekend
        (sto(2026, 10, 23, 16), sto(2026, 10, 26, 10), 3),  # fall-back weekend
    ],
)
def test_office_across_dst_weekend(start: datetime, end: datetime, hours: int) -> None:
    cal = BusinessCalendar.office()
    assert business_seconds(cal, start, end) == hours * HOUR
    assert add_business_seconds(cal, start, hours * HOUR) == end


def test_nonexistent_wall_time_maps_forward_and_intervals_never_overlap() -> None:
    # 02:30 does not exist on 2026-03-29; fold=0 maps it to 03:30 CEST (01:30 UTC).
    cal = BusinessCalendar(tz="Europe/Stockholm", weekly=(((time(2, 30), time(5)),),) * 7)
    utc = (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), datetime(2026, 3, 29, 3, tzinfo=UTC))
    assert cal.working_intervals(date(2026, 3, 29)) == [utc]
    # 02:00-02:30 maps to 03:00-03:30 CEST and would overlap 03:00-04:00: it is clipped.
    weekly = (((time(2), time(2, 30)), (time(3), time(4))),) * 7
    intervals = BusinessCalendar(tz="Europe/Stockholm", weekly=weekly).working_intervals(
        date(2026, 3, 29)
    )
    assert sum((hi - lo).total_seconds() for lo, hi in intervals) == HOUR
    assert all(lo < hi for lo, hi in intervals)
    assert all(a[1] <= b[0] for a, b in pairwise(intervals))


def test_ambiguous_wall_time_uses_first_occurrence() -> None:
    cal = BusinessCalendar(tz="Europe/Stockholm", weekly=(((time(2, 30), time(3)),),) * 7)
    # 02:30 CEST (00:30 UTC) .. 03:00 CET (02:00 UTC): includes the repeated half hour.
    assert day_total(cal, date(2026, 10, 25)) == 1.5 * HOUR


# --- validation ----------------------------------------------------------------------------


def test_naive_datetimes_rejected() -> None:
    naive = datetime(2026, 3, 10, 9)  # noqa: DTZ001
    with pytest.raises(ValueError, match="naive"):
        business_seconds(OFFICE, naive, sto(2026, 3, 11))
    with pytest.raises(ValueError, match="naive"):
        business_seconds(OFFICE, sto(2026, 3, 9), naive)
    with pytest.raises(ValueError, match="naive"):
        add_business_seconds(OFFICE, naive, 60)
    with pytest.raises(ValueError, match="naive"):
        add_business_seconds(OFFICE, naive, 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weekly": ((),) * 6}, "7 entries"),
        ({"weekly": (((time(9), time(8)),),) + ((),) * 6}, "start >= end"),
        ({"weekly": (((time(9), time(9)),),) + ((),) * 6}, "start >= end"),
        ({"weekly": (((time(8), time(12)), (time(11), time(13))),) + ((),) * 6}, "overlapping"),
        ({"weekly": (((time(13), time(14)), (time(8), time(9))),) + ((),) * 6}, "unordered"),
        ({"weekly": (((time(0), time(0)),),) * 7, "tz": "Mars/Olympus"}, "time zone"),
        ({"weekly": ((),) * 7, "holiday_country": "XX"}, "country"),
        ({"weekly": ((),) * 7, "holiday_subdiv": "AB"}, "requires holiday_country"),
        ({"weekly": ((),) * 7, "holiday_country": "SE", "holiday_subdiv": "ZZ"}, "subdivision"),
    ],
)
def test_invalid_calendar_rejected(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(**{"tz": "Europe/Stockholm", **kwargs})  # type: ignore[arg-type]


def test_invalid_office_days_rejected() -> None:
    with pytest.raises(ValueError, match="weekday"):
        BusinessCalendar.office(days=[7])


def test_add_terminates_without_working_time() -> None:
    empty = BusinessCalendar(tz="UTC", weekly=((),) * 7)
    with pytest.raises(ValueError, match="no working time"):
        add_business_seconds(empty, sto(2026, 1, 1), 1)
    with pytest.raises(ValueError, match="3660 days"):
        add_business_seconds(BusinessCalendar.office(), sto(2026, 1, 1), 10**9)
    with pytest.raises(ValueError, match="negative"):
        add_business_seconds(OFFICE, sto(2026, 1, 1), -1)


def test_calendar_is_hashable_and_normalises_lists() -> None:
    weekly = [[(time(8), time(17))]] * 5 + [[], []]
    cal = BusinessCalendar(tz="UTC", weekly=weekly)  # type: ignore[arg-type]
    assert cal == BusinessCalendar.office(tz="UTC", holiday_country=None)
    assert hash(cal) == hash(BusinessCalendar.office(tz="UTC", holiday_country=None))


# --- properties ----------------------------------------------------------------------------

aware_datetimes = st.datetimes(
    min_value=datetime(2024, 1, 1),  # noqa: DTZ001
    max_value=datetime(2030, 12, 31),  # noqa: DTZ001
    timezones=st.sampled_from([ZoneInfo(z) for z in ZONES]),
    allow_imaginary=False,
)
spans = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40))


def _quarter(q: int) -> time:
    """Quarter-hour index 0..96 as a wall time (96 -> time(0), i.e. 24:00 as an end)."""
    return time((q // 4) % 24, (q % 4) * 15)


@st.composite
def weekly_hours(draw: st.DrawFn) -> tuple[tuple[tuple[time, time], ...], ...]:
    """Random Mon..Sun working intervals on quarter-hour boundaries (gaps = breaks)."""
    days = []
    for _ in range(7):
        points = sorted(draw(st.sets(st.integers(0, 96), max_size=6)))
        points = points[: len(points) // 2 * 2]
        days.append(
            tuple(
                (_quarter(a), _quarter(b)) for a, b in zip(points[::2], points[1::2], strict=True)
            )
        )
    return tuple(days)


@st.composite
def calendars(draw: st.DrawFn, *, allow_always: bool = True) -> BusinessCalendar:
    """Random calendars: 24x7, office with lunch, or random weekly hours with holidays."""
    kind = draw(
        st.sampled_from(["always", "office", "random"] if allow_always else ["office", "random"])
    )
    if kind == "always":
        return BusinessCalendar.always()
    tz = draw(st.sampled_from(ZONES))
    country = draw(st.sampled_from([None, "SE", "US"]))
    if kind == "office":
        lunch = draw(st.sampled_from([None, (time(12), time(13)), (time(11, 30), time(12))]))
        cal = BusinessCalendar.office(tz=tz, lunch=lunch, holiday_country=country)
    else:
        cal = BusinessCalendar(tz=tz, weekly=draw(weekly_hours()), holiday_country=country)
    assume(cal.has_working_time)
    extra = draw(st.frozensets(st.dates(date(2024, 1, 1), date(2031, 2, 28)), max_size=30))
    return replace(cal, extra_holidays=extra)


@settings(max_examples=200, deadline=None)
@given(calendars(), aware_datetimes, spans, spans)
def test_monotone_additive_bounded(
    cal: BusinessCalendar, a: datetime, ab: timedelta, bc: timedelta
) -> None:
    b = a.astimezone(UTC) + ab
    c = b + bc
    assert business_time(cal, a, b) + business_time(cal, b, c) == business_time(cal, a, c)
    assert business_seconds(cal, a, b) <= business_seconds(cal, a, c)
    assert 0 <= business_seconds(cal, a, b) <= (b - a).total_seconds()
    assert business_seconds(cal, c, a) == 0


@settings(max_examples=200, deadline=None)
@given(calendars(allow_always=False), st.dates(date(2024, 1, 1), date(2030, 12, 31)), spans, spans)
def test_holidays_contribute_zero(
    cal: BusinessCalendar, d: date, before: timedelta, after: timedelta
) -> None:
    closed = replace(cal, extra_holidays=cal.extra_holidays | {d})
    assert closed.working_intervals(d) == []
    zone = ZoneInfo(cal.tz)
    lo = datetime.combine(d, time(0), tzinfo=zone).astimezone(UTC)
    hi = datetime.combine(d + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    assert business_seconds(closed, lo, hi) == 0
    a, b = lo - before, hi + after
    lost = sum((min(e, b) - max(s, a) for s, e in cal.working_intervals(d)), timedelta(0))
    assert business_time(closed, a, b) == business_time(cal, a, b) - lost


@settings(max_examples=200, deadline=None)
@given(calendars(), aware_datetimes, st.integers(0, 40 * HOUR))
def test_add_roundtrip_and_earliest(cal: BusinessCalendar, a: datetime, d: int) -> None:
    due = add_business_seconds(cal, a, d)
    assert due >= a
    assert business_seconds(cal, a, due) == d
    if d > 0:
        assert business_seconds(cal, a, due - timedelta(microseconds=1)) < d


@settings(max_examples=200, deadline=None)
@given(calendars(), aware_datetimes, st.integers(0, 20 * HOUR), st.integers(0, 20 * HOUR))
def test_add_is_monotone(cal: BusinessCalendar, a: datetime, d1: int, d2: int) -> None:
    lo, hi = sorted((d1, d2))
    assert add_business_seconds(cal, a, lo) <= add_business_seconds(cal, a, hi)
