"""Change writes: create (also from a standard template), update, transitions with approvals,
conflicts and freezes, CAB decisions, links to caused incidents and fixed problems."""

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from changes.choices import ChangeState, ChangeType, Decision
from changes.constants import NUMBER_PREFIX
from changes.models import (
    Change,
    ChangeApproval,
    ChangeCausedIncident,
    ChangeComment,
    ChangeTemplate,
    FreezeWindow,
)
from changes.risk import risk_for
from changes.selectors import change_conflicts, freeze_covering
from changes.workflow import CHANGE_WORKFLOW
from core.events import event_emit
from core.exceptions import DomainError, NotFound
from core.models import TimelineKind
from core.numbering import number_next
from core.outbox import outbox_enqueue
from core.services import (
    fields_apply,
    locked_get,
    permission_require,
    record_lock,
    version_bump,
)
from incidents.models import Incident
from problems.choices import ProblemState
from problems.services import problem_transition

NOTIFY_TASK = "changes.send_change_notification"
EDITABLE_FIELDS = (
    "title",
    "description",
    "change_type",
    "reason",
    "service",
    "impact",
    "likelihood",
    "risk",
    "implementation_plan",
    "backout_plan",
    "test_plan",
    "planned_start",
    "planned_end",
    "assignment_group",
    "assignee",
    "approver_group",
    "fixes_problem",
    "pdca_scope",
)
FINAL_STATES = (ChangeState.CLOSED, ChangeState.CANCELLED)


def _lock(change: Any, expected_version: int | None) -> Change:
    return record_lock(Change.objects.all(), change, expected_version=expected_version)


def _derive_risk(change: Change, changed: list[str]) -> None:
    """Impact and likelihood propose the risk unless one was given explicitly."""
    proposed = risk_for(change.impact, change.likelihood)
    if proposed and "risk" not in changed:
        change.risk = proposed
        changed.append("risk")


def _window_error(data: dict[str, Any]) -> None:
    start, end = data.get("planned_start"), data.get("planned_end")
    if start and end and start >= end:
        raise DomainError(
            "planned_window_invalid",
            _("The planned end must be after the planned start."),
            field="planned_end",
        )


@transaction.atomic
def change_create(
    *,
    actor: Any,
    data: dict[str, Any],
    template: ChangeTemplate | None = None,
    now: datetime | None = None,
) -> Change:
    """Raise a change, optionally from a standard template (which fixes type, plans and risk).

    Raises: permission_denied, template_retired, planned_window_invalid,
    standard_change_high_risk, ValidationError.
    """
    permission_require(actor, "changes.add_change")
    now = now or timezone.now()
    values = {k: v for k, v in data.items() if k in EDITABLE_FIELDS}
    if template is not None:
        if not template.is_active:
            raise DomainError("template_retired", _("This template is retired."), field="template")
        values.update(
            change_type=ChangeType.STANDARD,
            title=values.get("title") or template.title,
            description=values.get("description") or template.description,
            service=template.service,
            implementation_plan=template.implementation_plan,
            backout_plan=template.backout_plan,
            test_plan=template.test_plan,
            risk="low",
        )
    if values.get("change_type") == ChangeType.STANDARD and template is None:
        raise DomainError(
            "standard_needs_template",
            _("A standard change is made from a pre-approved template."),
            field="change_type",
        )
    _window_error(values)
    if "title" in values:
        values["title"] = " ".join(str(values["title"]).split())
    change = Change(
        **values,
        template=template,
        number="",
        opened_by=actor,
        opened_at=now,
        state=ChangeState.DRAFT,
    )
    changed = list(values)
    _derive_risk(change, changed)
    if change.change_type == ChangeType.STANDARD and change.risk == "high":
        raise DomainError(
            "standard_change_high_risk",
            _("A high-risk change cannot be a standard change."),
            field="risk",
        )
    if change.service_id and change.assignment_group_id is None:
        change.assignment_group = change.service.support_group
    change.full_clean(exclude=["number"], validate_constraints=False)
    change.number = number_next(kind=NUMBER_PREFIX)
    change._history_user = actor
    change._history_date = now
    change.save()
    if data.get("cis"):
        change.cis.set(data["cis"])
    if data.get("approvers"):
        change.approvers.set(data["approvers"])
    event_emit("change.created", change)
    return change


@transaction.atomic
def change_update(
    *, actor: Any, change: Any, expected_version: int | None, data: dict[str, Any]
) -> Change:
    """Edit a change before it is implemented. Raises: not_found, version_conflict,
    change_locked, planned_window_invalid, standard_change_high_risk, ValidationError."""
    permission_require(actor, "changes.change_change")
    obj = _lock(change, expected_version)
    if obj.state not in (ChangeState.DRAFT, ChangeState.ASSESSMENT):
        raise DomainError(
            "change_locked",
            _("{number} is {state}; only draft and assessed changes are edited.").format(
                number=obj.number, state=obj.get_state_display().lower()
            ),
            status=409,
        )
    _template_rules(obj, data)
    changed = fields_apply(obj, data, EDITABLE_FIELDS)
    _window_error({"planned_start": obj.planned_start, "planned_end": obj.planned_end})
    if ("impact" in changed or "likelihood" in changed) and "risk" not in changed:
        _derive_risk(obj, changed)
    if obj.change_type == ChangeType.STANDARD and obj.risk == "high":
        raise DomainError(
            "standard_change_high_risk",
            _("A high-risk change cannot be a standard change."),
            field="risk",
        )
    obj.full_clean(validate_constraints=False)
    obj._history_user = actor
    touched = False
    for name in ("cis", "approvers"):
        if name in data and {o.pk for o in data[name]} != set(
            getattr(obj, name).values_list("pk", flat=True)
        ):
            getattr(obj, name).set(data[name])
            touched = True
    version_bump(obj, changed, touched=touched)
    if changed or touched:
        event_emit("change.updated", obj)
    return obj


TEMPLATE_FIELDS = (
    "change_type",
    "service",
    "implementation_plan",
    "backout_plan",
    "test_plan",
    "risk",
    "impact",
    "likelihood",
)


def _template_rules(change: Change, data: dict[str, Any]) -> None:
    """A standard change is its template: its type, service, plans and risk are not edited
    (that would be an unapproved change wearing a pre-approval); nothing becomes standard
    without a template."""
    if change.template_id:
        locked = [f for f in TEMPLATE_FIELDS if f in data and data[f] != getattr(change, f)]
        if locked:
            raise DomainError(
                "template_fields_locked",
                _(
                    "A standard change keeps its template's type, service, plans and risk; raise a normal change instead."
                ),
                field=locked[0],
            )
    elif data.get("change_type") == ChangeType.STANDARD:
        raise DomainError(
            "standard_needs_template",
            _("A standard change is made from a pre-approved template."),
            field="change_type",
        )


def _approvers_of(change: Change) -> list[Any]:
    people = {u.pk: u for u in change.approvers.filter(is_active=True)}
    if change.approver_group_id:
        for user in change.approver_group.members.filter(is_active=True):
            people.setdefault(user.pk, user)
    own = {change.opened_by_id, change.assignee_id}
    return [u for u in people.values() if u.pk not in own and u.has_perm("changes.approve_change")]


def _current_round(change: Change) -> int:
    last = change.approvals.order_by("-round").values_list("round", flat=True).first()
    return last or 0


def _approvals_complete(change: Change) -> bool:
    round_ = _current_round(change)
    decisions = list(change.approvals.filter(round=round_).values_list("decision", flat=True))
    if not decisions or Decision.REJECTED in decisions:
        return False
    if change.change_type == ChangeType.EMERGENCY:
        return Decision.APPROVED in decisions  # DOMAIN §5: one ECAB approval
    return all(d == Decision.APPROVED for d in decisions)


@transaction.atomic
def change_transition(
    *,
    actor: Any,
    change: Any,
    name: str,
    expected_version: int | None,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Change:
    """Move a change through its life cycle (DOMAIN §5) and apply the effects.

    Raises: not_found, version_conflict, invalid_source_state, permission_denied, the
    guards' codes (planned_window_invalid, approvals_missing, freeze_window,
    unacknowledged_conflict, post_implementation_review_required, …).
    """
    now = now or timezone.now()
    data = dict(data or {})
    obj = _lock(change, expected_version)
    facts: dict[str, Any] = {}
    if name == "request_approval":
        facts["approver_count"] = len(_approvers_of(obj))
    if name == "schedule":
        facts["approvals_complete"] = _approvals_complete(obj)
        if obj.planned_start and obj.planned_end:
            facts["conflicts"] = [c.number for c in change_conflicts(change=obj)]
    if name in ("schedule", "implement") and obj.planned_start and obj.planned_end:
        freeze = freeze_covering(change=obj, start=obj.planned_start, end=obj.planned_end)
        facts["freeze"] = freeze.name if freeze else None
    transition = CHANGE_WORKFLOW.check(obj, name, actor, {**data, **facts})
    changed = ["state"]
    obj.state = transition.target
    for field in ("outcome", "review_notes", "cancel_reason"):
        if field in transition.fields and field in data:
            setattr(obj, field, data[field])
            changed.append(field)
    if name == "implement":
        obj.actual_start = now
        changed.append("actual_start")
    if name == "review":
        obj.actual_end = now
        changed.append("actual_end")
    if name == "close":
        obj.closed_at = now
        changed.append("closed_at")
    obj.full_clean(validate_constraints=False)
    obj._history_user = actor
    obj._history_date = now
    version_bump(obj, changed)
    event_emit("change.updated", obj, transition=name)
    if name == "request_approval":
        round_ = _current_round(obj) + 1
        approvers = _approvers_of(obj)
        ChangeApproval.objects.bulk_create(
            ChangeApproval(change=obj, approver=user, requested_at=now, round=round_)
            for user in approvers
        )
        for user in approvers:
            outbox_enqueue(
                NOTIFY_TASK,
                {"change_id": obj.pk, "event": "approval_requested", "recipient_id": user.pk},
            )
    if name == "close" and data.get("resolve_problem") and obj.fixes_problem_id:
        problem = obj.fixes_problem
        if problem.state in (ProblemState.ROOT_CAUSE_ANALYSIS, ProblemState.KNOWN_ERROR):
            problem_transition(
                actor=actor,
                problem=problem.pk,
                name="resolve",
                expected_version=None,
                data={
                    "resolution_notes": str(_("Fixed by change {number}.")).format(
                        number=obj.number
                    ),
                    "has_fix_change": True,
                    "resolve_incidents": True,
                },
                now=now,
            )
    return obj


@transaction.atomic
def change_decide(
    *,
    actor: Any,
    change: Any,
    approve: bool,
    comment: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> ChangeApproval:
    """Record a CAB member's approval or rejection of the version they read (a change
    edited since is refused: nobody approves a plan they have not seen). A rejection sends
    the change back to Draft with the reason. Raises: not_found, permission_denied,
    version_conflict, not_an_approver, already_decided, not_awaiting_approval,
    rejection_reason_required."""
    permission_require(actor, "changes.approve_change")
    now = now or timezone.now()
    obj = _lock(change, expected_version)
    if obj.state != ChangeState.AUTHORISATION:
        raise DomainError(
            "not_awaiting_approval", _("This change is not awaiting approval."), status=409
        )
    if actor.pk in (obj.opened_by_id, obj.assignee_id):
        raise DomainError("self_approval", _("Nobody approves their own change."), status=403)
    approval = obj.approvals.filter(approver=actor, round=_current_round(obj)).first()
    if approval is None:
        raise DomainError(
            "not_an_approver", _("You are not an approver of this change."), status=403
        )
    if approval.decision != Decision.PENDING:
        raise DomainError(
            "already_decided",
            _("You have already {decision} this change.").format(
                decision=approval.get_decision_display().lower()
            ),
            status=409,
        )
    if not approve and not comment.strip():
        raise DomainError("rejection_reason_required", _("Say why you reject it."), field="comment")
    approval.decision = Decision.APPROVED if approve else Decision.REJECTED
    approval.comment = comment
    approval.decided_at = now
    approval.save(update_fields=["decision", "comment", "decided_at"])
    if not approve:
        obj.approvals.filter(round=approval.round, decision=Decision.PENDING).update(
            decision=Decision.WITHDRAWN
        )
        obj.state = ChangeState.DRAFT
        obj._history_user = actor
        obj._history_date = now
        version_bump(obj, ["state"])
        ChangeComment.objects.create(
            change=obj,
            author=actor,
            kind=TimelineKind.WORK_NOTE,
            body=str(_("Rejected by the CAB: {reason}")).format(reason=comment),
            created_at=now,
        )
        if obj.assignee_id:
            outbox_enqueue(
                NOTIFY_TASK,
                {"change_id": obj.pk, "event": "rejected", "recipient_id": obj.assignee_id},
            )
    return approval


@transaction.atomic
def change_link_caused_incident(*, actor: Any, change: Any, incident: Any) -> ChangeCausedIncident:
    """Mark an incident as caused by a change. Raises: not_found, incident_already_caused_by."""
    permission_require(actor, "changes.change_change")
    obj = _lock(change, None)
    target = (
        Incident.objects.filter(number=incident).first()
        if isinstance(incident, str)
        else Incident.objects.filter(pk=incident).first()
    )
    if target is None:
        raise NotFound("incident_not_found", _("No such incident."), field="incident")
    try:
        with transaction.atomic():
            return ChangeCausedIncident.objects.create(change=obj, incident=target, linked_by=actor)
    except IntegrityError:
        raise DomainError(
            "incident_already_caused_by",
            _("{incident} is already marked as caused by a change.").format(incident=target.number),
            field="incident",
            status=409,
        ) from None


@transaction.atomic
def change_template_retire(*, actor: Any, template_id: int) -> ChangeTemplate:
    """Retire a standard change template; changes made from it are kept."""
    permission_require(actor, "changes.change_changetemplate")
    template = locked_get(ChangeTemplate.objects.all(), pk=template_id)
    template.is_active = False
    template._history_user = actor
    version_bump(template, ["is_active"])
    return template


@transaction.atomic
def calendar_feed_key(*, user: Any, reset: bool = False) -> str:
    """The user's secret calendar-feed key; `reset` replaces it (revoking the old address)."""
    from changes.models import CalendarFeedKey, _feed_key

    record, created = CalendarFeedKey.objects.get_or_create(user=user)
    if reset and not created:
        record.key = _feed_key()
        record.save(update_fields=["key", "created_at"])
    return record.key


@transaction.atomic
def freeze_window_create(*, actor: Any, data: dict[str, Any]) -> FreezeWindow:
    """Declare a freeze (blackout) window. Raises: permission_denied, freeze_window_invalid."""
    permission_require(actor, "changes.add_freezewindow")
    if not data.get("start") or not data.get("end") or data["start"] >= data["end"]:
        raise DomainError(
            "freeze_window_invalid", _("The freeze must end after it starts."), field="end"
        )
    window = FreezeWindow(
        name=data["name"],
        start=data["start"],
        end=data["end"],
        reason=data.get("reason", ""),
        created_by=actor,
    )
    window.full_clean(validate_constraints=False)
    window.save()
    if data.get("services"):
        window.services.set(data["services"])
    return window
