"""SLA clocks: business time elapsed over a calendar, minus pauses (pure Python, no Django).

Pauses are merged before use (overlaps and touching pauses collapse); an open pause
(``end is None``) runs to the end of the measured span. While any pause is open the due time
is undefined and ``due_at`` returns ``None``; closed pauses push the due time out.
Arithmetic is exact (``timedelta``); all returned datetimes are UTC.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sla.calendar import (
    ONE_SECOND,
    BusinessCalendar,
    add_business_time,
    business_time,
    require_aware,
)


@dataclass(frozen=True)
class Pause:
    """A pause of the SLA clock; ``end`` None means still paused."""

    start: datetime
    end: datetime | None = None

    def __post_init__(self) -> None:
        """Validate awareness and ordering."""
        require_aware(self.start, *([] if self.end is None else [self.end]))
        if self.end is not None and self.end < self.start:
            raise ValueError("pause end must not be before its start")

    @property
    def is_open(self) -> bool:
        """True while the pause has no end."""
        return self.end is None


def merge_pauses(pauses: Sequence[Pause], until: datetime) -> list[tuple[datetime, datetime]]:
    """Merge pauses into sorted disjoint UTC spans; open pauses run to ``until``."""
    require_aware(until)
    until = until.astimezone(UTC)
    spans = sorted(
        (p.start.astimezone(UTC), until if p.end is None else p.end.astimezone(UTC)) for p in pauses
    )
    merged: list[tuple[datetime, datetime]] = []
    for lo, hi in spans:
        if hi <= lo:
            continue
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _elapsed(
    start: datetime, end: datetime, cal: BusinessCalendar, pauses: Sequence[Pause]
) -> timedelta:
    """Exact business time in [start, end) outside all pauses."""
    require_aware(start, end)
    total = business_time(cal, start, end)
    for lo, hi in merge_pauses(pauses, end):
        total -= business_time(cal, max(lo, start), min(hi, end))
    return total


def business_elapsed(
    start: datetime, end: datetime, cal: BusinessCalendar, pauses: Sequence[Pause] = ()
) -> float:
    """Business seconds in [start, end) minus those inside any (merged) pause."""
    return _elapsed(start, end, cal, pauses) / ONE_SECOND


def due_at(
    start: datetime, target_seconds: float, cal: BusinessCalendar, pauses: Sequence[Pause] = ()
) -> datetime | None:
    """Earliest instant at which business_elapsed reaches target; None while a pause is open."""
    require_aware(start)
    if target_seconds < 0:
        raise ValueError("target_seconds must not be negative")
    if any(p.is_open for p in pauses):
        return None
    remaining = timedelta(seconds=target_seconds)
    if remaining == timedelta(0):
        return start.astimezone(UTC)
    cursor = start.astimezone(UTC)
    for lo, hi in merge_pauses(pauses, cursor):  # all closed: ``until`` is unused
        if hi <= cursor:
            continue
        candidate = add_business_time(cal, cursor, remaining)
        if candidate <= lo:
            return candidate
        remaining -= business_time(cal, cursor, max(lo, cursor))
        cursor = hi
    return add_business_time(cal, cursor, remaining)


@dataclass(frozen=True)
class ClockState:
    """Snapshot of an SLA clock at one instant."""

    target_seconds: float
    elapsed_seconds: float
    remaining_seconds: float
    percent: float
    due_at: datetime | None
    paused: bool
    stopped: bool
    breached: bool
    warning: bool

    @property
    def state(self) -> str:
        """One of running, paused, warning, breached, met, breached_met (breach beats pause)."""
        if self.stopped:
            return "breached_met" if self.breached else "met"
        if self.breached:
            return "breached"
        if self.paused:
            return "paused"
        return "warning" if self.warning else "running"


def clock_state(
    target_seconds: float,
    cal: BusinessCalendar,
    opened_at: datetime,
    pauses: Sequence[Pause],
    now: datetime,
    stopped_at: datetime | None = None,
    warn_percent: float = 75.0,
) -> ClockState:
    """Evaluate an SLA clock at ``now``, measuring up to min(now, stopped_at) when stopped."""
    if target_seconds <= 0:
        raise ValueError("target_seconds must be positive")
    require_aware(opened_at, now, *([] if stopped_at is None else [stopped_at]))
    stopped = stopped_at is not None and stopped_at <= now
    measured_to = stopped_at if stopped_at is not None and stopped else now
    elapsed = business_elapsed(opened_at, measured_to, cal, pauses)
    percent = elapsed / target_seconds * 100.0
    paused = not stopped and any(p.start <= now and (p.end is None or now < p.end) for p in pauses)
    return ClockState(
        target_seconds=target_seconds,
        elapsed_seconds=elapsed,
        remaining_seconds=target_seconds - elapsed,
        percent=percent,
        due_at=due_at(opened_at, target_seconds, cal, pauses),
        paused=paused,
        stopped=stopped,
        breached=elapsed >= target_seconds,
        warning=percent >= warn_percent,
    )
