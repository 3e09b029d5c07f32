"""Tests for sla.clocks (pure Python, no Django)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla.calendar import BusinessCalendar, business_seconds
from sla.clocks import ClockState, Pause, business_elapsed, clock_state, due_at, merge_pauses

STO = ZoneInfo("Europe/Stockholm")
HOUR = 3600
OFFICE = BusinessCalendar.office(start=time(8), end=time(18))  # Mon-Fri 08-18, SE holidays
TARGET = 4 * HOUR


def tue(hour: int, minute: int = 0) -> datetime:
    """Tuesday 2026-03-10 at a Stockholm wall time."""
    return datetime(2026, 3, 10, hour, minute, tzinfo=STO)


def state_at(now: datetime, *pauses: Pause, stopped_at: datetime | None = None) -> ClockState:
    """Clock state of a 4 h target opened Tuesday 08:00."""
    return clock_state(TARGET, OFFICE, tue(8), pauses, now, stopped_at=stopped_at)


# --- pauses -----------------------------------------------------------------------------------


def test_pause_does_not_count_and_pushes_due() -> None:
    pause = Pause(tue(10), tue(12))
    assert business_elapsed(tue(8), tue(14), OFFICE, [pause]) == 4 * HOUR
    assert due_at(tue(8), TARGET, OFFICE, [pause]) == tue(14)
    assert due_at(tue(8), TARGET, OFFICE) == tue(12)


def test_overlapping_and_touching_pauses_are_merged() -> None:
    pauses = [Pause(tue(11), tue(13)), Pause(tue(10), tue(12)), Pause(tue(13), tue(13, 30))]
    assert merge_pauses(pauses, tue(18)) == [(tue(10), tue(13, 30))]
    single = [Pause(tue(10), tue(13, 30))]
    assert business_elapsed(tue(8), tue(16), OFFICE, pauses) == 4.5 * HOUR
    assert due_at(tue(8), TARGET, OFFICE, pauses) == due_at(tue(8), TARGET, OFFICE, single)
    assert due_at(tue(8), TARGET, OFFICE, pauses + pauses) == tue(15, 30)


def test_pause_extending_outside_the_span() -> None:
    pause = Pause(datetime(2026, 3, 9, 12, tzinfo=STO), tue(9))
    assert business_elapsed(tue(8), tue(10), OFFICE, [pause]) == HOUR
    assert business_elapsed(tue(8), tue(10), OFFICE, [Pause(tue(9, 30), tue(23))]) == 1.5 * HOUR


def test_due_exactly_at_pause_start_is_not_pushed() -> None:
    assert due_at(tue(8), TARGET, OFFICE, [Pause(tue(12), tue(13))]) == tue(12)


def test_open_pause_freezes_clock_and_due_is_undefined() -> None:
    pause = Pause(tue(9))
    assert business_elapsed(tue(8), tue(15), OFFICE, [pause]) == HOUR
    assert due_at(tue(8), TARGET, OFFICE, [pause]) is None
    state = state_at(tue(15), pause)
    assert (state.state, state.paused, state.due_at, state.elapsed_seconds) == (
        "paused",
        True,
        None,
        HOUR,
    )
    resumed = state_at(tue(15), Pause(tue(9), tue(15)))
    assert (resumed.state, resumed.due_at) == ("running", tue(18))


def test_pause_validation() -> None:
    with pytest.raises(ValueError, match="before its start"):
        Pause(tue(10), tue(9))
    with pytest.raises(ValueError, match="naive"):
        Pause(datetime(2026, 3, 10, 9))  # noqa: DTZ001


# --- states -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "state", "percent"),
    [
        (tue(8), "running", 0.0),
        (tue(10), "running", 50.0),
        (tue(11), "warning", 75.0),
        (tue(11, 59), "warning", 99.58333333333334),
        (tue(12), "breached", 100.0),
        (tue(14), "breached", 150.0),
        (datetime(2026, 3, 11, 18, tzinfo=STO), "breached", 500.0),
    ],
)
def test_states(now: datetime, state: str, percent: float) -> None:
    result = state_at(now)
    assert result.state == state
    assert result.percent == pytest.approx(percent)
    assert result.remaining_seconds == TARGET - result.elapsed_seconds
    assert result.breached is (percent >= 100)
    assert result.warning is (percent >= 75)
    assert result.due_at == tue(12)


def test_stopped_clock_is_met_or_breached_met() -> None:
    met = state_at(tue(14), stopped_at=tue(11, 30))
    assert (met.state, met.stopped, met.elapsed_seconds) == ("met", True, 3.5 * HOUR)
    late = state_at(tue(16), stopped_at=tue(13))
    assert (late.state, late.elapsed_seconds, late.remaining_seconds) == (
        "breached_met",
        5 * HOUR,
        -HOUR,
    )
    future_stop = state_at(tue(9), stopped_at=tue(13))
    assert (future_stop.state, future_stop.stopped) == ("running", False)
    paused_then_stopped = state_at(tue(15), Pause(tue(9)), stopped_at=tue(14))
    assert (paused_then_stopped.state, paused_then_stopped.paused) == ("met", False)


def test_breach_beats_pause_and_custom_warning() -> None:
    assert state_at(tue(14), Pause(tue(13))).state == "breached"
    early = clock_state(TARGET, OFFICE, tue(8), [], tue(10), warn_percent=50)
    assert early.state == "warning"


def test_clock_state_validation() -> None:
    with pytest.raises(ValueError, match="positive"):
        clock_state(0, OFFICE, tue(8), [], tue(9))
    with pytest.raises(ValueError, match="naive"):
        clock_state(TARGET, OFFICE, tue(8), [], datetime(2026, 3, 10, 9))  # noqa: DTZ001
    with pytest.raises(ValueError, match="negative"):
        due_at(tue(8), -1, OFFICE)


# --- properties ---------------------------------------------------------------------------

CALENDARS = [
    BusinessCalendar.always(),
    OFFICE,
    BusinessCalendar.office(
        tz="America/New_York", lunch=(time(12), time(13)), holiday_country="US"
    ),
    BusinessCalendar(tz="Europe/Stockholm", weekly=(((time(0), time(6)),),) * 7),
    BusinessCalendar(tz="America/Santiago", weekly=(((time(0), time(0)),),) * 5 + ((), ())),
]
starts = st.datetimes(
    min_value=datetime(2024, 1, 1),  # noqa: DTZ001
    max_value=datetime(2030, 12, 31),  # noqa: DTZ001
    timezones=st.sampled_from([ZoneInfo(z) for z in ("UTC", "Europe/Stockholm", "Asia/Tokyo")]),
    allow_imaginary=False,
).map(lambda d: d.replace(microsecond=0).astimezone(UTC))
offsets = st.integers(-2 * 86400, 20 * 86400).map(lambda s: timedelta(seconds=s))
lengths = st.integers(0, 3 * 86400).map(lambda s: timedelta(seconds=s))


def closed_pauses(start: datetime) -> st.SearchStrategy[list[Pause]]:
    """Closed pauses around ``start`` (whole seconds, may overlap or begin before it)."""
    pause = st.tuples(offsets, lengths).map(lambda o: Pause(start + o[0], start + o[0] + o[1]))
    return st.lists(pause, max_size=4)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(CALENDARS), starts, st.data())
def test_pauses_never_count(cal: BusinessCalendar, start: datetime, data: st.DataObject) -> None:
    end = start + data.draw(lengths) * 5
    pauses = data.draw(closed_pauses(start))
    extra = data.draw(closed_pauses(start).filter(bool))[0]
    without = business_elapsed(start, end, cal)
    with_pauses = business_elapsed(start, end, cal, pauses)
    assert 0 <= business_elapsed(start, end, cal, [*pauses, extra]) <= with_pauses <= without
    assert extra.end is not None
    inside = business_seconds(cal, max(start, extra.start), min(end, extra.end))
    assert business_elapsed(start, end, cal, [extra]) == without - inside
    opened = business_elapsed(start, end, cal, [Pause(extra.start)])
    assert opened == without - business_seconds(cal, max(start, extra.start), end)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(CALENDARS), starts, st.integers(0, 30 * HOUR), st.data())
def test_elapsed_of_due_is_target(
    cal: BusinessCalendar, start: datetime, target: int, data: st.DataObject
) -> None:
    pauses = data.draw(closed_pauses(start))
    due = due_at(start, target, cal, pauses)
    assert due is not None
    assert due >= start
    assert business_elapsed(start, due, cal, pauses) == target
    if target > 0:
        assert business_elapsed(start, due - timedelta(microseconds=1), cal, pauses) < target
    assert due_at(start, target, cal, [*pauses, Pause(start + data.draw(offsets))]) is None
