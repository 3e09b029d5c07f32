"""Read-side helpers for pages and the API: SLA figures right now, and the merged timeline."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from core.timeline import TimelineEntry, timeline_build
from incidents.clock import elapsed_now
from incidents.models import Incident
from sla.models import SlaPolicy

TIMELINE_FIELDS = (
    "state", "hold_reason", "priority", "impact", "urgency", "assignment_group", "assignee",
    "service", "title", "resolution_code", "resolution_notes", "cancel_reason", "is_major",
    "priority_override_reason", "category", "subcategory", "pdca_scope",
)  # fmt: skip


@dataclass(frozen=True)
class SlaView:
    state: str
    due_at: datetime | None
    percent: int | None
    remaining: timedelta | None


_calendars: dict[tuple[int, datetime], Any] = {}


def _calendar(policy: SlaPolicy) -> Any:
    """The policy's calendar, built once per version of the policy (it is immutable)."""
    key = (policy.pk, policy.updated_at)
    if key not in _calendars:
        if len(_calendars) > 256:
            _calendars.clear()
        _calendars[key] = policy.calendar
    return _calendars[key]


def sla_view(incident: Incident, now: datetime | None = None) -> SlaView:
    """The resolution clock as of now, from the stored figures (no queries)."""
    now = now or timezone.now()
    target = incident.resolution_target_seconds
    if not target or incident.sla_policy is None:
        return SlaView(incident.sla_state, None, None, None)
    elapsed = float(incident.resolution_elapsed_seconds)
    if incident.sla_state in ("running", "warning", "breached") and incident.sla_refreshed_at:
        elapsed = elapsed_now(
            _calendar(incident.sla_policy),
            incident.resolution_elapsed_seconds,
            incident.sla_refreshed_at,
            now,
        )
    state = incident.sla_state
    if state in ("running", "warning") and elapsed >= target:
        state = "breached"
    elif state == "running" and elapsed >= target * 0.75:
        state = "warning"
    return SlaView(
        state=state,
        due_at=incident.resolution_due_at,
        percent=int(100 * elapsed / target),
        remaining=timedelta(seconds=int(target - elapsed)),
    )


def incident_timeline(incident: Incident, history: list[Any]) -> list[TimelineEntry]:
    """Comments, work notes and field changes of an incident in one list, oldest first."""
    return timeline_build(
        model=Incident,
        field_names=TIMELINE_FIELDS,
        history=history,
        comments=incident.comments.all(),
    )
