"""The change life cycle as data (DOMAIN §5, itil.md §B7).

Guards that need the database (approvals, conflicts, freezes) read facts the service puts in
`data` (`approvals_complete`, `conflicts`, `freeze`), so the guards stay pure.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from changes.choices import ChangeState as S
from changes.choices import ChangeType, Outcome
from core.exceptions import TransitionRefused
from core.workflow import Transition, Workflow, require

PERM = "changes.change_change"


def window_valid(record: Any, actor: Any, data: Mapping[str, Any]) -> None:
    """Guard: a planned window whose start is before its end."""
    start = data.get("planned_start", getattr(record, "planned_start", None))
    end = data.get("planned_end", getattr(record, "planned_end", None))
    if start is None or end is None or start >= end:
        raise TransitionRefused(
            "planned_window_invalid",
            _("A planned window with a start before its end is required."),
            field="planned_end",
            status=422,
        )


def standard_not_high_risk(record: Any, actor: Any, data: Mapping[str, Any]) -> None:
    """Guard (DOMAIN §5): high risk cannot be standard."""
    risk = data.get("risk", getattr(record, "risk", ""))
    if record.change_type == ChangeType.STANDARD and risk == "high":
        raise TransitionRefused(
            "standard_change_high_risk",
            _("A high-risk change cannot be a standard change; raise a normal change."),
            field="risk",
            status=422,
        )


def needs_authorisation(record: Any, actor: Any, data: Mapping[str, Any]) -> None:
    """Guard: standard changes are pre-approved and skip authorisation."""
    if record.change_type == ChangeType.STANDARD:
        raise TransitionRefused(
            "standard_change_preapproved",
            _("A standard change is pre-approved; schedule it directly."),
        )


def has_approvers(record: Any, actor: Any, data: Mapping[str, Any]) -> None:
    """Guard: somebody must be asked (named approvers or an approver group)."""
    if not data.get("approver_count"):
        raise TransitionRefused(
            "approvers_required",
            _("Name the approvers or an approver group first."),
            field="approvers",
            status=422,
        )


def authorised(record: Any, actor: Any, data: Mapping[str, Any]) -> None:
    """Guard: normal changes need every approver, emergency changes one (ECAB); standard
    changes are pre-approved and go from assessment straight to scheduled."""
    if record.change_type == ChangeType.STANDARD:
        if record.state != S.ASSESSMENT:
            raise TransitionRefused(
                "invalid_source_state", _("Schedule a standard change from assessment.")
            )
        return
    if record.state != S.AUTHORISATION:
        raise TransitionRefused(
            "authorisation_required",
            _("A {kind} change needs authorisation first.").format(
                kind=record.get_change_type_display().lower()
            ),
        )
    if not data.get("approvals_complete"):
        raise TransitionRefused(
            "approvals_missing",
            _("Not every approval this change needs has been given."),
        )


def no_freeze(record: Any, actor: Any, data: Mapping[str, Any]) -> None:
    """Guard: nothing but an emergency is scheduled inside a freeze window."""
    freeze = data.get("freeze")
    if freeze and record.change_type != ChangeType.EMERGENCY:
        raise TransitionRefused(
            "freeze_window",
            _(
                "The window falls in the freeze “{name}”; only emergency changes may be scheduled then."
            ).format(name=freeze),
        )


def conflicts_acknowledged(record: Any, actor: Any, data: Mapping[str, Any]) -> None:
    """Guard: overlapping changes on the same service or CI must be acknowledged."""
    if data.get("conflicts") and not data.get("acknowledge_conflicts"):
        raise TransitionRefused(
            "unacknowledged_conflict",
            _(
                "The window overlaps {numbers} on the same service or CI; acknowledge the conflict to schedule."
            ).format(numbers=", ".join(data["conflicts"])),
            field="acknowledge_conflicts",
        )


def review_done(record: Any, actor: Any, data: Mapping[str, Any]) -> None:
    """Guard: failed, backed-out and emergency changes need a post-implementation review."""
    outcome = record.outcome
    notes = data.get("review_notes", record.review_notes) or ""
    needs = (
        outcome in (Outcome.FAILED, Outcome.BACKED_OUT)
        or record.change_type == ChangeType.EMERGENCY
    )
    if needs and not notes.strip():
        raise TransitionRefused(
            "post_implementation_review_required",
            _("Write the post-implementation review before closing this change."),
            field="review_notes",
            status=422,
        )


SUBMIT = Transition(
    "submit",
    frozenset({S.DRAFT}),
    S.ASSESSMENT,
    _("Submit for assessment"),
    PERM,
    guards=(
        require("risk", _("Risk")),
        require("implementation_plan", _("An implementation plan")),
        require("backout_plan", _("A backout plan")),
        require("test_plan", _("A test plan")),
        window_valid,
        standard_not_high_risk,
    ),
)
REQUEST_APPROVAL = Transition(
    "request_approval",
    frozenset({S.ASSESSMENT}),
    S.AUTHORISATION,
    _("Request approval"),
    PERM,
    guards=(needs_authorisation, has_approvers),
)
SCHEDULE = Transition(
    "schedule",
    frozenset({S.ASSESSMENT, S.AUTHORISATION}),
    S.SCHEDULED,
    _("Schedule"),
    PERM,
    guards=(window_valid, authorised, no_freeze, conflicts_acknowledged),
    fields=("acknowledge_conflicts",),
)
IMPLEMENT = Transition(
    "implement",
    frozenset({S.SCHEDULED}),
    S.IMPLEMENTATION,
    _("Start implementation"),
    PERM,
    guards=(no_freeze,),  # a freeze declared after scheduling still holds
)
REVIEW = Transition(
    "review",
    frozenset({S.IMPLEMENTATION}),
    S.REVIEW,
    _("Record outcome"),
    PERM,
    guards=(require("outcome", _("The outcome")),),
    fields=("outcome", "review_notes"),
)
CLOSE = Transition(
    "close",
    frozenset({S.REVIEW}),
    S.CLOSED,
    _("Close"),
    PERM,
    guards=(review_done,),
    fields=("review_notes", "resolve_problem"),
)
CANCEL = Transition(
    "cancel",
    frozenset({S.DRAFT, S.ASSESSMENT, S.AUTHORISATION, S.SCHEDULED}),
    S.CANCELLED,
    _("Cancel"),
    PERM,
    guards=(require("cancel_reason", _("A reason for cancelling")),),
    fields=("cancel_reason",),
)

CHANGE_WORKFLOW = Workflow((SUBMIT, REQUEST_APPROVAL, SCHEDULE, IMPLEMENT, REVIEW, CLOSE, CANCEL))
