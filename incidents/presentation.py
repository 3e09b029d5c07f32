"""Read-side helpers for pages and the API: SLA figures right now, and the merged timeline."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from catalog.models import Service, SupportGroup
from incidents.clock import elapsed_now
from incidents.models import Incident

User = get_user_model()

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


def sla_view(incident: Incident, now: datetime | None = None) -> SlaView:
    """The resolution clock as of now, from the stored figures (no queries)."""
    now = now or timezone.now()
    target = incident.resolution_target_seconds
    if not target or incident.sla_policy is None:
        return SlaView(incident.sla_state, None, None, None)
    elapsed = float(incident.resolution_elapsed_seconds)
    if incident.sla_state in ("running", "warning", "breached") and incident.sla_refreshed_at:
        elapsed = elapsed_now(
            incident.sla_policy.calendar,
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


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # comment, work_note, change
    actor: Any
    body: str = ""
    changes: tuple[tuple[str, str, str], ...] = ()


def _display(field: Any, value: Any, names: dict[str, dict[Any, str]]) -> str:
    if value in (None, ""):
        return "—"
    if field.name in names:
        return names[field.name].get(value, str(value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(value)


def incident_timeline(incident: Incident, history: list[Any]) -> list[TimelineEntry]:
    """Comments, work notes and field changes in one list, oldest first.

    `history` is the incident's audit rows (oldest first); names for the foreign keys that
    changed are fetched in one query per kind.
    """
    ids: dict[str, set[Any]] = {"assignee": set(), "assignment_group": set(), "service": set()}
    for row in history:
        for name in ids:
            ids[name].add(getattr(row, name + "_id"))
    users = {
        u.pk: u.get_full_name() or u.username for u in User.objects.filter(pk__in=ids["assignee"])
    }
    names = {
        "assignee": users,
        "assignment_group": dict(
            SupportGroup.objects.filter(pk__in=ids["assignment_group"]).values_list("pk", "name")
        ),
        "service": dict(Service.objects.filter(pk__in=ids["service"]).values_list("pk", "name")),
    }
    fields = {f.name: f for f in Incident._meta.get_fields() if f.name in TIMELINE_FIELDS}
    entries: list[TimelineEntry] = []
    previous = None
    for row in history:
        if previous is None:
            entries.append(TimelineEntry(row.history_date, "created", row.history_user))
        else:
            changes = []
            for field in fields.values():
                attr = field.attname
                old, new = getattr(previous, attr), getattr(row, attr)
                if old != new:
                    changes.append(
                        (
                            str(field.verbose_name),
                            _display(field, old, names),
                            _display(field, new, names),
                        )
                    )
            if changes:
                entries.append(
                    TimelineEntry(
                        row.history_date, "change", row.history_user, changes=tuple(changes)
                    )
                )
        previous = row
    entries.extend(
        TimelineEntry(c.created_at, c.kind, c.author, body=c.body) for c in incident.comments.all()
    )
    entries.sort(key=lambda e: e.at)
    return entries
