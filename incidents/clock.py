"""An incident's SLA clocks, folded from its audit history (itil.md §B3).

Pure functions over plain snapshots: the same fold serves the live refresh after every write
and the rebuild from history alone, which is how the stored clock can be proven right.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from incidents.choices import HoldReason, IncidentState
from sla.calendar import BusinessCalendar
from sla.clocks import Pause, business_elapsed, clock_state, due_at

STOPPED = {IncidentState.RESOLVED, IncidentState.CLOSED, IncidentState.CANCELLED}


@dataclass(frozen=True)
class Snapshot:
    """The fields of one history row that drive the clocks."""

    at: datetime
    state: str
    hold_reason: str
    priority: int
    sla_policy_id: int | None
    responded_at: datetime | None


@dataclass(frozen=True)
class Targets:
    response_seconds: int
    resolution_seconds: int


@dataclass(frozen=True)
class SlaResult:
    """What the record stores about its clocks."""

    response_due_at: datetime | None
    resolution_due_at: datetime | None
    resolution_warn_at: datetime | None
    resolution_elapsed_seconds: int
    resolution_target_seconds: int | None
    paused_seconds: int
    sla_state: str


NO_SLA = SlaResult(None, None, None, 0, None, 0, "none")


def _pauses(snapshots: Sequence[Snapshot]) -> tuple[list[Pause], datetime | None]:
    """Intervals the clock does not count, and when it stopped (if it is stopped now).

    DOMAIN §3: only On hold / awaiting caller pauses. A resolved spell that is later reopened
    does not count either (the desk was not working on it); the current resolved, closed or
    cancelled state stops the clock.
    """
    pauses: list[Pause] = []
    start: datetime | None = None
    for snap in snapshots:
        not_counting = (
            snap.state == IncidentState.ON_HOLD and snap.hold_reason == HoldReason.AWAITING_CALLER
        ) or snap.state in STOPPED
        if not_counting and start is None:
            start = snap.at
        elif not not_counting and start is not None:
            pauses.append(Pause(start, snap.at))
            start = None
    last = snapshots[-1]
    if start is not None:
        if last.state in STOPPED:
            return pauses, start
        pauses.append(Pause(start, None))
    return pauses, None


def sla_fold(
    *,
    opened_at: datetime,
    snapshots: Sequence[Snapshot],
    targets_for: Callable[[int | None, int], Targets | None],
    calendar_for: Callable[[int | None], BusinessCalendar | None],
    now: datetime,
    warn_percent: float = 75.0,
) -> SlaResult:
    """Compute both clocks from the history snapshots (oldest first).

    The latest priority and policy give the target (a change keeps the elapsed time and
    applies the new target: retroactive start); pauses come from the whole history.
    """
    if not snapshots:
        return NO_SLA
    last = snapshots[-1]
    targets = targets_for(last.sla_policy_id, last.priority)
    cal = calendar_for(last.sla_policy_id)
    if targets is None or cal is None:
        return NO_SLA
    pauses, stopped_at = _pauses(snapshots)
    state = clock_state(
        targets.resolution_seconds, cal, opened_at, pauses, now, stopped_at, warn_percent
    )
    response_pauses = [
        p for p in pauses if last.responded_at is None or p.start < last.responded_at
    ]
    response_due = due_at(opened_at, targets.response_seconds, cal, response_pauses)
    paused = sum(
        ((p.end or now) - p.start).total_seconds() for p in pauses if p.start < (stopped_at or now)
    )
    running = not state.stopped and not state.paused
    return SlaResult(
        response_due_at=response_due,
        resolution_due_at=state.due_at,
        resolution_warn_at=(
            due_at(opened_at, targets.resolution_seconds * warn_percent / 100, cal, pauses)
            if running
            else None
        ),
        resolution_elapsed_seconds=int(state.elapsed_seconds),
        resolution_target_seconds=targets.resolution_seconds,
        paused_seconds=int(paused),
        sla_state=state.state,
    )


def elapsed_now(
    cal: BusinessCalendar, elapsed_at_refresh: int, refreshed_at: datetime, now: datetime
) -> float:
    """Business seconds elapsed by `now` for a running clock last measured at `refreshed_at`."""
    return (
        elapsed_at_refresh + business_elapsed(refreshed_at, now, cal)
        if now > refreshed_at
        else elapsed_at_refresh
    )
