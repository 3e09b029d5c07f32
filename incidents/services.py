"""Incident writes: create, update, transition, comment, SLA refresh and the periodic scans.

Each write locks the row, checks the version, validates, saves (django-simple-history writes
the audit row), refreshes the SLA clocks from that history, and queues notifications in the
outbox, all in one transaction.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.attachments import attachment_validate
from core.events import event_emit
from core.exceptions import DomainError, PermissionDenied
from core.models import TimelineKind
from core.numbering import number_next
from core.outbox import outbox_batch, outbox_enqueue_many
from core.services import (
    changed_clean,
    fields_apply,
    loaded_relations,
    locked_get,
    record_lock,
    version_bump,
)
from incidents.choices import ContactChannel, IncidentState, priority_for
from incidents.clock import SlaResult, Snapshot, Targets, sla_fold
from incidents.constants import AUTO_CLOSE_DAYS, NUMBER_PREFIX
from incidents.models import Incident, IncidentAttachment, IncidentComment
from incidents.selectors import OPEN_STATES, group_recipients, incident_visible, is_staff_actor
from incidents.workflow import INCIDENT_WORKFLOW
from sla.choices import Metric, NotificationKind
from sla.constants import BREACH_PERCENT, WARNING_PERCENT
from sla.models import SlaPolicy
from sla.selectors import sla_inputs, sla_policy_default
from sla.services import sla_notification_record

NOTIFY_TASK = "incidents.send_incident_notification"

EDITABLE_FIELDS = (
    "title",
    "description",
    "service",
    "category",
    "subcategory",
    "impact",
    "urgency",
    "assignment_group",
    "assignee",
    "is_major",
    "parent",
    "pdca_scope",
    "contact_channel",
)
SLA_FIELDS = (
    "response_due_at",
    "resolution_due_at",
    "resolution_warn_at",
    "resolution_elapsed_seconds",
    "resolution_target_seconds",
    "paused_seconds",
    "sla_state",
)


# --- notifications --------------------------------------------------------------------------


def _notify(incident: Incident, event: str, recipients: Iterable[Any], **extra: Any) -> None:
    """Queue one e-mail per recipient in the outbox (sent by Celery after commit)."""
    seen: dict[int, dict[str, Any]] = {}
    for user in recipients:
        if user is None or user.pk in seen or not user.email:
            continue
        seen[user.pk] = {
            "incident_id": incident.pk,
            "event": event,
            "recipient_id": user.pk,
            **extra,
        }
    outbox_enqueue_many(NOTIFY_TASK, list(seen.values()))


# --- SLA ------------------------------------------------------------------------------------


@cache
def _calendar(policy_id: int, stamp: datetime) -> Any:
    # Keyed by updated_at as well, so an edit of the policy's hours (admin included) is seen.
    return SlaPolicy.objects.get(pk=policy_id).calendar


def _sla_inputs() -> tuple[Any, Any]:
    versions, minutes = sla_inputs()
    targets = {key: Targets(r * 60, res * 60) for key, (r, res) in minutes.items()}

    def targets_for(policy_id: int | None, priority: int) -> Targets | None:
        return targets.get((policy_id, priority))

    def calendar_for(policy_id: int | None) -> Any:
        if policy_id is None or policy_id not in versions:
            return None
        return _calendar(policy_id, versions[policy_id])

    return targets_for, calendar_for


def incident_sla_compute(*, incident: Incident, now: datetime | None = None) -> SlaResult:
    """Rebuild the incident's clocks from its audit history alone."""
    rows = incident.history.order_by("history_date", "history_id").values(
        "history_date", "state", "hold_reason", "priority", "sla_policy_id", "responded_at"
    )
    snapshots = [
        Snapshot(
            r["history_date"],
            r["state"],
            r["hold_reason"],
            r["priority"],
            r["sla_policy_id"],
            r["responded_at"],
        )
        for r in rows
    ]
    return _sla_fold(incident, snapshots, now or timezone.now())


def _sla_fold(incident: Incident, snapshots: list[Snapshot], now: datetime) -> SlaResult:
    targets_for, calendar_for = _sla_inputs()
    return sla_fold(
        opened_at=incident.opened_at,
        snapshots=snapshots,
        targets_for=targets_for,
        calendar_for=calendar_for,
        now=now,
        warn_percent=WARNING_PERCENT,
    )


def _sla_set_initial(incident: Incident, now: datetime) -> None:
    """A new incident's clocks, set before it is saved: the fold of the one history row its
    save writes (incident_sla_compute would read that row back; the same result)."""
    first = Snapshot(
        now,
        incident.state,
        incident.hold_reason,
        incident.priority,
        incident.sla_policy_id,
        incident.responded_at,
    )
    result = _sla_fold(incident, [first], now)
    for name in SLA_FIELDS:
        setattr(incident, name, getattr(result, name))
    incident.sla_refreshed_at = now


def incident_sla_refresh(*, incident: Incident, now: datetime | None = None) -> SlaResult:
    """Recompute and store the clocks (no history row: they are derived, not edited)."""
    now = now or timezone.now()
    result = incident_sla_compute(incident=incident, now=now)
    values = {name: getattr(result, name) for name in SLA_FIELDS}
    Incident.objects.filter(pk=incident.pk).update(**values, sla_refreshed_at=now)
    for name, value in values.items():
        setattr(incident, name, value)
    incident.sla_refreshed_at = now
    return result


def _policy_for(service: Any) -> SlaPolicy | None:
    return service.sla_policy if service.sla_policy_id else sla_policy_default()


# --- create and update ----------------------------------------------------------------------


@transaction.atomic
@outbox_batch()  # its event and notifications: one INSERT
def incident_create(*, actor: Any, data: dict[str, Any], now: datetime | None = None) -> Incident:
    """Log an incident; priority from the matrix, group and SLA policy from the service.

    A requester logs for themselves through the portal; staff may name another caller.
    Raises ValidationError for bad fields.
    """
    now = now or timezone.now()
    staff = is_staff_actor(actor)
    if not staff and not actor.has_perm("incidents.add_incident"):
        raise PermissionDenied()
    allowed = EDITABLE_FIELDS if staff else ("title", "description", "service", "urgency")
    values = {k: v for k, v in data.items() if k in allowed}
    if "title" in values:
        values["title"] = _title(values["title"])
    service = values.get("service")
    incident = Incident(
        **values,
        number="",
        caller=data.get("caller") if staff and data.get("caller") else actor,
        opened_by=actor,
        opened_at=now,
        state=IncidentState.NEW,
    )
    if not staff:
        incident.contact_channel = ContactChannel.PORTAL
    if service is not None:
        incident.assignment_group = incident.assignment_group or service.support_group
        incident.sla_policy = _policy_for(service)
    incident.priority = priority_for(incident.impact, incident.urgency)
    if incident.assignee_id:
        incident.responded_at = now
    _parent_check(incident, incident.parent)
    # The database enforces the check constraints; skip their SELECT round trips here.
    incident.full_clean(exclude=["number", *loaded_relations(incident)], validate_constraints=False)
    _sla_set_initial(incident, now)
    incident.number = number_next(kind=NUMBER_PREFIX)
    incident._history_user = actor
    incident._history_date = now
    incident.save()
    if staff:
        if "cis" in data:
            incident.cis.set(data["cis"])
        if "watchers" in data:
            incident.watchers.set(data["watchers"])
    event_emit("incident.created", incident)
    _notify(incident, "created", [incident.caller])
    if incident.assignee_id:
        _notify(incident, "assigned", [incident.assignee])
    else:
        _notify(incident, "assigned_group", group_recipients(group_id=incident.assignment_group_id))
    return incident


def _lock(number_or_id: Any, expected_version: int | None, actor: Any = None) -> Incident:
    """Lock an incident the actor may see; visibility is checked before the version, so a
    requester learns nothing about another's incident (not even that it exists)."""
    queryset = incident_visible(actor=actor) if actor is not None else Incident.objects.all()
    return record_lock(queryset, number_or_id, expected_version=expected_version)


def _refuse_if_final(incident: Incident) -> None:
    """DOMAIN §3: Closed is final (and so is Cancelled); their records are history now."""
    if incident.state in (IncidentState.CLOSED, IncidentState.CANCELLED):
        raise DomainError(
            "incident_final",
            _("{number} is {state}; it can no longer be changed.").format(
                number=incident.number, state=incident.get_state_display().lower()
            ),
            status=409,
        )


def _title(value: Any) -> Any:
    """Titles are one line: control characters and runs of spaces become one space."""
    return " ".join(value.split()) if isinstance(value, str) else value


def _parent_check(incident: Incident, parent: Incident | None) -> None:
    """A parent must be another open incident, and no incident may be its own ancestor.

    Reads the chain from the database, not from objects the caller may hold stale.
    """
    if parent is None:
        return
    seen = {incident.pk} if incident.pk else set()
    node_id: int | None = parent.pk
    for _depth in range(50):
        if node_id is None:
            break
        if node_id in seen:
            raise DomainError(
                "parent_cycle",
                _("An incident cannot be its own parent or ancestor."),
                field="parent",
            )
        seen.add(node_id)
        node_id = Incident.objects.filter(pk=node_id).values_list("parent_id", flat=True).first()
    if not Incident.objects.filter(pk=parent.pk, state__in=OPEN_STATES).exists():
        raise DomainError("parent_not_open", _("The parent incident must be open."), field="parent")


@transaction.atomic
@outbox_batch()  # its event and notifications: one INSERT
def incident_update(
    *,
    actor: Any,
    incident: Any,
    expected_version: int | None,
    data: dict[str, Any],
    now: datetime | None = None,
) -> Incident:
    """Edit an incident's fields (staff only).

    Priority follows impact × urgency unless a manager overrides it with a reason; a new
    group counts as a reassignment; a new service brings its SLA policy, keeping the elapsed
    time. Raises: not_found, version_conflict, permission_denied,
    priority_override_reason_required, ValidationError.
    """
    now = now or timezone.now()
    obj = _lock(incident, expected_version, actor)
    if not actor.has_perm("incidents.change_incident"):
        raise PermissionDenied()
    _refuse_if_final(obj)
    if "title" in data:
        data = {**data, "title": _title(data["title"])}
    if data.get("parent") is not None and data["parent"] != obj.parent:
        _parent_check(obj, data["parent"])
    before_group, before_assignee = obj.assignment_group_id, obj.assignee_id
    changed = fields_apply(obj, data, EDITABLE_FIELDS)
    if "priority" in data and data["priority"] not in (None, obj.priority):
        if not actor.has_perm("incidents.override_priority"):
            raise PermissionDenied(
                "priority_override_not_allowed", _("Only a manager may override the priority.")
            )
        reason = (data.get("priority_override_reason") or "").strip()
        if not reason:
            raise DomainError(
                "priority_override_reason_required",
                _("Give a reason for overriding the priority."),
                field="priority_override_reason",
            )
        obj.priority, obj.priority_override_reason = data["priority"], reason
        changed += ["priority", "priority_override_reason"]
    elif ("impact" in changed or "urgency" in changed) and not obj.priority_override_reason:
        obj.priority = priority_for(obj.impact, obj.urgency)
        changed.append("priority")
    if "service" in changed:
        obj.sla_policy = _policy_for(obj.service)
        changed.append("sla_policy")
    if "assignment_group" in changed and before_group is not None:
        obj.reassignment_count += 1
        changed.append("reassignment_count")
    if obj.assignee_id and obj.responded_at is None:
        obj.responded_at = now
        changed.append("responded_at")
    changed_clean(obj, changed)
    obj._history_user = actor
    obj._history_date = now
    m2m_changed = False
    for name in ("cis", "watchers"):
        if name in data and {o.pk for o in data[name]} != set(
            getattr(obj, name).values_list("pk", flat=True)
        ):
            getattr(obj, name).set(data[name])
            m2m_changed = True
    version_bump(obj, changed, touched=m2m_changed)
    incident_sla_refresh(incident=obj, now=now)
    if changed or m2m_changed:
        event_emit("incident.updated", obj)
    if obj.assignee_id and obj.assignee_id != before_assignee:
        _notify(obj, "assigned", [obj.assignee])
    elif "assignment_group" in changed and obj.assignee_id is None:
        _notify(obj, "assigned_group", group_recipients(group_id=obj.assignment_group_id))
    return obj


# --- transitions ----------------------------------------------------------------------------


@transaction.atomic
@outbox_batch()  # its event and notifications: one INSERT
def incident_transition(
    *,
    actor: Any,
    incident: Any,
    name: str,
    expected_version: int | None,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Incident:
    """Move an incident through its life cycle (DOMAIN §3) and apply the effects.

    Raises: not_found, version_conflict, invalid_source_state, permission_denied,
    <field>_required, reopen_window_expired, caller_only.
    """
    now = now or timezone.now()
    data = dict(data or {})
    obj = _lock(incident, expected_version, actor)
    transition = INCIDENT_WORKFLOW.check(
        obj, name, actor, {**data, "now": now, "reopen_window_days": settings.INCIDENT_REOPEN_DAYS}
    )
    changed = ["state"]
    obj.state = transition.target
    for field in transition.fields:
        if field in data and hasattr(obj, field):
            setattr(obj, field, data[field])
            changed.append(field)
    if name == "start" and obj.assignee_id is None and is_staff_actor(actor):
        obj.assignee = actor
        changed.append("assignee")
    if name == "resume":
        obj.hold_reason = ""
        changed.append("hold_reason")
    if name == "resolve":
        if now < obj.opened_at:  # the database's check constraint, said in words
            raise ValidationError(
                {"resolved_at": _("An incident cannot be resolved before it was opened.")}
            )
        obj.resolved_at = now
        obj.first_contact_resolution = obj.reassignment_count == 0 and obj.reopen_count == 0
        changed += ["resolved_at", "first_contact_resolution"]
    if name in ("reopen", "reject"):
        obj.reopen_count += 1
        obj.resolved_at = None
        obj.first_contact_resolution = False
        changed += ["reopen_count", "resolved_at", "first_contact_resolution"]
    if name in ("close", "confirm"):
        obj.closed_at = now
        changed.append("closed_at")
    if obj.assignee_id and obj.responded_at is None:
        obj.responded_at = now
        changed.append("responded_at")
    changed_clean(obj, changed)
    obj._history_user = actor
    obj._history_date = now
    version_bump(obj, changed)
    if name == "reject":
        _comment_create(obj, actor, data["comment"], TimelineKind.COMMENT, now)
    incident_sla_refresh(incident=obj, now=now)
    event_emit(
        "incident.resolved" if name == "resolve" else "incident.updated", obj, transition=name
    )
    if name == "resolve":
        _notify(obj, "resolved", [obj.caller, *obj.watchers.all()])
        _resolve_children(obj, actor, now)
    elif name == "reject":
        _notify(
            obj, "reopened", [obj.assignee, obj.assignment_group and obj.assignment_group.manager]
        )
    return obj


def _resolve_children(parent: Incident, actor: Any, now: datetime) -> None:
    """DOMAIN §3: resolving a parent resolves its open children, and theirs, each locked and
    with its own history row."""
    for pk in (
        parent.children.filter(state__in=OPEN_STATES).order_by("pk").values_list("pk", flat=True)
    ):
        child = locked_get(Incident.objects.all(), pk=pk)
        if child.is_open:
            _resolve_child(child, parent, actor, now)
            _resolve_children(child, actor, now)


def _resolve_child(child: Incident, parent: Incident, actor: Any, now: datetime) -> None:
    if child.state == IncidentState.ON_HOLD:
        child.hold_reason = ""
    child.state = IncidentState.RESOLVED
    child.resolution_code = parent.resolution_code
    child.resolution_notes = str(
        _("Resolved with parent {number}: {notes}").format(
            number=parent.number, notes=parent.resolution_notes
        )
    )
    child.resolved_at = now
    child._history_user = actor
    child._history_date = now
    version_bump(
        child, ["state", "hold_reason", "resolution_code", "resolution_notes", "resolved_at"]
    )
    incident_sla_refresh(incident=child, now=now)
    _notify(child, "resolved", [child.caller])


# --- comments -------------------------------------------------------------------------------


def _comment_create(
    incident: Incident, actor: Any, body: str, kind: str, now: datetime
) -> IncidentComment:
    comment = IncidentComment(incident=incident, author=actor, body=body, kind=kind, created_at=now)
    comment.full_clean(exclude=["incident", "author"])
    comment.save()
    return comment


@transaction.atomic
@outbox_batch()  # its event and notifications: one INSERT
def incident_comment_add(
    *,
    actor: Any,
    incident: Any,
    body: str,
    kind: str = TimelineKind.COMMENT,
    now: datetime | None = None,
) -> IncidentComment:
    """Add a public comment or (staff only) a work note; it does not change the version.

    A first public comment from staff counts as the response. Raises: not_found,
    permission_denied, comment_empty.
    """
    now = now or timezone.now()
    if not (body or "").strip():
        raise DomainError("comment_empty", _("Write something first."), field="body")
    obj = _lock(incident, None, actor)
    staff = is_staff_actor(actor)
    if kind == TimelineKind.WORK_NOTE and not staff:
        raise PermissionDenied("work_notes_staff_only", _("Only support staff write work notes."))
    comment = _comment_create(obj, actor, body, kind, now)
    if kind == TimelineKind.COMMENT:
        if staff and obj.responded_at is None and actor.pk != obj.caller_id:
            obj.responded_at = now
            obj._history_user = actor
            obj._history_date = now
            obj.save(update_fields=["responded_at", "updated_at"])
            incident_sla_refresh(incident=obj, now=now)
        if actor.pk == obj.caller_id:
            _notify(obj, "caller_commented", [obj.assignee], comment_id=comment.pk)
        else:
            _notify(obj, "commented", [obj.caller], comment_id=comment.pk)
    return comment


# --- periodic scans -------------------------------------------------------------------------


def incident_sla_scan(*, now: datetime | None = None) -> dict[str, int]:
    """Fire each SLA warning and breach exactly once and escalate breaches to the manager.

    Reads only incidents whose stored thresholds have passed (indexed columns), refreshes
    their clocks, and records notifications under a unique constraint.
    """
    now = now or timezone.now()
    fired = {"warning": 0, "breach": 0, "response_breach": 0}
    due = Incident.objects.filter(state__in=OPEN_STATES).filter(
        resolution_warn_at__lte=now, sla_state__in=["running"]
    ) | Incident.objects.filter(
        state__in=OPEN_STATES, resolution_due_at__lte=now, sla_state__in=["running", "warning"]
    )
    for incident in due.select_related("assignee", "assignment_group__manager").distinct():
        with transaction.atomic():
            result = incident_sla_refresh(incident=incident, now=now)
            if result.sla_state in ("warning", "breached") and sla_notification_record(
                record=incident,
                metric=Metric.RESOLUTION,
                kind=NotificationKind.WARNING,
                threshold=WARNING_PERCENT,
            ):
                fired["warning"] += 1
                _notify(incident, "sla_warning", [incident.assignee, _manager(incident)])
            if result.sla_state == "breached" and sla_notification_record(
                record=incident,
                metric=Metric.RESOLUTION,
                kind=NotificationKind.BREACH,
                threshold=BREACH_PERCENT,
            ):
                fired["breach"] += 1
                _notify(incident, "sla_breach", [incident.assignee, _manager(incident)])
    late = Incident.objects.filter(
        state__in=OPEN_STATES, responded_at__isnull=True, response_due_at__lte=now
    ).select_related("assignee", "assignment_group__manager")
    for incident in late:
        with transaction.atomic():
            if sla_notification_record(
                record=incident,
                metric=Metric.RESPONSE,
                kind=NotificationKind.BREACH,
                threshold=BREACH_PERCENT,
            ):
                fired["response_breach"] += 1
                _notify(incident, "response_breach", [_manager(incident)])
    return fired


def _manager(incident: Incident) -> Any:
    group = incident.assignment_group
    return group.manager if group is not None else None


def incident_close_resolved_due(*, now: datetime | None = None) -> int:
    """Close incidents resolved more than AUTO_CLOSE days ago; idempotent by its condition."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=getattr(settings, "INCIDENT_AUTO_CLOSE_DAYS", AUTO_CLOSE_DAYS))
    closed = 0
    for pk in Incident.objects.filter(
        state=IncidentState.RESOLVED, resolved_at__lte=cutoff
    ).values_list("pk", flat=True):
        with transaction.atomic():
            obj = (
                Incident.objects.select_for_update()
                .filter(pk=pk, state=IncidentState.RESOLVED, resolved_at__lte=cutoff)
                .first()
            )
            if obj is None:
                continue  # someone reopened or closed it meanwhile
            obj.state = IncidentState.CLOSED
            obj.closed_at = now
            obj._history_date = now
            version_bump(obj, ["state", "closed_at"])
            incident_sla_refresh(incident=obj, now=now)
            closed += 1
    return closed


# --- attachments and bulk actions -----------------------------------------------------------


@transaction.atomic
def incident_attachment_add(*, actor: Any, incident: Any, upload: Any) -> IncidentAttachment:
    """Attach a file (size and sniffed type checked). Raises: not_found, attachment_*."""
    obj = _lock(incident, None, actor)
    content_type = attachment_validate(upload)
    attachment = IncidentAttachment(
        incident=obj,
        file=upload,
        original_name=(upload.name or "file")[:255],
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    attachment.save()
    return attachment


def incident_bulk_apply(
    *,
    actor: Any,
    numbers: Iterable[str],
    action: str,
    assignee: Any = None,
    versions: Mapping[str, int] | None = None,
) -> tuple[list[str], list[tuple[str, str]]]:
    """Apply one action to many incidents, each in its own transaction.

    `versions` are the versions the user saw (the list page sends them): an incident changed
    since is refused, not overwritten. Returns the numbers done and (number, message) for
    those refused; one refusal does not stop the others.
    """
    done: list[str] = []
    refused: list[tuple[str, str]] = []
    versions = versions or {}
    for number in numbers:
        expected = versions.get(number)
        try:
            if action == "assign":
                incident_update(
                    actor=actor, incident=number, expected_version=expected,
                    data={"assignee": assignee},
                )  # fmt: skip
            else:
                incident_transition(
                    actor=actor, incident=number, name=action, expected_version=expected
                )
        except DomainError as err:
            refused.append((number, err.message))
        else:
            done.append(number)
    return done, refused
